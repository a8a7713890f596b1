"""Domain events: the outbox written in the same transaction as the change it reports.

``emit`` appends a ``DomainEvent`` and hands it to every subscriber, still inside the
transaction, so what they derive from it (a notification to deliver, a webhook delivery) is
written with the change or not at all. Subscribers register with ``subscribe`` at import time
(the notification and webhook services); they flush, never commit, like every service, and
schedule their delivery with ``grants.db.after_commit``.
"""

import json
from collections.abc import Callable
from datetime import date, datetime

from grants.domain.enums import EventKind
from grants.extensions import db
from grants.models.event import DomainEvent

Subscriber = Callable[[DomainEvent], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Have ``subscriber(event)`` called for every event emitted from now on (a decorator)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def emit(kind: EventKind, *, dossier=None, actor=None, payload: dict | None = None) -> DomainEvent:
    """Append the event (``dossier`` and its organisation, ``actor``, ``payload``) and pass it
    to the subscribers; flushes."""
    event = DomainEvent(
        kind=EventKind(kind).value,
        dossier_id=getattr(dossier, "id", None),
        organisation_id=getattr(dossier, "organisation_id", None),
        actor_id=getattr(actor, "id", None),
        payload_json=json.dumps(payload or {}, ensure_ascii=False, sort_keys=True,
                                default=_default),
    )
    db.session.add(event)
    db.session.flush()
    for subscriber in list(_subscribers):
        subscriber(event)
    return event
