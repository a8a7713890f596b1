"""What a request asks of the database, counted at the driver: its statements, and the BEGIN,
COMMIT and ROLLBACK round trips that the driver sends around them (used by the page tests and
tests/bench/run_pages_bench.py).

SQLAlchemy's own ``begin``/``rollback`` events fire for every logical transaction, also on a
connection in autocommit mode where the driver sends nothing; so each is counted only when the
driver really talks to the server: psycopg sends BEGIN before a statement when its connection is
not in autocommit mode and not already in a transaction, and sends COMMIT/ROLLBACK only inside
one; on SQLite the app emits BEGIN itself (``grants.db.configure_sqlite``), and sqlite3 commits
or rolls back only an open transaction.
"""

from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from unittest.mock import patch

from sqlalchemy import event


@dataclass
class RoundTrips:
    statements: list[str] = field(default_factory=list)
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0

    @property
    def total(self) -> int:
        """Every exchange with the server: statements, BEGINs, COMMITs and ROLLBACKs."""
        return len(self.statements) + self.begins + self.commits + self.rollbacks

    def __str__(self) -> str:
        return (f"{len(self.statements)} statements, {self.begins} BEGIN, {self.commits} COMMIT, "
                f"{self.rollbacks} ROLLBACK: {self.statements}")


def _in_transaction(conn) -> bool:
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        from psycopg.pq import TransactionStatus

        return dbapi.info.transaction_status != TransactionStatus.IDLE
    return dbapi.in_transaction


@contextmanager
def counted_round_trips(engine):
    """Count everything sent to ``engine`` meanwhile, the end of a request's session included
    (Flask-SQLAlchemy ends it when the app context is torn down, after the request context).
    On PostgreSQL the statements are counted at psycopg's cursor, so those the app runs on the
    driver itself (``grants.db.read_alone``) count too."""
    seen = RoundTrips()
    postgres = engine.dialect.name == "postgresql"

    def statement(conn, cursor, sql, params, context, executemany):
        if sql.lstrip().upper().startswith("BEGIN"):  # SQLite: the app's own BEGIN
            seen.begins += 1
            return
        seen.statements.append(sql)

    def driver_statement(connection, sql) -> None:
        from psycopg.pq import TransactionStatus

        if not connection.autocommit \
                and connection.info.transaction_status == TransactionStatus.IDLE:
            seen.begins += 1  # psycopg sends BEGIN first
        seen.statements.append(sql if isinstance(sql, str) else sql.as_string(connection))

    def commit(conn):
        if _in_transaction(conn):
            seen.commits += 1

    def rollback(conn):
        if _in_transaction(conn):
            seen.rollbacks += 1

    listeners = [("commit", commit), ("rollback", rollback)]
    if not postgres:
        listeners.append(("before_cursor_execute", statement))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        with _counted_at_psycopg(driver_statement) if postgres else nullcontext():
            yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


@contextmanager
def _counted_at_psycopg(count):
    """Call ``count(connection, sql)`` before every statement a psycopg cursor executes."""
    import psycopg

    patches = []
    for cursor_class in (psycopg.Cursor, psycopg.ServerCursor):
        original = cursor_class.__dict__["execute"]

        def execute(self, query, *args, original=original, **kwargs):
            count(self.connection, query)
            return original(self, query, *args, **kwargs)

        patches.append(patch.object(cursor_class, "execute", execute))
    with ExitStack() as stack:
        for each in patches:
            stack.enter_context(each)
        yield
