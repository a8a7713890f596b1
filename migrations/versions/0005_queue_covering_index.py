"""work queue covering index

The work queues page their keys with every sort column read from one index (state, step
deadline, due date, filing and creation time, id), then load only the page's dossiers. It
replaces the (state, step deadline) index, its prefix.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 01:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_queue', ['status', 'step_due_at', 'due_at',
                                                    'submitted_at', 'created_at', 'id'],
                              unique=False)
        batch_op.drop_index('ix_dossiers_status_step_due')


def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_status_step_due', ['status', 'step_due_at'],
                              unique=False)
        batch_op.drop_index('ix_dossiers_queue')
