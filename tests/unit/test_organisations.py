"""Organisation rules: tax code shape and organisation types."""

import pytest

from grants.domain.errors import InvalidInput
from grants.domain.organisations import OrgType, validate_tax_code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2400123456", "2400123456"),
        ("  2400123456 ", "2400123456"),
        ("2400123456-001", "2400123456-001"),
        ("2400123456 - 001", "2400123456-001"),
        ("2400123456–001", "2400123456-001"),  # en dash from a word processor
        ("2400123456001", "2400123456-001"),  # a branch code typed without the dash
        ("0100109106", "0100109106"),  # leading zero kept: it is a code, not a number
        ("24 0012 3456", "2400123456"),
    ],
)
def test_valid_tax_codes_are_normalised(raw, expected):
    assert validate_tax_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Vui lòng nhập mã số thuế"),
        ("   ", "Vui lòng nhập mã số thuế"),
        (None, "Vui lòng nhập mã số thuế"),
        (2400123456, "Vui lòng nhập mã số thuế"),
        ("240012345", "10 chữ số"),
        ("24001234567", "10 chữ số"),
        ("2400123456-01", "10 chữ số"),
        ("2400123456-0001", "10 chữ số"),
        ("2400123456-", "10 chữ số"),
        ("2400123456/001", "10 chữ số"),
        ("24001234AB", "10 chữ số"),
        ("MST2400123456", "10 chữ số"),
        ("２４００１２３４５６", "10 chữ số"),  # full-width digits
        ("2400123456-000", "bắt đầu từ 001"),
    ],
)
def test_invalid_tax_codes_are_refused_on_the_tax_code_field(raw, message):
    with pytest.raises(InvalidInput) as caught:
        validate_tax_code(raw)
    assert message in caught.value.message
    assert caught.value.field == "tax_code"


def test_org_types_have_vietnamese_labels():
    assert [(t.value, t.label, t.abbreviation) for t in OrgType] == [
        ("enterprise", "Doanh nghiệp", "DN"),
        ("cooperative", "Hợp tác xã", "HTX"),
        ("union", "Liên hiệp hợp tác xã", "LHHTX"),
    ]
    assert OrgType("cooperative") is OrgType.COOPERATIVE
    assert OrgType.choices()[0] == ("enterprise", "Doanh nghiệp")
