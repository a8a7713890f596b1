"""Issue 13 point 13: the app connects as a role with data rights only. Run against
PostgreSQL (the only database with roles): the README's commands (deploy/postgresql-roles.sql,
run here with psql exactly as the README says) make a role that cannot TRUNCATE the audit trail
nor disable its triggers, while the app's normal work, and the controlled erasure of a
person's data, succeed with it; migrations run as the owner (MIGRATION_DATABASE_URL).

The rest of the suite keeps running as the owner (it empties tables with the triggers off)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from config import TestConfig
from grants.domain.roles import Role
from tests.conftest import PG_URL, RequestClient

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="database roles exist on PostgreSQL only (SQLite has no roles): set "
                       "GRANTS_TEST_DATABASE_URL to run this test")

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "postgresql-roles.sql"


def _psql_roles(url, owner: str, app_role: str) -> None:
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    command = ["psql", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
               "-U", url.username, "-d", url.database, "-v", f"owner={owner}",
               "-v", f"app={app_role}", "-v", "ON_ERROR_STOP=1", "-q", "-f", str(ROLES_SQL)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603


@pytest.fixture
def app_role_app(app, db):
    """A second app on the same database, connected as the data-only role; its migrations
    run as the owner."""
    from grants.app import create_app

    owner_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app_role = f"grants_app_{owner_url.database}"[:63]
    db.session.commit()
    _psql_roles(owner_url, owner_url.username, app_role)
    role_url = owner_url.set(username=app_role, password=None)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = role_url.render_as_string(hide_password=False)
        MIGRATION_DATABASE_URL = owner_url.render_as_string(hide_password=False)
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    other = create_app(Config)
    other.test_client_class = RequestClient
    yield other
    with other.app_context():
        from grants.extensions import db as other_db

        other_db.engine.dispose()


def _as_app_role(app_role_app):
    return create_engine(app_role_app.config["SQLALCHEMY_DATABASE_URI"])


@pytest.mark.parametrize("statement", [
    "TRUNCATE audit_events",
    "TRUNCATE ledger_entries",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "DROP TRIGGER audit_events_append_only ON audit_events",
    "SET LOCAL session_replication_role = replica",
    "UPDATE audit_events SET note = 'x'",
    "DELETE FROM audit_events",
])
def test_the_app_role_cannot_touch_the_audit_trail(app_role_app, db, world, statement):
    from grants.services import audit

    audit.record("test.row", world["org"], actor=world[Role.CLERK])
    db.session.commit()
    engine = _as_app_role(app_role_app)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT current_user")) != make_url(PG_URL).username
            with pytest.raises(DBAPIError):
                conn.execute(text(statement))
                conn.execute(text("DELETE FROM audit_events"))  # after SET … replica
            conn.rollback()
            # Setting the redaction flag itself does not open the trail to the app role.
            conn.execute(text("SET LOCAL grants.redacting = 'on'"))
            with pytest.raises(DBAPIError):
                conn.execute(text("UPDATE audit_events SET note = 'x'"))
            conn.rollback()
    finally:
        engine.dispose()
    assert db.session.execute(text("SELECT count(*) FROM audit_events")).scalar() >= 1


def test_normal_work_and_erasure_succeed_as_the_app_role(app_role_app, db, world):
    from grants.models import AuditEvent, Dossier, User
    from tests.web.test_applicant import create_draft, upload_all
    from tests.web.test_auth import _register_form

    client = app_role_app.test_client()
    # An organisation registers (users, organisations, claims, outbox, audit), drafts and
    # uploads (sequences, files), as the app role.
    assert client.post("/auth/register", data=_register_form()).status_code == 302
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    upload_all(client, dossier)
    client.post("/auth/logout")
    # The admin erases the person: the audit trail is rewritten only through the owner's
    # SECURITY DEFINER function, which the app role may execute.
    rows_before = db.session.query(AuditEvent).count()
    person = db.session.query(User).filter_by(email="mai@congty.vn").one()
    login = client.post("/auth/login", data={"email": world[Role.ADMIN].email,
                                             "password": "matkhau123"})
    assert login.status_code == 302
    done = client.post(f"/privacy/people/{person.id}/anonymise",
                       data={"confirm": "mai@congty.vn"})
    assert done.status_code == 302, done.get_data(as_text=True)[:1000]
    db.session.expire_all()
    assert db.session.query(AuditEvent).count() == rows_before + 1
    assert db.session.get(Dossier, dossier.id).status == "draft"
    trail = " ".join(db.session.execute(text(
        "SELECT coalesce(after_json, '') FROM audit_events")).scalars())
    assert "mai@congty.vn" not in trail


def test_migrations_run_as_the_owner(app_role_app, db):
    """``flask db downgrade/upgrade`` with the app connected as the data-only role: it works
    because migrations use MIGRATION_DATABASE_URL (the owner); the app role alone could not
    drop or create a table."""
    from flask_migrate import downgrade, upgrade

    db.session.commit()
    engine = _as_app_role(app_role_app)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text("DROP TABLE personal_data_erasures"))
    finally:
        engine.dispose()
    with app_role_app.app_context():
        downgrade(revision="-1")
        upgrade()
    owner = db.session.execute(text(
        "SELECT tableowner FROM pg_tables WHERE tablename = 'personal_data_erasures'")).scalar()
    assert owner == make_url(PG_URL).username
