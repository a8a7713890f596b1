"""Memo: report figures are recomputed only after the data changed (or after ``seconds``).

The figures live in the app's Flask-Caching backend (``grants.extensions.cache``), which the
page fragments share (grants/web/fragments.py): in-process (``SimpleCache``, one per worker)
by default, or one store for every worker and server when ``CACHE_TYPE`` is ``RedisCache``
(README "Configuration"): a change is then computed once, not once per worker. Values are
pickled there, so they are plain immutable values (frozen dataclasses, tuples, bytes)."""

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from sqlalchemy import func, select

from grants.db import read_until_change
from grants.extensions import cache, db
from grants.models import AuditEvent, Dossier, DossierItem, LedgerEntry, ProgramYear

T = TypeVar("T")

DEFAULT_SECONDS = 60
"""How long a figure is reused when the caller does not say (config's default too)."""

log = logging.getLogger(__name__)


@functools.cache
def stamp_columns() -> tuple:
    """The data stamp's columns, to read it in the same statement as something else (the user
    loader reads it with the account on every page). Built once: a statement reused as it is
    skips SQLAlchemy's construction and cache-key work on every request."""
    return (select(func.max(AuditEvent.id)).scalar_subquery(),
            select(func.max(LedgerEntry.id)).scalar_subquery(),
            select(func.max(DossierItem.id)).scalar_subquery(),
            select(func.max(Dossier.id)).scalar_subquery(),
            select(func.max(ProgramYear.id)).scalar_subquery())


_STAMP = "grants_data_stamp"


@functools.cache
def _stamp_only():
    return select(*stamp_columns())


def remember_stamp(values) -> None:
    """Keep the stamp's ``values`` (read with something else: ``stamp_columns()``) for
    ``data_stamp()`` until the session flushes a change or its transaction ends."""
    read_until_change()[_STAMP] = tuple(values)


def data_stamp() -> tuple:
    """Ids that move whenever report data changes: every change of state or money writes an
    audit event (SPEC §4), and new dossiers, items, ledger entries and years get new ids. Each
    max() is read from the primary-key index, so this costs a few index probes. A stamp read
    with something else (the user loader: ``remember_stamp``) is reused until the session
    flushes a change or its transaction ends."""
    known = read_until_change().get(_STAMP)
    if known is not None:
        return known
    return tuple(db.session.execute(_stamp_only()).one())


@functools.cache
def code_version() -> str:
    """A digest of the app's code and templates (the package and ``templates/``), read once
    per process: it changes with every release, whatever the version number says."""
    from pathlib import Path

    package = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for folder, pattern in ((package, "*.py"), (package.parent / "templates", "*.html")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_settings(config: Mapping) -> dict:
    """What the app gives ``cache.init_app`` beyond its config: the key prefix,
    ``CACHE_KEY_PREFIX``, a digest of the database URL and the code's version, so that apps on
    different databases never read each other's entries in a shared store, and a new release
    never reads what the previous one pickled or rendered (a figure without a field the new
    templates read, a fragment linking to a removed page) (and ``cache.clear()`` removes this app's
    entries only, never the whole Redis database); for Redis, short timeouts: a store that does
    not answer within half a second is skipped and the page computed."""
    database = hashlib.sha256(str(config["SQLALCHEMY_DATABASE_URI"]).encode()).hexdigest()
    settings = {"CACHE_KEY_PREFIX": f"{config.get('CACHE_KEY_PREFIX') or 'grants:'}"
                                    f"{database[:12]}:{code_version()}:"}
    if config.get("CACHE_TYPE") == "RedisCache":
        settings["CACHE_OPTIONS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5,
                                     **(config.get("CACHE_OPTIONS") or {})}
    return settings


RETRY_SECONDS = 30.0
"""After the store failed (a Redis that is down or hangs makes each call wait for its 0.5 s
timeout), this process leaves it alone for this long, then tries it again: pages are computed
meanwhile, and wait on a dead store once per period, not on every read and write."""

_SKIP_UNTIL = "_grants_skip_until"


def _store():
    """The app's cache backend, or None while it is skipped after a failure."""
    backend = cache.cache
    return None if getattr(backend, _SKIP_UNTIL, 0.0) > time.monotonic() else backend


def _store_failed(backend, doing: str, key: str) -> None:
    setattr(backend, _SKIP_UNTIL, time.monotonic() + RETRY_SECONDS)
    log.warning("cache: %s %s failed; the store is skipped for %.0f s", doing, key,
                RETRY_SECONDS, exc_info=True)


def cache_get(key: str):
    """The cached value of ``key``, or None when absent or when the store does not answer (a
    cache that is down slows pages; it never breaks them)."""
    backend = _store()
    if backend is None:
        return None
    try:
        return backend.get(key)
    except Exception:  # the store's own errors (redis.ConnectionError, timeouts…)
        _store_failed(backend, "reading", key)
        return None


def cache_set(key: str, value, seconds: float) -> None:
    """Keep ``value`` under ``key`` for ``seconds`` (whole seconds, rounded up)."""
    backend = _store()
    if backend is None:
        return
    try:
        backend.set(key, value, timeout=max(1, math.ceil(seconds)))
    except Exception:
        _store_failed(backend, "writing", key)


def memo_key(name: str, args: tuple, stamp: tuple) -> str:
    """The key of figure ``name`` for ``args`` at data ``stamp`` on this app's database: a
    digest of their ``repr`` (args and stamps are ints, strings, dates and tuples of them, whose
    repr is the same in every process)."""
    digest = hashlib.sha256(repr((str(db.engine.url), name, args, stamp)).encode()).hexdigest()
    return f"memo:{name}:{digest[:32]}"


def memoised(name: str, args: tuple, compute: Callable[[], T], *,
             seconds: float = DEFAULT_SECONDS) -> T:
    """``compute()``, reused while the data stamp is unchanged and for at most ``seconds``
    (the edge passes the app's ``REPORT_CACHE_SECONDS``; 0 turns the memo off).

    The expiry bounds what the stamp cannot see: on PostgreSQL a transaction that took a lower
    id may commit after a higher one, so a change can appear without moving the stamp. Results
    are immutable values (frozen dataclasses, tuples), never ORM objects; they must pickle.
    """
    if not seconds:
        return compute()
    key = memo_key(name, args, data_stamp())
    hit = cache_get(key)
    # The time of the computation travels with the value: a caller passing fewer seconds than
    # the one that stored it still gets nothing older than it asked for.
    if hit is not None and time.time() - hit[0] < seconds:
        return hit[1]
    value = compute()
    cache_set(key, (time.time(), value), seconds)
    return value


def clear_cache() -> None:
    """Forget every memoised figure and fragment of this app (tests, or after editing data
    behind the app's back)."""
    cache.clear()
