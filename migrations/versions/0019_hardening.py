"""hardening: the TOTP secrets are stored encrypted (the column widens for the Fernet token) and
the recovery codes as an HMAC keyed by the server; the values stored before are converted here.

The keys derive from the app's SECRET_KEY (grants.services.secrets_box): run this migration with
the SECRET_KEY of production. The recovery codes' SHA-256 become HMAC(SHA-256), the form the app
checks, so the codes users hold keep working. Downgrade decrypts the TOTP secrets; the recovery
codes cannot be turned back into plain SHA-256 and are deleted (users make new ones).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 14:20:00

"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from grants.services.two_factor import TOTP_KEY_PURPOSE, encrypt_secret, rehash_legacy

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String),
                 sa.column('totp_enabled_at', sa.DateTime))
codes = sa.table('recovery_codes', sa.column('id', sa.Integer),
                 sa.column('code_hash', sa.String))


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.alter_column('totp_secret', existing_type=sa.String(length=64),
                           type_=sa.String(length=255), existing_nullable=True)
    conn = op.get_bind()
    key = current_app.config['SECRET_KEY']
    for user_id, secret in conn.execute(sa.select(users.c.id, users.c.totp_secret)
                                        .where(users.c.totp_secret.is_not(None))).all():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(totp_secret=encrypt_secret(secret, secret_key=key)))
    for code_id, digest in conn.execute(sa.select(codes.c.id, codes.c.code_hash)).all():
        conn.execute(codes.update().where(codes.c.id == code_id)
                     .values(code_hash=rehash_legacy(digest, secret_key=key)))


def downgrade():
    from grants.services import secrets_box

    conn = op.get_bind()
    key = current_app.config['SECRET_KEY']
    for user_id, token in conn.execute(sa.select(users.c.id, users.c.totp_secret)
                                       .where(users.c.totp_secret.is_not(None))).all():
        try:
            values = {'totp_secret': secrets_box.decrypt(token, purpose=TOTP_KEY_PURPOSE,
                                                         secret_key=key)}
        except secrets_box.InvalidToken:  # unreadable with this key: enrol again
            values = {'totp_secret': None, 'totp_enabled_at': None}
        conn.execute(users.update().where(users.c.id == user_id).values(**values))
    conn.execute(codes.delete())
    with op.batch_alter_table('users') as batch:
        batch.alter_column('totp_secret', existing_type=sa.String(length=255),
                           type_=sa.String(length=64), existing_nullable=True)
