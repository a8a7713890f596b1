"""Gap-free numbers per (year, symbol), safe when two clerks take one at the same instant."""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from grants.db import lock_for_update
from grants.extensions import db
from grants.models import Counter

DOSSIER_SYMBOL = "HS"


def next_number(year: int, symbol: str) -> int:
    """Take the next number for (year, symbol): the counter row is created if missing, then
    locked FOR UPDATE (SQLite: the transaction already holds the write lock), so the number is
    gap-free and unique as long as the caller's transaction commits."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Counter).values(year=year, symbol=symbol, last_number=0)
                       .on_conflict_do_nothing(index_elements=["year", "symbol"]))
    counter = db.session.execute(
        lock_for_update(select(Counter).where(Counter.year == year, Counter.symbol == symbol))
        .execution_options(populate_existing=True)
    ).scalar_one()
    counter.last_number += 1
    db.session.flush()
    return counter.last_number


def dossier_code(year: int) -> str:
    """A new human-readable dossier code, e.g. ``HS-2026-00042``."""
    return f"{DOSSIER_SYMBOL}-{year}-{next_number(year, DOSSIER_SYMBOL):05d}"
