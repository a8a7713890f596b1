"""paths: a supplement asked after reception (two new dossier states, its notice) and the
apology for a late dossier with its new return date (issue 14, paths 1 and 2).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

STATUSES = ['draft', 'submitted', 'supplement_requested', 'refused', 'received', 'assigned',
            'appraised', 'reviewed', 'approved', 'rejected', 'issued', 'returned', 'withdrawn']
NEW_STATUSES = ['supplement_received', 'supplement_appraisal']
KINDS = ['receipt', 'supplement_request', 'intake_refusal', 'appraisal_minutes',
         'support_decision', 'rejection_letter']
NEW_KINDS = ['processing_supplement', 'delay_apology']


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _checks(statuses: list[str], kinds: list[str]) -> None:
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_constraint(op.f('ck_dossiers_status_known'), type_='check')
        batch.create_check_constraint(op.f('ck_dossiers_status_known'), _in('status', statuses))
    with op.batch_alter_table('documents') as batch:
        batch.drop_constraint(op.f('ck_documents_kind_known'), type_='check')
        batch.create_check_constraint(op.f('ck_documents_kind_known'), _in('kind', kinds))


def upgrade():
    _checks(STATUSES + NEW_STATUSES, KINDS + NEW_KINDS)
    op.create_table(
        'delay_apologies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('step_key', sa.String(length=30), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('due_before', sa.DateTime(), nullable=False),
        sa.Column('new_return_on', sa.Date(), nullable=False),
        sa.Column('apologised_by_id', sa.Integer(), nullable=False),
        sa.Column('apologised_at', sa.DateTime(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('length(reason) > 0', name=op.f('ck_delay_apologies_reason_given')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_delay_apologies_dossier_id_dossiers')),
        sa.ForeignKeyConstraint(['apologised_by_id'], ['users.id'],
                                name=op.f('fk_delay_apologies_apologised_by_id_users')),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_delay_apologies_document_id_documents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delay_apologies')),
    )
    op.create_index(op.f('ix_delay_apologies_dossier_id'), 'delay_apologies', ['dossier_id'])


def downgrade():
    op.drop_index(op.f('ix_delay_apologies_dossier_id'), table_name='delay_apologies')
    op.drop_table('delay_apologies')
    _checks(STATUSES, KINDS)
