"""An organisation's bank account (where the support is paid) and its shape.

Vietnamese bank account numbers are digits only, 6 to 19 of them (the longest, some virtual
accounts, have 19); people type them grouped ("1903 4567 8901"), so spaces between the groups
are dropped, anything else is refused.
"""

import re
from dataclasses import dataclass

from grants.domain.errors import InvalidInput

ACCOUNT_MIN_DIGITS = 6
ACCOUNT_MAX_DIGITS = 19
BANK_NAME_MIN, BANK_NAME_MAX = 2, 200
BRANCH_MAX = 200

_GROUPING = re.compile(r"[\s\u00a0\u202f]+")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class BankAccount:
    """A checked account: number (digits), bank, branch (may be empty)."""

    number: str
    bank: str
    branch: str | None = None


def _text(value, field: str, limit: int) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidInput("Giá trị không hợp lệ.", field=field)
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise InvalidInput(f"Tối đa {limit} ký tự.", field=field)
    return text


def check_bank_account(number, bank, branch=None) -> BankAccount:
    """The account as typed, checked: InvalidInput naming ``bank_account_no`` for a missing
    number, one with anything but digits (and spaces between groups) or one outside 6–19
    digits; ``bank_name`` for a missing or too short/long bank; ``bank_branch`` for a branch
    longer than 200 characters."""
    if number is not None and not isinstance(number, str):
        raise InvalidInput("Số tài khoản chỉ gồm chữ số.", field="bank_account_no")
    digits = _GROUPING.sub("", number or "")
    if not digits:
        raise InvalidInput("Vui lòng nhập số tài khoản.", field="bank_account_no")
    if not _DIGITS.fullmatch(digits) or not digits.isascii():
        raise InvalidInput("Số tài khoản chỉ gồm chữ số (không có chữ cái, dấu chấm hay gạch "
                           "ngang).", field="bank_account_no")
    if not ACCOUNT_MIN_DIGITS <= len(digits) <= ACCOUNT_MAX_DIGITS:
        raise InvalidInput(f"Số tài khoản có từ {ACCOUNT_MIN_DIGITS} đến "
                           f"{ACCOUNT_MAX_DIGITS} chữ số (đã nhập {len(digits)}).",
                           field="bank_account_no")
    bank = _text(bank, "bank_name", BANK_NAME_MAX)
    if len(bank) < BANK_NAME_MIN:
        raise InvalidInput("Vui lòng nhập tên ngân hàng (ví dụ: Ngân hàng TMCP Công thương "
                           "Việt Nam - VietinBank).", field="bank_name")
    branch = _text(branch, "bank_branch", BRANCH_MAX) or None
    return BankAccount(number=digits, bank=bank, branch=branch)


def group_account(number: str | None) -> str:
    """Digits in groups of four for reading aloud and printing ("1903 4567 8901 23")."""
    digits = number or ""
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))
