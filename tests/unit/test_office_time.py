"""Office time between two moments (the processing report's step measure)."""

from datetime import datetime, timedelta

import pytest

from grants.domain.office_time import office_days_between


def _utc(local: datetime) -> datetime:
    return local - timedelta(hours=7)  # Vietnam time, no daylight saving


@pytest.mark.parametrize(("start", "end", "days"), [
    (datetime(2019, 3, 4, 9, 0), datetime(2019, 3, 4, 13, 0), 0.375),     # lunch not counted
    (datetime(2019, 3, 4, 13, 0), datetime(2019, 3, 5, 9, 0), 0.625),     # overnight
    (datetime(2019, 3, 6, 9, 0), datetime(2019, 3, 11, 9, 0), 3.0),       # over a weekend
    (datetime(2019, 3, 11, 17, 0), datetime(2019, 3, 16, 10, 0), 4.0),   # ends on a Saturday
    (datetime(2019, 3, 9, 10, 0), datetime(2019, 3, 10, 15, 0), 0.0),    # all weekend
    (datetime(2019, 3, 4, 6, 0), datetime(2019, 3, 4, 7, 30), 0.0),       # before office hours
    (datetime(2019, 3, 4, 8, 0), datetime(2019, 3, 4, 17, 0), 1.0),       # one full day
    (datetime(2019, 3, 4, 12, 30), datetime(2019, 3, 4, 12, 45), 0.0),    # inside lunch
    (datetime(2019, 12, 31, 16, 0), datetime(2020, 1, 2, 9, 0), 1.25),    # over the new year
])
def test_office_days_between(start, end, days):
    assert office_days_between(_utc(start), _utc(end)) == pytest.approx(days, abs=1e-12)


def test_reversed_moments_give_the_negative():
    a, b = _utc(datetime(2026, 5, 4, 9, 15)), _utc(datetime(2026, 5, 12, 14, 40))
    assert office_days_between(b, a) == -office_days_between(a, b)


def test_a_sum_of_steps_is_the_whole():
    moments = [_utc(datetime(2026, 5, 4, 8, 0) + timedelta(minutes=37 * k * k)) for k in range(40)]
    steps = sum(office_days_between(a, b) for a, b in zip(moments, moments[1:], strict=False))
    assert steps == pytest.approx(office_days_between(moments[0], moments[-1]), abs=1e-9)
