"""Report 4: processing (on-time rate, overdue dossiers, working days per step and officer)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import Float, and_, case, func, literal, or_, select
from sqlalchemy.orm import selectinload

from grants.db import to_local, utcnow
from grants.domain.budget import percent
from grants.domain.deadlines import working_days_late
from grants.domain.workflow import STEP_OF_STATUS
from grants.domain.workflow_states import DECIDED, IN_PROCESS, PAUSED_IN_PROCESS, Status
from grants.extensions import db
from grants.models import AuditEvent, Dossier, Organisation, ProgramYear, User
from grants.queries.calendar import calendar_for
from grants.queries.paging import Page, paginate
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import status_values

OVERDUE_PER_PAGE = 25


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
        return percent(self.on_time, self.judged)


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
    overdue_page: Page | None = None
    overdue_rows: list[OverdueRow] = field(default_factory=list)


def on_time(year_id: int) -> OnTime:
    """Finished dossiers of the year: how many were finished by their due moment."""
    done_at = func.coalesce(Dossier.finished_at, Dossier.decided_at)
    no_due = or_(Dossier.due_at.is_(None), done_at.is_(None))
    finished, without_due, on_time_count = db.session.execute(
        select(func.count(Dossier.id), func.sum(case((no_due, 1), else_=0)),
               func.sum(case((and_(~no_due, done_at <= Dossier.due_at), 1), else_=0)))
        .where(Dossier.program_year_id == year_id,
               Dossier.status.in_(status_values(DECIDED)))).one()
    finished, without_due, on_time_count = (int(finished or 0), int(without_due or 0),
                                            int(on_time_count or 0))
    return OnTime(finished, on_time_count, finished - without_due - on_time_count, without_due)


def _overdue_filter(year_id: int, now: datetime):
    return (Dossier.program_year_id == year_id, Dossier.status.in_(status_values(IN_PROCESS)),
            Dossier.due_at < now)


def overdue_count(year_id: int, now: datetime | None = None) -> int:
    return db.session.scalar(select(func.count(Dossier.id))
                             .where(*_overdue_filter(year_id, now or utcnow()))) or 0


def overdue_dossiers(year: ProgramYear, *, page: int = 1, per_page: int = OVERDUE_PER_PAGE,
                     now: datetime | None = None) -> tuple[Page, list[OverdueRow]]:
    """One page of the year's overdue dossiers, most overdue first, with the working days late
    computed on the year's calendar for the rows of that page only."""
    now = now or utcnow()
    stmt = (select(Dossier).where(*_overdue_filter(year.id, now))
            .options(selectinload(Dossier.assignee))
            .order_by(Dossier.due_at.asc(), Dossier.id.asc()))
    pagination = paginate(stmt, page=page, per_page=per_page)
    calendar = calendar_for(year.year) if pagination.items else None
    now_local = to_local(now)
    rows = [OverdueRow(d.id, d.code, d.organisation.name, Status(d.status), d.received_at,
                       d.due_at, working_days_late(calendar, to_local(d.due_at), now_local),
                       d.assignee.full_name if d.assignee else None)
            for d in pagination.items]
    return pagination, rows


def overdue_all(year: ProgramYear, *, now: datetime | None = None) -> Iterator[OverdueRow]:
    """Every overdue dossier of the year (for the Excel file), most overdue first."""
    now = now or utcnow()
    calendar = calendar_for(year.year)
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
    # A step interrupted by papers asked after reception (issue 14) is one step in two parts:
    # both spans count, the part that ended with the request does not count as a step done.
    paused = [status.value for status in PAUSED_IN_PROCESS]
    done = func.sum(case((AuditEvent.to_status.in_(paused), 0), else_=1))
    rows = db.session.execute(
        select(AuditEvent.from_status, AuditEvent.actor_id, done, func.sum(span),
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
        Dossier.program_year_id == year.id, Dossier.status.in_(status_values(IN_PROCESS)))) or 0
    return _ProcessingSummary(on_time(year.id), in_process, steps, officers)


def processing_report(year: ProgramYear, *, page: int | None = 1, now: datetime | None = None,
                      cache_seconds: float = DEFAULT_SECONDS) -> ProcessingReport:
    """On-time rate, overdue dossiers (one page of them unless ``page`` is None) and step times
    of the year. The overdue figures are always read live (they move with the clock)."""
    now = now or utcnow()
    summary = memoised("processing", (year.id,), lambda: _processing_summary(year),
                       seconds=cache_seconds)
    report = ProcessingReport(year.year, year.statutory_days, summary.on_time,
                              summary.in_process, 0, summary.steps, summary.officers)
    if page is None:
        report.overdue = overdue_count(year.id, now)
    else:
        report.overdue_page, report.overdue_rows = overdue_dossiers(year, page=page, now=now)
        report.overdue = report.overdue_page.total or 0
    return report
