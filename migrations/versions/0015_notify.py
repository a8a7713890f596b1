"""Notifications (the bell and its e-mails), e-mail preferences per kind, an organisation's
second contact address, marks of scheduled work done; the e-mail outbox's claim and retry times.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_emails') as batch:
        batch.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('dossier_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('email_id', sa.Integer(), nullable=True),
        sa.Column('key', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_notifications_user_id_users')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'],
                                name=op.f('fk_notifications_dossier_id_dossiers')),
        sa.ForeignKeyConstraint(['email_id'], ['outgoing_emails.id'],
                                name=op.f('fk_notifications_email_id_outgoing_emails')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'key', name='uq_notifications_user_key'),
    )
    op.create_index(op.f('ix_notifications_user_id'), 'notifications', ['user_id'])
    op.create_index(op.f('ix_notifications_dossier_id'), 'notifications', ['dossier_id'])
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'])
    op.create_table(
        'notification_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('email_enabled', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_preferences_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
        sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preferences'),
    )
    op.create_table(
        'organisation_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_organisation_contacts_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_contacts')),
        sa.UniqueConstraint('organisation_id',
                            name=op.f('uq_organisation_contacts_organisation_id')),
    )
    op.create_table(
        'scheduled_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_runs')),
        sa.UniqueConstraint('job', 'day', name='uq_scheduled_runs_job_day'),
    )


def downgrade():
    op.drop_table('scheduled_runs')
    op.drop_table('organisation_contacts')
    op.drop_table('notification_preferences')
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.drop_index(op.f('ix_notifications_dossier_id'), table_name='notifications')
    op.drop_index(op.f('ix_notifications_user_id'), table_name='notifications')
    op.drop_table('notifications')
    with op.batch_alter_table('outgoing_emails') as batch:
        batch.drop_column('next_attempt_at')
        batch.drop_column('claimed_at')
