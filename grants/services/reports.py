"""Read-side figures for the reports of SPEC §7: budget execution, target progress, the year's
demand summary, processing times and the year-over-year view, plus the full dossier register.

Every figure is an aggregate computed by the database (GROUP BY, SUM/COUNT over CASE, read from
covering or partial indexes where a year holds many rows); Python only folds the handful of group
rows that come back, so the cost does not depend on how many dossiers are loaded into memory.
No writes here.

Definitions shared by the pages, the Excel files and the tests:

* **Committed / disbursed** are net sums of the ledger (releases and reversals subtract), by the
  month of ``entry_on``; remaining = budget − committed.
* **Approved item**: an item with an approved amount > 0 in a dossier whose outcome is approved
  and whose commitment is live (``approved_vnd > 0``): the dashboard's definition.
* **Demand** counts every dossier that was filed: all states except draft and withdrawn.
  *Undecided* means filed but not yet approved or rejected (submitted … reviewed).
* **Finished** dossiers are the decided ones (approved, rejected, issued, returned). One is on
  time when it was finished (returned; else decided) at or before its due moment; dossiers
  without a due moment (e.g. imported legacy dossiers) are counted apart, not in the rate.
* **Overdue**: dossiers still being processed (received … reviewed) whose due moment has passed.
* **Working days per step** are measured on the audit trail: the time between a dossier's state
  change that started a step and the one that ended it (stored with the later change as
  ``AuditEvent.step_days``), counted in office time (08:00–12:00, 13:00–17:00 Vietnam time,
  Monday to Friday; one working day = 8 office hours). Public holidays and compensatory days
  are *not* deducted, so a step spanning Tết reads longer than it was: an approximation,
  stated on the page.
"""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple, TypeVar

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    Float,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from grants.db import to_local, utcnow
from grants.domain.budget import EntryKind, TargetProgress
from grants.domain.deadlines import working_days_late
from grants.domain.errors import NotFound
from grants.domain.organisations import OrgType
from grants.domain.workflow import DECIDED, STEP_OF_STATUS
from grants.domain.workflow_states import STATUS_LABELS, Status
from grants.extensions import db
from grants.models import (
    AuditEvent,
    CatalogueItem,
    Dossier,
    DossierItem,
    LedgerEntry,
    Organisation,
    ProgramYear,
    User,
)
from grants.models.enums import CatalogueKind, Channel
from grants.services import clock
from grants.services.budget_queries import approved_item, live_approval, monthly_flows

NO_COMMUNE = "(Chưa ghi xã/phường)"

FILED_EXCLUDED = (Status.DRAFT, Status.WITHDRAWN)
"""States left out of the demand summary: not filed, or taken back by the applicant."""

UNDECIDED = (Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.RECEIVED, Status.ASSIGNED,
             Status.APPRAISED, Status.REVIEWED)
"""Filed, waiting for a decision."""

IN_PROCESS = (Status.RECEIVED, Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED)
"""Received and not yet decided: the processing clock runs."""

FINISHED = tuple(s for s in Status if s in DECIDED)
"""Decided dossiers, measured for the on-time rate."""

OVERDUE_PER_PAGE = 25

T = TypeVar("T")


def _values(states) -> list[str]:
    return [s.value for s in states]


# --- Years ---------------------------------------------------------------------------------------


def report_year(number: int) -> ProgramYear:
    """The program year numbered ``number``. Raises NotFound (Vietnamese message) if missing."""
    year = db.session.scalar(select(ProgramYear).where(ProgramYear.year == number))
    if year is None:
        raise NotFound(f"Không có năm chương trình {number}, nên không có số liệu để lập báo "
                       "cáo. Hãy chọn một năm đã có trong hệ thống.")
    return year


def year_numbers() -> list[int]:
    """Every program year number, newest first."""
    return list(db.session.scalars(select(ProgramYear.year).order_by(ProgramYear.year.desc())))


def default_year() -> int | None:
    """The newest open year, else the newest year; None when there is no year at all."""
    open_year = db.session.scalar(select(ProgramYear.year).where(ProgramYear.is_closed.is_(False))
                                  .order_by(ProgramYear.year.desc()).limit(1))
    if open_year is not None:
        return open_year
    years = year_numbers()
    return years[0] if years else None


# --- Memo: figures are recomputed only after the data changed ------------------------------------

_CACHE: dict[tuple, tuple[float, object]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def data_stamp() -> tuple:
    """Ids that move whenever report data changes: every change of state or money writes an
    audit event (SPEC §4), and new dossiers, items, ledger entries and years get new ids. Each
    max() is read from the primary-key index, so this costs a few index probes."""
    return tuple(db.session.execute(select(
        select(func.max(AuditEvent.id)).scalar_subquery(),
        select(func.max(LedgerEntry.id)).scalar_subquery(),
        select(func.max(DossierItem.id)).scalar_subquery(),
        select(func.max(Dossier.id)).scalar_subquery(),
        select(func.max(ProgramYear.id)).scalar_subquery())).one())


def memoised(name: str, args: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, reused while the data stamp is unchanged and for at most
    ``REPORT_CACHE_SECONDS`` (app config, default 60; 0 turns the memo off).

    The expiry bounds what the stamp cannot see: on PostgreSQL a transaction that took a lower
    id may commit after a higher one, so a change can appear without moving the stamp. Results
    are immutable values (frozen dataclasses, tuples), never ORM objects.
    """
    seconds = current_app.config.get("REPORT_CACHE_SECONDS", 60)
    if not seconds:
        return compute()
    key = (str(db.engine.url), name, args, data_stamp())
    now = time.monotonic()
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and now - hit[0] < seconds:
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        for stale in [k for k, (at, _v) in _CACHE.items() if now - at >= seconds]:
            del _CACHE[stale]
        while len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[key] = (now, value)
    return value


def clear_cache() -> None:
    """Forget every memoised figure (tests, or after editing data behind the app's back)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` with one decimal, None when ``whole`` is 0."""
    if not whole:
        return None
    return round(part * 100 / whole, 1)


# --- 1. Budget execution -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthRow:
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
class BudgetExecution:
    """A year's money: headline figures and net flows per month of the ledger's ``entry_on``.

    ``months`` always holds the 12 months of the program year (empty ones as zeros), followed by
    any other month with entries (e.g. a payment made in January of the next year), so the
    monthly rows always add up to the headline figures.
    """

    year: int
    budget_vnd: int
    committed_vnd: int
    disbursed_vnd: int
    months: list[MonthRow]

    @property
    def remaining_vnd(self) -> int:
        return self.budget_vnd - self.committed_vnd

    @property
    def unpaid_committed_vnd(self) -> int:
        return self.committed_vnd - self.disbursed_vnd

    @property
    def committed_percent(self) -> float | None:
        return _percent(self.committed_vnd, self.budget_vnd)

    @property
    def disbursed_percent(self) -> float | None:
        return _percent(self.disbursed_vnd, self.budget_vnd)


def budget_execution(year: ProgramYear) -> BudgetExecution:
    """Allocated, committed, disbursed and remaining for ``year``, with the flows by month."""
    months, total_c, total_d = [], 0, 0
    for flow in monthly_flows(year):
        total_c, total_d = total_c + flow.committed_vnd, total_d + flow.disbursed_vnd
        months.append(MonthRow(flow.year, flow.month, flow.committed_vnd, flow.disbursed_vnd,
                               total_c, total_d))
    return BudgetExecution(year.year, year.budget_vnd, total_c, total_d, months)


# --- 2. Target progress --------------------------------------------------------------------------


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


_MAY_BE_APPROVED = (Status.APPROVED, Status.ISSUED, Status.RETURNED)
_NEVER_APPROVED_COUNTED = tuple(s for s in Status if s not in (*UNDECIDED, *_MAY_BE_APPROVED))


def _live_approval():
    # The same test as budget_queries.items_approved: outcome approved with a live commitment.
    return live_approval()


def target_report(year: ProgramYear) -> TargetReport:
    """Approved items against the target range, by catalogue kind and item."""
    return memoised("target", (year.id,), lambda: _target_report(year))


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
        .where(Dossier.program_year_id == year.id, _live_approval(), approved_item(),
               Dossier.status.not_in(_values(_NEVER_APPROVED_COUNTED)))
        .group_by(CatalogueItem.code, CatalogueItem.name, CatalogueItem.kind)).all()
    pending = db.session.execute(
        catalogue.add_columns(func.count(DossierItem.id))
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .join(CatalogueItem, DossierItem.catalogue_item_id == CatalogueItem.id)
        .where(Dossier.program_year_id == year.id, Dossier.status.in_(_values(UNDECIDED)))
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


# --- 3. Demand summary ("tổng hợp nhu cầu hỗ trợ") -----------------------------------------------


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


def demand_summary(year: ProgramYear) -> DemandSummary:
    """Requested items and amounts of every filed dossier of ``year`` (decided or not), by
    catalogue item, by commune/ward and by organisation type, with the grand total.

    Three queries: the items grouped by catalogue item (an item occurs at most once per
    dossier, unique constraint, so per catalogue item the dossier count is the item count);
    the dossiers grouped by (commune, type), with the item count and sums each dossier keeps
    of its items; and the approved amounts, from the year's few live approvals, grouped by
    (catalogue item, commune, type).
    """
    return memoised("demand", (year.id,), lambda: _demand_summary(year))


def _demand_summary(year: ProgramYear) -> DemandSummary:
    filed = (Dossier.program_year_id == year.id, Dossier.status.not_in(_values(FILED_EXCLUDED)))
    undecided = Dossier.status.in_(_values(UNDECIDED))
    commune = func.coalesce(Organisation.commune, NO_COMMUNE)
    item_rows = db.session.execute(
        select(DossierItem.catalogue_item_id, func.count(DossierItem.id),
               func.sum(DossierItem.consulting_cost_vnd), func.sum(DossierItem.requested_vnd),
               func.sum(case((undecided, 1), else_=0)),
               func.sum(case((undecided, DossierItem.requested_vnd), else_=0)))
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .where(*filed)
        .group_by(DossierItem.catalogue_item_id)).all()
    place_rows = db.session.execute(
        select(commune, Organisation.org_type, func.count(Dossier.id),
               func.sum(Dossier.item_count), func.sum(Dossier.items_cost_vnd),
               func.sum(Dossier.items_requested_vnd),
               func.sum(case((undecided, Dossier.item_count), else_=0)),
               func.sum(case((undecided, Dossier.items_requested_vnd), else_=0)))
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(*filed)
        .group_by(commune, Organisation.org_type)).all()
    approved_rows = db.session.execute(
        select(DossierItem.catalogue_item_id, commune, Organisation.org_type,
               func.sum(DossierItem.approved_vnd))
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(*filed, _live_approval(), approved_item())
        .group_by(DossierItem.catalogue_item_id, commune, Organisation.org_type)).all()
    catalogue = {item_id: (code, name) for item_id, code, name in db.session.execute(
        select(CatalogueItem.id, CatalogueItem.code, CatalogueItem.name))}

    approved_by: dict[object, int] = {}
    for item_id, place, org_type, vnd in approved_rows:
        for key in (item_id, ("place", place), ("type", org_type)):
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
    for place, org_type, dossiers, n, cost, requested, open_n, open_vnd in place_rows:
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


# --- 4. Processing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnTime:
    """Finished (decided) dossiers against their due moment."""

    finished: int
    on_time: int
    late: int
    without_due: int

    @property
    def judged(self) -> int:
        return self.on_time + self.late

    @property
    def rate_percent(self) -> float | None:
        """On-time share of the finished dossiers that have a due moment; None if there are
        none."""
        return _percent(self.on_time, self.judged)


@dataclass(frozen=True, slots=True)
class StepRow:
    """Measured time of one procedure step against its allotment (working days)."""

    key: str
    label: str
    allotment_days: float | None  # None: the step is not counted in the statutory time
    count: int
    average_days: float | None
    over_allotment: int
    officer: str | None = None

    @property
    def is_slow(self) -> bool:
        return (self.allotment_days is not None and self.average_days is not None
                and self.average_days > self.allotment_days)


@dataclass(frozen=True, slots=True)
class OverdueRow:
    id: int
    code: str
    organisation: str
    status: Status
    received_at: datetime | None
    due_at: datetime
    working_days_late: int
    assignee: str | None


@dataclass
class ProcessingReport:
    year: int
    statutory_days: int
    on_time: OnTime
    in_process: int
    overdue: int
    steps: list[StepRow]
    officers: list[StepRow]
    overdue_page: Pagination | None = None
    overdue_rows: list[OverdueRow] = field(default_factory=list)


def on_time(year_id: int) -> OnTime:
    """Finished dossiers of the year: how many were finished by their due moment."""
    done_at = func.coalesce(Dossier.finished_at, Dossier.decided_at)
    no_due = or_(Dossier.due_at.is_(None), done_at.is_(None))
    finished, without_due, on_time_count = db.session.execute(
        select(func.count(Dossier.id), func.sum(case((no_due, 1), else_=0)),
               func.sum(case((and_(~no_due, done_at <= Dossier.due_at), 1), else_=0)))
        .where(Dossier.program_year_id == year_id,
               Dossier.status.in_(_values(FINISHED)))).one()
    finished, without_due, on_time_count = (int(finished or 0), int(without_due or 0),
                                            int(on_time_count or 0))
    return OnTime(finished, on_time_count, finished - without_due - on_time_count, without_due)


def _overdue_filter(year_id: int, now: datetime):
    return (Dossier.program_year_id == year_id, Dossier.status.in_(_values(IN_PROCESS)),
            Dossier.due_at < now)


def overdue_count(year_id: int, now: datetime | None = None) -> int:
    return db.session.scalar(select(func.count(Dossier.id))
                             .where(*_overdue_filter(year_id, now or utcnow()))) or 0


def overdue_dossiers(year: ProgramYear, *, page: int = 1, per_page: int = OVERDUE_PER_PAGE,
                     now: datetime | None = None) -> tuple[Pagination, list[OverdueRow]]:
    """One page of the year's overdue dossiers, most overdue first, with the working days late
    computed on the year's calendar for the rows of that page only."""
    now = now or utcnow()
    stmt = (select(Dossier).where(*_overdue_filter(year.id, now))
            .options(selectinload(Dossier.assignee))
            .order_by(Dossier.due_at.asc(), Dossier.id.asc()))
    pagination = db.paginate(stmt, page=max(int(page or 1), 1), per_page=per_page,
                             error_out=False, count=True)
    calendar = clock.calendar_for(year.year) if pagination.items else None
    now_local = to_local(now)
    rows = [OverdueRow(d.id, d.code, d.organisation.name, Status(d.status), d.received_at,
                       d.due_at, working_days_late(calendar, to_local(d.due_at), now_local),
                       d.assignee.full_name if d.assignee else None)
            for d in pagination.items]
    return pagination, rows


def overdue_all(year: ProgramYear, *, now: datetime | None = None) -> Iterator[OverdueRow]:
    """Every overdue dossier of the year (for the Excel file), most overdue first."""
    now = now or utcnow()
    calendar = clock.calendar_for(year.year)
    now_local = to_local(now)
    stmt = (select(Dossier.id, Dossier.code, Organisation.name, Dossier.status,
                   Dossier.received_at, Dossier.due_at, User.full_name)
            .join(Organisation, Dossier.organisation_id == Organisation.id)
            .outerjoin(User, Dossier.assignee_id == User.id)
            .where(*_overdue_filter(year.id, now))
            .order_by(Dossier.due_at.asc(), Dossier.id.asc()))
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        yield OverdueRow(row[0], row[1], row[2], Status(row[3]), row[4], row[5],
                         working_days_late(calendar, to_local(row[5]), now_local), row[6])


# Step times: each change of state stores the office time since the previous one
# (AuditEvent.step_days, see grants.domain.office_time); the report sums them per step.


def _step_allotments(year: ProgramYear) -> dict[str, float | None]:
    """Status a step starts from → its allotment in working days (None when not counted)."""
    by_key = {s.key: (float(Fraction(s.allotment_days)) if s.counted else None)
              for s in year.steps}
    return {status.value: by_key.get(step.value) for status, step in STEP_OF_STATUS.items()}


def _step_sums(year: ProgramYear) -> list[tuple]:
    """(from_status, actor_id, count, sum of working days, count over allotment) per group.

    Every change of state of the year's dossiers carries the office time of the step it ended
    (``step_days``, stored when the change was written): one range of the index
    ``ix_audit_events_step_times``, already in group order; only the group rows come back.
    """
    allotments = _step_allotments(year)
    counted = {status: days for status, days in allotments.items() if days is not None}
    span = AuditEvent.step_days
    allotment = case(counted, value=AuditEvent.from_status, else_=literal(None, Float))
    rows = db.session.execute(
        select(AuditEvent.from_status, AuditEvent.actor_id, func.count(), func.sum(span),
               func.sum(case((span > allotment, 1), else_=0)))
        .where(AuditEvent.program_year_id == year.id, span.is_not(None),
               AuditEvent.from_status.in_(list(allotments)),
               AuditEvent.to_status != Status.WITHDRAWN.value)
        .group_by(AuditEvent.from_status, AuditEvent.actor_id)).all()
    return [(f, a, int(n), float(s or 0), int(o or 0)) for f, a, n, s, o in rows]


def step_times(year: ProgramYear) -> tuple[list[StepRow], list[StepRow]]:
    """Average working days per procedure step against its allotment: for the whole office,
    and per officer (the user who completed the step). Steps in procedure order."""
    sums = _step_sums(year)
    steps = list(year.steps)
    labels = {s.key: s.label for s in steps}
    allot = {s.key: (float(Fraction(s.allotment_days)) if s.counted else None) for s in steps}
    order = {s.key: s.position for s in steps}
    totals: dict[str, list] = {}
    per_officer: dict[tuple[str, int | None], list] = {}
    for from_status, actor_id, count, span, over in sums:
        step = STEP_OF_STATUS[Status(from_status)].value
        for bucket, k in ((totals, step), (per_officer, (step, actor_id))):
            acc = bucket.setdefault(k, [0, 0.0, 0])
            acc[0] += count
            acc[1] += span
            acc[2] += over
    names = dict(db.session.execute(
        select(User.id, User.full_name).where(
            User.id.in_({a for _s, a in per_officer if a is not None}))).all()) \
        if per_officer else {}

    def row(step: str, acc, officer=None) -> StepRow:
        count, span, over = acc
        return StepRow(step, labels.get(step, step), allot.get(step), count,
                       round(span / count, 2) if count else None, over, officer)

    step_keys = sorted({*labels, *totals}, key=lambda k: (order.get(k, 99), k))
    overall = [row(k, totals.get(k, [0, 0.0, 0])) for k in step_keys]
    officers = sorted(
        (row(step, acc, names.get(actor_id, "(Hệ thống)") if actor_id else "(Hệ thống)")
         for (step, actor_id), acc in per_officer.items()),
        key=lambda r: (r.officer or "", order.get(r.key, 99)))
    return overall, officers


class _ProcessingSummary(NamedTuple):
    on_time: OnTime
    in_process: int
    steps: list[StepRow]
    officers: list[StepRow]


def _processing_summary(year: ProgramYear) -> _ProcessingSummary:
    steps, officers = step_times(year)
    in_process = db.session.scalar(select(func.count(Dossier.id)).where(
        Dossier.program_year_id == year.id, Dossier.status.in_(_values(IN_PROCESS)))) or 0
    return _ProcessingSummary(on_time(year.id), in_process, steps, officers)


def processing_report(year: ProgramYear, *, page: int | None = 1,
                      now: datetime | None = None) -> ProcessingReport:
    """On-time rate, overdue dossiers (one page of them unless ``page`` is None) and step times
    of the year. The overdue figures are always read live (they move with the clock)."""
    now = now or utcnow()
    summary = memoised("processing", (year.id,), lambda: _processing_summary(year))
    report = ProcessingReport(year.year, year.statutory_days, summary.on_time,
                              summary.in_process, 0, summary.steps, summary.officers)
    if page is None:
        report.overdue = overdue_count(year.id, now)
    else:
        report.overdue_page, report.overdue_rows = overdue_dossiers(year, page=page, now=now)
        report.overdue = report.overdue_page.total or 0
    return report


# --- 5. Year over year ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearRow:
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
        return _percent(self.on_time, self.judged)

    @property
    def committed_percent(self) -> float | None:
        return _percent(self.committed_vnd, self.budget_vnd)


def year_over_year() -> tuple[YearRow, ...]:
    """One row per program year, oldest first: budget, committed, disbursed, filed dossiers
    (drafts and withdrawn left out), approved items and the on-time rate."""
    return memoised("years", (), _year_over_year)


_LEDGER_SIGNS = {EntryKind.COMMITMENT.value: (0, 1), EntryKind.COMMITMENT_RELEASE.value: (0, -1),
                 EntryKind.DISBURSEMENT.value: (1, 1),
                 EntryKind.DISBURSEMENT_REVERSAL.value: (1, -1)}
"""Ledger kind → (0 committed / 1 disbursed, sign)."""


def _year_over_year() -> tuple[YearRow, ...]:
    years = db.session.execute(select(ProgramYear.id, ProgramYear.year, ProgramYear.budget_vnd)
                               .order_by(ProgramYear.year)).all()
    # Plain sums per (year, kind) read in index order; the signs are applied here (as in
    # ledger.signed_sums: releases and reversals subtract).
    money: dict[int, list[int]] = {}
    for pid, kind, total in db.session.execute(
            select(LedgerEntry.program_year_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_vnd))
            .group_by(LedgerEntry.program_year_id, LedgerEntry.kind)):
        column, sign = _LEDGER_SIGNS.get(kind, (0, 0))
        money.setdefault(pid, [0, 0])[column] += sign * int(total or 0)
    done_at = func.coalesce(Dossier.finished_at, Dossier.decided_at)
    finished = Dossier.status.in_(_values(FINISHED))
    judged = and_(finished, Dossier.due_at.is_not(None), done_at.is_not(None))
    counts = {row[0]: [int(v or 0) for v in row[1:]] for row in db.session.execute(
        select(Dossier.program_year_id, func.count(Dossier.id),
               func.sum(case((finished, 1), else_=0)),
               func.sum(case((judged, 1), else_=0)),
               func.sum(case((and_(judged, done_at <= Dossier.due_at), 1), else_=0)))
        .where(Dossier.status.not_in(_values(FILED_EXCLUDED)))
        .group_by(Dossier.program_year_id))}
    items = dict(db.session.execute(
        select(Dossier.program_year_id, func.count(DossierItem.id))
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .where(_live_approval(), approved_item())
        .group_by(Dossier.program_year_id)).all())
    rows = []
    for pid, number, budget in years:
        c, d = money.get(pid, (0, 0))
        n, fin, jud, ok = counts.get(pid, [0, 0, 0, 0])
        rows.append(YearRow(number, budget, c, d, n, int(items.get(pid, 0)), fin, ok, jud))
    return tuple(rows)


# --- The full dossier register -------------------------------------------------------------------


def register_rows(year: ProgramYear | None = None) -> Iterator[dict]:
    """Every filed dossier (drafts left out, as in the staff register) of ``year`` or of all
    years, ordered by code, one dict per dossier, streamed from a server-side cursor in
    batches (PostgreSQL) so 100,000 dossiers never sit in memory at once."""
    codes = (select(func.aggregate_strings(CatalogueItem.code, ", "))
             .select_from(DossierItem)
             .join(CatalogueItem, DossierItem.catalogue_item_id == CatalogueItem.id)
             .where(DossierItem.dossier_id == Dossier.id)
             .scalar_subquery())
    requested = (select(func.sum(DossierItem.requested_vnd))
                 .where(DossierItem.dossier_id == Dossier.id).scalar_subquery())
    stmt = (select(Dossier.code, Organisation.name, Organisation.tax_code, Organisation.commune,
                   Organisation.org_type, ProgramYear.year, Dossier.channel, Dossier.status,
                   Dossier.submitted_at, Dossier.received_at, Dossier.due_at,
                   Dossier.decided_at, codes, requested, Dossier.approved_vnd, Dossier.paid_vnd)
            .join(Organisation, Dossier.organisation_id == Organisation.id)
            .join(ProgramYear, Dossier.program_year_id == ProgramYear.id)
            .where(Dossier.status != Status.DRAFT.value)
            .order_by(Dossier.code))
    if year is not None:
        stmt = stmt.where(Dossier.program_year_id == year.id)
    org_types = {t.value: t.label for t in OrgType}
    channels = {c.value: c.label for c in Channel}
    statuses = {s.value: label for s, label in STATUS_LABELS.items()}
    result = db.session.execute(stmt.execution_options(stream_results=True, yield_per=2000))
    for (code, name, tax_code, commune, org_type, number, channel, status, submitted, received,
         due, decided, item_codes, requested_vnd, approved_vnd, paid_vnd) in result:
        yield {"code": code, "organisation": name, "tax_code": tax_code, "commune": commune,
               "org_type": org_types.get(org_type, org_type), "year": number,
               "channel": channels.get(channel, channel),
               "status": statuses.get(status, status), "submitted_at": submitted,
               "received_at": received, "due_at": due, "decided_at": decided,
               "items": item_codes, "requested_vnd": int(requested_vnd or 0),
               "approved_vnd": approved_vnd, "paid_vnd": paid_vnd}
