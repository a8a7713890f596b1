"""Report 5: year over year (money, filed dossiers, approved items, on-time rate per year)."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from grants.domain.budget import percent, signed_totals
from grants.domain.workflow_states import DECIDED, NOT_FILED
from grants.extensions import db
from grants.models import Dossier, DossierItem, LedgerEntry, ProgramYear
from grants.queries.budget import BudgetShares
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import approved_item, live_approval, status_values


@dataclass(frozen=True, slots=True)
class YearRow(BudgetShares):
    year: int
    budget_vnd: int
    committed_vnd: int
    disbursed_vnd: int
    dossiers: int
    approved_items: int
    finished: int
    on_time: int
    judged: int

    @property
    def on_time_percent(self) -> float | None:
        return percent(self.on_time, self.judged)


def year_over_year(*, cache_seconds: float = DEFAULT_SECONDS) -> tuple[YearRow, ...]:
    """One row per program year, oldest first: budget, committed, disbursed, filed dossiers
    (drafts and withdrawn left out), approved items and the on-time rate."""
    return memoised("years", (), _year_over_year, seconds=cache_seconds)


def _year_over_year() -> tuple[YearRow, ...]:
    years = db.session.execute(select(ProgramYear.id, ProgramYear.year, ProgramYear.budget_vnd)
                               .order_by(ProgramYear.year)).all()
    # Plain sums per (year, kind) read in index order; the signs of the domain's ledger table
    # are applied here (releases and reversals subtract).
    sums: dict[int, list[tuple[str, int]]] = {}
    for pid, kind, total in db.session.execute(
            select(LedgerEntry.program_year_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_vnd))
            .group_by(LedgerEntry.program_year_id, LedgerEntry.kind)):
        sums.setdefault(pid, []).append((kind, int(total or 0)))
    money = {pid: signed_totals(pairs) for pid, pairs in sums.items()}
    done_at = func.coalesce(Dossier.finished_at, Dossier.decided_at)
    finished = Dossier.status.in_(status_values(DECIDED))
    judged = and_(finished, Dossier.due_at.is_not(None), done_at.is_not(None))
    counts = {row[0]: [int(v or 0) for v in row[1:]] for row in db.session.execute(
        select(Dossier.program_year_id, func.count(Dossier.id),
               func.sum(case((finished, 1), else_=0)),
               func.sum(case((judged, 1), else_=0)),
               func.sum(case((and_(judged, done_at <= Dossier.due_at), 1), else_=0)))
        .where(Dossier.status.not_in(status_values(NOT_FILED)))
        .group_by(Dossier.program_year_id))}
    items = dict(db.session.execute(
        select(Dossier.program_year_id, func.count(DossierItem.id))
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .where(live_approval(), approved_item())
        .group_by(Dossier.program_year_id)).all())
    rows = []
    for pid, number, budget in years:
        c, d = money.get(pid, (0, 0))
        n, fin, jud, ok = counts.get(pid, [0, 0, 0, 0])
        rows.append(YearRow(number, budget, c, d, n, int(items.get(pid, 0)), fin, ok, jud))
    return tuple(rows)
