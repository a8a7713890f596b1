"""site visits can be voided; appraisal minutes know their visit

A site visit recorded by mistake is voided with a reason (``voided_at``, ``voided_by_id``,
``void_reason``): it stays on record but no longer counts. Each set of appraisal minutes names
the visit it records (``documents.site_visit_id``); minutes issued again after a correction
are a new document, the older ones superseded. Minutes issued before this revision are tied
to the visit of the same dossier whose local date equals their issue date when there is
exactly one such visit (otherwise they stay untied).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_site_visits_voided_by_id_users'),
                                    'users', ['voided_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_site_visits_void_has_reason'),
                                         '(voided_at IS NULL) = (void_reason IS NULL)')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_visit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_site_visit_id'), ['site_visit_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_site_visit_id_site_visits'),
                                    'site_visits', ['site_visit_id'], ['id'])


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_site_visit_id_site_visits'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_site_visit_id'))
        batch_op.drop_column('site_visit_id')
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_site_visits_void_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_site_visits_voided_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')
