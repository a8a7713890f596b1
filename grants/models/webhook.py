"""Webhooks: an integrator's URL the app POSTs its domain events to, and one delivery row per
event and webhook (the outbox of what is to be sent, written with the event)."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.enums import DeliveryState
from grants.extensions import db
from grants.models._types import EnumString, created_at, enum_check
from grants.models.event import DomainEvent

ALL_EVENTS = "*"


class Webhook(db.Model):
    """A URL registered by an admin for one integrator. ``secret_encrypted`` is the signing
    secret encrypted with a key derived from the app's SECRET_KEY (Fernet): the app must read
    it back to sign each body, and a copy of the database alone does not give it away.
    ``events_json`` lists the event kinds it receives, ``["*"]`` for all."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at()
    url: Mapped[str] = mapped_column(String(2000))
    label: Mapped[str | None] = mapped_column(String(100))
    events_json: Mapped[str] = mapped_column(Text, default='["*"]')
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column()

    created_by = relationship("User", lazy="joined")

    @property
    def events(self) -> list[str]:
        return json.loads(self.events_json or '["*"]')

    def wants(self, kind: str) -> bool:
        events = self.events
        return ALL_EVENTS in events or kind in events


class WebhookDelivery(db.Model):
    """One event to one webhook: pending until a 2xx answer (delivered), or until the last
    attempt fails (failed). ``next_attempt_at`` is when it is due again: the sweep re-enqueues
    pending deliveries that are well past it (a worker that died, a queue that lost a task)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        enum_check("state", DeliveryState, "state_known"),
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_webhook_event"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = created_at()
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("domain_events.id"), index=True)
    state: Mapped[DeliveryState] = mapped_column(EnumString(DeliveryState),
                                                 default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()

    webhook = relationship(Webhook, lazy="joined")
    event = relationship(DomainEvent, lazy="joined")
