"""Keeping the report summaries (issue 15.2) in the transaction of the change that moves them.

Every flush that changes what a dossier contributes to the summaries (its state, year,
organisation, outcome, commitment, due and finish moments, its items; an organisation's commune
or type) is bracketed: before the flush the affected dossiers' share of the summary rows is
read from the database, after it (once the dossiers' item sums are written) it is read again,
and the difference is added to the summary rows with an atomic upsert
(``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``), keys in a fixed order. New audit
events add their measured step, new ledger entries their amount; a change of a year's step
allotments re-counts that year's steps. Changes written with Core statements behind the ORM
(the bulk demo seeding, an organisation merge) call ``dossiers_added``/``moving_dossiers``.

Concurrent writers on PostgreSQL: each upsert locks and increments the row it names, so two
transactions moving the same row serialise on it and neither update is lost. The differences
are computed at each flush but written only when the transaction commits (``settle``, from
``before_commit``), all at once with keys in a fixed order: the summary rows are the last locks
a transaction takes and it holds them only while it commits, so they never make a lock cycle
with the budget and dossier locks (an approval that had flushed its change of state and then
waited for the year lock, while a payment holding the year lock waited for the same summary
row, would deadlock).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from grants.db import SETTLE_SUMMARIES, commit_step
from grants.extensions import db
from grants.models import AuditEvent, Dossier, DossierItem, LedgerEntry, Organisation
from grants.models.program import ProcedureStep
from grants.models.summary import SummaryDossiers, SummaryItems, SummaryLedger, SummarySteps
from grants.queries import summaries as q

# A foreign key may be changed through its relationship alone (``dossier.organisation = …``):
# the flush writes the key after this module's hook has looked, so both are watched.
_DOSSIER_FIELDS = ("status", "program_year_id", "organisation_id", "outcome", "approved_vnd",
                   "due_at", "finished_at", "decided_at", "program_year", "organisation")
_ITEM_FIELDS = ("dossier_id", "catalogue_item_id", "consulting_cost_vnd", "requested_vnd",
                "approved_vnd", "catalogue_item")
_ORG_FIELDS = ("commune", "org_type")
_LEDGER_FIELDS = ("program_year_id", "kind", "entry_on", "amount_vnd")
_STATE = "grants.summaries.flush"
_PENDING = "grants.summaries.pending"


def _changed(obj, names: Iterable[str]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _history_values(obj, name: str) -> set:
    h = inspect(obj).attrs[name].history
    return {v for v in (*h.added, *h.unchanged, *h.deleted) if v is not None}


def dossier_figures(session: Session, dossier_ids: Iterable[int]) -> q.Figures:
    """What these dossiers contribute to the dossier and item summaries, as the database holds
    them now (in the session's transaction)."""
    figures = q.Figures()
    ids = sorted(set(dossier_ids))
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        figures.add(q.Figures({SummaryDossiers: q.dossier_rows(Dossier.id.in_(chunk)),
                               SummaryItems: q.item_rows(Dossier.id.in_(chunk)),
                               SummarySteps: {}, SummaryLedger: {}}))
    return figures


def _upsert_statement(session: Session, table):
    keys, names = q.SHAPES[table]
    dialect = session.connection().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table.__table__)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.__table__.c[name] + stmt.excluded[name] for name in names})


def apply(session: Session, delta: q.Figures) -> None:
    """Add ``delta`` to the stored summary rows (rows created as needed), keys in order."""
    for table, rows in delta.tables.items():
        keys, names = q.SHAPES[table]
        params = [dict(zip((*keys, *names), (*key, *values), strict=True))
                  for key, values in sorted(rows.items(), key=lambda kv: repr(kv[0]))
                  if any(values)]
        if params:
            session.connection().execute(_upsert_statement(session, table), params)


def rebuild(session: Session, year_ids: Iterable[int] | None = None) -> None:
    """Replace the summary rows (of ``year_ids``, or all) with those recomputed from the
    source rows."""
    years = None if year_ids is None else sorted(set(year_ids))
    figures = q.recomputed(years)
    for table in q.SHAPES:
        stmt = delete(table)
        if years is not None:
            stmt = stmt.where(table.program_year_id.in_(years))
        session.connection().execute(stmt)
        keys, names = q.SHAPES[table]
        params = [dict(zip((*keys, *names), (*key, *values), strict=True))
                  for key, values in sorted(figures.tables[table].items(), key=repr)
                  if any(values)]
        if params:
            session.connection().execute(insert(table), params)


def rebuild_steps(session: Session, year_ids: Iterable[int]) -> None:
    """Re-count the step rows of these years (their allotments changed)."""
    years = sorted(set(year_ids))
    counted = q.allotments(years)
    session.connection().execute(delete(SummarySteps).where(
        SummarySteps.program_year_id.in_(years)))
    keys, names = q.SHAPES[SummarySteps]
    for year_id in years:
        rows = q.step_rows(year_id, counted.get(year_id, {}))
        params = [dict(zip((*keys, *names), (*key, *values), strict=True))
                  for key, values in sorted(rows.items(), key=repr)]
        if params:
            session.connection().execute(insert(SummarySteps), params)


def events_figures(session: Session, events: Iterable[tuple]) -> q.Figures:
    """What new audit events (year, from, actor, to, step_days) add to the step summary."""
    events = [e for e in events if e[0] is not None and e[4] is not None]
    figures = q.Figures()
    if not events:
        return figures
    counted = q.allotments({e[0] for e in events})
    rows = figures.tables[SummarySteps]
    for year_id, from_status, actor_id, to_status, step_days in events:
        found = q.step_contribution(year_id, from_status, actor_id, to_status, step_days,
                                    counted.get(year_id, {}))
        if found:
            acc = rows.setdefault(found[0], [0, 0, 0.0, 0])
            for i, v in enumerate(found[1]):
                acc[i] += v
    return figures


def ledger_figures(entries: Iterable[tuple], sign: int = 1) -> q.Figures:
    """What ledger entries (year, kind, entry_on, amount) add (sign 1) or take away (-1)."""
    figures = q.Figures()
    rows = figures.tables[SummaryLedger]
    for year_id, kind, entry_on, amount in entries:
        acc = rows.setdefault((year_id, kind, entry_on.year, entry_on.month), [0, 0])
        acc[0] += sign
        acc[1] += sign * int(amount)
    return figures


def dossiers_added(session: Session, dossier_ids: Iterable[int], audit_rows: Iterable[dict] = (),
                   ledger_rows: Iterable[dict] = ()) -> None:
    """Bulk inserts written with Core (the demo seeding): add what the new dossiers, their
    audit events and ledger entries contribute."""
    delta = dossier_figures(session, dossier_ids)
    delta.add(events_figures(session, ((r.get("program_year_id"), r.get("from_status"),
                                        r.get("actor_id"), r.get("to_status"),
                                        r.get("step_days")) for r in audit_rows)))
    delta.add(ledger_figures((r["program_year_id"], r["kind"], r["entry_on"], r["amount_vnd"])
                             for r in ledger_rows))
    apply(session, delta)


@contextmanager
def moving_dossiers(session: Session, dossier_ids: Iterable[int]) -> Iterator[None]:
    """Around a Core statement that changes these dossiers behind the ORM: move their share."""
    ids = sorted(set(dossier_ids))
    before = dossier_figures(session, ids)
    yield
    apply(session, dossier_figures(session, ids).add(before, -1))


# --- the flush hooks -------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    ids: set[int] = set()
    pending: list = []
    for obj in session.new:
        if isinstance(obj, Dossier):
            pending.append(obj)
        elif isinstance(obj, DossierItem):
            if obj.dossier_id is not None:
                ids.add(obj.dossier_id)
            elif obj.dossier is not None:
                (ids.add(obj.dossier.id) if obj.dossier.id is not None
                 else pending.append(obj.dossier))
    for obj in session.dirty:
        # An item removed from ``dossier.items`` is deleted as an orphan during the flush, after
        # this hook: the dossier's changed collection names it.
        if isinstance(obj, Dossier) and _changed(obj, (*_DOSSIER_FIELDS, "items")):
            ids.add(obj.id)
        elif isinstance(obj, DossierItem) and _changed(obj, (*_ITEM_FIELDS, "dossier")):
            ids |= _history_values(obj, "dossier_id")
            ids |= {d.id for d in _history_values(obj, "dossier")}
        elif isinstance(obj, Organisation) and _changed(obj, _ORG_FIELDS) and obj.id:
            ids.update(session.connection().execute(
                select(Dossier.id).where(Dossier.organisation_id == obj.id)).scalars())
    for obj in session.deleted:
        if isinstance(obj, Dossier):
            ids.add(obj.id)
        elif isinstance(obj, DossierItem):
            ids |= _history_values(obj, "dossier_id")
    if not ids and not pending:
        session.info.pop(_STATE, None)
        return
    ids.discard(None)
    session.info[_STATE] = (ids, pending, dossier_figures(session, ids) if ids else q.Figures())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    """Note the new audit events and ledger entries and the years whose allotments moved
    (session.new/dirty/deleted still show this flush's objects here)."""
    events, ledger_in, ledger_out, steps_of = [], [], [], set()
    for obj in session.new:
        if isinstance(obj, AuditEvent):
            events.append((obj.program_year_id, obj.from_status, obj.actor_id, obj.to_status,
                           obj.step_days))
        elif isinstance(obj, LedgerEntry):
            ledger_in.append((obj.program_year_id, obj.kind, obj.entry_on, obj.amount_vnd))
        elif isinstance(obj, ProcedureStep):
            steps_of.add(obj.program_year_id)
    for obj in session.dirty:
        if isinstance(obj, LedgerEntry) and _changed(obj, _LEDGER_FIELDS):
            ledger_in.append((obj.program_year_id, obj.kind, obj.entry_on, obj.amount_vnd))
            ledger_out.append(tuple(_old(obj, name) for name in _LEDGER_FIELDS))
        elif isinstance(obj, ProcedureStep) and _changed(obj, ("allotment_minutes", "counted",
                                                               "key", "program_year_id",
                                                               "program_year")):
            steps_of |= _history_values(obj, "program_year_id")
            steps_of |= {year.id for year in _history_values(obj, "program_year") if year.id}
    for obj in session.deleted:
        if isinstance(obj, LedgerEntry):
            ledger_out.append(tuple(_old(obj, name) for name in _LEDGER_FIELDS))
        elif isinstance(obj, ProcedureStep):
            steps_of |= _history_values(obj, "program_year_id")
    if events or ledger_in or ledger_out or steps_of:
        session.info[_STATE + ".rows"] = (events, ledger_in, ledger_out, steps_of)


def _old(obj, name: str):
    h = inspect(obj).attrs[name].history
    if h.deleted:
        return h.deleted[0]
    return (h.unchanged or h.added)[0]


@event.listens_for(Session, "after_flush_postexec")
def _after_flush_postexec(session: Session, _context) -> None:
    """Add the difference (registered after the dossiers' item sums are written)."""
    dossiers = session.info.pop(_STATE, None)
    rows = session.info.pop(_STATE + ".rows", None)
    if dossiers is None and rows is None:
        return
    delta = q.Figures()
    if dossiers is not None:
        ids, pending, before = dossiers
        ids = ids | {obj.id for obj in pending if obj.id is not None}
        delta.add(dossier_figures(session, ids)).add(before, -1)
    steps_of: set = set()
    if rows is not None:
        events, ledger_in, ledger_out, steps_of = rows
        delta.add(events_figures(session, (e for e in events if e[0] not in steps_of)))
        delta.add(ledger_figures(ledger_in)).add(ledger_figures(ledger_out, -1))
    pending = session.info.setdefault(_PENDING, (q.Figures(), set()))
    pending[0].add(delta)
    pending[1].update(steps_of)


def settle(session: Session) -> None:
    """Write what this transaction's flushes moved: the differences added up, then the step
    rows of the years whose allotments changed re-counted (taking the step table first, so
    that two such transactions queue instead of deadlocking)."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    delta, steps_of = pending
    if steps_of:
        _lock_tables(session, (SummarySteps,), "EXCLUSIVE")
    apply(session, delta)
    if steps_of:
        rebuild_steps(session, steps_of)


@commit_step(SETTLE_SUMMARIES)
def _before_commit(session: Session) -> None:
    settle(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost: committed (settled) or rolled back
        session.info.pop(_PENDING, None)
        session.info.pop(_STATE, None)
        session.info.pop(_STATE + ".rows", None)


def _lock_tables(session: Session, tables, mode: str) -> None:
    """On PostgreSQL, lock whole summary tables for the rest of the transaction."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.__tablename__ for table in tables)
        connection.exec_driver_sql(f"LOCK TABLE {names} IN {mode} MODE")


def check(*, repair: bool = False) -> list[tuple[str, tuple, list, list]]:
    """Recompute every summary row from the source rows; the differences found (table, key,
    recomputed, stored). With ``repair``, replace the stored rows by the recomputed ones
    (on PostgreSQL the summary tables are locked first, so that no change committed between the
    recomputation and the replacement is lost). What this transaction moved is settled first."""
    settle(db.session)
    if repair:
        _lock_tables(db.session, tuple(q.SHAPES), "EXCLUSIVE")
    found = q.differences(q.recomputed(), q.stored())
    if found and repair:
        rebuild(db.session)
    return found
