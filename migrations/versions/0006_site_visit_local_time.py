"""site visit time is named as local time

``site_visits.visited_at`` held the Vietnam local time of the visit (as written in the minutes),
against the rule that every ``*_at`` column is naive UTC. The column is renamed to
``visited_local``; the values are unchanged.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.alter_column('visited_at', new_column_name='visited_local')


def downgrade():
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.alter_column('visited_local', new_column_name='visited_at')
