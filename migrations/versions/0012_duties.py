"""Separation of duties: the chief accountant role, payments confirmed by a second person above
a threshold set per year (pending_payments; ledger_entries.pending_payment_id, unique).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_ROLES = ('applicant', 'clerk', 'head', 'appraiser', 'leader', 'records', 'finance', 'admin')
NEW_ROLES = ('applicant', 'clerk', 'head', 'appraiser', 'leader', 'records', 'finance',
             'chief_accountant', 'admin')


def _roles_in(roles) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _role_checks(roles):
    for table in ("user_roles", "procedure_steps"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f'ck_{table}_role_known'), type_='check')
            batch.create_check_constraint(op.f(f'ck_{table}_role_known'), _roles_in(roles))


def upgrade():
    _role_checks(NEW_ROLES)
    with op.batch_alter_table('program_years') as batch:
        batch.add_column(sa.Column('payment_threshold_vnd', sa.BigInteger(), nullable=False,
                                   server_default='100000000'))
        batch.create_check_constraint(op.f('ck_program_years_payment_threshold_non_negative'),
                                      'payment_threshold_vnd >= 0')
    with op.batch_alter_table('program_years') as batch:
        batch.alter_column('payment_threshold_vnd', server_default=None)
    op.create_table(
        'pending_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program_year_id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('voucher_no', sa.String(length=50), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('bank_reference', sa.String(length=100), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'confirmed', 'cancelled')",
                           name=op.f('ck_pending_payments_status_known')),
        sa.CheckConstraint("method IN ('transfer', 'cash')",
                           name=op.f('ck_pending_payments_method_known')),
        sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_pending_payments_amount_positive')),
        sa.CheckConstraint("(status = 'pending') = (decided_by_id IS NULL)",
                           name=op.f('ck_pending_payments_decided_iff_not_pending')),
        sa.CheckConstraint("status != 'confirmed' OR decided_by_id != recorded_by_id",
                           name=op.f('ck_pending_payments_confirmed_by_second_person')),
        sa.ForeignKeyConstraint(['program_year_id'], ['program_years.id'],
                                name=op.f('fk_pending_payments_program_year_id_program_years')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_pending_payments_dossier_id_dossiers')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_pending_payments_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_pending_payments_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_payments')),
    )
    op.create_index(op.f('ix_pending_payments_dossier_id'), 'pending_payments', ['dossier_id'])
    op.create_index('ix_pending_payments_year_status', 'pending_payments',
                    ['program_year_id', 'status', 'amount_vnd'])
    # ledger_entries is append-only by triggers: a plain ADD COLUMN (no table rebuild, which on
    # SQLite would drop the triggers) and a unique index rather than a table constraint.
    fk = 'fk_ledger_entries_pending_payment_id_pending_payments'
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE ledger_entries ADD COLUMN pending_payment_id INTEGER "
                   f"CONSTRAINT {fk} REFERENCES pending_payments (id)")
    else:
        op.add_column('ledger_entries', sa.Column('pending_payment_id', sa.Integer(),
                                                  nullable=True))
        op.create_foreign_key(fk, 'ledger_entries', 'pending_payments',
                              ['pending_payment_id'], ['id'])
    op.create_index('ix_ledger_entries_pending_payment_id', 'ledger_entries',
                    ['pending_payment_id'], unique=True)


def downgrade():
    op.drop_index('ix_ledger_entries_pending_payment_id', table_name='ledger_entries')
    with op.batch_alter_table('ledger_entries') as batch:
        batch.drop_column('pending_payment_id')
    op.drop_table('pending_payments')
    with op.batch_alter_table('program_years') as batch:
        batch.drop_constraint(op.f('ck_program_years_payment_threshold_non_negative'),
                              type_='check')
        batch.drop_column('payment_threshold_vnd')
    _role_checks(OLD_ROLES)
