"""Transaction edge (atomic), row locks and time helpers shared by services and views."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, event, text
from sqlalchemy.orm import Session

from grants.extensions import db

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@contextmanager
def atomic() -> Iterator[Session]:
    """Run a unit of work and commit once; roll back and re-raise on any error."""
    try:
        yield db.session
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def lock_for_update(stmt: Select):
    """Add FOR UPDATE on PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE instead."""
    return stmt.with_for_update()


def utcnow() -> datetime:
    """Naive UTC now (all *_at columns are naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(at: datetime | None) -> datetime | None:
    """A naive-UTC column value as naive Vietnam local time (for the working-day clock)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


def from_local(at: datetime) -> datetime:
    """Naive Vietnam local time to naive UTC for storage."""
    return at.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ).replace(tzinfo=None)


def is_sqlite(engine) -> bool:
    return engine.dialect.name == "sqlite"


def _reads_only() -> bool:
    """True inside a GET/HEAD page request: such transactions never write. (API calls note
    when their token was last used, so they take the write lock like any writer.)"""
    from flask import has_request_context, request

    return (has_request_context() and request.method in ("GET", "HEAD")
            and not request.path.startswith("/api/"))


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
        conn.exec_driver_sql("BEGIN" if _reads_only() else "BEGIN IMMEDIATE")


def execute_sql(sql: str, **params):
    return db.session.execute(text(sql), params)
