"""jobs: long work run by the task queue (exports, the legacy import, the year close), with its
progress and the file it made.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=17), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('parameters_json', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=7), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('file_path', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed', 'expired')",
                           name=op.f('ck_jobs_state_known')),
        sa.CheckConstraint("kind IN ('register', 'budget_report', 'target_report', "
                           "'demand_report', 'processing_report', 'years_report', "
                           "'legacy_import', 'year_close')",
                           name=op.f('ck_jobs_kind_known')),
        sa.CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)",
                           name=op.f('ck_jobs_progress_positive')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'],
                                name=op.f('fk_jobs_owner_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    op.create_index('ix_jobs_owner', 'jobs', ['owner_id', 'id'])
    op.create_index(op.f('ix_jobs_state'), 'jobs', ['state'])
    op.create_index(op.f('ix_jobs_expires_at'), 'jobs', ['expires_at'])


def downgrade():
    op.drop_table('jobs')
