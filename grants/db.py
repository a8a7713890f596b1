"""Transaction edge (atomic), row locks and time helpers shared by services and views."""

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Select, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from grants.domain.local_time import LOCAL_TZ, to_local
from grants.extensions import db

__all__ = ["LOCAL_TZ", "after_commit", "atomic", "commit_step", "configure_reads",
           "configure_sqlite", "execute_sql", "from_local", "is_sqlite", "local_now", "local_today",
           "lock_for_update", "read_alone", "to_local", "utcnow"]


@contextmanager
def atomic() -> Iterator[Session]:
    """Run a unit of work and commit once; roll back and re-raise on any error.

    Inside a page view (GET), whose reads run without a transaction (``configure_reads``), the
    unit of work is one real transaction all the same: its connection begins one now."""
    writes = _begin_writes()
    try:
        yield db.session
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        _end_writes(writes)


_AFTER_COMMIT = "grants_after_commit"


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction of the session commits; never if it
    rolls back. For work that must follow a change but must not happen without it: enqueueing
    the delivery of a notification or a webhook written in the same transaction (an outbox).
    Services call this; the edge's commit triggers it."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


# The work a transaction does as it commits, in a fixed order (``commit_step``): the summary
# rows' increments first (their row locks), then the outbox (the commit-order lock, always the
# last lock a transaction takes, so no two transactions ever wait for each other in a cycle).
SETTLE_SUMMARIES = 10
PUBLISH_EVENTS = 90
_COMMIT_STEPS: list[tuple[int, Callable[[Session], None]]] = []


def commit_step(order: int) -> Callable[[Callable[[Session], None]], Callable[[Session], None]]:
    """Have ``step(session)`` run when a session's transaction is about to commit, after the
    steps of a lower ``order`` (a decorator; ``SETTLE_SUMMARIES``, ``PUBLISH_EVENTS``)."""
    def register(step: Callable[[Session], None]) -> Callable[[Session], None]:
        if all(existing is not step for _, existing in _COMMIT_STEPS):
            _COMMIT_STEPS.append((order, step))
            _COMMIT_STEPS.sort(key=lambda pair: pair[0])
        return step
    return register


@event.listens_for(Session, "before_commit")
def _run_commit_steps(session: Session) -> None:
    session.flush()  # SQLAlchemy flushes after before_commit: the steps see every change
    for _order, step in list(_COMMIT_STEPS):
        step(session)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session) -> None:
    # The change is committed: a callback that fails (the queue's storage is down) must not
    # turn the saved action into an error page, nor keep the callbacks after it from running.
    # What it should have enqueued is found again by the sweeps (e-mails, webhook deliveries,
    # queued jobs).
    callbacks = session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logging.getLogger(__name__).exception("after-commit callback failed; the sweep "
                                                  "will retry what it enqueues")


@event.listens_for(Session, "after_rollback")
def _forget_after_commit(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


_READ_UNTIL_CHANGE = "grants_read_until_change"


def read_until_change() -> dict:
    """Values read from the database for this request and kept until the session flushes a
    change or its transaction ends (commit, rollback), then read again: the bell's count and
    the data stamp, read once with the account by the user loader, reused by the page's
    fragments and badges. Keys are the readers' own names."""
    return db.session.info.setdefault(_READ_UNTIL_CHANGE, {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_flush")
def _forget_reads(session, *_args) -> None:
    session.info.pop(_READ_UNTIL_CHANGE, None)


def lock_for_update(stmt: Select, *, of=None):
    """Lock the selected rows for a change that keeps their key: FOR NO KEY UPDATE on PostgreSQL
    (SQLite serialises writers with BEGIN IMMEDIATE instead).

    Not FOR UPDATE: that lock also conflicts with the FOR KEY SHARE lock a foreign-key check
    takes on the row a new or re-updated row names (a dossier's second UPDATE in a transaction
    checks its program year). Two transactions that each hold that share lock and then ask for
    FOR UPDATE wait for each other: a deadlock. FOR NO KEY UPDATE lets the checks through and
    still serialises the writers.
    """
    return stmt.with_for_update(key_share=True, of=of)


def utcnow() -> datetime:
    """Naive UTC now (all *_at columns are naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def from_local(at: datetime) -> datetime:
    """Naive Vietnam local time to naive UTC for storage."""
    return at.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ).replace(tzinfo=None)


def is_sqlite(engine) -> bool:
    return engine.dialect.name == "sqlite"


# ---------------------------------------------------------------- reads without a transaction

#: Requests that only read: their statements run without BEGIN … ROLLBACK (``configure_reads``).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The execution option that marks a connection running a page's reads without a transaction.
READS = "grants_reads"
_WRITING = "_grants_writing"
#: A statement that only reads: a SELECT that locks no row. Anything else (a write, a row lock,
#: SET LOCAL) makes the connection begin a real transaction first.
_READ_ONLY = re.compile(r"\s*SELECT\b(?!.*\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b)",
                        re.IGNORECASE | re.DOTALL)


def _reads_without_transaction() -> bool:
    """True for the connections of a page view (GET, HEAD, OPTIONS) outside ``atomic()``. The
    API is left out: its calls note when their token was last used."""
    from flask import g, has_request_context, request

    return (has_request_context() and request.method in SAFE_METHODS
            and not request.path.startswith("/api/") and not g.get(_WRITING))


def _begin_transaction(conn) -> None:
    """Make a connection that runs reads without a transaction begin a real one now: the
    statements that follow, up to the session's COMMIT or ROLLBACK, are one transaction."""
    conn.execution_options(**{READS: False})
    if conn.dialect.name == "postgresql":
        # psycopg sends BEGIN before the next statement (the connection is idle between
        # autocommitted statements); SQLAlchemy resets autocommit when the pool gets it back.
        conn.connection.dbapi_connection.autocommit = False
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_writes():
    """``atomic()`` starts: no new connection of this request runs without a transaction, and
    the session's connection, if it was reading so, begins one."""
    from flask import g, has_request_context

    if not has_request_context():
        return None
    depth = g.get(_WRITING, 0)
    setattr(g, _WRITING, depth + 1)
    session = db.session()
    if session.in_transaction():
        conn = session.connection()
        if conn.get_execution_options().get(READS):
            _begin_transaction(conn)
    return depth


def _end_writes(depth) -> None:
    from flask import g

    if depth is not None:
        setattr(g, _WRITING, depth)


def configure_reads(engine) -> None:
    """Page views read without an explicit transaction: no BEGIN and no ROLLBACK round trip
    around a GET's few SELECTs. On PostgreSQL the connection runs in autocommit mode (each
    statement sees its own snapshot, as READ COMMITTED does within a transaction); on SQLite
    no BEGIN is emitted (each statement is its own transaction). A write, a row lock or any
    statement other than a plain SELECT, a result streamed from a server-side cursor, or
    ``atomic()``, makes the connection begin a real transaction first, so a GET that writes
    (a download's log line) writes in one transaction as before, and one that writes outside
    ``atomic()`` is still rolled back at its end."""
    postgres = engine.dialect.name == "postgresql"

    @event.listens_for(engine, "engine_connect")
    def _reads_without_begin(conn):
        if _reads_without_transaction():
            if postgres:
                conn.execution_options(isolation_level="AUTOCOMMIT", **{READS: True})
            else:
                conn.execution_options(**{READS: True})

    @event.listens_for(engine, "before_cursor_execute")
    def _writes_in_a_transaction(conn, _cursor, statement, _params, context, _many):
        if conn.get_execution_options().get(READS) and (
                not _is_plain_select(statement) or _streams(context)):
            _begin_transaction(conn)


@functools.lru_cache(maxsize=4096)
def _is_plain_select(statement: str) -> bool:
    """``_READ_ONLY`` matches ``statement``: kept per statement text (a page runs the same few
    statements again and again, and the match scans the whole text)."""
    return _READ_ONLY.match(statement) is not None


def _streams(context) -> bool:
    """A result read in batches from a server-side cursor (``stream_results``/``yield_per``):
    PostgreSQL declares such a cursor only inside a transaction."""
    options = context.execution_options if context is not None else {}
    return bool(options.get("stream_results") or options.get("yield_per"))


def read_alone(statement, params: dict) -> list[tuple]:
    """The rows (tuples, in the statement's column order) of ``statement``, a plain SELECT
    whose parameters are plain values (ids), run on a pooled connection of its own outside any
    transaction: for the one statement of a repeat page view (the account, with the bell and
    the data stamp: ``grants.services.sessions.account_for_session_id``).

    On PostgreSQL it runs through psycopg's own cursor, as a prepared statement, on the pool's
    connection in autocommit mode (no BEGIN, no ROLLBACK): SQLAlchemy's execution layer (its
    connection wrapper, the per-checkout switch to autocommit and back, the result metadata
    read from psycopg's column descriptions) cost 0.14 ms of CPU per repeat page view, an
    eighth of it (measured, README "Performance"). Its statement is still built and compiled by
    SQLAlchemy, once; a database error comes back as SQLAlchemy's (a dropped connection is
    invalidated and raises OperationalError: the 503 page). Elsewhere (SQLite) it runs through
    SQLAlchemy."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(statement, params)]
    compiled = _compiled_for_driver(statement, engine.dialect)
    values = compiled.construct_params(params)
    error_class = engine.dialect.loaded_dbapi.Error
    try:
        pooled = engine.raw_connection()
    except error_class as err:
        raise DBAPIError.instance(compiled.string, values, err, error_class) from err
    try:
        driver = pooled.driver_connection
        driver.autocommit = True
        try:
            return driver.execute(compiled.string, values, prepare=True).fetchall()
        finally:
            if not driver.broken:
                driver.autocommit = False
    except error_class as err:
        invalidated = engine.dialect.is_disconnect(err, driver, None)
        if invalidated:
            pooled.invalidate(err)
        raise DBAPIError.instance(compiled.string, values, err, error_class,
                                  connection_invalidated=invalidated) from err
    finally:
        pooled.close()


@functools.lru_cache(maxsize=16)
def _compiled_for_driver(statement, dialect):
    """``statement`` compiled once for ``dialect`` (a constant of its caller)."""
    return statement.compile(dialect=dialect)


def configure_sqlite(engine) -> None:
    """Make SQLite take the write lock at BEGIN (IMMEDIATE) so budget checks serialise.

    pysqlite's own BEGIN handling is switched off and we emit BEGIN ourselves, the recipe from
    SQLAlchemy's SQLite dialect docs. Writing requests (POST, CLI, jobs) begin IMMEDIATE, so a
    check-then-write such as an approval against the budget runs alone; page views begin
    DEFERRED and, with WAL on a file database, read alongside a writer. Foreign keys are
    enforced per connection.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A 64 MiB page cache per pooled connection (SQLite's default is 2 MiB): the report
        # queries read the year's index pages again and again, from memory rather than the OS.
        cursor.execute("PRAGMA cache_size=-65536")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get(READS):
            return  # a page's reads: no transaction (configure_reads)
        # A page view's transaction (a GET that began one) never writes: DEFERRED.
        conn.exec_driver_sql("BEGIN" if _reads_without_transaction() else "BEGIN IMMEDIATE")


def execute_sql(sql: str, **params):
    return db.session.execute(text(sql), params)
