"""Read-side budget figures for the dashboard, the finance lists, the API and the year close.

Every aggregate is one SQL query with GROUP BY, so the cost does not grow with rows loaded into
Python (the dashboard must stay fast with 100,000 dossiers). No writes here.
"""

import json
from dataclasses import dataclass

from sqlalchemy import Select, and_, extract, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from grants.domain.budget import EntryKind, TargetProgress
from grants.domain.errors import NotFound
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import (
    CatalogueItem,
    Dossier,
    DossierItem,
    LedgerEntry,
    Organisation,
    ProgramYear,
)
from grants.models.enums import Outcome
from grants.services.ledger import PAYABLE_STATUSES, ledger_summary, signed_sums
from grants.services.queries import current_year, status_counts

NO_COMMUNE = "(Chưa ghi xã/phường)"


@dataclass(frozen=True, slots=True)
class MonthFlow:
    year: int
    month: int
    committed_vnd: int
    disbursed_vnd: int

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


# --- Years ---------------------------------------------------------------------------------------


def find_year(year: int) -> ProgramYear | None:
    """The program year numbered ``year`` (e.g. 2026), or None."""
    return db.session.scalar(select(ProgramYear).where(ProgramYear.year == year))


def year_for(arg: str | None) -> ProgramYear | None:
    """The year chosen by a ``?year=`` argument: the current year when it is absent or empty,
    None when it names no program year (or is not a year at all)."""
    if arg is None or not arg.strip():
        return current_year()
    arg = arg.strip()
    if not (arg.isascii() and arg.isdigit() and len(arg) <= 4):
        return None
    return find_year(int(arg))


def year_numbers() -> list[int]:
    """Every program year number, newest first (for year pickers)."""
    return list(db.session.scalars(select(ProgramYear.year).order_by(ProgramYear.year.desc())))


def _year_row(year: ProgramYear | int) -> ProgramYear:
    if isinstance(year, ProgramYear):
        return year
    row = find_year(year)
    if row is None:
        raise NotFound(f"Không có năm chương trình {year}.")
    return row


# --- Headline figures ----------------------------------------------------------------------------


# The constants are written into the SQL rather than bound, so that the planner can see that
# these tests imply the WHERE of the partial indexes ix_dossiers_live_approval and
# ix_dossier_items_approved (SQLite never matches a bound parameter against a partial index).
_APPROVED = literal_column(f"'{Outcome.APPROVED.value}'")
_ZERO = literal_column("0")


def live_approval():
    """SQL test for a dossier approved with a live commitment (outcome approved and
    ``approved_vnd > 0``): the dossiers whose items count as approved."""
    return and_(Dossier.outcome == _APPROVED, Dossier.approved_vnd > _ZERO)


def approved_item():
    """SQL test for an item granted an amount (with ``live_approval`` on its dossier)."""
    return DossierItem.approved_vnd > _ZERO


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
    items_approved. Accepts the ProgramYear or its number; raises NotFound for an unknown year.
    """
    row = _year_row(year)
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


def monthly_flows(year: ProgramYear) -> list[MonthFlow]:
    """Net commitments and payments per calendar month: the 12 months of the program year, plus
    any other month that has entries (e.g. payments made early the next year)."""
    committed, disbursed = signed_sums()
    entry_year = extract("year", LedgerEntry.entry_on)
    entry_month = extract("month", LedgerEntry.entry_on)
    rows = db.session.execute(
        select(entry_year, entry_month, committed, disbursed)
        .where(LedgerEntry.program_year_id == year.id)
        .group_by(entry_year, entry_month))
    found = {(int(y), int(m)): (int(c or 0), int(d or 0)) for y, m, c, d in rows}
    keys = sorted(set(found) | {(year.year, m) for m in range(1, 13)})
    return [MonthFlow(y, m, *found.get((y, m), (0, 0))) for y, m in keys]


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
                  Dossier.status.in_([s.value for s in PAYABLE_STATUSES]),
                  Dossier.approved_vnd > Dossier.paid_vnd]
    search = (search or "").strip()
    if search:
        conditions.append(or_(Dossier.code.icontains(search, autoescape=True),
                              Organisation.name.icontains(search, autoescape=True),
                              Organisation.tax_code.icontains(search, autoescape=True)))
    return conditions


def unpaid_dossiers(program_year_id: int, search: str | None = None) -> Select:
    """Approved dossiers not yet fully paid (for ``db.paginate``), searchable by dossier code,
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
                   "disbursed_vnd": f.disbursed_vnd} for f in monthly_flows(year)],
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
