"""organisations.search_name: the name folded for searching without diacritics

A search for "thuc pham sach" must find "Thực phẩm sạch". The folding (lower case, no
diacritics, đ → d) is ``grants.domain.text.search_key``; neither SQLite nor PostgreSQL (without
the unaccent extension) can do it in SQL, so the column is filled here, row by row, and kept in
step by the model afterwards.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 08:30:00

"""
import sqlalchemy as sa
from alembic import op

from grants.domain.text import search_key

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=300), server_default='',
                                      nullable=False))
    organisations = sa.table('organisations', sa.column('id', sa.Integer),
                             sa.column('name', sa.String), sa.column('search_name', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(organisations.c.id, organisations.c.name)).all()
    if rows:
        conn.execute(organisations.update()
                     .where(organisations.c.id == sa.bindparam('row_id'))
                     .values(search_name=sa.bindparam('folded')),
                     [{'row_id': row.id, 'folded': search_key(row.name)} for row in rows])


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('search_name')
