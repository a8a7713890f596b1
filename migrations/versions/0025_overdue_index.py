"""The overdue list of the processing report (issue 15): ``id`` added to
ix_dossiers_year_status_done, so the count of a year's overdue dossiers and the page of their ids
(sorted by due moment and id) are read from the index alone, without visiting the table.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 21:40:00

"""
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

COLUMNS = ['program_year_id', 'status', 'due_at', 'finished_at', 'decided_at']


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_year_status_done')
        batch_op.create_index('ix_dossiers_year_status_done', [*COLUMNS, 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_year_status_done')
        batch_op.create_index('ix_dossiers_year_status_done', COLUMNS, unique=False)
