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

from contextlib import contextmanager
from dataclasses import dataclass, field

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
    (Flask-SQLAlchemy ends it when the app context is torn down, after the request context)."""
    seen = RoundTrips()
    postgres = engine.dialect.name == "postgresql"

    def statement(conn, cursor, sql, params, context, executemany):
        if sql.lstrip().upper().startswith("BEGIN"):  # SQLite: the app's own BEGIN
            seen.begins += 1
            return
        if postgres and not conn.connection.dbapi_connection.autocommit \
                and not _in_transaction(conn):
            seen.begins += 1  # psycopg sends BEGIN first
        seen.statements.append(sql)

    def commit(conn):
        if _in_transaction(conn):
            seen.commits += 1

    def rollback(conn):
        if _in_transaction(conn):
            seen.rollbacks += 1

    listeners = [("before_cursor_execute", statement), ("commit", commit),
                 ("rollback", rollback)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
