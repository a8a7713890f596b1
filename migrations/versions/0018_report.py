"""annual report texts: the officers' introduction, assessment and proposals of the report on
implementing the resolution, per year or range of years.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'annual_report_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('last_year', sa.Integer(), nullable=False),
        sa.Column('introduction', sa.Text(), nullable=False),
        sa.Column('assessment', sa.Text(), nullable=False),
        sa.Column('proposals', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('last_year >= first_year',
                           name=op.f('ck_annual_report_texts_period_ordered')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_annual_report_texts_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_texts')),
        sa.UniqueConstraint('first_year', 'last_year', name='uq_annual_report_texts_period'),
    )


def downgrade():
    op.drop_table('annual_report_texts')
