"""The working-day clock for dossiers: calendar from public holidays plus admin overrides."""

from datetime import datetime

from grants.db import from_local, to_local
from grants.domain.deadlines import Step, dossier_due, step_deadlines
from grants.queries.calendar import calendar_for


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


def resume_clock(dossier, stopped_at_utc: datetime, resubmitted_at_utc: datetime):
    """Restart a clock paused by a supplement asked after reception: the clock start, the due
    date and the step deadlines move forward by the office time of the pause (issue 14).
    Returns the pause in working days (a Fraction)."""
    from grants.domain.pauses import resume_clock as resumed

    year = dossier.program_year
    calendar = calendar_for(year.year)
    start_local, pause = resumed(calendar, to_local(dossier.clock_started_at),
                                 to_local(stopped_at_utc), to_local(resubmitted_at_utc))
    dossier.clock_started_at = from_local(start_local)
    dossier.due_at = from_local(dossier_due(calendar, start_local, year.statutory_days))
    return pause
