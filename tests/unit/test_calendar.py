"""Working days and office time, pinned to real Vietnamese holiday dates."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.calendar import WorkCalendar, as_days
from grants.domain.errors import InvalidInput
from grants.queries.holiday_source import (
    holiday_names,
    make_up_working_days,
    public_holidays,
)

YEARS = range(2025, 2030)
VN = WorkCalendar(public_holidays(YEARS))
VN_WITH_MAKEUP = WorkCalendar(
    public_holidays(YEARS), extra_working_days=make_up_working_days(YEARS)
)
PLAIN = WorkCalendar(frozenset())


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the holiday source -------------------------------------------------------------------


def test_tet_2027_is_29th_to_5th_day():
    tet = {date(2027, 2, d) for d in range(4, 11)}
    assert tet <= public_holidays([2027])
    assert date(2027, 2, 3) not in public_holidays([2027])
    assert date(2027, 2, 11) not in public_holidays([2027])


def test_holiday_names_are_vietnamese():
    names = holiday_names([2026])
    assert names[date(2026, 9, 2)] == "Quốc khánh"
    assert "Tết Nguyên Đán" in names[date(2026, 2, 17)]
    assert list(names) == sorted(names)


def test_public_holidays_is_cached_per_year_set():
    assert public_holidays([2027, 2026]) is public_holidays((2026, 2027, 2026))


def test_make_up_saturday_2026_is_known():
    assert make_up_working_days([2026]) == frozenset({date(2026, 8, 22)})


# --- working days -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        *[date(2026, 2, d) for d in range(16, 21)],  # Tết Bính Ngọ, Mon-Fri
        *[date(2027, 2, d) for d in range(4, 11)],  # Tết Đinh Mùi, 29 Tết to mùng 5
        date(2026, 1, 1),
        date(2026, 4, 27),  # Hùng Kings' day falls on Sunday 26/4; Monday is the day off
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 8, 31),  # swapped for Saturday 22/8
        date(2026, 9, 1),
        date(2026, 9, 2),
        date(2026, 3, 7),  # an ordinary Saturday
        date(2026, 3, 8),  # an ordinary Sunday
    ],
)
def test_days_off(day):
    assert not VN.is_working_day(day)


@pytest.mark.parametrize(
    "day", [date(2026, 2, 13), date(2026, 2, 23), date(2027, 2, 3), date(2027, 2, 11)]
)
def test_working_days_around_tet(day):
    assert VN.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 13), date(2026, 2, 23)),  # Friday before Tết 2026 -> Monday after
        (date(2027, 2, 3), date(2027, 2, 11)),  # Wednesday before 29 Tết 2027 -> Thursday after
        (date(2026, 4, 29), date(2026, 5, 4)),  # 30/4 and 1/5 2026 are Thursday and Friday
        (date(2026, 8, 28), date(2026, 9, 3)),  # 31/8, 1/9, 2/9 2026 all off
        (date(2026, 4, 24), date(2026, 4, 28)),  # Hùng Kings' day off on Monday 27/4
        (date(2026, 3, 2), date(2026, 3, 3)),
    ],
)
def test_next_working_day(day, expected):
    assert VN.next_working_day(day) == expected


def test_previous_working_day():
    assert VN.previous_working_day(date(2026, 2, 23)) == date(2026, 2, 13)
    assert VN.previous_working_day(date(2026, 9, 3)) == date(2026, 8, 28)


def test_make_up_saturday_is_a_working_day():
    assert not VN.is_working_day(date(2026, 8, 22))
    assert VN_WITH_MAKEUP.is_working_day(date(2026, 8, 22))
    assert VN_WITH_MAKEUP.next_working_day(date(2026, 8, 21)) == date(2026, 8, 22)
    assert VN_WITH_MAKEUP.working_days_between(date(2026, 8, 21), date(2026, 8, 24)) == 2


def test_extra_working_day_overrides_a_holiday():
    cal = WorkCalendar(public_holidays([2026]), extra_working_days=frozenset({date(2026, 9, 1)}))
    assert cal.is_working_day(date(2026, 9, 1))


def test_compensatory_day_off():
    # Say the government gives Friday 2 January 2026 off after New Year's Day.
    cal = WorkCalendar(public_holidays([2026]), extra_days_off=frozenset({date(2026, 1, 2)}))
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.next_working_day(date(2025, 12, 31)) == date(2026, 1, 5)
    assert VN.next_working_day(date(2025, 12, 31)) == date(2026, 1, 2)


def test_datetimes_are_read_as_their_date():
    assert not VN.is_working_day(dt("2026-09-02 10:00"))
    assert WorkCalendar([dt("2026-03-03 00:00")]).holidays == frozenset({date(2026, 3, 3)})


def test_add_working_days():
    assert VN.add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert VN.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)  # Saturday -> Monday
    assert VN.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert VN.add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)
    assert VN.add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 23)  # across Tết 2026
    assert VN.add_working_days(date(2026, 2, 23), -2) == date(2026, 2, 12)
    assert VN.add_working_days(date(2027, 2, 1), 16) == date(2027, 3, 2)  # across Tết 2027


def test_working_days_between():
    assert VN.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert VN.working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    assert VN.working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5
    assert VN.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert VN.working_days_between(date(2026, 4, 29), date(2026, 5, 4)) == 1
    assert VN.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0  # Fri -> Sun


# --- reception cut-off --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "expected"),
    [
        ("2027-01-29 16:00", "2027-02-01 08:00"),  # Friday after 15:00 -> Monday 08:00
        ("2027-02-03 15:00", "2027-02-11 08:00"),  # at the cut-off, the day before 29 Tết
        ("2027-02-03 14:59", "2027-02-03 14:59"),
        ("2026-03-02 07:10", "2026-03-02 08:00"),  # early morning -> 08:00 same day
        ("2026-03-02 09:30", "2026-03-02 09:30"),
        ("2026-03-07 10:00", "2026-03-09 08:00"),  # Saturday
        ("2026-09-02 10:00", "2026-09-03 08:00"),  # National Day
        ("2026-08-28 18:00", "2026-09-03 08:00"),  # Friday evening before 31/8-2/9
    ],
)
def test_clock_start(received_at, expected):
    assert VN.clock_start(dt(received_at)) == dt(expected)


def test_clock_start_on_make_up_saturday():
    assert VN_WITH_MAKEUP.clock_start(dt("2026-08-22 09:00")) == dt("2026-08-22 09:00")


# --- fractional office time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-03-02 08:00", "0.25", "2026-03-02 10:00"),
        ("2026-03-02 11:00", Decimal("0.5"), "2026-03-02 16:00"),  # lunch does not count
        ("2026-03-02 08:00", Fraction(1, 2), "2026-03-02 12:00"),  # ends exactly at noon
        ("2026-03-02 08:00", 1, "2026-03-02 17:00"),
        ("2026-03-06 15:00", "1.25", "2026-03-09 17:00"),  # Fri 2h + Mon 8h, over the weekend
        ("2026-03-06 09:00", "1.25", "2026-03-09 11:00"),
        ("2026-03-02 12:30", "0.25", "2026-03-02 15:00"),  # starting in lunch -> from 13:00
        ("2026-03-02 06:00", "0.25", "2026-03-02 10:00"),  # before office hours
        ("2026-03-02 18:00", "0.25", "2026-03-03 10:00"),  # after office hours
        ("2026-02-13 16:00", "0.5", "2026-02-23 11:00"),  # across Tết 2026
        ("2026-03-02 08:00", 0.1, "2026-03-02 08:48"),  # a float is read as its decimal text
        ("2026-03-02 09:17", 0, "2026-03-02 09:17"),
        ("2026-03-02 08:00", 10, "2026-03-13 17:00"),
    ],
)
def test_add_working_time(start, days, expected):
    assert VN.add_working_time(dt(start), days) == dt(expected)


def test_add_working_time_rejects_negative_and_garbage():
    with pytest.raises(InvalidInput, match="không được âm"):
        VN.add_working_time(dt("2026-03-02 08:00"), "-0.5")
    with pytest.raises(InvalidInput, match="không hợp lệ"):
        VN.add_working_time(dt("2026-03-02 08:00"), "nửa ngày")


def test_as_days():
    assert as_days("1.25") == Fraction(5, 4)
    assert as_days(Decimal("2.5")) == Fraction(5, 2)
    assert as_days(0.1) == Fraction(1, 10)


def test_calendar_with_no_working_days_fails_loudly():
    never = WorkCalendar(frozenset(date(2020, 1, 1) + timedelta(days=i) for i in range(4000)))
    with pytest.raises(InvalidInput):
        never.next_working_day(date(2020, 1, 1))


# --- properties ---------------------------------------------------------------------------

dates = st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 6, 30))


@given(day=dates, n=st.integers(min_value=-200, max_value=200))
def test_add_then_count_round_trips(day, n):
    start = VN.add_working_days(day, 0)  # a working day
    end = VN.add_working_days(start, n)
    assert VN.is_working_day(end)
    assert VN.working_days_between(start, end) == n


@given(day=dates, n=st.integers(min_value=0, max_value=200))
def test_add_from_any_day_lands_on_a_working_day(day, n):
    assert VN_WITH_MAKEUP.is_working_day(VN_WITH_MAKEUP.add_working_days(day, n))


@given(
    start=st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2028, 6, 30)),
    quarters=st.integers(min_value=0, max_value=200),
    more=st.integers(min_value=0, max_value=200),
)
def test_add_working_time_is_additive_and_monotonic(start, quarters, more):
    a, b = Fraction(quarters, 4), Fraction(more, 4)
    first = VN.add_working_time(start, a)
    both = VN.add_working_time(start, a + b)
    assert both >= first
    assert VN.add_working_time(first, b) == both
