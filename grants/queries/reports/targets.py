"""Report 2: target progress (approved items against the target, by kind and by item)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from grants.domain.budget import TargetProgress
from grants.domain.enums import CatalogueKind
from grants.domain.workflow_states import APPROVED_OR_LATER, UNDECIDED, Status
from grants.extensions import db
from grants.models import CatalogueItem, Dossier, DossierItem, ProgramYear
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import approved_item, live_approval, status_values


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
    # Two queries rather than one with OR: the approved items come from the small partial
    # indexes of live approvals, the pending ones from the undecided dossiers' range of
    # ix_dossiers_year_status_org; the rows are added up per catalogue item.
    catalogue = select(CatalogueItem.code, CatalogueItem.name, CatalogueItem.kind)
    approved = db.session.execute(
        catalogue.add_columns(func.count(DossierItem.id), func.sum(DossierItem.approved_vnd))
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .join(CatalogueItem, DossierItem.catalogue_item_id == CatalogueItem.id)
        # The state test is written as "not one of the others" so that no database reads the
        # year's many dossiers by state instead of its few live approvals.
        .where(Dossier.program_year_id == year.id, live_approval(), approved_item(),
               Dossier.status.not_in(status_values(_NEVER_APPROVED_COUNTED)))
        .group_by(CatalogueItem.code, CatalogueItem.name, CatalogueItem.kind)).all()
    pending = db.session.execute(
        catalogue.add_columns(func.count(DossierItem.id))
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .join(CatalogueItem, DossierItem.catalogue_item_id == CatalogueItem.id)
        .where(Dossier.program_year_id == year.id, Dossier.status.in_(status_values(UNDECIDED)))
        .group_by(CatalogueItem.code, CatalogueItem.name, CatalogueItem.kind)).all()
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
