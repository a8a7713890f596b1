"""report speed: step times stored on the audit trail, item sums on dossiers, covering and
partial indexes

Every change of state now carries the office time of the step it ended (``step_days``) and the
dossier's program year, so the processing report sums one index range instead of running a
window function over the year's audit trail. Existing events are backfilled here with the same
office-time clock, computed in SQL (the append-only triggers are lifted for that one UPDATE).
Each dossier also carries the count and sums of its items, so the demand report's breakdowns by
commune and organisation type read dossiers only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 01:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

LIVE_APPROVAL = "outcome = 'approved' AND approved_vnd > 0"
STATE_CHANGE = ("a.to_status IS NOT NULL "
                "AND (a.from_status IS NULL OR a.from_status <> a.to_status)")


def _office_clock_sql(postgresql: bool) -> str:
    """SQL: working days of office time (08:00–12:00, 13:00–17:00 Vietnam time, Monday to
    Friday) elapsed from Monday 1970-01-05 to ``a.at`` (naive UTC), as a column ``w``, for the
    state changes ``a`` of the audit trail. The frozen SQL twin of grants.domain.office_time."""
    if postgresql:
        days = "date_part('epoch', a.at) / 86400.0 - 4 + 7 / 24.0"
        day = "floor(days)::integer"
        clamp = "least(greatest({v}, {lo}), {hi})"
    else:
        days = "julianday(a.at) - 2440591.5 + 7 / 24.0"
        day = "CAST(days AS INTEGER)"  # truncation = floor: every timestamp is after 1970
        clamp = "min(max({v}, {lo}), {hi})"
    hours = "(days - n) * 24.0"
    office = (f"({clamp.format(v=hours, lo='8.0', hi='12.0')} - 8.0 + "
              f"{clamp.format(v=hours, lo='13.0', hi='17.0')} - 13.0) / 8.0")
    return f"""
        SELECT id, dossier_id,
               (n / 7) * 5 + CASE WHEN n % 7 < 5 THEN n % 7 ELSE 5 END
               + CASE WHEN n % 7 >= 5 THEN 0.0 ELSE {office} END AS w
        FROM (SELECT id, dossier_id, days, {day} AS n
              FROM (SELECT a.id, a.dossier_id, {days} AS days FROM audit_events a
                    WHERE a.dossier_id IS NOT NULL AND {STATE_CHANGE}) d) n
    """


def _backfill(postgresql: bool) -> None:
    clocked = _office_clock_sql(postgresql)
    spans = (f"SELECT id, w - lag(w) OVER (PARTITION BY dossier_id ORDER BY id) AS span "
             f"FROM ({clocked}) c")
    if postgresql:
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_events_no_{verb}")
    op.execute("UPDATE audit_events SET program_year_id = d.program_year_id FROM dossiers d "
               "WHERE d.id = audit_events.dossier_id")
    op.execute(f"UPDATE audit_events SET step_days = s.span FROM ({spans}) s "
               f"WHERE s.id = audit_events.id AND s.span IS NOT NULL")
    if postgresql:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON "
                       f"audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only');"
                       f" END")


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Plain ADD COLUMN (no batch table copy on SQLite, which would drop the append-only
    # triggers of migration 0002).
    if postgresql:
        op.add_column('audit_events', sa.Column('program_year_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_audit_events_program_year_id_program_years'),
                              'audit_events', 'program_years', ['program_year_id'], ['id'])
    else:
        op.execute("ALTER TABLE audit_events ADD COLUMN program_year_id INTEGER "
                   "CONSTRAINT fk_audit_events_program_year_id_program_years "
                   "REFERENCES program_years (id)")
    op.add_column('audit_events', sa.Column('step_days', sa.Double(), nullable=True))
    _backfill(postgresql)
    op.create_index('ix_audit_events_step_times', 'audit_events',
                    ['program_year_id', 'from_status', 'actor_id', 'to_status', 'step_days'],
                    unique=False, sqlite_where=sa.text('step_days IS NOT NULL'),
                    postgresql_where=sa.text('step_days IS NOT NULL'))

    # Item sums on each dossier (kept by the app whenever items are written), backfilled.
    op.add_column('dossiers', sa.Column('item_count', sa.Integer(), server_default='0',
                                        nullable=False))
    op.add_column('dossiers', sa.Column('items_cost_vnd', sa.BigInteger(), server_default='0',
                                        nullable=False))
    op.add_column('dossiers', sa.Column('items_requested_vnd', sa.BigInteger(),
                                        server_default='0', nullable=False))
    op.execute("UPDATE dossiers SET item_count = s.n, items_cost_vnd = s.cost, "
               "items_requested_vnd = s.requested FROM (SELECT dossier_id, count(*) AS n, "
               "sum(consulting_cost_vnd) AS cost, sum(requested_vnd) AS requested "
               "FROM dossier_items GROUP BY dossier_id) s WHERE s.dossier_id = dossiers.id")
    op.drop_index('ix_dossiers_year_status_org', table_name='dossiers')
    op.create_index('ix_dossiers_year_status_org', 'dossiers',
                    ['program_year_id', 'status', 'organisation_id', 'outcome', 'approved_vnd',
                     'item_count', 'items_cost_vnd', 'items_requested_vnd'], unique=False)
    op.drop_index('ix_dossiers_year_status_due', table_name='dossiers')
    op.create_index('ix_dossiers_year_status_done', 'dossiers',
                    ['program_year_id', 'status', 'due_at', 'finished_at', 'decided_at'],
                    unique=False)
    op.create_index('ix_dossiers_live_approval', 'dossiers',
                    ['program_year_id', 'organisation_id', 'approved_vnd', 'paid_vnd', 'outcome'],
                    unique=False, sqlite_where=sa.text(LIVE_APPROVAL),
                    postgresql_where=sa.text(LIVE_APPROVAL))
    op.create_index('ix_dossier_items_approved', 'dossier_items',
                    ['dossier_id', 'catalogue_item_id', 'approved_vnd'], unique=False,
                    sqlite_where=sa.text('approved_vnd > 0'),
                    postgresql_where=sa.text('approved_vnd > 0'))
    op.drop_index('ix_ledger_entries_year_kind', table_name='ledger_entries')
    op.create_index('ix_ledger_entries_year_kind_amounts', 'ledger_entries',
                    ['program_year_id', 'kind', 'entry_on', 'amount_vnd'], unique=False)
    if postgresql:
        # The planner assumes a year's share of live approvals is the table's share; it is
        # not (the current year's budget caps them at a handful among 40,000 dossiers), and
        # with that guess it hashes every approved item of every year instead of looking up
        # the few dossiers' items. Joint statistics give it the real count.
        expressions = ("program_year_id, outcome, (approved_vnd > 0)"
                       if op.get_bind().dialect.server_version_info >= (14,)
                       else "program_year_id, outcome")
        op.execute(f"CREATE STATISTICS IF NOT EXISTS st_dossiers_year_live (mcv) "
                   f"ON {expressions} FROM dossiers")
        op.execute("ANALYZE dossiers")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_dossiers_year_live")
    op.drop_index('ix_ledger_entries_year_kind_amounts', table_name='ledger_entries')
    op.create_index('ix_ledger_entries_year_kind', 'ledger_entries',
                    ['program_year_id', 'kind'], unique=False)
    op.drop_index('ix_dossier_items_approved', table_name='dossier_items')
    op.drop_index('ix_dossiers_live_approval', table_name='dossiers')
    op.drop_index('ix_dossiers_year_status_done', table_name='dossiers')
    op.create_index('ix_dossiers_year_status_due', 'dossiers',
                    ['program_year_id', 'status', 'due_at'], unique=False)
    op.drop_index('ix_dossiers_year_status_org', table_name='dossiers')
    op.create_index('ix_dossiers_year_status_org', 'dossiers',
                    ['program_year_id', 'status', 'organisation_id', 'outcome', 'approved_vnd'],
                    unique=False)
    for column in ('items_requested_vnd', 'items_cost_vnd', 'item_count'):
        op.drop_column('dossiers', column)
    op.drop_index('ix_audit_events_step_times', table_name='audit_events')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f('fk_audit_events_program_year_id_program_years'),
                           'audit_events', type_='foreignkey')
    # SQLite 3.35+ drops a plain column in place (no table copy, the triggers stay).
    op.drop_column('audit_events', 'step_days')
    op.drop_column('audit_events', 'program_year_id')
