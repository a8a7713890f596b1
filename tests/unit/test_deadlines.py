"""Step allotments, step deadlines and dossier due dates, pinned to real 2026-2027 dates."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.calendar import WorkCalendar
from grants.domain.deadlines import (
    DEFAULT_STATUTORY_DAYS,
    DEFAULT_STEPS,
    DeadlineStatus,
    Step,
    dossier_due,
    format_days,
    is_on_time,
    remaining_after_pause,
    restart_clock,
    status_of_deadline,
    step_deadlines,
    validate_allotments,
    working_days_late,
)
from grants.domain.errors import InvalidInput
from grants.domain.roles import Role
from grants.domain.workflow import STEP_OF_STATUS, StepKey
from grants.queries.holiday_source import make_up_working_days, public_holidays

YEARS = range(2025, 2030)
VN = WorkCalendar(public_holidays(YEARS))
VN_WITH_MAKEUP = WorkCalendar(
    public_holidays(YEARS), extra_working_days=make_up_working_days(YEARS)
)


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- the template -------------------------------------------------------------------------


def test_default_template_is_valid_and_sums_to_the_statutory_total():
    assert DEFAULT_STATUTORY_DAYS == 16
    assert validate_allotments(DEFAULT_STEPS, DEFAULT_STATUTORY_DAYS) == []
    assert sum(s.allotment_days for s in DEFAULT_STEPS if s.counted) == 16
    assert [s.key for s in DEFAULT_STEPS] == [
        "reception",
        "assignment",
        "appraisal",
        "review",
        "decision",
        "issuing",
        "return",
    ]
    assert [s.allotment_days for s in DEFAULT_STEPS] == [
        Fraction(1, 2),
        Fraction(1, 2),
        10,
        2,
        Fraction(5, 2),
        Fraction(1, 2),
        0,
    ]
    assert not DEFAULT_STEPS[-1].counted
    # The People's Committee's step is added only to a year the Chairman decides (issue 14.3).
    assert set(STEP_OF_STATUS.values()) - {StepKey.COMMITTEE} == {s.key for s in DEFAULT_STEPS}


def test_step_normalises_allotment_and_role():
    step = Step("x", "Bước thử", "clerk", "1.25")
    assert step.allotment_days == Fraction(5, 4)
    assert step.role is Role.CLERK
    assert Step("y", "Bước thử", Role.HEAD, Decimal("0.25")).allotment_days == Fraction(1, 4)


def test_sum_mismatch_is_reported_in_vietnamese():
    problems = validate_allotments(DEFAULT_STEPS, 15)
    assert problems == [
        "Tổng thời gian các bước (16 ngày) khác tổng thời hạn giải quyết (15 ngày)."
    ]


def test_negative_and_zero_allotments():
    steps = [
        Step("a", "Tiếp nhận", Role.CLERK, "-0.5"),
        Step("b", "Thẩm định", Role.APPRAISER, "0"),
        Step("c", "Quyết định", Role.LEADER, "16.5"),
    ]
    assert validate_allotments(steps, 16) == [
        "Bước «Tiếp nhận»: thời gian không được âm (đang là -0,5 ngày).",
        "Bước «Thẩm định»: thời gian phải lớn hơn 0 ngày làm việc.",
    ]


def test_duplicate_keys_and_misplaced_uncounted_step():
    steps = [
        Step("a", "Tiếp nhận", Role.CLERK, 8),
        Step("r", "Trả kết quả", Role.CLERK, 0, counted=False),
        Step("a", "Thẩm định", Role.APPRAISER, 8),
    ]
    assert validate_allotments(steps, 16) == [
        "Mã bước «a» bị trùng.",
        "Bước «Trả kết quả» không tính vào thời hạn giải quyết nên phải nằm ở cuối quy trình.",
    ]


def test_bad_statutory_total():
    assert validate_allotments([], 0) == [
        "Tổng thời hạn giải quyết phải là số nguyên dương ngày làm việc (đang là 0).",
        "Quy trình nội bộ phải có ít nhất một bước.",
    ]
    assert "(đang là 16,5)" in validate_allotments(DEFAULT_STEPS, "16.5")[0]
    assert validate_allotments(DEFAULT_STEPS, "mười sáu") == [
        "Số ngày làm việc không hợp lệ: «mười sáu»."
    ]


def test_format_days():
    assert format_days(16) == "16"
    assert format_days(10) == "10"
    assert format_days(Fraction(5, 2)) == "2,5"
    assert format_days("0.25") == "0,25"
    assert format_days(Fraction(1, 3)) == "0,33"


# --- dossier due dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "received_at", "clock", "due"),
    [
        # Friday after the 15:00 cut-off, just before Tết Đinh Mùi (4-10/2/2027).
        (VN, "2027-01-29 16:00", "2027-02-01 08:00", "2027-03-02 17:00"),
        # An ordinary month: the day of receipt is day 0.
        (VN, "2026-03-02 09:00", "2026-03-02 09:00", "2026-03-24 17:00"),
        # Over Hùng Kings' day off (27/4), 30/4 and 1/5 2026.
        (VN, "2026-04-22 10:00", "2026-04-22 10:00", "2026-05-19 17:00"),
        # Over 31/8, 1/9 and 2/9 2026...
        (VN, "2026-08-20 10:00", "2026-08-20 10:00", "2026-09-16 17:00"),
        # ...and one day sooner when make-up Saturday 22/8 is worked.
        (VN_WITH_MAKEUP, "2026-08-20 10:00", "2026-08-20 10:00", "2026-09-15 17:00"),
        # Before Tết Bính Ngọ (16-20/2/2026).
        (VN, "2026-02-12 14:00", "2026-02-12 14:00", "2026-03-13 17:00"),
    ],
)
def test_dossier_due(calendar, received_at, clock, due):
    start = calendar.clock_start(dt(received_at))
    assert start == dt(clock)
    assert dossier_due(calendar, start, DEFAULT_STATUTORY_DAYS) == dt(due)


@pytest.mark.parametrize("bad", [0, -1, "16.5", Fraction(33, 2)])
def test_dossier_due_needs_whole_positive_days(bad):
    with pytest.raises(InvalidInput, match="số nguyên dương"):
        dossier_due(VN, dt("2026-03-02 09:00"), bad)


# --- step deadlines -----------------------------------------------------------------------


def test_step_deadlines_in_an_ordinary_month():
    assert step_deadlines(VN, dt("2026-03-02 08:00"), DEFAULT_STEPS) == {
        "reception": dt("2026-03-02 12:00"),
        "assignment": dt("2026-03-02 17:00"),
        "appraisal": dt("2026-03-16 17:00"),
        "review": dt("2026-03-18 17:00"),
        "decision": dt("2026-03-23 12:00"),
        "issuing": dt("2026-03-23 17:00"),
    }


def test_step_deadlines_across_tet_2027():
    start = VN.clock_start(dt("2027-01-29 16:00"))
    deadlines = step_deadlines(VN, start, DEFAULT_STEPS)
    assert deadlines == {
        "reception": dt("2027-02-01 12:00"),
        "assignment": dt("2027-02-01 17:00"),
        "appraisal": dt("2027-02-22 17:00"),
        "review": dt("2027-02-24 17:00"),
        "decision": dt("2027-03-01 12:00"),
        "issuing": dt("2027-03-01 17:00"),
    }
    assert list(deadlines) == [s.key for s in DEFAULT_STEPS if s.counted]
    assert deadlines["issuing"] <= dossier_due(VN, start, 16)


def test_step_deadlines_with_fractional_steps_mid_morning():
    steps = [
        Step("a", "Tiếp nhận", Role.CLERK, "0.25"),
        Step("b", "Thẩm định", Role.APPRAISER, "0.5"),
        Step("c", "Quyết định", Role.LEADER, "0.25"),
    ]
    assert step_deadlines(VN, dt("2026-03-06 11:00"), steps) == {
        "a": dt("2026-03-06 14:00"),
        "b": dt("2026-03-09 09:00"),  # Friday 14-17 then Monday 08-09
        "c": dt("2026-03-09 11:00"),
    }


@given(
    received_at=st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2028, 6, 30)),
)
def test_last_step_never_later_than_the_dossier_due(received_at):
    start = VN.clock_start(received_at)
    last = list(step_deadlines(VN, start, DEFAULT_STEPS).values())[-1]
    assert last <= dossier_due(VN, start, DEFAULT_STATUTORY_DAYS)


# --- lateness -----------------------------------------------------------------------------


def test_status_of_deadline():
    due = dt("2026-03-09 12:00")  # Monday noon
    assert status_of_deadline(dt("2026-03-09 12:01"), due) == DeadlineStatus.LATE
    assert status_of_deadline(due, due) == "due_soon"
    # Friday 15:00: one office day later is Monday 15:00, so Monday noon is due soon...
    assert status_of_deadline(dt("2026-03-06 15:00"), due, VN) == DeadlineStatus.DUE_SOON
    # ...but in wall-clock days it is still three days away.
    assert status_of_deadline(dt("2026-03-06 15:00"), due) == DeadlineStatus.ON_TIME
    assert status_of_deadline(dt("2026-03-02 08:00"), due, VN) == DeadlineStatus.ON_TIME
    # Thursday 13:00 plus two office days is exactly Monday noon.
    assert status_of_deadline(dt("2026-03-05 13:00"), due, VN, soon_days=2) == "due_soon"
    assert status_of_deadline(dt("2026-03-05 11:59"), due, VN, soon_days=2) == "on_time"
    assert DeadlineStatus.LATE.label == "Quá hạn"


def test_is_on_time():
    due = dt("2026-03-24 17:00")
    assert is_on_time(dt("2026-03-24 17:00"), due)
    assert not is_on_time(dt("2026-03-24 17:01"), due)


@pytest.mark.parametrize(
    ("due", "finished_at", "late"),
    [
        ("2026-03-24 17:00", "2026-03-24 16:00", 0),
        ("2026-03-24 17:00", "2026-03-24 18:00", 1),  # late the same evening
        ("2026-03-24 17:00", "2026-03-26 09:00", 2),
        ("2026-03-24 17:00", "2026-03-28 10:00", 3),  # finished on a Saturday
        ("2026-02-13 17:00", "2026-02-23 09:00", 1),  # Tết 2026 in between
        ("2026-08-28 17:00", "2026-09-04 09:00", 2),  # 31/8-2/9 in between
    ],
)
def test_working_days_late(due, finished_at, late):
    assert working_days_late(VN, dt(due), dt(finished_at)) == late


# --- supplement requests ------------------------------------------------------------------


def test_supplement_restarts_the_full_statutory_total():
    assert remaining_after_pause(16) == 16
    start, due = restart_clock(VN, dt("2026-08-28 16:00"), 16)
    assert start == dt("2026-09-03 08:00")
    assert due == dt("2026-09-25 17:00")


def test_replace_keeps_normalisation():
    step = replace(DEFAULT_STEPS[0], allotment_days="0.75")
    assert step.allotment_days == Fraction(3, 4)
    assert date(2026, 1, 1) in VN.holidays
