"""payment details and service ratings: the organisation's bank account, the account copied
onto each payment (for its payment order), and the rating given when the result is returned.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_account_no', sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column('bank_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('bank_branch', sa.String(length=200), nullable=True))
        batch_op.create_check_constraint(
            'bank_account_complete', '(bank_account_no IS NULL) = (bank_name IS NULL)')
    # Plain ADD COLUMN: a batch copy of the ledger would drop its append-only triggers on SQLite.
    op.add_column('ledger_entries',
                  sa.Column('payee_account_no', sa.String(length=19), nullable=True))
    op.add_column('ledger_entries', sa.Column('payee_bank', sa.String(length=200), nullable=True))
    op.add_column('ledger_entries',
                  sa.Column('payee_branch', sa.String(length=200), nullable=True))
    op.create_table(
        'service_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('program_year_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=13), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('channel', sa.String(length=6), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('rated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IN ('satisfied', 'acceptable', 'not_satisfied')",
                           name=op.f('ck_service_ratings_level_known')),
        sa.CheckConstraint("channel IN ('portal', 'desk')",
                           name=op.f('ck_service_ratings_channel_known')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_service_ratings_dossier_id_dossiers')),
        sa.ForeignKeyConstraint(['program_year_id'], ['program_years.id'],
                                name=op.f('fk_service_ratings_program_year_id_program_years')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_service_ratings_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_ratings')),
        sa.UniqueConstraint('dossier_id', name=op.f('uq_service_ratings_dossier_id')),
    )
    op.create_index('ix_service_ratings_year_level', 'service_ratings',
                    ['program_year_id', 'level'])


def downgrade():
    op.drop_table('service_ratings')
    for column in ('payee_branch', 'payee_bank', 'payee_account_no'):
        op.drop_column('ledger_entries', column)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint('bank_account_complete', type_='check')
        for column in ('bank_branch', 'bank_name', 'bank_account_no'):
            batch_op.drop_column(column)
