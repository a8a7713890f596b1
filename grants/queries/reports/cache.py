"""Memo: report figures are recomputed only after the data changed (or after ``seconds``)."""

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEvent, Dossier, DossierItem, LedgerEntry, ProgramYear

T = TypeVar("T")

DEFAULT_SECONDS = 60
"""How long a figure is reused when the caller does not say (config's default too)."""

_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def data_stamp() -> tuple:
    """Ids that move whenever report data changes: every change of state or money writes an
    audit event (SPEC §4), and new dossiers, items, ledger entries and years get new ids. Each
    max() is read from the primary-key index, so this costs a few index probes."""
    return tuple(db.session.execute(select(
        select(func.max(AuditEvent.id)).scalar_subquery(),
        select(func.max(LedgerEntry.id)).scalar_subquery(),
        select(func.max(DossierItem.id)).scalar_subquery(),
        select(func.max(Dossier.id)).scalar_subquery(),
        select(func.max(ProgramYear.id)).scalar_subquery())).one())


def memoised(name: str, args: tuple, compute: Callable[[], T], *,
             seconds: float = DEFAULT_SECONDS) -> T:
    """``compute()``, reused while the data stamp is unchanged and for at most ``seconds``
    (the edge passes the app's ``REPORT_CACHE_SECONDS``; 0 turns the memo off).

    The expiry bounds what the stamp cannot see: on PostgreSQL a transaction that took a lower
    id may commit after a higher one, so a change can appear without moving the stamp. Results
    are immutable values (frozen dataclasses, tuples), never ORM objects.
    """
    if not seconds:
        return compute()
    key = (str(db.engine.url), name, args, data_stamp())
    now = time.monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        for stale in [k for k, (at, _v) in _CACHE.items() if now - at >= seconds]:
            del _CACHE[stale]
        while len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[key] = (now, value)
    return value


def clear_cache() -> None:
    """Forget every memoised figure (tests, or after editing data behind the app's back)."""
    with _CACHE_LOCK:
        _CACHE.clear()
