"""The per-item chart groups the tail as "Khác" only when there are two or more items in it:
a single item is drawn under its own code, as the table beside the chart lists it."""

from typing import NamedTuple

from grants import charts


class Row(NamedTuple):
    code: str
    approved_vnd: int
    items: int


def _rows(n: int) -> list[Row]:
    return [Row(f"MUC{i:02d}", (100 - i) * 1_000_000, 1) for i in range(n)]


def test_a_single_item_past_the_top_is_drawn_under_its_own_code():
    drawn = charts.items(2026, _rows(13)).decode("utf-8")
    assert ">Khác</text>" not in drawn
    assert ">MUC12</text>" in drawn


def test_two_or_more_items_past_the_top_are_summed_as_other():
    drawn = charts.items(2026, _rows(14)).decode("utf-8")
    assert ">Khác</text>" in drawn
    assert ">MUC11</text>" in drawn and ">MUC12</text>" not in drawn
