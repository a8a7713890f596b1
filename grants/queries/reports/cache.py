"""Memo: report figures are recomputed only after the data changed (or after ``seconds``)."""

import functools
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from grants.extensions import db
from grants.models import AuditEvent, Dossier, DossierItem, LedgerEntry, ProgramYear

T = TypeVar("T")

DEFAULT_SECONDS = 60
"""How long a figure is reused when the caller does not say (config's default too)."""

_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


@functools.cache
def stamp_columns() -> tuple:
    """The data stamp's columns, to read it in the same statement as something else (a page's
    dossier: ``with_data_stamp``). Built once: a statement reused as it is skips SQLAlchemy's
    construction and cache-key work on every request."""
    return (select(func.max(AuditEvent.id)).scalar_subquery(),
            select(func.max(LedgerEntry.id)).scalar_subquery(),
            select(func.max(DossierItem.id)).scalar_subquery(),
            select(func.max(Dossier.id)).scalar_subquery(),
            select(func.max(ProgramYear.id)).scalar_subquery())


_STAMP = "grants_data_stamp"


@functools.lru_cache(maxsize=32)
def _stamped(stmt):
    return stmt.add_columns(*stamp_columns())


@functools.cache
def _stamp_only():
    return select(*stamp_columns())


def with_data_stamp(stmt, columns: int, params: dict | None = None):
    """Run ``stmt`` (a select of ``columns`` entities or columns, with ``params``) with the
    data stamp's columns added, in one statement; the stamp is kept for ``data_stamp()`` until
    the session's transaction ends or flushes (then it is read again). Returns the first row's
    own columns, or None. ``stmt`` should be built once (bound parameters in ``params``): the
    combined statement is kept for it."""
    row = db.session.execute(_stamped(stmt), params or {}).first()
    if row is None:
        return None
    db.session.info[_STAMP] = tuple(row[columns:])
    return row[:columns]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_flush")
def _forget_stamp(session, *_args) -> None:
    session.info.pop(_STAMP, None)


def data_stamp() -> tuple:
    """Ids that move whenever report data changes: every change of state or money writes an
    audit event (SPEC §4), and new dossiers, items, ledger entries and years get new ids. Each
    max() is read from the primary-key index, so this costs a few index probes. A stamp read
    with something else in this session's transaction (``with_data_stamp``) is reused."""
    known = db.session.info.get(_STAMP)
    if known is not None:
        return known
    return tuple(db.session.execute(_stamp_only()).one())


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
