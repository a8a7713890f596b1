"""signing: the verification code of an issued paper (its public page /xac-thuc/<code>) and the
digital signature found on an uploaded PDF (issue 14 points 8 and 9).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 14:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_code', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_documents_verification_code'),
                                          ['verification_code'])
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_state', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('signature_summary', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_attachments_signature_state_known'),
            "signature_state IS NULL OR signature_state IN ('trusted', 'untrusted', 'broken')")


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_attachments_signature_state_known'),
                                 type_='check')
        batch_op.drop_column('signature_summary')
        batch_op.drop_column('signature_state')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documents_verification_code'), type_='unique')
        batch_op.drop_column('verification_code')
