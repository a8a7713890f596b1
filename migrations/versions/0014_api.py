"""The API's sync and safe retries: dossiers.updated_at (indexed with id) and
dossiers.external_ref (unique), and the idempotency_records table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_ref', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    dossiers = sa.table('dossiers', sa.column('created_at', sa.DateTime),
                        sa.column('updated_at', sa.DateTime))
    op.execute(dossiers.update().values(updated_at=dossiers.c.created_at))
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_dossiers_external_ref'),
                                          ['external_ref'])
        batch_op.create_index('ix_dossiers_updated', ['updated_at', 'id'], unique=False)
    op.create_table(
        'idempotency_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('request_digest', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('content_type', sa.String(length=100), nullable=True),
        sa.Column('location', sa.String(length=300), nullable=True),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='CASCADE',
                                name=op.f('fk_idempotency_records_token_id_api_tokens')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_records')),
        sa.UniqueConstraint('token_id', 'key', name='uq_idempotency_records_token_key'),
    )
    op.create_index('ix_idempotency_records_expires_at', 'idempotency_records', ['expires_at'])


def downgrade():
    op.drop_index('ix_idempotency_records_expires_at', table_name='idempotency_records')
    op.drop_table('idempotency_records')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_updated')
        batch_op.drop_constraint(batch_op.f('uq_dossiers_external_ref'), type_='unique')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('external_ref')
