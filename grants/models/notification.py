"""Notifications in the app (the bell), each user's e-mail preferences per kind, an
organisation's second contact address, and the marks of scheduled work already done."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._types import created_at
from grants.models.mail import OutgoingEmail


class Notification(db.Model):
    """One message to one user, written in the transaction of the change that causes it.
    ``email_id`` points at the e-mail sent with it (none when the user switched e-mail off for
    the kind). ``key`` makes a notice that must go out once (a budget threshold of a year)
    unique per user."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    created_at: Mapped[datetime] = created_at()
    read_at: Mapped[datetime | None] = mapped_column()
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_emails.id"))
    key: Mapped[str | None] = mapped_column(String(120))

    email: Mapped[OutgoingEmail | None] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(db.Model):
    """A user's choice for one kind: e-mail on or off (no row: the kind's default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preferences"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    email_enabled: Mapped[bool] = mapped_column(Boolean)


class OrganisationContact(db.Model):
    """A second address an organisation's e-mails also go to (besides each applicant's own)."""

    __tablename__ = "organisation_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = created_at()


class ScheduledRun(db.Model):
    """Scheduled work done for a day (the daily digest): the unique (job, day) makes a second
    worker, or a second tick of the clock, find it done."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job", "day", name="uq_scheduled_runs_job_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = created_at()
