"""The one helper that writes the audit trail; every state or money change calls it.

Where a change came from (the client's IP address) is set by the edge that handles the request,
not read here: the web layer calls ``set_origin`` when a request starts and ``reset_origin`` when
it ends (grants/app.py). A context variable carries it to ``record``, which every service calls
deep inside a use case, so no service signature has to pass it along and services stay free of
Flask. Outside a request (CLI, tests calling services) there is no origin: ``ip`` stays NULL.
"""

import json
from contextvars import ContextVar, Token
from datetime import date, datetime
from typing import Any

from grants.extensions import db
from grants.models.audit import AuditEvent

_origin_ip: ContextVar[str | None] = ContextVar("grants_audit_origin_ip", default=None)


def set_origin(ip: str | None) -> Token:
    """Name the client address of the changes made from now on in this context; returns the
    token for ``reset_origin``."""
    return _origin_ip.set(ip)


def reset_origin(token: Token) -> None:
    """Forget the origin set with ``token`` (the request ended)."""
    _origin_ip.reset(token)


def current_origin() -> str | None:
    """The client address set for this context (None outside a request)."""
    return _origin_ip.get()


def _default(value: Any):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _dump(data: dict | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_default)


def record(action: str, obj, *, actor, before: dict | None = None, after: dict | None = None,
           note: str | None = None, dossier=None, from_status: str | None = None,
           to_status: str | None = None) -> AuditEvent:
    """Append one audit event for ``obj`` (a model instance); flushes so it gets an id."""
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "System",
        object_id=getattr(obj, "id", None),
        dossier_id=getattr(dossier, "id", None),
        program_year_id=getattr(dossier, "program_year_id", None),
        from_status=from_status,
        to_status=to_status,
        before_json=_dump(before),
        after_json=_dump(after),
        note=note,
        ip=_origin_ip.get(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def change(obj, action: str, values: dict, *, actor) -> dict:
    """Set on ``obj`` those of ``values`` that differ from what it holds, flush, and record
    ``action`` with the old and new values of the changed fields. Returns the old values ({}
    when nothing differs: then nothing is written)."""
    before = {f: getattr(obj, f) for f, v in values.items() if getattr(obj, f) != v}
    if not before:
        return before
    for field in before:
        setattr(obj, field, values[field])
    db.session.flush()
    record(action, obj, actor=actor, before=before, after={f: values[f] for f in before})
    return before


def delete(obj, action: str, *, actor, fields) -> None:
    """Record ``action`` with the values of ``fields`` that ``obj`` held, then delete it."""
    record(action, obj, actor=actor, before=snapshot(obj, fields))
    db.session.delete(obj)
    db.session.flush()


def snapshot(obj, fields) -> dict:
    """The named attributes of ``obj`` as a dict, for before/after pairs."""
    return {f: getattr(obj, f) for f in fields}
