"""Erasure reaches the outbox: the one controlled way through the append-only triggers
(0013: audit_events, security_events) now also passes an UPDATE of domain_events while an
erasure is in progress, and grants_redact_person replaces the person's values inside the
events' payloads (a note or a reason typed by an officer may quote a name). On SQLite the
trigger of domain_events lets an UPDATE through only while an erasure is in progress, as 0013
does for the trails.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 03:55:00

"""
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION grants_append_only() RETURNS trigger AS $$
BEGIN
  -- The one exception: grants_redact_person() (SECURITY DEFINER, run as the tables' owner)
  -- replacing a person's identifying values. The application role is not the owner, so
  -- setting grants.redacting itself does not let it through.
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME IN ('audit_events', 'security_events', 'domain_events')
     AND current_setting('grants.redacting', true) = 'on'
     AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID),
                     'MEMBER') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'Bảng % chỉ cho phép thêm bản ghi (append-only)', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PG_REDACT = """
CREATE OR REPLACE FUNCTION grants_redact_person(p_user_id integer, p_values text[],
                                                p_replacement text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v text;
  changed integer;
  total integer := 0;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM personal_data_erasures
                 WHERE user_id = p_user_id AND in_progress) THEN
    RAISE EXCEPTION 'grants_redact_person: no erasure in progress for user %', p_user_id;
  END IF;
  IF p_values IS NULL OR EXISTS (SELECT 1 FROM unnest(p_values) AS x WHERE length(x) < 3) THEN
    RAISE EXCEPTION 'grants_redact_person: every value needs at least 3 characters';
  END IF;
  PERFORM set_config('grants.redacting', 'on', true);
  FOREACH v IN ARRAY p_values LOOP
    UPDATE audit_events SET
      before_json = replace(before_json, to_json(v)::text, to_json(p_replacement)::text),
      after_json = replace(after_json, to_json(v)::text, to_json(p_replacement)::text),
      note = replace(note, v, p_replacement)
    WHERE strpos(coalesce(before_json, '') || coalesce(after_json, '') || coalesce(note, ''),
                 v) > 0;
    GET DIAGNOSTICS changed = ROW_COUNT;
    total := total + changed;
    UPDATE security_events SET
      email = CASE WHEN lower(email) = lower(v) THEN p_replacement ELSE email END,
      detail_json = replace(detail_json, to_json(v)::text, to_json(p_replacement)::text)
    WHERE lower(coalesce(email, '')) = lower(v) OR strpos(coalesce(detail_json, ''), v) > 0;
    -- Inside the payloads' text (a note may quote the name among other words): the value as
    -- it appears inside a JSON string, its quotes stripped.
    UPDATE domain_events SET
      payload_json = replace(payload_json, trim(both '"' from to_json(v)::text),
                             trim(both '"' from to_json(p_replacement)::text))
    WHERE strpos(payload_json, trim(both '"' from to_json(v)::text)) > 0;
  END LOOP;
  UPDATE audit_events SET ip = NULL WHERE actor_id = p_user_id AND ip IS NOT NULL;
  GET DIAGNOSTICS changed = ROW_COUNT;
  total := total + changed;
  UPDATE security_events SET ip = NULL WHERE user_id = p_user_id AND ip IS NOT NULL;
  PERFORM set_config('grants.redacting', 'off', true);
  RETURN total;
END;
$$;
REVOKE ALL ON FUNCTION grants_redact_person(integer, text[], text) FROM PUBLIC;
"""

SQLITE_GUARD = "WHEN NOT EXISTS (SELECT 1 FROM personal_data_erasures WHERE in_progress = 1)"


def _sqlite_trigger(guard: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS domain_events_no_update")
    op.execute(f"CREATE TRIGGER domain_events_no_update BEFORE UPDATE ON domain_events {guard} "
               "BEGIN SELECT RAISE(ABORT, 'domain_events is append-only'); END")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
        op.execute(PG_REDACT)
    else:
        _sqlite_trigger(SQLITE_GUARD)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY.replace(", 'domain_events')", ")"))
        start = PG_REDACT.index("    -- Inside the payloads' text")
        end = PG_REDACT.index("  END LOOP;")
        op.execute(PG_REDACT[:start] + PG_REDACT[end:])
    else:
        _sqlite_trigger("")
