"""Money rules: parsing typed amounts, display, support amounts and instalment splits."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.domain.errors import InvalidInput
from grants.domain.money import (
    MAX_VND,
    format_vnd,
    group_thousands,
    parse_vnd,
    split_instalments,
    support_amount,
)

ACCEPTED = [
    ("50.000.000", 50_000_000),
    ("50 000 000", 50_000_000),
    ("50000000", 50_000_000),
    ("50.000.000 đ", 50_000_000),
    ("50.000.000đ", 50_000_000),
    ("50000000 VND", 50_000_000),
    ("50.000.000 VNĐ", 50_000_000),
    ("50.000.000 vnd", 50_000_000),
    ("50.000.000 ₫", 50_000_000),
    ("50.000.000 đồng", 50_000_000),
    ("  1.000  ", 1_000),
    ("50\u00a0000\u00a0000", 50_000_000),  # no-break spaces, as Excel and browsers paste them
    ("999", 999),
    ("0", 0),
    ("1.000.000.000.000.000", MAX_VND),
    (50_000_000, 50_000_000),
    (0, 0),
]

REFUSED = [
    ("", "Vui lòng nhập"),
    ("   ", "Vui lòng nhập"),
    ("đ", "không hợp lệ"),
    ("-1.000", "không được âm"),
    ("-5", "không được âm"),
    ("50.000,5", "thập phân"),
    ("1.5", "thập phân"),
    ("1,5", "thập phân"),
    ("1.50", "thập phân"),
    ("50.00.000", "mỗi nhóm đúng 3 chữ số"),
    ("5.0000", "mỗi nhóm đúng 3 chữ số"),
    ("50.000.00", "thập phân"),
    ("50 000.000", "mỗi nhóm đúng 3 chữ số"),  # mixed separators
    ("50..000", "mỗi nhóm đúng 3 chữ số"),
    ("50.000.", "mỗi nhóm đúng 3 chữ số"),
    (".500", "mỗi nhóm đúng 3 chữ số"),
    ("50,000,000", "dấu phẩy"),
    ("50,000", "dấu phẩy"),
    ("năm mươi triệu", "không hợp lệ"),
    ("50tr", "không hợp lệ"),
    ("5e7", "không hợp lệ"),
    ("0x10", "không hợp lệ"),
    ("+500", "không hợp lệ"),
    ("１２３", "không hợp lệ"),  # full-width digits
    ("1.000.000.000.000.001", "quá lớn"),
    ("9" * 30, "quá lớn"),
    ("9" * 5000, "quá lớn"),
    ("50 đ đ", "không hợp lệ"),
    (-1, "không được âm"),
    (MAX_VND + 1, "quá lớn"),
    (True, "số nguyên"),
    (False, "số nguyên"),
    (50_000_000.0, "số nguyên"),
    (Decimal("50000000"), "số nguyên"),
    (None, "số nguyên"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_vnd_accepts(text, expected):
    assert parse_vnd(text) == expected


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_parse_vnd_refuses_with_vietnamese_message_and_field(text, message):
    with pytest.raises(InvalidInput) as caught:
        parse_vnd(text, field="requested_vnd")
    assert message in caught.value.message
    assert caught.value.field == "requested_vnd"


@given(st.integers(min_value=0, max_value=MAX_VND))
def test_format_then_parse_round_trips(n):
    assert parse_vnd(format_vnd(n)) == n
    assert parse_vnd(group_thousands(n).replace(".", " ")) == n


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 đ"),
        (999, "999 đ"),
        (1_000, "1.000 đ"),
        (50_000_000, "50.000.000 đ"),
        (800_000_000, "800.000.000 đ"),
        (-1_000, "-1.000 đ"),
        (-999, "-999 đ"),
    ],
)
def test_format_vnd(n, expected):
    assert format_vnd(n) == expected


@pytest.mark.parametrize("bad", [1.0, Decimal("1"), True, "1000", None])
def test_format_vnd_takes_ints_only(bad):
    with pytest.raises(TypeError):
        format_vnd(bad)


@pytest.mark.parametrize(
    ("eligible", "share", "cap", "requested", "expected"),
    [
        (120_000_000, 50, 50_000_000, 60_000_000, 50_000_000),  # cap binds
        (80_000_000, 50, 50_000_000, 60_000_000, 40_000_000),  # share binds
        (120_000_000, 50, 50_000_000, 30_000_000, 30_000_000),  # never above the request
        (100_000_001, 50, None, 10**12, 50_000_000),  # floor of 50_000_000.5, no cap
        (3, Fraction(1, 3), None, 10, 0),  # 1/3 % of 3 đồng floors to 0
        (300, Fraction(100, 3), None, 1_000, 100),  # exactly one third, no float drift
        (1_000, Decimal("33.3"), None, 1_000, 333),
        (1_000, Decimal("0.1"), None, 1_000, 1),
        (10**15, 100, None, 10**15, 10**15),
        (50_000_000, 0, 50_000_000, 50_000_000, 0),
        (0, 50, 50_000_000, 50_000_000, 0),
        (50_000_000, 100, 0, 50_000_000, 0),  # a zero cap means nothing
    ],
)
def test_support_amount(eligible, share, cap, requested, expected):
    result = support_amount(
        eligible_cost_vnd=eligible, share_percent=share, cap_vnd=cap, requested_vnd=requested
    )
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"share_percent": 50.0}, "share_percent"),
        ({"share_percent": True}, "share_percent"),
        ({"share_percent": "50"}, "share_percent"),
        ({"share_percent": 101}, "share_percent"),
        ({"share_percent": -1}, "share_percent"),
        ({"share_percent": Decimal("NaN")}, "share_percent"),
        ({"share_percent": Decimal("Infinity")}, "share_percent"),
        ({"eligible_cost_vnd": -1}, "eligible_cost_vnd"),
        ({"eligible_cost_vnd": 1.5}, "eligible_cost_vnd"),
        ({"cap_vnd": -1}, "cap_vnd"),
        ({"requested_vnd": -1}, "requested_vnd"),
        ({"requested_vnd": False}, "requested_vnd"),
    ],
)
def test_support_amount_refuses(kwargs, field):
    args = {
        "eligible_cost_vnd": 100_000_000,
        "share_percent": 50,
        "cap_vnd": 50_000_000,
        "requested_vnd": 50_000_000,
    } | kwargs
    with pytest.raises(InvalidInput) as caught:
        support_amount(**args)
    assert caught.value.field == field


@given(
    eligible=st.integers(min_value=0, max_value=10**13),
    share=st.fractions(min_value=0, max_value=100, max_denominator=10_000),
    cap=st.none() | st.integers(min_value=0, max_value=10**11),
    requested=st.integers(min_value=0, max_value=10**11),
)
def test_support_amount_properties(eligible, share, cap, requested):
    result = support_amount(
        eligible_cost_vnd=eligible, share_percent=share, cap_vnd=cap, requested_vnd=requested
    )
    by_share = math.floor(share * eligible / 100)  # Fraction arithmetic: exact
    assert result == min(x for x in (by_share, cap, requested) if x is not None)
    assert 0 <= result <= requested


@pytest.mark.parametrize(
    ("total", "parts", "expected"),
    [
        (100, 3, [34, 33, 33]),
        (50_000_000, 2, [25_000_000, 25_000_000]),
        (1, 3, [1, 0, 0]),
        (0, 2, [0, 0]),
        (100, [70, 30], [70, 30]),
        (10, [1, 1, 1], [4, 3, 3]),
        (50_000_001, [Fraction(1, 3), Fraction(2, 3)], [16_666_667, 33_333_334]),
        (100, [Decimal("12.5"), Decimal("87.5")], [13, 87]),
        (7, [0, 1], [0, 7]),
    ],
)
def test_split_instalments(total, parts, expected):
    assert split_instalments(total, parts) == expected


@pytest.mark.parametrize(
    ("total", "parts"),
    [
        (-1, 2),
        (100, 0),
        (100, -1),
        (100, []),
        (100, [0, 0]),
        (100, [50, -10]),
        (100, [0.5, 0.5]),
        (100, True),
        (1.5, 2),
    ],
)
def test_split_instalments_refuses(total, parts):
    with pytest.raises(InvalidInput):
        split_instalments(total, parts)


@given(st.integers(min_value=0, max_value=MAX_VND), st.integers(min_value=1, max_value=50))
def test_equal_split_loses_nothing(total, parts):
    amounts = split_instalments(total, parts)
    assert sum(amounts) == total
    assert len(amounts) == parts
    assert max(amounts) - min(amounts) <= 1
    assert amounts == sorted(amounts, reverse=True)


@given(
    st.integers(min_value=0, max_value=MAX_VND),
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=12).filter(any),
)
def test_weighted_split_loses_nothing(total, weights):
    amounts = split_instalments(total, weights)
    assert sum(amounts) == total
    for amount, weight in zip(amounts, weights, strict=True):
        exact = Fraction(total * weight, sum(weights))
        assert abs(amount - exact) < 1
