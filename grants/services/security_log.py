"""The security log (append-only): who logged in, failed, was locked out or refused, which
tokens and roles changed, who downloaded attachments or exported personal data.

Like the audit trail it takes the client address from the request's origin (``audit``'s
context variable), so no caller passes it. It flushes and never commits: the edge that handles
the request commits it with the rest, or on its own where nothing else is written (a failed
login, a refusal).
"""

import json

from grants.domain.enums import SecurityKind
from grants.extensions import db
from grants.models.event import SecurityEvent
from grants.services.audit import current_origin


def record(kind: SecurityKind | str, *, user=None, email: str | None = None,
           detail: dict | None = None) -> SecurityEvent:
    """Append one security event of ``kind`` (a ``SecurityKind``, e.g. "login.failed") about
    ``user`` (or the ``email`` typed, when no account matches). ValueError for a kind that is
    not a ``SecurityKind``: every line of the log has a label."""
    entry = SecurityEvent(
        kind=SecurityKind(kind).value,
        user_id=getattr(user, "id", None),
        email=email if email is not None else getattr(user, "email", None),
        ip=current_origin(),
        detail_json=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
        if detail else None,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
