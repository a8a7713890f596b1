"""The outbox of domain events and the security log: both append-only (triggers, 0009)."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._types import created_at


class DomainEvent(db.Model):
    """Something that happened to a dossier that people or other systems are told about: a
    change of state, an issued document, a payment. Written in the same transaction as the
    change (an outbox); notifications and webhook deliveries are derived from it there too.
    The id orders the events (``GET /api/v1/events?after=<id>``)."""

    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_dossier", "dossier_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at()
    kind: Mapped[str] = mapped_column(String(40), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payload_json: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_json or "{}")


class SecurityEvent(db.Model):
    """One line of the security log: a login, a failed login, a lockout, a refusal (403), a
    token issued or revoked, a change of roles, a download of an attachment, an export of
    personal data. ``email`` keeps the name typed at a failed login (no user to point at)."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at()
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(45))
    detail_json: Mapped[str | None] = mapped_column(Text)

    user = relationship("User")

    @property
    def detail(self) -> dict:
        return json.loads(self.detail_json or "{}")
