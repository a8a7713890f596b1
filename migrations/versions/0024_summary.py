"""Report summaries (issue 15.2): the figures of the demand summary, target progress, the
processing report, year over year and budget execution, kept as grouped rows that every change
moves in its own transaction (grants/services/summaries.py). Filled here from the existing rows,
with the definitions of grants/queries/summaries.py written out (``flask check-summaries``
compares them with the source rows).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 17:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

NO_COMMUNE = "(Chưa ghi xã/phường)"
STEP_OF_STATUS = {'submitted': 'reception', 'received': 'assignment', 'assigned': 'appraisal',
                  'appraised': 'review', 'reviewed': 'decision',
                  'submitted_to_committee': 'committee', 'approved': 'issuing',
                  'rejected': 'issuing', 'issued': 'return'}
PAUSED = ('supplement_received', 'supplement_appraisal')  # PAUSED_IN_PROCESS


def _count(name):
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _year():
    return sa.Column('program_year_id', sa.Integer(), nullable=False)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _fill() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == 'postgresql'
    commune = "COALESCE(o.commune, :no_commune)"
    done_at = "COALESCE(d.finished_at, d.decided_at)"
    judged = f"d.due_at IS NOT NULL AND {done_at} IS NOT NULL"
    conn.execute(sa.text(
        "INSERT INTO summary_dossiers (program_year_id, commune, org_type, status, dossiers, "
        "item_count, items_cost_vnd, items_requested_vnd, judged, on_time, approved_items_vnd) "
        f"SELECT d.program_year_id, {commune}, o.org_type, d.status, COUNT(d.id), "
        "COALESCE(SUM(d.item_count), 0), COALESCE(SUM(d.items_cost_vnd), 0), "
        "COALESCE(SUM(d.items_requested_vnd), 0), "
        f"SUM(CASE WHEN {judged} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {judged} AND {done_at} <= d.due_at THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN d.outcome = 'approved' AND d.approved_vnd > 0 THEN (SELECT "
        "COALESCE(SUM(i.approved_vnd), 0) FROM dossier_items i WHERE i.dossier_id = d.id "
        "AND i.approved_vnd > 0) ELSE 0 END) "
        "FROM dossiers d JOIN organisations o ON o.id = d.organisation_id "
        "GROUP BY d.program_year_id, 2, o.org_type, d.status"), {"no_commune": NO_COMMUNE})
    approved = ("CASE WHEN d.outcome = 'approved' AND d.approved_vnd > 0 "
                "AND i.approved_vnd > 0 THEN TRUE ELSE FALSE END")
    conn.execute(sa.text(
        "INSERT INTO summary_items (program_year_id, catalogue_item_id, status, approved, "
        "items, consulting_cost_vnd, requested_vnd, approved_vnd) "
        f"SELECT d.program_year_id, i.catalogue_item_id, d.status, {approved}, COUNT(i.id), "
        "COALESCE(SUM(i.consulting_cost_vnd), 0), COALESCE(SUM(i.requested_vnd), 0), "
        "COALESCE(SUM(i.approved_vnd), 0) "
        "FROM dossier_items i JOIN dossiers d ON d.id = i.dossier_id "
        "GROUP BY d.program_year_id, i.catalogue_item_id, d.status, 4"))
    step_key = "CASE a.from_status " + " ".join(
        f"WHEN '{status}' THEN '{key}'" for status, key in STEP_OF_STATUS.items()) + " END"
    allotment = "CAST(s.allotment_minutes AS DOUBLE PRECISION) / 480.0"
    conn.execute(sa.text(
        "INSERT INTO summary_steps (program_year_id, from_status, actor_id, done, spans, "
        "span_days, over_allotment) "
        "SELECT a.program_year_id, a.from_status, COALESCE(a.actor_id, 0), "
        f"SUM(CASE WHEN a.to_status IN {_in(PAUSED)} THEN 0 ELSE 1 END), COUNT(a.id), "
        "SUM(a.step_days), "
        f"SUM(CASE WHEN s.id IS NOT NULL AND a.step_days > {allotment} THEN 1 ELSE 0 END) "
        "FROM audit_events a LEFT JOIN procedure_steps s "
        f"ON s.program_year_id = a.program_year_id AND s.key = {step_key} AND s.counted "
        "WHERE a.program_year_id IS NOT NULL AND a.step_days IS NOT NULL "
        f"AND a.from_status IN {_in(STEP_OF_STATUS)} AND a.to_status <> 'withdrawn' "
        "GROUP BY a.program_year_id, a.from_status, 3"))
    if pg:
        year, month = ("CAST(EXTRACT(YEAR FROM entry_on) AS INTEGER)",
                       "CAST(EXTRACT(MONTH FROM entry_on) AS INTEGER)")
    else:
        year, month = ("CAST(strftime('%Y', entry_on) AS INTEGER)",
                       "CAST(strftime('%m', entry_on) AS INTEGER)")
    conn.execute(sa.text(
        "INSERT INTO summary_ledger (program_year_id, kind, entry_year, entry_month, entries, "
        f"amount_vnd) SELECT program_year_id, kind, {year}, {month}, COUNT(id), "
        "SUM(amount_vnd) FROM ledger_entries GROUP BY program_year_id, kind, 3, 4"))


def upgrade():
    op.create_table(
        'summary_dossiers', _year(),
        sa.Column('commune', sa.String(length=120), nullable=False),
        sa.Column('org_type', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=30), nullable=False),
        _count('dossiers'), _count('item_count'), _count('items_cost_vnd'),
        _count('items_requested_vnd'), _count('judged'), _count('on_time'),
        _count('approved_items_vnd'),
        sa.PrimaryKeyConstraint('program_year_id', 'commune', 'org_type', 'status',
                                name=op.f('pk_summary_dossiers')))
    op.create_table(
        'summary_items', _year(),
        sa.Column('catalogue_item_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=30), nullable=False),
        sa.Column('approved', sa.Boolean(), nullable=False),
        _count('items'), _count('consulting_cost_vnd'), _count('requested_vnd'),
        _count('approved_vnd'),
        sa.PrimaryKeyConstraint('program_year_id', 'catalogue_item_id', 'status', 'approved',
                                name=op.f('pk_summary_items')))
    op.create_table(
        'summary_steps', _year(),
        sa.Column('from_status', sa.String(length=30), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        _count('done'), _count('spans'),
        sa.Column('span_days', sa.Double(), nullable=False),
        _count('over_allotment'),
        sa.PrimaryKeyConstraint('program_year_id', 'from_status', 'actor_id',
                                name=op.f('pk_summary_steps')))
    op.create_table(
        'summary_ledger', _year(),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('entry_year', sa.Integer(), nullable=False),
        sa.Column('entry_month', sa.Integer(), nullable=False),
        _count('entries'), _count('amount_vnd'),
        sa.PrimaryKeyConstraint('program_year_id', 'kind', 'entry_year', 'entry_month',
                                name=op.f('pk_summary_ledger')))
    _fill()


def downgrade():
    for table in ('summary_ledger', 'summary_steps', 'summary_items', 'summary_dossiers'):
        op.drop_table(table)
