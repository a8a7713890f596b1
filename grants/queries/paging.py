"""One page of a long list, Flask-free: what the templates' pager and the API read."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload

from grants.extensions import db

MAX_PER_PAGE = 100
#: The highest page number a request may ask for (the web layer refuses more with a 400).
MAX_PAGE = 1_000_000
DEFAULT_PER_PAGE = 20


@dataclass(frozen=True, slots=True)
class Page:
    """The items of page ``page`` (1-based) of ``per_page`` rows, out of ``total``."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        """Number of the page's first row (from 1), 0 on an empty page."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """Number of the page's last row, 0 on an empty page."""
        return max(self.first, self.first + len(self.items) - 1)

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2) -> Iterator[int | None]:
        """Page numbers for a pager; a gap is ``None`` (1, 2, None, 5, 6, 7, …, 19, 20)."""
        end = self.pages + 1
        if end == 1:
            return
        left_end = min(1 + left_edge, end)
        yield from range(1, left_end)
        if left_end == end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, end)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == end:
            return
        right_start = max(mid_end, end - right_edge)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, end)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def page_args(page: int | str | None, per_page: int | None) -> tuple[int, int]:
    """A page number (1 when missing, unreadable or below 1; at most MAX_PAGE) and a page
    size (1…MAX_PER_PAGE)."""
    try:
        page = int(page or 1)
    except (TypeError, ValueError):
        page = 1
    per_page = min(per_page if per_page is not None else DEFAULT_PER_PAGE, MAX_PER_PAGE)
    return min(max(page, 1), MAX_PAGE), per_page if per_page >= 1 else DEFAULT_PER_PAGE


def paginate(stmt: Select, *, page: int | str | None = 1, per_page: int | None = None,
             load: Callable[[Sequence], list] | None = None) -> Page:
    """Page ``page`` of ``stmt`` (one ``LIMIT/OFFSET`` query plus one count).

    Without ``load`` the items are the statement's entities; with it, ``load(rows)`` turns the
    page's result rows into the items (e.g. loads the dossiers named by a narrow id query).
    A page beyond the last is empty; ``page_args`` keeps the number at most ``MAX_PAGE`` (the
    offset must fit the database's integer).
    """
    page, per_page = page_args(page, per_page)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = load(result.all()) if load else list(result.unique().scalars())
    counted = stmt.options(lazyload("*")).order_by(None).subquery()
    total = db.session.execute(select(func.count()).select_from(counted)).scalar() or 0
    return Page(items, page, per_page, total)
