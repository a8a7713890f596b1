"""papers: the "Căn cứ" of a year's decisions: the Department's functions decision and the
number and date of the year's implementation plan.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 14:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('program_years') as batch:
        batch.add_column(sa.Column('functions_decision', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('plan_number', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('plan_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('program_years') as batch:
        batch.drop_column('plan_date')
        batch.drop_column('plan_number')
        batch.drop_column('functions_decision')
