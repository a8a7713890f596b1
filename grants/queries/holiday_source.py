"""Vietnamese public holidays from the ``holidays`` package, as plain dates for the domain."""

import functools
from collections.abc import Iterable
from datetime import date

import holidays


def _years_key(years: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({int(year) for year in years}))


@functools.cache
def _vietnam(years: tuple[int, ...]) -> holidays.HolidayBase:
    # expand=False: a lookup outside ``years`` must not quietly grow the cached object.
    return holidays.country_holidays("VN", years=years, language="vi", expand=False)


@functools.cache
def _public_holidays(years: tuple[int, ...]) -> frozenset[date]:
    return frozenset(_vietnam(years))


def public_holidays(years: Iterable[int]) -> frozenset[date]:
    """Return Vietnam's public holidays in ``years``, including the package's known swap days off.

    Cached per set of years. The package knows the statutory holidays and the swaps announced
    before its release; later announcements are added by an admin as extra days off.
    """
    return _public_holidays(_years_key(years))


def holiday_names(years: Iterable[int]) -> dict[date, str]:
    """Return each public holiday in ``years`` with its Vietnamese name, in date order."""
    return dict(sorted(_vietnam(_years_key(years)).items()))


def make_up_working_days(years: Iterable[int]) -> frozenset[date]:
    """Return the weekend days in ``years`` that the package knows are worked as make-up days."""
    key = _years_key(years)
    return frozenset(d for d in _vietnam(key).weekend_workdays if d.year in key)
