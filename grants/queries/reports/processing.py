"""Report 4: processing (on-time rate, overdue dossiers, working days per step and officer)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grants.db import to_local, utcnow
from grants.domain.budget import percent
from grants.domain.deadlines import working_days_late
from grants.domain.workflow import STEP_OF_STATUS
from grants.domain.workflow_states import DECIDED, IN_PROCESS, Status
from grants.extensions import db
from grants.models import Dossier, Organisation, ProgramYear, SummaryDossiers, SummarySteps, User
from grants.queries.calendar import calendar_for
from grants.queries.paging import Page, paginate
from grants.queries.reports.cache import DEFAULT_SECONDS, memoised
from grants.queries.sql import status_values
from grants.queries.worklists import dossiers_in_order

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
    """Finished dossiers of the year: how many were finished by their due moment (from the
    summary rows: per state, the dossiers judged and those on time)."""
    finished, judged, on_time_count = db.session.execute(
        select(func.sum(SummaryDossiers.dossiers), func.sum(SummaryDossiers.judged),
               func.sum(SummaryDossiers.on_time))
        .where(SummaryDossiers.program_year_id == year_id,
               SummaryDossiers.status.in_(status_values(DECIDED)))).one()
    finished, judged, on_time_count = int(finished or 0), int(judged or 0), int(on_time_count or 0)
    return OnTime(finished, on_time_count, judged - on_time_count, finished - judged)


def _overdue_filter(year_id: int, now: datetime):
    return (Dossier.program_year_id == year_id, Dossier.status.in_(status_values(IN_PROCESS)),
            Dossier.due_at < now)


def overdue_count(year_id: int, now: datetime | None = None) -> int:
    # count(*): read from ix_dossiers_year_status_done alone, without visiting the table.
    return db.session.scalar(select(func.count())
                             .where(*_overdue_filter(year_id, now or utcnow()))) or 0


def overdue_dossiers(year: ProgramYear, *, page: int = 1, per_page: int = OVERDUE_PER_PAGE,
                     now: datetime | None = None) -> tuple[Page, list[OverdueRow]]:
    """One page of the year's overdue dossiers, most overdue first, with the working days late
    computed on the year's calendar for the rows of that page only. The page's ids are sorted
    from the index (a year has thousands of overdue dossiers at 100,000); only the page's
    dossiers are loaded."""
    now = now or utcnow()
    stmt = (select(Dossier.id).where(*_overdue_filter(year.id, now))
            .order_by(Dossier.due_at.asc(), Dossier.id.asc()))
    pagination = paginate(stmt, page=page, per_page=per_page, load=_dossiers_in_order)
    calendar = calendar_for(year.year) if pagination.items else None
    now_local = to_local(now)
    rows = [OverdueRow(d.id, d.code, d.organisation.name, Status(d.status), d.received_at,
                       d.due_at, working_days_late(calendar, to_local(d.due_at), now_local),
                       d.assignee.full_name if d.assignee else None)
            for d in pagination.items]
    return pagination, rows


def _dossiers_in_order(rows) -> list[Dossier]:
    """The dossiers of a page of ``(id,)`` rows, with their organisation and assignee."""
    return dossiers_in_order((row.id for row in rows), selectinload(Dossier.assignee),
                             selectinload(Dossier.organisation))


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


def _step_sums(year: ProgramYear) -> list[tuple]:
    """(from_status, actor_id, count, sum of working days, count over allotment) per group.

    Every change of state of the year's dossiers carries the office time of the step it ended
    (``AuditEvent.step_days``); the summary rows (grants.models.summary) hold their count, sum
    and the count over the year's allotment per (state the step started from, officer). A step
    interrupted by papers asked after reception (issue 14) is one step in two parts: both spans
    count, the part that ended with the request does not count as a step done.
    """
    rows = db.session.execute(
        select(SummarySteps.from_status, SummarySteps.actor_id, SummarySteps.done,
               SummarySteps.span_days, SummarySteps.over_allotment)
        .where(SummarySteps.program_year_id == year.id, SummarySteps.spans > 0)
        .order_by(SummarySteps.from_status, SummarySteps.actor_id)).all()
    return [(f, a or None, int(n), float(s or 0), int(o or 0)) for f, a, n, s, o in rows]


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
                       average_days(span, count), over, officer)

    step_keys = sorted({*labels, *totals}, key=lambda k: (order.get(k, 99), k))
    overall = [row(k, totals.get(k, [0, 0.0, 0])) for k in step_keys]
    officers = sorted(
        (row(step, acc, names.get(actor_id, "(Hệ thống)") if actor_id else "(Hệ thống)")
         for (step, actor_id), acc in per_officer.items()),
        key=lambda r: (r.officer or "", order.get(r.key, 99)))
    return overall, officers


def average_days(span: float, count: int) -> float | None:
    """Mean working days of ``count`` steps lasting ``span`` in all, to 0.01 day. The span is
    a sum of floats, kept as it moved (summary rows) or added up again (``check-summaries
    --repair``) in another order: it is rounded to 1e-6 day (well under a second) first, so
    that the order of the additions cannot move the mean across a rounding boundary."""
    return round(round(span, 6) / count, 2) if count else None


class _ProcessingSummary(NamedTuple):
    on_time: OnTime
    in_process: int
    steps: list[StepRow]
    officers: list[StepRow]


def _processing_summary(year: ProgramYear) -> _ProcessingSummary:
    steps, officers = step_times(year)
    in_process = int(db.session.scalar(select(func.sum(SummaryDossiers.dossiers)).where(
        SummaryDossiers.program_year_id == year.id,
        SummaryDossiers.status.in_(status_values(IN_PROCESS)))) or 0)
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
