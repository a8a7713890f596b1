"""The clock paused by papers asked after reception (issue 14): office time and the resumed
clock start, with holidays from the calendar."""

from datetime import date, datetime
from fractions import Fraction

from grants.domain.calendar import WorkCalendar
from grants.domain.deadlines import dossier_due
from grants.domain.pauses import office_time_between, resume_clock

CAL = WorkCalendar(frozenset({date(2026, 4, 30), date(2026, 5, 1)}))


def test_office_time_counts_only_office_hours_of_working_days():
    # Wednesday 11:00 → Thursday 14:00: 1 + 4 (Wed afternoon) + 4 + 1 hours = 10 h.
    assert office_time_between(CAL, datetime(2026, 3, 4, 11), datetime(2026, 3, 5, 14)) \
        == Fraction(10, 8)
    # Over a weekend and the 30/4 - 1/5 holidays: Wed 29/4 16:00 → Mon 4/5 09:00 = 2 h.
    assert office_time_between(CAL, datetime(2026, 4, 29, 16), datetime(2026, 5, 4, 9)) \
        == Fraction(2, 8)
    assert office_time_between(CAL, datetime(2026, 3, 5), datetime(2026, 3, 4)) == 0


def test_resume_moves_the_clock_by_the_pause_only():
    start = datetime(2026, 3, 2, 9)  # Monday 09:00, 16 working days
    stopped = datetime(2026, 3, 4, 9)  # two working days used
    answered = datetime(2026, 3, 20, 16)  # after 15:00: the clock restarts Mon 23/03 08:00
    new_start, pause = resume_clock(CAL, start, stopped, answered)
    assert office_time_between(CAL, new_start, datetime(2026, 3, 23, 8)) == 2
    # Wed 09:00-17:00 (7 h), then twelve whole working days, until Monday 08:00.
    assert pause == office_time_between(CAL, stopped, datetime(2026, 3, 23, 8)) \
        == Fraction(7 + 12 * 8, 8)
    # The due date moves by the same twelve working days.
    assert dossier_due(CAL, new_start, 16) == datetime(2026, 4, 9, 17)
    assert dossier_due(CAL, start, 16) == datetime(2026, 3, 24, 17)


def test_an_immediate_answer_changes_nothing():
    start = datetime(2026, 3, 2, 9)
    new_start, pause = resume_clock(CAL, start, datetime(2026, 3, 4, 9),
                                    datetime(2026, 3, 4, 9))
    assert pause == 0 and new_start == start
