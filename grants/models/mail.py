"""E-mails leaving the app: an outbox row per message, written in the transaction that causes it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.domain.enums import EmailState
from grants.extensions import db
from grants.models._types import EnumString, created_at, enum_check


class OutgoingEmail(db.Model):
    """One message to one address. ``key`` is its idempotency key, sent as the Message-ID: a
    worker killed after the SMTP server accepted the message and before the row says so sends
    it once more, with the same Message-ID, never a third time and never not at all."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (enum_check("state", EmailState, "state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at()
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    state: Mapped[EmailState] = mapped_column(EnumString(EmailState), default=EmailState.PENDING,
                                              index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column()
    claimed_at: Mapped[datetime | None] = mapped_column()
    next_attempt_at: Mapped[datetime | None] = mapped_column()
