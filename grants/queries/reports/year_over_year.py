"""Report 5: year over year (money, filed dossiers, approved items, on-time rate per year)."""

from dataclasses import dataclass

from sqlalchemy import case, func, select

from grants.domain.budget import percent, signed_totals
from grants.domain.workflow_states import DECIDED, NOT_FILED
from grants.extensions import db
from grants.models import ProgramYear, SummaryDossiers, SummaryItems, SummaryLedger
from grants.queries.budget import BudgetShares
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import status_values


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
    # Read from the summary rows (grants.models.summary): the ledger's sums per (year, kind)
    # with the signs of the domain's ledger table applied here (releases and reversals
    # subtract), the dossiers per (year, state) and the approved items per year.
    sums: dict[int, list[tuple[str, int]]] = {}
    for pid, kind, total in db.session.execute(
            select(SummaryLedger.program_year_id, SummaryLedger.kind,
                   func.sum(SummaryLedger.amount_vnd))
            .group_by(SummaryLedger.program_year_id, SummaryLedger.kind)):
        sums.setdefault(pid, []).append((kind, int(total or 0)))
    money = {pid: signed_totals(pairs) for pid, pairs in sums.items()}
    finished = SummaryDossiers.status.in_(status_values(DECIDED))
    counts = {row[0]: [int(v or 0) for v in row[1:]] for row in db.session.execute(
        select(SummaryDossiers.program_year_id, func.sum(SummaryDossiers.dossiers),
               func.sum(case((finished, SummaryDossiers.dossiers), else_=0)),
               func.sum(case((finished, SummaryDossiers.judged), else_=0)),
               func.sum(case((finished, SummaryDossiers.on_time), else_=0)))
        .where(SummaryDossiers.status.not_in(status_values(NOT_FILED)))
        .group_by(SummaryDossiers.program_year_id))}
    items = dict(db.session.execute(
        select(SummaryItems.program_year_id, func.sum(SummaryItems.items))
        .where(SummaryItems.approved.is_(True))
        .group_by(SummaryItems.program_year_id)).all())
    rows = []
    for pid, number, budget in years:
        c, d = money.get(pid, (0, 0))
        n, fin, jud, ok = counts.get(pid, [0, 0, 0, 0])
        rows.append(YearRow(number, budget, c, d, n, int(items.get(pid, 0)), fin, ok, jud))
    return tuple(rows)
