"""Working days and office time in Vietnam; the holiday dates are passed in, never looked up."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from math import ceil

from grants.domain.errors import InvalidInput

DAY_START = time(8, 0)
LUNCH_START = time(12, 0)
LUNCH_END = time(13, 0)
DAY_END = time(17, 0)
RECEPTION_CUTOFF = time(15, 0)
HOURS_PER_DAY = 8
SECONDS_PER_DAY = HOURS_PER_DAY * 3600

# Ten years of consecutive days off does not happen; the bound turns a bad calendar into an error.
_MAX_SEARCH_DAYS = 3660

DayCount = int | Fraction | Decimal | str | float


def as_days(value: DayCount) -> Fraction:
    """Return ``value`` (int, Fraction, Decimal, or a string like "1.25") as an exact Fraction.

    Floats are read through their shortest repr, so 0.1 means one tenth. Raises InvalidInput
    if the value is not a number.
    """
    if isinstance(value, float):
        value = repr(value)
    try:
        return Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise InvalidInput(f"Số ngày làm việc không hợp lệ: «{value}».") from None


def _as_date(day: date) -> date:
    return day.date() if isinstance(day, datetime) else day


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and how office time adds up.

    * A day is a working day if it is Monday to Friday and neither a public holiday
      (``holidays``) nor an announced day off (``extra_days_off``, e.g. a compensatory or
      swapped day). A date in ``extra_working_days`` (a make-up Saturday the government
      announces) is a working day whatever else is said about it.
    * Times are naive local datetimes in Asia/Ho_Chi_Minh time (UTC+7, no daylight saving).
    * Office time model: a working day has 8 office hours, 08:00-12:00 and 13:00-17:00, so
      1 day = 8 hours, 0.25 day = 2 hours, 0.5 day = 4 hours. Lunch, evenings, nights and days
      off do not count.
    """

    holidays: frozenset[date]
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        for name in ("holidays", "extra_days_off", "extra_working_days"):
            object.__setattr__(self, name, frozenset(_as_date(d) for d in getattr(self, name)))

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` (a date, or the date of a datetime) is a working day."""
        day = _as_date(day)
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays and day not in self.extra_days_off

    def next_working_day(self, day: date) -> date:
        """Return the first working day strictly after ``day``."""
        return self._step(_as_date(day), 1)

    def previous_working_day(self, day: date) -> date:
        """Return the last working day strictly before ``day``."""
        return self._step(_as_date(day), -1)

    def _step(self, day: date, direction: int) -> date:
        one = timedelta(days=direction)
        for _ in range(_MAX_SEARCH_DAYS):
            day += one
            if self.is_working_day(day):
                return day
        raise InvalidInput("Lịch làm việc không có ngày làm việc nào trong khoảng mười năm.")

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day after ``start`` (before it if n < 0).

        ``start`` itself is never counted: with n = 1 the result is the next working day.
        With n = 0 the result is ``start`` if it is a working day, else the next working day.
        For a working day d, ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        day = _as_date(start)
        if n == 0:
            return day if self.is_working_day(day) else self.next_working_day(day)
        direction = 1 if n > 0 else -1
        for _ in range(abs(n)):
            day = self._step(day, direction)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Count the working days in (a, b]: ``a`` excluded, ``b`` included; negative if b < a."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def clock_start(self, received_at: datetime) -> datetime:
        """Return when the processing clock starts for a dossier received at ``received_at``.

        Received on a non-working day, or at or after 15:00 (the reception cut-off), the dossier
        is passed on at 08:00 on the next working day. Received before 08:00 on a working day,
        the clock starts at 08:00 that day. Otherwise it starts at ``received_at``.
        """
        day = received_at.date()
        if not self.is_working_day(day) or received_at.time() >= RECEPTION_CUTOFF:
            return datetime.combine(self.next_working_day(day), DAY_START)
        if received_at.time() < DAY_START:
            return datetime.combine(day, DAY_START)
        return received_at

    def _office_moment(self, moment: datetime) -> datetime:
        """Move ``moment`` forward to the next instant that lies in office hours."""
        day, now = moment.date(), moment.time()
        if not self.is_working_day(day) or now >= DAY_END:
            return datetime.combine(self.next_working_day(day), DAY_START)
        if now < DAY_START:
            return datetime.combine(day, DAY_START)
        if LUNCH_START <= now < LUNCH_END:
            return datetime.combine(day, LUNCH_END)
        return moment

    def add_working_time(self, start: datetime, days: DayCount) -> datetime:
        """Return the moment ``days`` working days of office time after ``start``.

        ``days`` may be fractional (0.25, "0.5", Decimal("1.25"), Fraction(5, 4)); one day is
        8 office hours (08:00-12:00, 13:00-17:00). Time before 08:00, in the lunch break, after
        17:00 or on a day off does not count. A result that lands exactly on the end of a
        period is reported as that end (12:00 or 17:00), not as the start of the next one.
        With ``days`` = 0, ``start`` is returned unchanged. Raises InvalidInput if ``days``
        is negative or not a number.
        """
        amount = as_days(days)
        if amount < 0:
            raise InvalidInput("Số ngày làm việc cộng thêm không được âm.")
        if amount == 0:
            return start
        remaining = timedelta(microseconds=ceil(amount * SECONDS_PER_DAY * 1_000_000))
        moment = self._office_moment(start)
        while True:
            period_end = LUNCH_START if moment.time() < LUNCH_START else DAY_END
            available = datetime.combine(moment.date(), period_end) - moment
            if remaining <= available:
                return moment + remaining
            remaining -= available
            moment = self._office_moment(datetime.combine(moment.date(), period_end))
