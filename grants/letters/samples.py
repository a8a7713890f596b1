"""Demo data for every document: template checks, admin previews and tests (not real cases)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .data import (
    AppraisalItem,
    AppraisalMinutes,
    DecisionItem,
    DocumentHeader,
    IntakeRefusal,
    Issuer,
    MissingItem,
    Organisation,
    Person,
    ReceiptSlip,
    RejectionLetter,
    SubmittedDocument,
    SupplementRequest,
    SupportDecision,
)

__all__ = ["sample_context", "sample_data", "sample_header", "sample_issuer"]

SAMPLE_ORGANISATION = Organisation(
    name="Công ty TNHH Thực phẩm Sạch Bắc Ninh",
    address="Số 12 đường Lý Thái Tổ, phường Kinh Bắc, tỉnh Bắc Ninh",
    tax_code="2300123456",
    phone="0222 3812 345",
    email="lienhe@thucphamsach.vn",
    representative="Nguyễn Thị Hương",
)

_DEPARTMENT = ("UBND TỈNH BẮC NINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
_ONE_STOP = ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ")
_SUBDEPARTMENT = ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG")

_ISSUERS = {
    "receipt": Issuer(
        body_lines=_ONE_STOP,
        signer_title_lines=("NGƯỜI TIẾP NHẬN HỒ SƠ",),
        signer_name="Trần Văn Minh",
    ),
    "supplement_request": Issuer(
        body_lines=_ONE_STOP, signer_title_lines=("NGƯỜI HƯỚNG DẪN",), signer_name="Trần Văn Minh"
    ),
    "intake_refusal": Issuer(
        body_lines=_ONE_STOP,
        signer_title_lines=("NGƯỜI TIẾP NHẬN HỒ SƠ",),
        signer_name="Trần Văn Minh",
    ),
    "appraisal_minutes": Issuer(
        body_lines=_SUBDEPARTMENT,
        signer_title_lines=("TRƯỞNG ĐOÀN THẨM ĐỊNH",),
        signer_name="Lê Quang Huy",
    ),
    "support_decision": Issuer(body_lines=_DEPARTMENT, signer_name="Phạm Đức Thắng"),
    "rejection_letter": Issuer(body_lines=_DEPARTMENT, signer_name="Phạm Đức Thắng"),
}
_HEADERS = {
    "receipt": DocumentHeader(issued_on=date(2026, 3, 5)),
    "supplement_request": DocumentHeader(issued_on=date(2026, 3, 5)),
    "intake_refusal": DocumentHeader(issued_on=date(2026, 3, 5)),
    "appraisal_minutes": DocumentHeader(issued_on=date(2026, 3, 20)),
    "support_decision": DocumentHeader(number=12, symbol="QĐ-SKHCN", issued_on=date(2026, 4, 2)),
    "rejection_letter": DocumentHeader(number=15, symbol="SKHCN-TĐC", issued_on=date(2026, 4, 2)),
}


def sample_issuer(kind: str) -> Issuer:
    return _ISSUERS[kind]


def sample_header(kind: str) -> DocumentHeader:
    return _HEADERS[kind]


def sample_data(kind: str) -> Any:
    """A plausible, clearly fictitious record of ``kind``. Raises KeyError for unknown kinds."""
    org = SAMPLE_ORGANISATION
    code = "NQ43-2026-0007"
    if kind == "receipt":
        return ReceiptSlip(
            dossier_code=code,
            organisation=org,
            submitter="Nguyễn Thị Hương",
            submitter_phone="0912 345 678",
            received_at=datetime(2026, 3, 5, 9, 30),
            documents=(
                SubmittedDocument(name="Văn bản đề nghị hỗ trợ (Mẫu số 01)", copy_kind="Bản chính"),
                SubmittedDocument(
                    name="Giấy chứng nhận đăng ký doanh nghiệp",
                    copy_kind="Bản sao (đã đối chiếu bản chính)",
                ),
                SubmittedDocument(
                    name="Giấy chứng nhận ISO 22000:2018", copy_kind="Bản sao có chứng thực"
                ),
                SubmittedDocument(
                    name="Hợp đồng, hóa đơn, chứng từ chi phí tư vấn",
                    copy_kind="Bản sao",
                    quantity=3,
                ),
            ),
            due_on=date(2026, 4, 2),
            return_channel="Trực tiếp tại Bộ phận Tiếp nhận và trả kết quả",
            processing_days=20,
        )
    if kind == "supplement_request":
        return SupplementRequest(
            dossier_code=code,
            organisation=org,
            items=(
                MissingItem(
                    name="Hóa đơn giá trị gia tăng của hợp đồng tư vấn",
                    note="Bản đã nộp không đọc được số hóa đơn.",
                ),
                MissingItem(
                    name="Giấy chứng nhận ISO 22000:2018",
                    note="Cần xuất trình bản chính để đối chiếu.",
                ),
            ),
            deadline_on=date(2026, 3, 20),
            contact="Chi cục Tiêu chuẩn Đo lường Chất lượng, điện thoại 0222 3822 123",
        )
    if kind == "intake_refusal":
        return IntakeRefusal(
            dossier_code=code,
            organisation=org,
            reason="Tổ chức không thuộc đối tượng áp dụng của Nghị quyết số 43/2022/NQ-HĐND.",
            received_at=datetime(2026, 3, 5, 9, 30),
        )
    if kind == "appraisal_minutes":
        return AppraisalMinutes(
            dossier_code=code,
            organisation=org,
            visited_at=datetime(2026, 3, 20, 9, 0),
            ended_at=datetime(2026, 3, 20, 11, 15),
            place="trụ sở Công ty TNHH Thực phẩm Sạch Bắc Ninh",
            team=(
                Person(name="Lê Quang Huy", title="Phó Chi cục trưởng, Trưởng đoàn"),
                Person(name="Đỗ Thị Lan", title="Chuyên viên"),
            ),
            representatives=(Person(name="Nguyễn Thị Hương", title="Giám đốc"),),
            findings=(
                "Tổ chức đã áp dụng và được chứng nhận phù hợp ISO 22000:2018.\n"
                "Hồ sơ chi phí tư vấn đầy đủ, khớp với hợp đồng và hóa đơn."
            ),
            items=(
                AppraisalItem(
                    catalogue_name="ISO 22000:2018",
                    consulting_cost_vnd=120_000_000,
                    eligible_cost_vnd=100_000_000,
                    proposed_vnd=50_000_000,
                ),
                AppraisalItem(
                    catalogue_name="Công cụ 5S",
                    consulting_cost_vnd=60_000_000,
                    eligible_cost_vnd=50_000_000,
                    proposed_vnd=25_000_000,
                ),
            ),
            conclusion="Hồ sơ đủ điều kiện, đề nghị hỗ trợ 75.000.000 đồng.",
        )
    if kind == "support_decision":
        return SupportDecision(
            organisation=org,
            dossier_code=code,
            items=(
                DecisionItem(
                    catalogue_code="ISO22000",
                    name="Áp dụng hệ thống quản lý an toàn thực phẩm ISO 22000:2018",
                    approved_vnd=50_000_000,
                ),
                DecisionItem(
                    catalogue_code="5S", name="Áp dụng công cụ 5S", approved_vnd=25_000_000
                ),
            ),
            total_vnd=75_000_000,
            program_year=2026,
        )
    if kind == "rejection_letter":
        return RejectionLetter(
            organisation=org,
            dossier_code=code,
            reasons=(
                "Giấy chứng nhận ISO 9001:2015 được cấp trước thời điểm Nghị quyết số "
                "43/2022/NQ-HĐND có hiệu lực.",
                "Tổ chức đã được hỗ trợ cho cùng tiêu chuẩn ISO 9001 năm 2024.",
            ),
            next_steps="Tổ chức có thể đề nghị hỗ trợ cho tiêu chuẩn, công cụ khác trong danh "
            "mục năm 2026.",
            program_year=2026,
            received_on=date(2026, 3, 5),
        )
    raise KeyError(kind)


def sample_context(kind: str) -> dict[str, Any]:
    """Template variables of ``kind`` filled from :func:`sample_data`."""
    from .texts import template_context

    return template_context(
        kind, sample_data(kind), header=sample_header(kind), issuer=sample_issuer(kind)
    )
