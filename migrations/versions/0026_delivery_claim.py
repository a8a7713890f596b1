"""The claim of a webhook delivery: the state "sending" (an attempt in flight, claimed by one
run until its lease, ``next_attempt_at``, runs out), so two runs of one delivery (a retry and a
sweep) never POST it at the same time.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 03:20:00

"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

NAME = 'ck_webhook_deliveries_state_known'


def _states(*states):
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(NAME), type_='check')
        batch_op.create_check_constraint(
            batch_op.f(NAME), "state IN (" + ", ".join(f"'{state}'" for state in states) + ")")


def upgrade():
    _states('pending', 'sending', 'delivered', 'failed')


def downgrade():
    op.execute("UPDATE webhook_deliveries SET state = 'pending' WHERE state = 'sending'")
    _states('pending', 'delivered', 'failed')
