"""Vietnamese amounts in words, as an accountant writes them on a decision or a voucher."""

from __future__ import annotations

__all__ = ["amount_in_words", "number_in_words"]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_BILLION = 10**9

# Why not num2words(lang="vi"): it reads 1_005_000 as "một triệu năm nghìn", 1_010 as
# "một nghìn lẻ mười" and 20_000_050 as "hai mươi triệu lẻ năm mươi". Vietnamese accounting
# practice (invoices, payment vouchers) reads every group after the first in full, with
# "không trăm" and "linh": "một triệu không trăm linh năm nghìn". "linh" rather than the
# southern "lẻ", and "nghìn"/"tỷ", because the documents are issued in Bắc Ninh.


def _read_group(n: int, *, full: bool) -> list[str]:
    """Words for 0 < n < 1000; ``full`` reads a zero hundreds digit ("không trăm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
    else:
        words += ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
        if units == 1 and tens > 1:  # "hai mươi mốt", but "mười một"
            words.append("mốt")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(_DIGITS[units])
    return words


def _read_below_billion(n: int, *, leading: bool) -> list[str]:
    words: list[str] = []
    for value, unit in ((n // 10**6, "triệu"), (n // 1000 % 1000, "nghìn"), (n % 1000, "")):
        if value == 0:
            continue  # an all-zero group is not read ("một triệu một trăm")
        words += _read_group(value, full=not leading or bool(words))
        if unit:
            words.append(unit)
    return words


def _read(n: int, *, leading: bool = True) -> list[str]:
    if n >= _BILLION:
        high, low = divmod(n, _BILLION)
        words = [*_read(high, leading=leading), "tỷ"]
        if low:
            words += _read_below_billion(low, leading=False)
        return words
    return _read_below_billion(n, leading=leading)


def number_in_words(n: int) -> str:
    """Read a non-negative integer in lower-case Vietnamese words ("một trăm linh năm").

    Raises TypeError if ``n`` is not an int, ValueError if it is negative.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("Số tiền phải là số nguyên.")
    if n < 0:
        raise ValueError("Số tiền không được âm.")
    if n == 0:
        return _DIGITS[0]
    return " ".join(_read(n))


def amount_in_words(vnd: int) -> str:
    """Amount of đồng in words, capitalised: 50_000_000 -> "Năm mươi triệu đồng".

    Raises TypeError if ``vnd`` is not an int, ValueError if it is negative.
    """
    words = number_in_words(vnd)
    return f"{words[0].upper()}{words[1:]} đồng"
