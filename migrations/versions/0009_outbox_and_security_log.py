"""domain_events (the outbox of what people and integrators are told) and security_events (the
security log), both append-only like the audit trail; outgoing_emails (the e-mail outbox).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ("domain_events", "security_events")


def upgrade():
    op.create_table(
        'domain_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('payload_json', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_domain_events_actor_id_users')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_domain_events_dossier_id_dossiers')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_domain_events_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_events')),
    )
    op.create_index('ix_domain_events_dossier', 'domain_events', ['dossier_id', 'id'])
    op.create_index(op.f('ix_domain_events_kind'), 'domain_events', ['kind'])
    op.create_table(
        'security_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('detail_json', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_security_events_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events')),
    )
    op.create_index(op.f('ix_security_events_kind'), 'security_events', ['kind'])
    op.create_index(op.f('ix_security_events_user_id'), 'security_events', ['user_id'])
    op.create_table(
        'outgoing_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=True),
        sa.Column('state', sa.String(length=7), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'sending', 'sent', 'failed', 'kept')",
                           name=op.f('ck_outgoing_emails_state_known')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_outgoing_emails_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_emails')),
        sa.UniqueConstraint('key', name=op.f('uq_outgoing_emails_key')),
    )
    op.create_index(op.f('ix_outgoing_emails_state'), 'outgoing_emails', ['state'])
    op.create_index(op.f('ix_outgoing_emails_user_id'), 'outgoing_emails', ['user_id'])
    if op.get_bind().dialect.name == "postgresql":
        # grants_append_only() is defined by 0002.
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION grants_append_only()")
    else:
        for table in TABLES:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def downgrade():
    op.drop_table('outgoing_emails')
    op.drop_table('security_events')
    op.drop_table('domain_events')
