"""Receipt and appointment slip (giấy tiếp nhận hồ sơ và hẹn trả kết quả), issued when the
one-stop desk receives a complete dossier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from grants.domain.enums import Channel, CopyKind, DocumentKind
from grants.domain.local_time import to_local
from grants.domain.workflow_states import DECIDED, IN_PROCESS

from .. import base
from ..data import DEFAULT_PROCEDURE, DocumentHeader, DossierRecord, Issuer
from ..samples import DESK_OFFICER, SAMPLE_PARTIES
from ..spec import DocumentSpec, DossierRecords, Sample, desk_signer, parties_of
from ..templating import ORG_LINES, render_texts

TITLE = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"


@dataclass(frozen=True, kw_only=True)
class SubmittedDocument:
    """One line of the dossier checklist; ``copy_kind`` e.g. "Bản chính", "Bản sao"."""

    name: str
    copy_kind: str = ""
    quantity: int = 1


@dataclass(frozen=True, kw_only=True)
class ReceiptSlip(DossierRecord):
    submitter: str
    received_at: datetime  # wall-clock Vietnam time (an aware value is converted)
    documents: tuple[SubmittedDocument, ...]
    due_on: date
    return_channel: str  # "Trực tiếp tại Bộ phận một cửa", "Qua dịch vụ bưu chính", ...
    procedure_name: str = DEFAULT_PROCEDURE
    processing_days: int | None = None
    submitter_phone: str = ""
    dossier_sets: int = 1


TEXTS = {
    "title": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "body": (
        "Bộ phận Tiếp nhận và trả kết quả Sở Khoa học và Công nghệ tiếp nhận hồ sơ của: "
        "{{ org.name }}\n" + ORG_LINES + "Người nộp hồ sơ: {{ submitter }}"
        "{% if submitter_phone %}; số điện thoại: {{ submitter_phone }}{% endif %}\n"
        "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
        "1. Thành phần hồ sơ nộp gồm:\n"
    ),
    "next_steps": (
        "2. Số lượng hồ sơ: {{ '%02d' | format(dossier_sets) }} bộ.\n"
        "3. Thời gian giải quyết hồ sơ theo quy định: {% if processing_days %}"
        "{{ processing_days }} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"
        "{% else %}theo quy định của thủ tục hành chính{% endif %}.\n"
        "4. Thời gian nhận hồ sơ: {{ received_at | datetime }}.\n"
        "5. Thời gian trả kết quả giải quyết hồ sơ: ngày {{ due_on | date }}.\n"
        "6. Đăng ký nhận kết quả tại: {{ return_channel }}.\n"
        "Khi nhận kết quả trực tiếp, người nhận xuất trình Giấy tiếp nhận hồ sơ và hẹn trả "
        "kết quả này hoặc giấy giới thiệu của tổ chức. Tình trạng hồ sơ được tra cứu bằng "
        "mã hồ sơ {{ dossier_code }}.\n"
    ),
    "recipients": "",
}
VARIABLES = {
    "submitter": "Người nộp hồ sơ",
    "submitter_phone": "Số điện thoại người nộp",
    "received_at": "Thời điểm nhận hồ sơ (dùng: {{ received_at | datetime }})",
    "due_on": "Ngày hẹn trả kết quả (dùng: {{ due_on | date }})",
    "return_channel": "Hình thức nhận kết quả",
    "procedure_name": "Tên thủ tục",
    "processing_days": "Số ngày làm việc giải quyết theo quy định",
    "dossier_sets": "Số bộ hồ sơ",
    "documents": "Danh sách giấy tờ (mỗi mục: name, copy_kind, quantity)",
}


def build_receipt(
    data: ReceiptSlip,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the receipt and appointment slip (giấy tiếp nhận hồ sơ và hẹn trả kết quả).

    Raises ValueError (Vietnamese) without organisation, dossier code, submitter or documents.
    """
    base.check_parties(data, ReceiptSlip, TITLE)
    base.require(base.has_text(data.submitter), "Giấy tiếp nhận hồ sơ: thiếu tên người nộp hồ sơ.")
    base.require(data.documents, "Giấy tiếp nhận hồ sơ: chưa liệt kê thành phần hồ sơ.")
    t = render_texts(SPEC, texts, data, header=header, issuer=issuer)
    table = base.data_table(
        [
            base.Column("STT", 0.07, "center"),
            base.Column("Tên giấy tờ", 0.44),
            base.Column("Hình thức", 0.37, "center"),  # "Bản sao (đã đối chiếu bản chính)"
            base.Column("Số lượng", 0.12, "center"),
        ],
        [
            (str(i), d.name, d.copy_kind, str(d.quantity))
            for i, d in enumerate(data.documents, start=1)
        ],
    )
    submitter = base.signer_cell(
        ("NGƯỜI NỘP HỒ SƠ",), data.submitter, hint=base.SIGN_HINT, gap=base.SLIP_SIGN_GAP
    )
    story = [
        *base.slip_head(header, issuer, t, data.dossier_code),
        table,
        *base.signed_close(
            t["next_steps"],
            issuer,
            left=submitter,
            hint=base.SIGN_HINT,
            left_width=base.CONTENT_WIDTH / 2,
            style=base.styles().form,
            gap=base.SLIP_SIGN_GAP,
        ),
        *base.recipients_cell(t["recipients"]),
    ]
    return base.render_record(base.one_page(story), data, header=header, issuer=issuer,
                              title=TITLE)


def gather(dossier: Any, records: DossierRecords) -> ReceiptSlip:
    """The papers ticked present at the desk (else the uploaded files) and the due date."""
    parties = parties_of(dossier)
    org = parties["organisation"]
    due = to_local(dossier.due_at).date() if dossier.due_at else records.today()
    docs = [
        SubmittedDocument(
            name=r.checklist_item.label,
            copy_kind=CopyKind(r.copy_kind).label if r.copy_kind else "",
        )
        for r in sorted(dossier.checklist_results, key=lambda r: r.checklist_item.position)
        if r.is_present
    ]
    if not docs:
        docs = [
            SubmittedDocument(
                name=a.checklist_item.label if a.checklist_item else a.original_name,
                copy_kind=CopyKind.DIGITAL.label,
            )
            for a in dossier.attachments
            if not a.is_removed
        ]
    return ReceiptSlip(
        **parties,
        submitter=dossier.submitter_name or org.representative or org.name,
        submitter_phone=dossier.submitter_phone or org.phone,
        received_at=to_local(dossier.received_at),
        documents=docs,
        due_on=due,
        return_channel=Channel(dossier.return_channel).label,
        processing_days=dossier.program_year.statutory_days,
    )


def sample() -> Sample:
    return Sample(
        ReceiptSlip(
            **SAMPLE_PARTIES,
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
        ),
        DocumentHeader(issued_on=date(2026, 3, 5)),
        DESK_OFFICER,
    )


SPEC = DocumentSpec(
    kind=DocumentKind.RECEIPT, title=TITLE, data=ReceiptSlip, build=build_receipt,
    texts=TEXTS, variables=VARIABLES, sample=sample,
    gather=gather, signer=desk_signer, available_in=IN_PROCESS | DECIDED,
)
