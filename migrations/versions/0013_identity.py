"""Identity of organisations (claims verified by the desk), confirmed e-mail and privacy
consent, active content of PDFs, erasure of a person's data (issue 13 points 7, 8, 9, 12).

* organisations.verification (existing rows: verified); the tax code is unique among verified
  organisations only, so a second claim on a tax code can wait for the desk;
* organisation_claims: who claims which organisation, the certificate they uploaded, the desk's
  decision;
* users.email_confirmed_at (existing rows: confirmed at their creation), privacy consent
  (time and notice version), anonymised_at;
* attachments.active_content;
* personal_data_erasures, and the one controlled way through the append-only triggers of
  audit_events and security_events: on PostgreSQL the SECURITY DEFINER function
  grants_redact_person (owned by the migrating role, the tables' owner), on SQLite an UPDATE
  only while an erasure is in progress.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

REDACTED = ("audit_events", "security_events")

PG_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION grants_append_only() RETURNS trigger AS $$
BEGIN
  -- The one exception: grants_redact_person() (SECURITY DEFINER, run as the tables' owner)
  -- replacing a person's identifying values. The application role is not the owner, so
  -- setting grants.redacting itself does not let it through.
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME IN ('audit_events', 'security_events')
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


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification", sa.String(length=10),
                                      server_default="verified", nullable=False))
        batch_op.create_check_constraint(
            "verification_known", "verification IN ('pending', 'verified', 'rejected')")
        batch_op.drop_constraint("uq_organisations_tax_code", type_="unique")
        batch_op.create_index("ix_organisations_tax_code", ["tax_code"], unique=False)
    op.create_index("uq_organisations_tax_code_verified", "organisations", ["tax_code"],
                    unique=True, sqlite_where=sa.text("verification = 'verified'"),
                    postgresql_where=sa.text("verification = 'verified'"))

    op.create_table(
        "organisation_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tax_code", sa.String(length=14), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("certificate_stored_name", sa.String(length=80), nullable=True),
        sa.Column("certificate_original_name", sa.String(length=255), nullable=True),
        sa.Column("certificate_content_type", sa.String(length=50), nullable=True),
        sa.Column("certificate_size", sa.BigInteger(), nullable=True),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("certificate_uploaded_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'verified', 'rejected')",
                           name=op.f("ck_organisation_claims_status_known")),
        sa.CheckConstraint("certificate_size IS NULL OR certificate_size > 0",
                           name=op.f("ck_organisation_claims_certificate_size_positive")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_organisation_claims_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_organisation_claims_user_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_organisation_claims_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_claims")),
        sa.UniqueConstraint("certificate_stored_name",
                            name=op.f("uq_organisation_claims_certificate_stored_name")),
    )
    for column in ("organisation_id", "user_id", "tax_code", "status"):
        op.create_index(op.f(f"ix_organisation_claims_{column}"), "organisation_claims",
                        [column])

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("privacy_consent_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("privacy_notice_version", sa.String(length=20),
                                      nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))
    # Accounts that exist today were made by staff, the CLI or the demo: confirmed.
    op.execute("UPDATE users SET email_confirmed_at = created_at")

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active_content", sa.String(length=200), nullable=True))

    op.create_table(
        "personal_data_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("audit_rows", sa.Integer(), nullable=False),
        sa.Column("in_progress", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_personal_data_erasures_user_id_users")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_personal_data_erasures_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_erasures")),
    )
    op.create_index(op.f("ix_personal_data_erasures_user_id"), "personal_data_erasures",
                    ["user_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
        op.execute(PG_REDACT)
    else:
        for table in REDACTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"{SQLITE_GUARD} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); "
                       "END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS grants_redact_person(integer, text[], text)")
        op.execute(PG_APPEND_ONLY.replace(
            "current_setting('grants.redacting', true) = 'on'", "false"))
    else:
        for table in REDACTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    op.drop_index(op.f("ix_personal_data_erasures_user_id"), table_name="personal_data_erasures")
    op.drop_table("personal_data_erasures")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("active_content")
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in ("anonymised_at", "privacy_notice_version", "privacy_consent_at",
                       "email_confirmed_at"):
            batch_op.drop_column(column)
    for column in ("status", "tax_code", "user_id", "organisation_id"):
        op.drop_index(op.f(f"ix_organisation_claims_{column}"), table_name="organisation_claims")
    op.drop_table("organisation_claims")
    op.drop_index("uq_organisations_tax_code_verified", table_name="organisations")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index("ix_organisations_tax_code")
        batch_op.create_unique_constraint("uq_organisations_tax_code", ["tax_code"])
        batch_op.drop_constraint("verification_known", type_="check")
        batch_op.drop_column("verification")
