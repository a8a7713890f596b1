-- Two database roles for the app (issue 13 point 13): the OWNER owns the tables and runs the
-- migrations; the APP role, which the running app connects as, has data rights only (SELECT,
-- INSERT, UPDATE, DELETE on tables, USAGE on sequences, EXECUTE on functions): it cannot
-- TRUNCATE, ALTER or DROP a table, nor disable the append-only triggers of the audit trail,
-- the ledger and the logs.
--
-- Run as a superuser, connected to the application's database (README, "Database roles"):
--   psql -h 127.0.0.1 -U postgres -d grants -v owner=grants_owner -v app=grants_app \
--        -v ON_ERROR_STOP=1 -f deploy/postgresql-roles.sql
-- It may be run again (after a restore, or to repair rights): every statement is idempotent.

SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', :'app')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app') \gexec
GRANT USAGE ON SCHEMA public TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"app";
-- Tables, sequences and functions the owner creates later (each migration) get the same rights.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT USAGE, SELECT ON SEQUENCES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT EXECUTE ON FUNCTIONS TO :"app";
