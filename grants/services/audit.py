"""The one helper that writes the audit trail; every state or money change calls it."""

import json
from datetime import date, datetime
from typing import Any

from flask import has_request_context, request

from grants.extensions import db
from grants.models.audit import AuditEvent


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
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    db.session.flush()
    return event


def snapshot(obj, fields) -> dict:
    """The named attributes of ``obj`` as a dict, for before/after pairs."""
    return {f: getattr(obj, f) for f in fields}
