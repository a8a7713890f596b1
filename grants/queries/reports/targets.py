"""Report 2: target progress (approved items against the target, by kind and by item)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from grants.domain.budget import TargetProgress
from grants.domain.enums import CatalogueKind
from grants.domain.workflow_states import APPROVED_OR_LATER, UNDECIDED, Status
from grants.extensions import db
from grants.models import CatalogueItem, ProgramYear, SummaryItems
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import status_values


@dataclass(frozen=True, slots=True)
class TargetRow:
    """Approved and pending items for one catalogue kind or one catalogue item."""

    key: str
    label: str
    approved_items: int = 0
    approved_vnd: int = 0
    pending_items: int = 0


@dataclass(frozen=True, slots=True)
class TargetReport:
    """Approved items against the year's target, by catalogue kind (all four kinds listed) and
    by catalogue item. *Pending* items belong to filed dossiers not yet decided: what could
    still count this year."""

    year: int
    progress: TargetProgress
    kinds: list[TargetRow]
    items: list[TargetRow]

    @property
    def approved_vnd(self) -> int:
        return sum(k.approved_vnd for k in self.kinds)

    @property
    def pending_items(self) -> int:
        return sum(k.pending_items for k in self.kinds)


_NEVER_APPROVED_COUNTED = frozenset(Status) - UNDECIDED - APPROVED_OR_LATER


def target_report(year: ProgramYear, *, cache_seconds: float = DEFAULT_SECONDS) -> TargetReport:
    """Approved items against the target range, by catalogue kind and item."""
    return memoised("target", (year.id,), lambda: _target_report(year), seconds=cache_seconds)


def _target_report(year: ProgramYear) -> TargetReport:
    # Read from the summary rows (grants.models.summary): items per catalogue item and
    # dossier state, "approved" when granted an amount in a live approval. The state test is
    # "not one of the others", as the source query had it.
    catalogue = {item_id: (code, name, kind) for item_id, code, name, kind in db.session.execute(
        select(CatalogueItem.id, CatalogueItem.code, CatalogueItem.name, CatalogueItem.kind))}
    mine = SummaryItems.program_year_id == year.id
    approved = [(*catalogue[item_id], n, vnd) for item_id, n, vnd in db.session.execute(
        select(SummaryItems.catalogue_item_id, func.sum(SummaryItems.items),
               func.sum(SummaryItems.approved_vnd))
        .where(mine, SummaryItems.approved.is_(True),
               SummaryItems.status.not_in(status_values(_NEVER_APPROVED_COUNTED)))
        .group_by(SummaryItems.catalogue_item_id)
        .having(func.sum(SummaryItems.items) > 0))]
    pending = [(*catalogue[item_id], n) for item_id, n in db.session.execute(
        select(SummaryItems.catalogue_item_id, func.sum(SummaryItems.items))
        .where(mine, SummaryItems.status.in_(status_values(UNDECIDED)))
        .group_by(SummaryItems.catalogue_item_id)
        .having(func.sum(SummaryItems.items) > 0))]
    sums: dict[tuple, list[int]] = {}
    for code, name, kind, n, vnd in approved:
        acc = sums.setdefault((code, name, kind), [0, 0, 0])
        acc[0], acc[1] = acc[0] + int(n or 0), acc[1] + int(vnd or 0)
    for code, name, kind, p in pending:
        sums.setdefault((code, name, kind), [0, 0, 0])[2] += int(p or 0)
    rows = [(*key, *acc) for key, acc in sums.items()]
    items: list[TargetRow] = []
    by_kind = {kind.value: [0, 0, 0] for kind in CatalogueKind}
    for code, name, kind, n, vnd, p in rows:
        row = TargetRow(code, name, int(n or 0), int(vnd or 0), int(p or 0))
        items.append(row)
        acc = by_kind.setdefault(kind, [0, 0, 0])
        acc[0] += row.approved_items
        acc[1] += row.approved_vnd
        acc[2] += row.pending_items
    items.sort(key=lambda r: (-r.approved_items, -r.pending_items, r.key))
    kinds = [TargetRow(kind, CatalogueKind(kind).label, *acc) for kind, acc in by_kind.items()]
    progress = TargetProgress(year.target_min, year.target_max,
                              sum(k.approved_items for k in kinds))
    return TargetReport(year.year, progress, kinds, items)
