"""Vietnamese amounts in words, as an accountant reads them on a decision."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from num2words import num2words

from grants.letters.words import amount_in_words, number_in_words


@pytest.mark.parametrize(
    ("vnd", "words"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi bốn đồng"),
        (25, "Hai mươi lăm đồng"),
        (55, "Năm mươi lăm đồng"),
        (100, "Một trăm đồng"),
        (101, "Một trăm linh một đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (115, "Một trăm mười lăm đồng"),
        (121, "Một trăm hai mươi mốt đồng"),
        (1_000, "Một nghìn đồng"),
        (1_001, "Một nghìn không trăm linh một đồng"),
        (1_010, "Một nghìn không trăm mười đồng"),
        (1_015, "Một nghìn không trăm mười lăm đồng"),
        (100_000, "Một trăm nghìn đồng"),
        (1_000_001, "Một triệu không trăm linh một đồng"),
        (1_000_100, "Một triệu một trăm đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (20_000_050, "Hai mươi triệu không trăm năm mươi đồng"),
        (50_000_000, "Năm mươi triệu đồng"),
        (75_000_000, "Bảy mươi lăm triệu đồng"),
        (800_000_000, "Tám trăm triệu đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
        (1_050_000_000, "Một tỷ không trăm năm mươi triệu đồng"),
        (2_500_000_000, "Hai tỷ năm trăm triệu đồng"),
        (10_000_000_000, "Mười tỷ đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (
            1_234_567_891_011,
            "Một nghìn hai trăm ba mươi bốn tỷ năm trăm sáu mươi bảy triệu "
            "tám trăm chín mươi mốt nghìn không trăm mười một đồng",
        ),
    ],
)
def test_amount_in_words(vnd, words):
    assert amount_in_words(vnd) == words


def test_negative_is_refused():
    with pytest.raises(ValueError):
        amount_in_words(-1)


@pytest.mark.parametrize("value", [1.5, 50_000_000.0, True, "50000000", None])
def test_only_integers(value):
    with pytest.raises(TypeError):
        amount_in_words(value)


def test_agrees_with_num2words_below_a_thousand():
    # num2words is right below 1000 except that it says the southern "lẻ" for our "linh".
    differ = [
        n
        for n in range(1000)
        if number_in_words(n) != num2words(n, lang="vi").replace("lẻ", "linh")
    ]
    assert differ == []


_UNITS = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
}


def _parse(words: str) -> int:
    """An independent reader of Vietnamese numbers, to check the writer by round trip."""
    total = section = group = last = 0
    for word in words.split():
        if word in _UNITS:
            last = _UNITS[word]
            group += last
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group += last * 9
        elif word == "trăm":
            group += last * 99
        elif word == "linh":
            continue
        elif word == "nghìn":
            section += group * 1000
            group = 0
        elif word == "triệu":
            section += group * 1_000_000
            group = 0
        elif word == "tỷ":
            total = (total + section + group) * 10**9
            section = group = 0
        else:
            raise AssertionError(f"unexpected word {word!r}")
    return total + section + group


@given(st.integers(min_value=0, max_value=10**21))
def test_round_trip(n):
    words = number_in_words(n)
    assert _parse(words) == n


@given(st.integers(min_value=1, max_value=10**15))
def test_reads_like_an_accountant(n):
    words = amount_in_words(n).split()
    assert words[0][0].isupper() and words[-1] == "đồng"
    lowered = [w.lower() for w in words]
    for here, after in zip(lowered, lowered[1:], strict=False):
        if here == "không":
            assert after == "trăm"  # "không" only in "không trăm"
        if here == "mươi":
            assert after not in {"một", "năm"}  # "mốt", "lăm" after "mươi"
        if here == "linh":
            assert after in _UNITS and after not in {"không", "mốt", "lăm"}
    assert "lẻ" not in lowered
