"""The working calendar as the database and the holiday package define it (public holidays,
make-up working days, and the admin's overrides)."""

from sqlalchemy import select

from grants.domain.calendar import WorkCalendar
from grants.domain.enums import HolidayKind
from grants.extensions import db
from grants.models import HolidayOverride
from grants.queries.holiday_source import make_up_working_days, public_holidays


def calendar_for(year: int) -> WorkCalendar:
    """The working calendar around ``year`` (the year before and after too, for spill-over)."""
    years = (year - 1, year, year + 1)
    rows = db.session.execute(select(HolidayOverride.day, HolidayOverride.kind)).all()
    off = frozenset(d for d, k in rows if k == HolidayKind.DAY_OFF)
    working = frozenset(d for d, k in rows if k == HolidayKind.WORKING_DAY)
    return WorkCalendar(public_holidays(years), extra_days_off=off,
                        extra_working_days=working | make_up_working_days(years))
