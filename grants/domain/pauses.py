"""The clock of a dossier paused by a supplement asked after reception (issue 14, path 1).

While the applicant gathers the papers the working-day clock stands still: the office time
from the request to the resubmission (its clock start, with the 15:00 cut-off as at the desk)
is added to the dossier's clock start, so every step deadline and the due date move by exactly
the pause and the time already spent before the request still counts.
"""

from datetime import datetime, timedelta
from fractions import Fraction

from grants.domain.calendar import (
    DAY_END,
    DAY_START,
    LUNCH_END,
    LUNCH_START,
    SECONDS_PER_DAY,
    WorkCalendar,
)

_PERIODS = ((DAY_START, LUNCH_START), (LUNCH_END, DAY_END))


def office_time_between(calendar: WorkCalendar, start: datetime, end: datetime) -> Fraction:
    """Working days of office time from ``start`` to ``end`` (local moments), counting only
    08:00-12:00 and 13:00-17:00 of the calendar's working days; 0 if ``end`` is not later."""
    if end <= start:
        return Fraction(0)
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            for opens, closes in _PERIODS:
                begin = max(datetime.combine(day, opens), start)
                finish = min(datetime.combine(day, closes), end)
                if finish > begin:
                    total += finish - begin
        day += timedelta(days=1)
    return Fraction(total // timedelta(microseconds=1), SECONDS_PER_DAY * 1_000_000)


def resume_clock(calendar: WorkCalendar, clock_start: datetime, stopped_at: datetime,
                 resubmitted_at: datetime) -> tuple[datetime, Fraction]:
    """Return ``(new clock start, pause in working days)`` for a dossier whose clock stopped at
    ``stopped_at`` and whose papers came at ``resubmitted_at`` (local moments).

    The clock restarts at ``calendar.clock_start(resubmitted_at)`` (after 15:00 or on a day
    off: 08:00 of the next working day); the pause is the office time between the stop and
    the restart, and the clock start moves forward by it.
    """
    restart = calendar.clock_start(resubmitted_at)
    pause = office_time_between(calendar, stopped_at, restart)
    return calendar.add_working_time(clock_start, pause), pause
