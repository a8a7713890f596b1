"""The processing report's mean step time does not depend on the order in which the steps'
working days were added up (the summary rows add them as they happen; a rebuild adds them
again in the database's order)."""

from hypothesis import given
from hypothesis import strategies as st

from grants.queries.reports.processing import average_days


def test_the_same_days_added_in_another_order_give_the_same_mean():
    days = [2.747916666666667, 6.947916666666667, 1.8583333333333334, 1.8708333333333333, 2.2]
    forward, backward = sum(days), sum(reversed(days))
    assert forward != backward  # 15.625 and 15.625000000000002: floats
    assert average_days(forward, 5) == average_days(backward, 5) == 3.12


@given(st.lists(st.integers(min_value=0, max_value=480 * 60), min_size=1, max_size=40),
       st.randoms(use_true_random=False))
def test_any_order_of_the_steps_gives_the_same_mean(minutes, rnd):
    days = [m / 480 for m in minutes]
    shuffled = list(days)
    rnd.shuffle(shuffled)
    assert average_days(sum(days), len(days)) == average_days(sum(shuffled), len(days))


def test_no_step_has_no_mean():
    assert average_days(0.0, 0) is None
