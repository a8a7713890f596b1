"""Vietnamese đồng as whole integers: parsing, formatting, support amounts, instalments."""

import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from grants.domain.errors import InvalidInput

#: Largest amount accepted anywhere (10^15 đồng): far above any budget, small enough to catch typos.
MAX_VND = 10**15

# Suffixes people type after an amount; compared after casefold().
_CURRENCY_SUFFIXES = ("vnđ", "vnd", "đồng", "đ", "₫")
# Space-like characters that Excel and browsers put between thousands groups.
_SPACES = "\u0020\u00a0\u202f\u2009"
_PLAIN = re.compile(r"[0-9]+")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.\u0020\u00a0\u202f\u2009])[0-9]{3})(?:\1[0-9]{3})*")
_COMMA_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_DECIMAL_TAIL = re.compile(r"[0-9]+(?:[.][0-9]{3})*[.,][0-9]{1,2}|[0-9]+(?:[.][0-9]{3})*,[0-9]+")

_MSG_EMPTY = "Vui lòng nhập số tiền."
_MSG_TYPE = "Số tiền phải là một số nguyên đồng."
_MSG_NEGATIVE = "Số tiền không được âm."
_MSG_DECIMAL = "Số tiền phải là số nguyên đồng, không có phần thập phân."
_MSG_COMMA = "Dùng dấu chấm, không dùng dấu phẩy, để phân cách hàng nghìn (ví dụ 50.000.000)."
_MSG_FORMAT = (
    "Số tiền không hợp lệ: chỉ gồm chữ số, phân cách hàng nghìn bằng dấu chấm hoặc dấu cách, "
    "mỗi nhóm đúng 3 chữ số (ví dụ 50.000.000)."
)


def _too_large_message() -> str:
    return f"Số tiền quá lớn (tối đa {format_vnd(MAX_VND)})."


def parse_vnd(text: str | int, *, field: str | None = None) -> int:
    """Read an amount typed by a person ("50.000.000", "50 000 000 đ", "50000000 VND") or an int.

    Thousands groups must be exactly three digits and use one separator (dot or space).
    Raises InvalidInput (Vietnamese message, ``field`` attached) for empty text, negatives,
    decimals, commas, ambiguous grouping ("50.00.000", "5.0000"), letters, bools, floats and
    amounts above ``MAX_VND``.
    """
    if isinstance(text, bool) or not isinstance(text, int | str):
        raise InvalidInput(_MSG_TYPE, field)
    if isinstance(text, int):
        amount = text
    else:
        amount = _parse_text(text, field)
    if amount < 0:
        raise InvalidInput(_MSG_NEGATIVE, field)
    if amount > MAX_VND:
        raise InvalidInput(_too_large_message(), field)
    return amount


def _parse_text(text: str, field: str | None) -> int:
    body = text.strip(_SPACES + "\t\n\r")
    if not body:
        raise InvalidInput(_MSG_EMPTY, field)
    lowered = body.casefold()
    for suffix in _CURRENCY_SUFFIXES:
        if lowered.endswith(suffix):
            body = body[: -len(suffix)].rstrip(_SPACES)
            break
    if body.startswith("-") and body[1:2].isdigit():
        raise InvalidInput(_MSG_NEGATIVE, field)
    if not body:
        raise InvalidInput(_MSG_FORMAT, field)
    # Long strings are refused before int() so a pasted novel costs nothing.
    if len(body) > 40:
        raise InvalidInput(_too_large_message() if body.isdigit() else _MSG_FORMAT, field)
    if _PLAIN.fullmatch(body):
        digits = body
    elif _GROUPED.fullmatch(body):
        digits = re.sub(r"[^0-9]", "", body)
    elif _COMMA_GROUPED.fullmatch(body):
        raise InvalidInput(_MSG_COMMA, field)
    elif _DECIMAL_TAIL.fullmatch(body):
        raise InvalidInput(_MSG_DECIMAL, field)
    else:
        raise InvalidInput(_MSG_FORMAT, field)
    if len(digits.lstrip("0")) > len(str(MAX_VND)):
        raise InvalidInput(_too_large_message(), field)
    return int(digits)


def group_thousands(n: int) -> str:
    """Digits grouped the Vietnamese way, without a currency sign: 50000000 -> "50.000.000"."""
    _require_int(n, "n")
    return f"{n:,}".replace(",", ".")


def format_vnd(n: int) -> str:
    """Display an amount: 50000000 -> "50.000.000 đ", -1000 -> "-1.000 đ". Raises TypeError for
    anything but an int (floats and bools included)."""
    return f"{group_thousands(n)} đ"


def support_amount(
    *,
    eligible_cost_vnd: int,
    share_percent: int | Decimal | Fraction,
    cap_vnd: int | None,
    requested_vnd: int,
) -> int:
    """Support for one item: min(floor(share_percent % × eligible cost), cap, requested).

    Exact integer arithmetic; ``cap_vnd=None`` means no cap. Raises InvalidInput for a share
    outside 0–100 or given as a float/bool, and for negative or non-integer amounts.
    """
    share = _share_fraction(share_percent)
    _require_amount(eligible_cost_vnd, "eligible_cost_vnd")
    _require_amount(requested_vnd, "requested_vnd")
    if cap_vnd is not None:
        _require_amount(cap_vnd, "cap_vnd")
    by_share = (share.numerator * eligible_cost_vnd) // (share.denominator * 100)
    limits = [by_share, requested_vnd] + ([cap_vnd] if cap_vnd is not None else [])
    return min(limits)


def max_support(*, cost_vnd: int, share_percent: int | Decimal | Fraction,
                cap_vnd: int | None) -> int:
    """The most an item can get before appraisal: ``support_amount`` with the whole cost
    eligible and a request that does not bind (a share is at most 100 %, so asking for the
    whole cost never lowers the result). Shown to the applicant as they type, to the desk and to
    the appraiser; a request above it is warned about. Raises as ``support_amount`` does."""
    return support_amount(eligible_cost_vnd=cost_vnd, share_percent=share_percent,
                          cap_vnd=cap_vnd, requested_vnd=cost_vnd)


def _share_fraction(share_percent: int | Decimal | Fraction) -> Fraction:
    if isinstance(share_percent, bool) or not isinstance(share_percent, int | Decimal | Rational):
        raise InvalidInput(
            "Tỷ lệ hỗ trợ phải là số chính xác (không dùng số thực).", "share_percent"
        )
    if isinstance(share_percent, Decimal) and not share_percent.is_finite():
        raise InvalidInput("Tỷ lệ hỗ trợ không hợp lệ.", "share_percent")
    share = Fraction(share_percent)
    if not 0 <= share <= 100:
        raise InvalidInput("Tỷ lệ hỗ trợ phải trong khoảng 0–100 %.", "share_percent")
    return share


def split_instalments(total: int, parts: int | Sequence[int | Decimal | Fraction]) -> list[int]:
    """Split ``total`` đồng into instalments that add up exactly to ``total``.

    ``parts`` is either a count (equal shares, earlier instalments take the leftover đồng) or a
    list of non-negative weights, e.g. ``[70, 30]`` (largest-remainder rounding, ties to the
    earlier instalment). Raises InvalidInput for a negative total, no parts or all-zero weights.
    """
    _require_amount(total, "total_vnd")
    if isinstance(parts, bool):
        raise InvalidInput("Số đợt chi phải là số nguyên dương.", "parts")
    if isinstance(parts, int):
        if parts < 1:
            raise InvalidInput("Số đợt chi phải là số nguyên dương.", "parts")
        base, extra = divmod(total, parts)
        return [base + 1 if i < extra else base for i in range(parts)]
    weights = [_weight(w) for w in parts]
    weight_sum = sum(weights, Fraction(0))
    if not weights or weight_sum == 0:
        raise InvalidInput("Cần ít nhất một đợt chi có tỷ lệ lớn hơn 0.", "parts")
    exact = [total * w / weight_sum for w in weights]
    amounts = [int(x) for x in exact]  # floor: every exact share is non-negative
    leftover = total - sum(amounts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - amounts[i]), i))
    for i in by_remainder[:leftover]:
        amounts[i] += 1
    return amounts


def _weight(w: int | Decimal | Fraction) -> Fraction:
    if isinstance(w, bool) or not isinstance(w, int | Decimal | Rational):
        raise InvalidInput("Tỷ lệ các đợt chi phải là số chính xác (không dùng số thực).", "parts")
    if isinstance(w, Decimal) and not w.is_finite():
        raise InvalidInput("Tỷ lệ các đợt chi không hợp lệ.", "parts")
    fraction = Fraction(w)
    if fraction < 0:
        raise InvalidInput("Tỷ lệ các đợt chi không được âm.", "parts")
    return fraction


def _require_int(n: object, name: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int number of đồng, got {type(n).__name__}")


def _require_amount(n: object, field: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput(_MSG_TYPE, field)
    if n < 0:
        raise InvalidInput(_MSG_NEGATIVE, field)
