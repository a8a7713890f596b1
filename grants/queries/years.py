"""Which program year: the one set of rules every page, report and API call uses.

* ``current_year()``: the newest year that is not closed, else the newest year, else None.
  It is the year a page shows when none is asked for.
* ``year_for(arg)``: the year a ``?year=`` argument asks for; the current year when the argument
  is absent or empty, None when it names no program year or is not a year number.
* ``chosen_year(arg)``: the same, or ``NotFound`` naming what was asked for.
* ``find_year(number)``: the year numbered ``number``, or None.
* ``require_year(year)``: the same, or ``NotFound``; ``why`` finishes the message.
* ``year_numbers()`` / ``program_years()``: every year, newest first (numbers / rows).
* ``open_years()``: the years taking in dossiers now (intake open, not closed), newest first.
"""

from sqlalchemy import select

from grants.domain.errors import NotFound
from grants.extensions import db
from grants.models import ProgramYear

NO_REPORT = "nên không có số liệu để lập báo cáo. Hãy chọn một năm đã có trong hệ thống."
"""``why`` for a report asked for a missing year."""


def current_year() -> ProgramYear | None:
    """The newest program year that is not closed (else the newest; None when there is none)."""
    open_year = db.session.scalar(select(ProgramYear).where(ProgramYear.is_closed.is_(False))
                                  .order_by(ProgramYear.year.desc()).limit(1))
    return open_year or db.session.scalar(select(ProgramYear).order_by(ProgramYear.year.desc())
                                          .limit(1))


def find_year(number: int) -> ProgramYear | None:
    """The program year numbered ``number`` (e.g. 2026), or None."""
    return db.session.scalar(select(ProgramYear).where(ProgramYear.year == number))


def require_year(year: ProgramYear | int, *, why: str | None = None) -> ProgramYear:
    """The program year (given as its row or its number); NotFound (Vietnamese message, ended
    by ``why`` when given) when there is no such year."""
    if isinstance(year, ProgramYear):
        return year
    row = find_year(year)
    if row is None:
        ending = f", {why}" if why else "."
        raise NotFound(f"Không có năm chương trình {year}{ending}")
    return row


def year_for(arg: str | None) -> ProgramYear | None:
    """The year chosen by a ``?year=`` argument: the current year when it is absent or empty,
    None when it names no program year (or is not a year at all)."""
    if arg is None or not arg.strip():
        return current_year()
    arg = arg.strip()
    if not (arg.isascii() and arg.isdigit() and len(arg) <= 4):
        return None
    return find_year(int(arg))


def chosen_year(arg: str | None) -> ProgramYear:
    """``year_for(arg)``, or NotFound: the argument names no program year, or there is none."""
    year = year_for(arg)
    if year is None:
        raise NotFound(f"Không có năm chương trình “{arg}”." if arg
                       else "Chưa có năm chương trình nào.")
    return year


def chosen_year_key(arg: str | None, *, seconds: float) -> tuple[int, int]:
    """(id, number) of ``chosen_year(arg)``, reused while the data stamp is unchanged (closing
    or adding a year moves it) and for at most ``seconds``: a page whose body is a cached
    fragment needs no statement for its year on a repeat view."""
    from grants.queries.reports.cache import memoised

    def key() -> tuple[int, int]:
        year = chosen_year(arg)
        return year.id, year.year

    return memoised("years.chosen", ((arg or "").strip(),), key, seconds=seconds)


def year_numbers() -> list[int]:
    """Every program year number, newest first (for year pickers)."""
    return list(db.session.scalars(select(ProgramYear.year).order_by(ProgramYear.year.desc())))


def program_years() -> list[ProgramYear]:
    """Every program year, newest first."""
    return list(db.session.scalars(select(ProgramYear).order_by(ProgramYear.year.desc())))


def open_years() -> list[ProgramYear]:
    """Program years taking in dossiers now, newest first."""
    return list(db.session.scalars(select(ProgramYear).where(
        ProgramYear.intake_open.is_(True), ProgramYear.is_closed.is_(False))
        .order_by(ProgramYear.year.desc())))
