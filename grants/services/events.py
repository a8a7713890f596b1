"""Domain events: the outbox written in the same transaction as the change it reports.

``emit`` records a ``DomainEvent``; the event is written, and handed to every subscriber, as
the transaction commits (``publish``), so what they derive from it (a notification to deliver,
a webhook delivery) is written with the change or not at all, and from its final state.
Subscribers register with ``subscribe`` at import time (the notification and webhook
services); they flush, never commit, like every service, and schedule their delivery with
``grants.db.after_commit``.

Commit order. Integrators read the events after the last id they have (``GET /events?after=``)
and the dossiers changed after the last ``(updated_at, id)`` they have. Both are exact only if
ids and stamps become visible in the order they are given: on PostgreSQL an event id taken by
a transaction that commits after a later id's would be passed over for good. So a transaction
that writes events or changes dossiers takes one lock as it commits (an advisory lock, the
last lock it takes, held until its commit is visible) and only under it takes its event ids
and stamps its dossiers with the database's clock. SQLite serialises writers already.
"""

import json
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from grants.db import PUBLISH_EVENTS, commit_step, utcnow
from grants.domain.enums import EventKind
from grants.extensions import db
from grants.models import dossier as dossier_model
from grants.models.event import DomainEvent

Subscriber = Callable[[DomainEvent], None]
_subscribers: list[Subscriber] = []
_OUTBOX = "grants.events.outbox"
# pg_advisory_xact_lock's key for the commit order ("Grants" in ASCII).
COMMIT_ORDER_LOCK = 0x4772616E7473


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Have ``subscriber(event)`` called for every event published from now on (a
    decorator)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def _default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def emit(kind: EventKind, *, dossier=None, actor=None, payload: dict | None = None) -> DomainEvent:
    """Record the event (``dossier`` and its organisation, ``actor``, ``payload``, the time
    now); it is written and passed to the subscribers when the transaction commits."""
    recorded = DomainEvent(
        kind=EventKind(kind).value,
        at=utcnow(),
        dossier_id=getattr(dossier, "id", None),
        organisation_id=getattr(dossier, "organisation_id", None),
        actor_id=getattr(actor, "id", None),
        payload_json=json.dumps(payload or {}, ensure_ascii=False, sort_keys=True,
                                default=_default),
    )
    db.session.info.setdefault(_OUTBOX, []).append(recorded)
    return recorded


@commit_step(PUBLISH_EVENTS)
def publish(session: Session) -> None:
    """As the transaction commits: under the commit-order lock, write the recorded events (ids
    in the order they were emitted), hand each to the subscribers, then stamp the dossiers the
    transaction changed."""
    if not session.info.get(_OUTBOX) and not dossier_model.changed_in_transaction(session):
        return
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": COMMIT_ORDER_LOCK})
    while session.info.get(_OUTBOX):  # a subscriber may emit in turn
        recorded = session.info.pop(_OUTBOX)
        session.add_all(recorded)
        session.flush()
        for domain_event in recorded:
            for subscriber in list(_subscribers):
                subscriber(domain_event)
    session.flush()
    changed = dossier_model.changed_in_transaction(session)
    if changed:
        now = (session.scalar(select(func.timezone("UTC", func.clock_timestamp())))
               if postgresql else utcnow())
        dossier_model.stamp(session, changed, now)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost: committed (published) or rolled back
        session.info.pop(_OUTBOX, None)
