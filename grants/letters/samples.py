"""Demo data for every document: template checks, admin previews and tests (not real cases).

Each kind's sample record is written in its module (``sample()``); the parties they share are
here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .data import DocumentHeader, Issuer, Organisation

__all__ = ["sample_context", "sample_data", "sample_header", "sample_issuer"]

SAMPLE_ORGANISATION = Organisation(
    name="Công ty TNHH Thực phẩm Sạch Bắc Ninh",
    address="Số 12 đường Lý Thái Tổ, phường Kinh Bắc, tỉnh Bắc Ninh",
    tax_code="2300123456",
    phone="0222 3812 345",
    email="lienhe@thucphamsach.vn",
    representative="Nguyễn Thị Hương",
)
SAMPLE_CODE = "NQ43-2026-0007"
SAMPLE_PARTIES = {"organisation": SAMPLE_ORGANISATION, "dossier_code": SAMPLE_CODE}
# A year's "Căn cứ" settings (demo values, like grants/demo's).
SAMPLE_FUNCTIONS_DECISION = (
    "Quyết định số 25/2025/QĐ-UBND ngày 01/7/2025 của Ủy ban nhân dân tỉnh Bắc Ninh quy định "
    "chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Khoa học và Công nghệ tỉnh Bắc Ninh"
)
SAMPLE_PLAN_NUMBER = "05/KH-SKHCN"
SAMPLE_PLAN_DATE = date(2026, 2, 10)

DEPARTMENT = ("UBND TỈNH BẮC NINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
ONE_STOP = ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
SUBDEPARTMENT = ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG")

DESK_OFFICER = Issuer(
    body_lines=ONE_STOP, signer_title_lines=("NGƯỜI TIẾP NHẬN HỒ SƠ",), signer_name="Trần Văn Minh"
)
DIRECTOR = Issuer(body_lines=DEPARTMENT, signer_name="Phạm Đức Thắng")


def sample_issuer(kind: str) -> Issuer:
    from .registry import spec_of

    return spec_of(kind).sample().issuer


def sample_header(kind: str) -> DocumentHeader:
    from .registry import spec_of

    return spec_of(kind).sample().header


def sample_data(kind: str) -> Any:
    """A plausible, clearly fictitious record of ``kind``. Raises KeyError for unknown kinds."""
    from .registry import spec_of

    return spec_of(kind).sample().data


def sample_context(kind: str) -> dict[str, Any]:
    """Template variables of ``kind`` filled from :func:`sample_data`."""
    from .registry import spec_of
    from .templating import template_context

    spec = spec_of(kind)
    data, header, issuer = spec.sample()
    return template_context(spec, data, header=header, issuer=issuer)
