"""grants.domain.local_time: the one rule for naive datetimes (they are UTC)."""

from datetime import UTC, datetime, timedelta, timezone

from grants.domain.local_time import to_local


def test_naive_values_are_utc():
    assert to_local(datetime(2026, 3, 5, 2, 30)) == datetime(2026, 3, 5, 9, 30)


def test_the_local_day_can_differ_from_the_utc_day():
    assert to_local(datetime(2026, 3, 5, 17, 0)) == datetime(2026, 3, 6, 0, 0)


def test_aware_values_are_converted_from_their_own_zone():
    assert to_local(datetime(2026, 3, 5, 2, 30, tzinfo=UTC)) == datetime(2026, 3, 5, 9, 30)
    paris = timezone(timedelta(hours=1))
    assert to_local(datetime(2026, 3, 5, 3, 30, tzinfo=paris)) == datetime(2026, 3, 5, 9, 30)


def test_the_result_is_naive_and_none_stays_none():
    assert to_local(datetime(2026, 3, 5, 2, 30, tzinfo=UTC)).tzinfo is None
    assert to_local(None) is None

