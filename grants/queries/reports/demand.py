"""Report 3: the year's demand summary ("tổng hợp nhu cầu hỗ trợ")."""

from dataclasses import dataclass

from sqlalchemy import case, func, select

from grants.domain.organisations import OrgType
from grants.domain.workflow_states import NOT_FILED, UNDECIDED
from grants.extensions import db
from grants.models import CatalogueItem, ProgramYear, SummaryDossiers, SummaryItems
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import status_values


@dataclass(frozen=True, slots=True)
class DemandRow:
    """Requested support for one group (catalogue item, commune or organisation type)."""

    key: str
    label: str
    dossiers: int = 0
    items: int = 0
    consulting_cost_vnd: int = 0
    requested_vnd: int = 0
    approved_vnd: int = 0
    undecided_items: int = 0
    undecided_requested_vnd: int = 0

    def __add__(self, other: "DemandRow") -> "DemandRow":
        return DemandRow(self.key, self.label, self.dossiers + other.dossiers,
                         self.items + other.items,
                         self.consulting_cost_vnd + other.consulting_cost_vnd,
                         self.requested_vnd + other.requested_vnd,
                         self.approved_vnd + other.approved_vnd,
                         self.undecided_items + other.undecided_items,
                         self.undecided_requested_vnd + other.undecided_requested_vnd)


@dataclass(frozen=True, slots=True)
class DemandSummary:
    year: int
    by_item: list[DemandRow]
    by_commune: list[DemandRow]
    by_org_type: list[DemandRow]
    total: DemandRow


def demand_summary(year: ProgramYear, *, cache_seconds: float = DEFAULT_SECONDS
                   ) -> DemandSummary:
    """Requested items and amounts of every filed dossier of ``year`` (decided or not), by
    catalogue item, by commune/ward and by organisation type, with the grand total.

    Three reads of the summary rows: the items grouped by catalogue item (an item occurs at
    most once per dossier, unique constraint, so per catalogue item the dossier count is the
    item count), and their approved amounts (items granted an amount in a dossier approved
    with a live commitment); the dossiers grouped by (commune, type), with the item count and
    sums each dossier keeps of its items and the amounts granted to them.
    """
    return memoised("demand", (year.id,), lambda: _demand_summary(year),
                    seconds=cache_seconds)


def _demand_summary(year: ProgramYear) -> DemandSummary:
    # Read from the summary rows (grants.models.summary), which hold these sums per catalogue
    # item and state, and per commune, organisation type and state: three grouped reads of a
    # few hundred rows, whatever the number of dossiers.
    filed = (SummaryDossiers.program_year_id == year.id,
             SummaryDossiers.status.not_in(status_values(NOT_FILED)))
    undecided = SummaryDossiers.status.in_(status_values(UNDECIDED))
    items_filed = (SummaryItems.program_year_id == year.id,
                   SummaryItems.status.not_in(status_values(NOT_FILED)))
    items_undecided = SummaryItems.status.in_(status_values(UNDECIDED))
    item_rows = db.session.execute(
        select(SummaryItems.catalogue_item_id, func.sum(SummaryItems.items),
               func.sum(SummaryItems.consulting_cost_vnd), func.sum(SummaryItems.requested_vnd),
               func.sum(case((items_undecided, SummaryItems.items), else_=0)),
               func.sum(case((items_undecided, SummaryItems.requested_vnd), else_=0)))
        .where(*items_filed)
        .group_by(SummaryItems.catalogue_item_id)
        .having(func.sum(SummaryItems.items) > 0)).all()
    place_rows = db.session.execute(
        select(SummaryDossiers.commune, SummaryDossiers.org_type,
               func.sum(SummaryDossiers.dossiers), func.sum(SummaryDossiers.item_count),
               func.sum(SummaryDossiers.items_cost_vnd),
               func.sum(SummaryDossiers.items_requested_vnd),
               func.sum(case((undecided, SummaryDossiers.item_count), else_=0)),
               func.sum(case((undecided, SummaryDossiers.items_requested_vnd), else_=0)),
               func.sum(SummaryDossiers.approved_items_vnd))
        .where(*filed)
        .group_by(SummaryDossiers.commune, SummaryDossiers.org_type)
        .having(func.sum(SummaryDossiers.dossiers) > 0)).all()
    approved_items = dict(db.session.execute(
        select(SummaryItems.catalogue_item_id, func.sum(SummaryItems.approved_vnd))
        .where(*items_filed, SummaryItems.approved.is_(True))
        .group_by(SummaryItems.catalogue_item_id)).all())
    catalogue = {item_id: (code, name) for item_id, code, name in db.session.execute(
        select(CatalogueItem.id, CatalogueItem.code, CatalogueItem.name))}

    approved_by: dict[object, int] = {}
    for item_id, vnd in approved_items.items():
        approved_by[item_id] = int(vnd or 0)
    for place, org_type, *_figures, vnd in place_rows:
        for key in (("place", place), ("type", org_type)):
            approved_by[key] = approved_by.get(key, 0) + int(vnd or 0)
    by_item: dict[str, DemandRow] = {}
    for item_id, n, cost, requested, open_n, open_vnd in item_rows:
        code, name = catalogue[item_id]
        by_item[code] = by_item.get(code, DemandRow(code, name)) + DemandRow(
            code, name, dossiers=int(n), items=int(n), consulting_cost_vnd=int(cost or 0),
            requested_vnd=int(requested or 0), approved_vnd=approved_by.get(item_id, 0),
            undecided_items=int(open_n or 0), undecided_requested_vnd=int(open_vnd or 0))
    communes: dict[str, DemandRow] = {}
    types: dict[str, DemandRow] = {t.value: DemandRow(t.value, t.label) for t in OrgType}
    for place, org_type, dossiers, n, cost, requested, open_n, open_vnd, _vnd in place_rows:
        figures = dict(dossiers=int(dossiers), items=int(n or 0),
                       consulting_cost_vnd=int(cost or 0), requested_vnd=int(requested or 0),
                       undecided_items=int(open_n or 0), undecided_requested_vnd=int(open_vnd or 0))
        communes[place] = communes.get(place, DemandRow(place, place)) + DemandRow(
            place, place, **figures)
        types[org_type] = types.get(org_type, DemandRow(org_type, OrgType(org_type).label)) \
            + DemandRow(org_type, org_type, **figures)
    communes = {place: row + DemandRow(place, place,
                                       approved_vnd=approved_by.get(("place", place), 0))
                for place, row in communes.items()}
    types = {org_type: row + DemandRow(org_type, org_type,
                                       approved_vnd=approved_by.get(("type", org_type), 0))
             for org_type, row in types.items()}
    total = sum(types.values(), DemandRow("total", "Tổng cộng"))
    return DemandSummary(
        year.year,
        sorted(by_item.values(), key=lambda r: (-r.requested_vnd, r.key)),
        sorted(communes.values(), key=lambda r: (-r.requested_vnd, r.key)),
        list(types.values()), total)
