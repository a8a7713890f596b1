"""The read side (grants.queries) is Flask-free and its Page pages like Flask-SQLAlchemy's."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from flask_sqlalchemy.pagination import Pagination

from grants.queries.paging import Page, page_args

ROOT = Path(__file__).resolve().parent.parent.parent
QUERIES = ROOT / "grants" / "queries"


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_queries_import_nothing_from_flask():
    offenders = {str(p.relative_to(ROOT)): sorted(bad) for p in QUERIES.rglob("*.py")
                 if (bad := {n for n in _imported(p)
                             if n.split(".")[0] in {"flask", "flask_sqlalchemy", "flask_login"}})}
    assert offenders == {}


def test_query_package_inits_are_docstrings_only():
    assert (QUERIES / "__init__.py").read_text(encoding="utf-8") == (
        '"""Read side: named queries for pages, API and exports (no writes)."""\n')


def test_charts_do_not_import_flask():
    probe = "import sys, grants.charts; assert 'flask' not in sys.modules, 'flask'"
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=ROOT)


class _Fixed(Pagination):
    """Flask-SQLAlchemy's pagination over a known total (no query, no request)."""

    def _query_items(self):
        first = (self.page - 1) * self.per_page
        return list(range(first, min(first + self.per_page, self._query_args["total"])))

    def _query_count(self):
        return self._query_args["total"]


@pytest.mark.parametrize("total", [0, 1, 24, 25, 26, 250, 1001])
@pytest.mark.parametrize("page", [1, 2, 7, 40])
@pytest.mark.parametrize("per_page", [1, 25, 100])
def test_page_agrees_with_flask_sqlalchemy(total, page, per_page):
    theirs = _Fixed(page=page, per_page=per_page, error_out=False, total=total)
    number, size = page_args(page, per_page)
    ours = Page(theirs.items, number, size, total)
    for name in ("page", "per_page", "total", "pages", "has_prev", "prev_num", "has_next",
                 "next_num", "first", "last", "items"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert list(ours.iter_pages()) == list(theirs.iter_pages())
    assert list(ours) == list(theirs)


@pytest.mark.parametrize(("page", "per_page", "expected"), [
    (None, None, (1, 20)), (0, 25, (1, 25)), (-3, 500, (1, 100)), ("2", 0, (2, 20))])
def test_page_args_clamp_like_flask_sqlalchemy(page, per_page, expected):
    assert page_args(page, per_page) == expected


# --- Which year: the documented rules of grants.queries.years ---


def test_which_year_rules(db, make_year):
    from grants.domain.errors import NotFound
    from grants.queries import years

    assert years.current_year() is None and years.year_for(None) is None
    with pytest.raises(NotFound, match="Chưa có năm chương trình nào."):
        years.chosen_year("")
    make_year(year=2024, is_closed=True, intake_open=False)
    assert years.current_year().year == 2024  # only closed years: the newest
    make_year(year=2025)
    make_year(year=2026, is_closed=True, intake_open=False)
    assert years.current_year().year == 2025  # the newest year not closed
    assert years.year_for("  ").year == 2025 and years.year_for("2026").year == 2026
    assert years.year_for("2027") is None and years.year_for("２０２６") is None
    assert years.year_for("20266") is None and years.year_for("abc") is None
    assert years.year_numbers() == [2026, 2025, 2024]
    assert [y.year for y in years.program_years()] == [2026, 2025, 2024]
    assert [y.year for y in years.open_years()] == [2025]
    assert years.require_year(2024).year == 2024
    with pytest.raises(NotFound, match=r"^Không có năm chương trình 1999\.$"):
        years.require_year(1999)
    with pytest.raises(NotFound, match=r"^Không có năm chương trình 1999, nên không có số liệu"):
        years.require_year(1999, why=years.NO_REPORT)
    with pytest.raises(NotFound, match="Không có năm chương trình “x”."):
        years.chosen_year("x")


def test_catalogue_orders(db):
    from grants.models import CatalogueItem
    from grants.queries.catalogue import catalogue_items

    db.session.add_all([CatalogueItem(code="B", name="b", kind="tool"),
                        CatalogueItem(code="A", name="a", kind="tool", is_active=False),
                        CatalogueItem(code="C", name="c", kind="model")])
    db.session.commit()
    assert [i.code for i in catalogue_items()] == ["A", "B", "C"]
    assert [i.code for i in catalogue_items(active_only=True)] == ["B", "C"]
    by_kind = [(i.kind, i.code) for i in catalogue_items(by_kind=True)]
    assert by_kind == sorted(by_kind)


def test_one_percent_rule():
    from grants.domain.budget import percent

    assert percent(110, 800) == 13.8 and percent(690, 800) == 86.2  # rounded, not floored
    assert percent(1, 3) == 33.3 and percent(2, 3) == 66.7
    assert percent(5, 0) is None


def test_sql_signs_come_from_the_domain_table():
    from sqlalchemy.dialects import sqlite

    from grants.domain.budget import LEDGER_SIGNS, EntryKind, signed_totals
    from grants.queries.sql import signed_amount

    committed = str(signed_amount(0).compile(dialect=sqlite.dialect(),
                                             compile_kwargs={"literal_binds": True}))
    disbursed = str(signed_amount(1).compile(dialect=sqlite.dialect(),
                                             compile_kwargs={"literal_binds": True}))
    assert committed == ("CASE WHEN (ledger_entries.kind = 'commitment') THEN "
                         "ledger_entries.amount_vnd WHEN (ledger_entries.kind = "
                         "'commitment_release') THEN -ledger_entries.amount_vnd WHEN "
                         "(ledger_entries.kind = 'recovery_repayment') THEN "
                         "-ledger_entries.amount_vnd ELSE 0 END")
    assert "'disbursement'" in disbursed and "'disbursement_reversal'" in disbursed
    assert set(LEDGER_SIGNS) == set(EntryKind)
    assert signed_totals([("commitment", 10), ("commitment_release", 3), ("disbursement", 4),
                          (EntryKind.DISBURSEMENT_REVERSAL, 1)]) == (7, 3)
