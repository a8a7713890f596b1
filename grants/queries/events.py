"""The domain events as integrators see them (webhook bodies, ``GET /api/v1/events``), and the
webhooks and their delivery log as the admin sees them. No writes."""

from datetime import UTC, datetime

from sqlalchemy import select

from grants.domain.enums import DeliveryState, EventKind
from grants.domain.local_time import LOCAL_TZ
from grants.extensions import db
from grants.models import DomainEvent, Dossier, Webhook, WebhookDelivery
from grants.queries.paging import Page, paginate

EVENTS_LIMIT_MAX = 500


def rfc3339(at: datetime) -> str:
    """A naive-UTC column value as RFC 3339 in Vietnam local time (``…+07:00``)."""
    return at.replace(tzinfo=UTC).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _status_at(event: DomainEvent, dossier: Dossier) -> str:
    """The dossier's state just after ``event``: its own target for a change of state, else
    the target of the dossier's last change of state before it (the dossier's state now when
    no event records one, e.g. data older than the outbox)."""
    if event.kind == EventKind.STATUS_CHANGED:
        return event.payload.get("to_status") or str(dossier.status)
    earlier = db.session.scalars(
        select(DomainEvent).where(DomainEvent.dossier_id == event.dossier_id,
                                  DomainEvent.kind == EventKind.STATUS_CHANGED.value,
                                  DomainEvent.id < event.id)
        .order_by(DomainEvent.id.desc()).limit(1)).first()
    return earlier.payload.get("to_status") if earlier is not None else str(dossier.status)


def event_body(event: DomainEvent) -> dict:
    """What an integrator receives for ``event``: ``id``, ``type``, ``time`` (RFC 3339),
    ``dossier`` (``id``, ``code``, ``status`` just after the event; null for an event about no
    dossier) and ``payload``. The same for a webhook and for ``GET /events``."""
    dossier = db.session.get(Dossier, event.dossier_id) if event.dossier_id else None
    return {
        "id": event.id,
        "type": event.kind,
        "time": rfc3339(event.at),
        "dossier": None if dossier is None else {
            "id": dossier.id, "code": dossier.code, "status": _status_at(event, dossier)},
        "payload": event.payload,
    }


def events_after(after: int, limit: int) -> list[dict]:
    """Up to ``limit`` (at most one more than EVENTS_LIMIT_MAX, to tell whether more follow)
    events with an id above ``after``, in id order, as ``event_body``."""
    rows = db.session.scalars(select(DomainEvent).where(DomainEvent.id > after)
                              .order_by(DomainEvent.id).limit(min(limit, EVENTS_LIMIT_MAX + 1)))
    return [event_body(e) for e in rows]


def webhooks() -> list[Webhook]:
    """Every registered webhook, the active ones first, newest first."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.is_active.desc(),
                                                            Webhook.id.desc())))


def delivery_counts(webhook: Webhook) -> dict[str, int]:
    """How many of the webhook's deliveries are in each state."""
    rows = db.session.execute(select(WebhookDelivery.state, db.func.count())
                              .where(WebhookDelivery.webhook_id == webhook.id)
                              .group_by(WebhookDelivery.state))
    counts = {state.value: 0 for state in DeliveryState}
    counts.update({str(state): n for state, n in rows})
    return counts


def deliveries_page(webhook: Webhook, *, state: str | None = None, kind: str | None = None,
                    event_id: int | None = None, page: int = 1,
                    per_page: int | None = None) -> Page:
    """The webhook's delivery log, newest event first, filtered by state, event kind and
    event id."""
    stmt = (select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
            .order_by(WebhookDelivery.event_id.desc(), WebhookDelivery.id.desc()))
    if state:
        stmt = stmt.where(WebhookDelivery.state == state)
    if kind:
        stmt = stmt.where(WebhookDelivery.event_id.in_(
            select(DomainEvent.id).where(DomainEvent.kind == kind)))
    if event_id:
        stmt = stmt.where(WebhookDelivery.event_id == event_id)
    return paginate(stmt, page=page, per_page=per_page)


def due_deliveries(before: datetime, limit: int = 500) -> list[int]:
    """Ids of pending deliveries to active webhooks whose next attempt was due before
    ``before`` (or never set), and of deliveries whose claim ("sending") ran out before it (a
    worker killed mid-attempt), oldest first: what the sweep hands back to the queue."""
    return list(db.session.scalars(
        select(WebhookDelivery.id).join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.state.in_((DeliveryState.PENDING.value,
                                          DeliveryState.SENDING.value)), Webhook.is_active,
               (WebhookDelivery.next_attempt_at.is_(None))
               | (WebhookDelivery.next_attempt_at <= before))
        .order_by(WebhookDelivery.id).limit(limit)))
