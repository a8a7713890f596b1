"""The Chairman's path and the recovery of undue support (issue 14.3, 14.4): the state
«submitted to the People's Committee», the Committee's decision number and date on decisions,
the Committee's own step in the years the Chairman decides; the dossier's recovered/repaid
counters, the ledger's recovery and repayment entries; the proposal (tờ trình) and the recovery
decision as document kinds.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

OLD_ENTRY_KINDS = ('commitment', 'commitment_release', 'disbursement', 'disbursement_reversal')
NEW_ENTRY_KINDS = OLD_ENTRY_KINDS + ('recovery', 'recovery_repayment')
OLD_DOCUMENT_KINDS = ('receipt', 'supplement_request', 'intake_refusal', 'appraisal_minutes',
                      'support_decision', 'rejection_letter', 'processing_supplement',
                      'delay_apology')
NEW_DOCUMENT_KINDS = OLD_DOCUMENT_KINDS + ('recovery_decision', 'committee_proposal')
OLD_STATUSES = ('draft', 'submitted', 'supplement_requested', 'supplement_received',
                'supplement_appraisal', 'refused', 'received', 'assigned', 'appraised',
                'reviewed', 'approved', 'rejected', 'issued', 'returned', 'withdrawn')
NEW_STATUSES = OLD_STATUSES[:10] + ('submitted_to_committee',) + OLD_STATUSES[10:]
COMMITTEE_LABEL = "Trình UBND tỉnh; UBND tỉnh xem xét, quyết định"
DEPARTMENT_SHARE_MINUTES = 240
RECOVERY_CHECK = ("repaid_vnd >= 0 AND repaid_vnd <= recovered_vnd "
                  "AND recovered_vnd - repaid_vnd <= paid_vnd")


def _kinds_in(kinds, column='kind') -> str:
    return f"{column} IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _committee_steps() -> None:
    """Years the Chairman decides get the Committee's step, its time taken from the decision
    step (as grants.services.year_defaults.sync_committee_step does for new ones)."""
    conn = op.get_bind()
    years = conn.execute(sa.text("SELECT id FROM program_years WHERE authority = 'chairman'"))
    for (year_id,) in years.fetchall():
        steps = conn.execute(sa.text(
            "SELECT id, key, position, allotment_minutes FROM procedure_steps "
            "WHERE program_year_id = :y ORDER BY position"), {"y": year_id}).fetchall()
        keys = {key for _, key, _, _ in steps}
        decision = next((row for row in steps if row[1] == 'decision'), None)
        if 'committee' in keys or decision is None:
            continue
        kept = min(DEPARTMENT_SHARE_MINUTES, decision[3] // 2)
        for step_id, _, position, _ in reversed(steps):
            if position > decision[2]:
                conn.execute(sa.text("UPDATE procedure_steps SET position = position + 1 "
                                     "WHERE id = :i"), {"i": step_id})
        conn.execute(sa.text("UPDATE procedure_steps SET allotment_minutes = :m WHERE id = :i"),
                     {"m": kept, "i": decision[0]})
        conn.execute(sa.text(
            "INSERT INTO procedure_steps (program_year_id, position, key, label, role, "
            "allotment_minutes, counted) VALUES (:y, :p, 'committee', :l, 'leader', :m, :c)"),
            {"y": year_id, "p": decision[2] + 1, "l": COMMITTEE_LABEL,
             "m": decision[3] - kept, "c": True})


def _kind_check(table: str, kinds) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f'ck_{table}_kind_known'), type_='check')
        batch.create_check_constraint(op.f(f'ck_{table}_kind_known'), _kinds_in(kinds))


def upgrade():
    _kind_check('ledger_entries', NEW_ENTRY_KINDS)
    _kind_check('documents', NEW_DOCUMENT_KINDS)
    with op.batch_alter_table('decisions') as batch:
        batch.add_column(sa.Column('committee_number', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('committee_decided_on', sa.Date(), nullable=True))
    _committee_steps()
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_constraint(op.f('ck_dossiers_status_known'), type_='check')
        batch.create_check_constraint(op.f('ck_dossiers_status_known'),
                                      _kinds_in(NEW_STATUSES, 'status'))
        batch.add_column(sa.Column('recovered_vnd', sa.BigInteger(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('repaid_vnd', sa.BigInteger(), nullable=False,
                                   server_default='0'))
        batch.create_check_constraint(op.f('ck_dossiers_recovery_within_paid'), RECOVERY_CHECK)
    with op.batch_alter_table('dossiers') as batch:
        batch.alter_column('recovered_vnd', server_default=None)
        batch.alter_column('repaid_vnd', server_default=None)


def downgrade():
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_constraint(op.f('ck_dossiers_recovery_within_paid'), type_='check')
        batch.drop_column('repaid_vnd')
        batch.drop_column('recovered_vnd')
        batch.drop_constraint(op.f('ck_dossiers_status_known'), type_='check')
        batch.create_check_constraint(op.f('ck_dossiers_status_known'),
                                      _kinds_in(OLD_STATUSES, 'status'))
    with op.batch_alter_table('decisions') as batch:
        batch.drop_column('committee_decided_on')
        batch.drop_column('committee_number')
    # The Committee's step gives its time back to the decision step.
    conn = op.get_bind()
    for year_id, minutes, position in conn.execute(sa.text(
            "SELECT program_year_id, allotment_minutes, position FROM procedure_steps "
            "WHERE key = 'committee'")).fetchall():
        conn.execute(sa.text("UPDATE procedure_steps SET allotment_minutes = allotment_minutes"
                             " + :m WHERE program_year_id = :y AND key = 'decision'"),
                     {"m": minutes, "y": year_id})
        conn.execute(sa.text("DELETE FROM procedure_steps WHERE program_year_id = :y "
                             "AND key = 'committee'"), {"y": year_id})
        conn.execute(sa.text("UPDATE procedure_steps SET position = position - 1 "
                             "WHERE program_year_id = :y AND position > :p"),
                     {"y": year_id, "p": position})
    _kind_check('documents', OLD_DOCUMENT_KINDS)
    _kind_check('ledger_entries', OLD_ENTRY_KINDS)
