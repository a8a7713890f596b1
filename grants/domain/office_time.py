"""Office time between two moments: how the processing report measures a procedure step.

One working day is 8 office hours, 08:00–12:00 and 13:00–17:00 Vietnam time, Monday to Friday.
Public holidays and compensatory days are *not* deducted (the report page says so), which keeps
the measure a pure function of the two moments: it is computed once, when a dossier changes
state, and stored with the audit event.
"""

from datetime import datetime, timedelta

_EPOCH = datetime(1970, 1, 5)  # a Monday, 00:00 (compared with Vietnam local time)
_UTC_OFFSET = timedelta(hours=7)  # Vietnam time, no daylight saving
_MICROSECONDS_PER_HOUR = 3_600_000_000
_OFFICE = ((8, 12), (13, 17))  # office hours of a weekday
_WORKING_DAY = 8 * _MICROSECONDS_PER_HOUR


def _office_clock(at_utc: datetime) -> tuple[int, int]:
    """(whole working days, office microseconds of the current day) elapsed between the epoch
    and ``at_utc`` (naive UTC): 5 working days per full week, plus the weekdays before this
    one, plus the office time already spent today."""
    elapsed = at_utc + _UTC_OFFSET - _EPOCH
    day = elapsed.days  # floor: timedelta keeps seconds non-negative
    into_day = (elapsed.seconds * 1_000_000 + elapsed.microseconds)
    weekday = day % 7  # 0 = Monday … 6 = Sunday
    if weekday >= 5:
        return day // 7 * 5 + 5, 0
    office = sum(min(max(into_day, start * _MICROSECONDS_PER_HOUR), end * _MICROSECONDS_PER_HOUR)
                 - start * _MICROSECONDS_PER_HOUR for start, end in _OFFICE)
    return day // 7 * 5 + weekday, office


def office_days_between(start_utc: datetime, end_utc: datetime) -> float:
    """Working days of office time from ``start_utc`` to ``end_utc`` (naive UTC moments);
    negative if ``end_utc`` is earlier. Exact up to the one final rounding to float."""
    start_days, start_office = _office_clock(start_utc)
    end_days, end_office = _office_clock(end_utc)
    return ((end_days - start_days) * _WORKING_DAY + end_office - start_office) / _WORKING_DAY
