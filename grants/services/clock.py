"""The working-day clock for dossiers: calendar from public holidays plus admin overrides."""

from datetime import datetime

from sqlalchemy import select

from grants.db import from_local, to_local
from grants.domain.calendar import WorkCalendar
from grants.domain.deadlines import Step, dossier_due, step_deadlines
from grants.extensions import db
from grants.models import HolidayOverride
from grants.models.enums import HolidayKind
from grants.services.holiday_source import make_up_working_days, public_holidays


def calendar_for(year: int) -> WorkCalendar:
    """The working calendar around ``year`` (the year before and after too, for spill-over)."""
    years = (year - 1, year, year + 1)
    rows = db.session.execute(select(HolidayOverride.day, HolidayOverride.kind)).all()
    off = frozenset(d for d, k in rows if k == HolidayKind.DAY_OFF)
    working = frozenset(d for d, k in rows if k == HolidayKind.WORKING_DAY)
    return WorkCalendar(public_holidays(years), extra_days_off=off,
                        extra_working_days=working | make_up_working_days(years))


def year_steps(program_year) -> list[Step]:
    return [Step(s.key, s.label, s.role, s.allotment_days, s.counted)
            for s in program_year.steps]


def start_clock(dossier, received_at_utc: datetime) -> None:
    """Set clock start, due date and step deadlines from a reception moment (UTC)."""
    year = dossier.program_year
    calendar = calendar_for(year.year)
    start_local = calendar.clock_start(to_local(received_at_utc))
    dossier.clock_started_at = from_local(start_local)
    dossier.due_at = from_local(dossier_due(calendar, start_local, year.statutory_days))


def step_due(dossier, step_key: str | None) -> datetime | None:
    """The deadline (UTC) of ``step_key`` for a dossier whose clock runs, else None."""
    if step_key is None or dossier.clock_started_at is None:
        return None
    year = dossier.program_year
    deadlines = step_deadlines(calendar_for(year.year), to_local(dossier.clock_started_at),
                               year_steps(year))
    due = deadlines.get(step_key)
    return from_local(due) if due else None
