"""Budget figures for the dashboard, the budget-execution report, the finance lists, the API and
the year close.

Every aggregate is one SQL query with GROUP BY, so the cost does not grow with rows loaded into
Python (the dashboard must stay fast with 100,000 dossiers). No writes here.
"""

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from grants.domain.budget import (
    EntryKind,
    PendingStatus,
    Summary,
    TargetProgress,
    percent,
    signed_totals,
)
from grants.domain.enums import Outcome
from grants.domain.workflow_states import APPROVED_OR_LATER, Status
from grants.extensions import db
from grants.models import (
    CatalogueItem,
    Dossier,
    DossierItem,
    LedgerEntry,
    Organisation,
    PendingPayment,
    ProgramYear,
    SummaryLedger,
)
from grants.queries.catalogue import NO_COMMUNE
from grants.queries.sql import (
    approved_item,
    live_approval,
    name_matches,
    signed_amount,
    status_values,
)
from grants.queries.worklists import status_counts
from grants.queries.years import require_year


class BudgetShares:
    """Derived figures of a row that carries ``budget_vnd``, ``committed_vnd`` and
    ``disbursed_vnd`` (a year's budget execution, a row of the year-over-year view)."""

    __slots__ = ()
    budget_vnd: int
    committed_vnd: int
    disbursed_vnd: int

    @property
    def remaining_vnd(self) -> int:
        return self.budget_vnd - self.committed_vnd

    @property
    def unpaid_committed_vnd(self) -> int:
        return self.committed_vnd - self.disbursed_vnd

    @property
    def committed_percent(self) -> float | None:
        return percent(self.committed_vnd, self.budget_vnd)

    @property
    def disbursed_percent(self) -> float | None:
        return percent(self.disbursed_vnd, self.budget_vnd)


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """Net commitments and payments of one calendar month, with the running totals of the year
    up to and including that month."""

    year: int
    month: int
    committed_vnd: int
    disbursed_vnd: int
    cumulative_committed_vnd: int
    cumulative_disbursed_vnd: int

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


@dataclass(frozen=True, slots=True)
class ItemRow:
    code: str
    name: str
    items: int
    approved_vnd: int


@dataclass(frozen=True, slots=True)
class CommuneRow:
    commune: str
    dossiers: int
    approved_vnd: int
    paid_vnd: int


# --- Headline figures ----------------------------------------------------------------------------


def _approved_items_filter(program_year_id: int):
    # An item counts once its dossier is approved with a live commitment and the item itself
    # was granted an amount.
    return (Dossier.program_year_id == program_year_id, live_approval(), approved_item())


def items_approved(program_year_id: int) -> int:
    """Approved standards/tools/models of the year (the count measured against the target)."""
    return db.session.scalar(
        select(func.count(DossierItem.id)).join(Dossier, DossierItem.dossier_id == Dossier.id)
        .where(*_approved_items_filter(program_year_id))) or 0


def target_progress(year: ProgramYear) -> TargetProgress:
    """Approved items against the year's target range (short / in range / over)."""
    return TargetProgress(year.target_min, year.target_max, items_approved(year.id))


def program_figures(year: ProgramYear | int) -> dict:
    """The year's headline money and target figures, summed from the ledger.

    Keys: budget_vnd, committed_vnd, disbursed_vnd, remaining_vnd, target_min, target_max,
    items_approved (payments waiting for confirmation: ``pending_payments_total``). Accepts
    the ProgramYear or its number; raises NotFound for an unknown year.
    """
    row = require_year(year)
    summary = ledger_summary(row)
    return {
        "budget_vnd": summary.budget_vnd,
        "committed_vnd": summary.committed_vnd,
        "disbursed_vnd": summary.disbursed_vnd,
        "remaining_vnd": summary.remaining_vnd,
        "target_min": row.target_min,
        "target_max": row.target_max,
        "items_approved": items_approved(row.id),
    }


# --- Breakdowns ----------------------------------------------------------------------------------


def monthly_figures(year: ProgramYear) -> list[MonthFigures]:
    """Net commitments and payments per calendar month, with running totals: the 12 months of
    the program year, plus any other month that has entries (e.g. payments made early the next
    year), so the last running totals are the year's committed and disbursed totals."""
    # From the ledger's summary rows (grants.models.summary): sums per (kind, month), signed
    # here with the domain's ledger table.
    pairs: dict[tuple[int, int], list[tuple[str, int]]] = {}
    for y, m, kind, amount in db.session.execute(
            select(SummaryLedger.entry_year, SummaryLedger.entry_month, SummaryLedger.kind,
                   SummaryLedger.amount_vnd)
            .where(SummaryLedger.program_year_id == year.id, SummaryLedger.entries > 0)):
        pairs.setdefault((int(y), int(m)), []).append((kind, int(amount or 0)))
    found = {month: signed_totals(kinds) for month, kinds in pairs.items()}
    months, total_c, total_d = [], 0, 0
    for y, m in sorted(set(found) | {(year.year, m) for m in range(1, 13)}):
        c, d = found.get((y, m), (0, 0))
        total_c, total_d = total_c + c, total_d + d
        months.append(MonthFigures(y, m, c, d, total_c, total_d))
    return months


def by_catalogue_item(year: ProgramYear) -> list[ItemRow]:
    """Approved items and amounts per catalogue item, largest amount first."""
    rows = db.session.execute(
        select(CatalogueItem.code, CatalogueItem.name, func.count(DossierItem.id),
               func.sum(DossierItem.approved_vnd))
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .join(CatalogueItem, DossierItem.catalogue_item_id == CatalogueItem.id)
        .where(*_approved_items_filter(year.id))
        .group_by(CatalogueItem.code, CatalogueItem.name))
    result = [ItemRow(code, name, int(n), int(total or 0)) for code, name, n, total in rows]
    return sorted(result, key=lambda r: (-r.approved_vnd, r.code))


def by_commune(year: ProgramYear) -> list[CommuneRow]:
    """Approved dossiers, approved and paid amounts per commune/ward, largest first."""
    commune = func.coalesce(Organisation.commune, NO_COMMUNE)
    rows = db.session.execute(
        select(commune, func.count(Dossier.id), func.sum(Dossier.approved_vnd),
               func.sum(Dossier.paid_vnd))
        .select_from(Dossier)
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(Dossier.program_year_id == year.id, live_approval())
        .group_by(commune))
    result = [CommuneRow(name, int(n), int(a or 0), int(p or 0)) for name, n, a, p in rows]
    return sorted(result, key=lambda r: (-r.approved_vnd, r.commune))


def dossiers_by_status(year: ProgramYear) -> list[tuple[Status, int]]:
    """(status, count) for every status that has dossiers, in workflow order."""
    counts = status_counts(year.id)
    return [(status, counts[status.value]) for status in Status if counts.get(status.value)]


# --- Finance lists -------------------------------------------------------------------------------


def _unpaid_filter(program_year_id: int, search: str | None):
    conditions = [Dossier.program_year_id == program_year_id,
                  Dossier.outcome == Outcome.APPROVED.value,
                  Dossier.status.in_(status_values(APPROVED_OR_LATER)),
                  Dossier.approved_vnd > Dossier.paid_vnd]
    search = (search or "").strip()
    if search:
        conditions.append(or_(Dossier.code.icontains(search, autoescape=True),
                              name_matches(search),
                              Organisation.tax_code.icontains(search, autoescape=True)))
    return conditions


def unpaid_dossiers(program_year_id: int, search: str | None = None) -> Select:
    """Approved dossiers not yet fully paid (to be paged), searchable by dossier code,
    organisation name or tax code."""
    return (select(Dossier).join(Organisation, Dossier.organisation_id == Organisation.id)
            .where(*_unpaid_filter(program_year_id, search))
            .order_by(Dossier.decided_at.asc(), Dossier.code.asc()))


def unpaid_totals(program_year_id: int, search: str | None = None) -> dict:
    """Count, approved, paid and still payable over the same filter as ``unpaid_dossiers``."""
    count, approved, paid = db.session.execute(
        select(func.count(Dossier.id), func.sum(Dossier.approved_vnd), func.sum(Dossier.paid_vnd))
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(*_unpaid_filter(program_year_id, search))).one()
    approved, paid = int(approved or 0), int(paid or 0)
    return {"count": count, "approved_vnd": approved, "paid_vnd": paid,
            "payable_vnd": approved - paid}


def payments_between(program_year_id: int, first: date, last: date) -> dict:
    """Payments of the year whose date falls in [first, last]: how many were recorded and the
    net amount paid (reversals of those days subtract)."""
    count, net = db.session.execute(
        select(func.count(LedgerEntry.id).filter(LedgerEntry.kind == EntryKind.DISBURSEMENT.value),
               func.sum(signed_amount(1)))
        .where(LedgerEntry.program_year_id == program_year_id,
               LedgerEntry.entry_on >= first, LedgerEntry.entry_on <= last,
               LedgerEntry.kind.in_([EntryKind.DISBURSEMENT.value,
                                     EntryKind.DISBURSEMENT_REVERSAL.value]))).one()
    return {"count": count, "paid_vnd": int(net or 0)}


def pending_payments_total(program_year_id: int) -> int:
    """What the year's payments waiting for confirmation add up to (read from an index)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(PendingPayment.amount_vnd), 0))
        .where(PendingPayment.program_year_id == program_year_id,
               PendingPayment.status == PendingStatus.PENDING.value)) or 0)


def pending_payments(program_year_id: int | None = None, dossier_id: int | None = None,
                     *, waiting_only: bool = True) -> list:
    """Payments waiting for (or, with ``waiting_only=False``, that went through) a second
    person's confirmation, oldest first; of a year or of a dossier."""
    stmt = select(PendingPayment).order_by(PendingPayment.recorded_at, PendingPayment.id)
    if program_year_id is not None:
        stmt = stmt.where(PendingPayment.program_year_id == program_year_id)
    if dossier_id is not None:
        stmt = stmt.where(PendingPayment.dossier_id == dossier_id)
    if waiting_only:
        stmt = stmt.where(PendingPayment.status == PendingStatus.PENDING.value)
    return list(db.session.scalars(stmt))


def dossier_entries(dossier_id: int) -> list[tuple[LedgerEntry, LedgerEntry | None]]:
    """Every ledger entry of a dossier, oldest first, each with the entry that reversed it."""
    reversal = aliased(LedgerEntry)
    return [tuple(row) for row in db.session.execute(
        select(LedgerEntry, reversal)
        .outerjoin(reversal, reversal.reverses_id == LedgerEntry.id)
        .where(LedgerEntry.dossier_id == dossier_id)
        .order_by(LedgerEntry.entry_on, LedgerEntry.id))]


def reversal_of(entry_id: int) -> LedgerEntry | None:
    """The entry that reversed (or released) ``entry_id``, if any."""
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.reverses_id == entry_id))


def is_reversible(entry: LedgerEntry, reversed_by: LedgerEntry | None) -> bool:
    """Whether the finance officer may be offered a reversal of this entry."""
    return entry.kind == EntryKind.DISBURSEMENT and reversed_by is None


# --- Year close ----------------------------------------------------------------------------------


def closing_figures(year: ProgramYear) -> dict:
    """Everything frozen into ``closing_report`` when the year is closed (JSON-ready)."""
    figures = program_figures(year)
    progress = TargetProgress(year.target_min, year.target_max, figures["items_approved"])
    figures.update(
        year=year.year,
        unpaid_committed_vnd=figures["committed_vnd"] - figures["disbursed_vnd"],
        target_status=progress.status.value,
        target_label=progress.label,
        dossiers_by_status={status.value: n for status, n in dossiers_by_status(year)},
        by_month=[{"year": f.year, "month": f.month, "committed_vnd": f.committed_vnd,
                   "disbursed_vnd": f.disbursed_vnd} for f in monthly_figures(year)],
        by_item=[{"code": r.code, "name": r.name, "items": r.items,
                  "approved_vnd": r.approved_vnd} for r in by_catalogue_item(year)],
        by_commune=[{"commune": r.commune, "dossiers": r.dossiers,
                     "approved_vnd": r.approved_vnd, "paid_vnd": r.paid_vnd}
                    for r in by_commune(year)],
    )
    return figures


def frozen_report(year: ProgramYear) -> dict | None:
    """The figures frozen when the year was closed, or None for an open year."""
    if not year.closing_report:
        return None
    return json.loads(year.closing_report)


def ledger_summary(year: ProgramYear) -> Summary:
    """The year's budget, committed, disbursed and remaining, summed from the ledger rows (one
    GROUP BY kind, folded with the domain's sign table)."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_vnd))
        .where(LedgerEntry.program_year_id == year.id)
        .group_by(LedgerEntry.kind))
    committed, disbursed = signed_totals((kind, int(total or 0)) for kind, total in rows)
    return Summary(budget_vnd=year.budget_vnd, committed_vnd=committed, disbursed_vnd=disbursed,
                   remaining_vnd=year.budget_vnd - committed,
                   unpaid_committed_vnd=committed - disbursed)
