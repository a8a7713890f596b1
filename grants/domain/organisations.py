"""Applicant organisations: their types and the shape of a Vietnamese tax code (mã số thuế)."""

import re

from grants.domain.enums import LabelledEnum
from grants.domain.errors import InvalidInput


class OrgType(LabelledEnum):
    ENTERPRISE = "enterprise", "Doanh nghiệp"
    COOPERATIVE = "cooperative", "Hợp tác xã"
    UNION = "union", "Liên hiệp hợp tác xã"

    @property
    def abbreviation(self) -> str:
        """The short form used in reports and tables: DN, HTX, LHHTX."""
        return ORG_TYPE_ABBREVIATIONS[self]

ORG_TYPE_ABBREVIATIONS = {
    OrgType.ENTERPRISE: "DN",
    OrgType.COOPERATIVE: "HTX",
    OrgType.UNION: "LHHTX",
}

_TAX_CODE = re.compile(r"([0-9]{10})(?:-([0-9]{3}))?")
_BRANCH_NO_DASH = re.compile(r"[0-9]{13}")
# Dashes that word processors and phones substitute for "-".
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_SPACES = re.compile(r"[\s\u00a0\u202f]+")

_MSG_FORMAT = (
    "Mã số thuế không hợp lệ: gồm 10 chữ số (ví dụ 2400123456), hoặc 10 chữ số, dấu gạch ngang "
    "và 3 chữ số đối với đơn vị phụ thuộc (ví dụ 2400123456-001)."
)


def validate_tax_code(s: str) -> str:
    """Return the tax code normalised to "NNNNNNNNNN" or "NNNNNNNNNN-NNN" (branch/dependent unit).

    Surrounding and inner spaces and typographic dashes are tolerated; 13 digits without a dash
    are read as a branch code. Raises InvalidInput (field "tax_code") for anything else, including
    the branch suffix "000".
    """
    if not isinstance(s, str) or not s.strip():
        raise InvalidInput("Vui lòng nhập mã số thuế.", "tax_code")
    text = _SPACES.sub("", s.translate(_DASHES))
    if _BRANCH_NO_DASH.fullmatch(text):
        text = f"{text[:10]}-{text[10:]}"
    match = _TAX_CODE.fullmatch(text)
    if match is None:
        raise InvalidInput(_MSG_FORMAT, "tax_code")
    if match.group(2) == "000":
        raise InvalidInput(
            "Mã số thuế không hợp lệ: số thứ tự đơn vị phụ thuộc bắt đầu từ 001.", "tax_code"
        )
    return text
