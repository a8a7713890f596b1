"""One-stop-desk slips: receipt and appointment, supplement request, refusal at intake."""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.platypus import Flowable, Paragraph

from .base import (
    CONTENT_WIDTH,
    Column,
    data_table,
    has_text,
    header_block,
    lines_of,
    markup,
    numbered_block,
    recipients_cell,
    render,
    require,
    require_type,
    signature_table,
    signer_cell,
    styles,
    text_block,
    title_block,
)
from .data import DocumentHeader, IntakeRefusal, Issuer, ReceiptSlip, SupplementRequest
from .texts import DOCUMENT_TITLES, render_texts, template_context

__all__ = ["build_intake_refusal", "build_receipt", "build_supplement_request"]

SIGN_HINT = "(Ký và ghi rõ họ tên)"


def _check_common(data, kind: str) -> None:
    require(has_text(data.organisation.name), f"{DOCUMENT_TITLES[kind]}: thiếu tên tổ chức.")
    require(has_text(data.dossier_code), f"{DOCUMENT_TITLES[kind]}: thiếu mã hồ sơ.")


def _texts(
    kind: str, data, header: DocumentHeader, issuer: Issuer, texts: Mapping[str, str] | None
) -> dict[str, str]:
    return render_texts(kind, texts, template_context(kind, data, header=header, issuer=issuer))


def _head(
    kind: str, data, header: DocumentHeader, issuer: Issuer, t: dict[str, str]
) -> list[Flowable]:
    return [
        header_block(header, issuer),
        *title_block(t["title"], after=[f"Mã hồ sơ: {data.dossier_code}"]),
        *text_block(t["body"], styles().form),
    ]


def _officer(issuer: Issuer) -> list[Flowable]:
    return signer_cell(issuer.signer_title_lines, issuer.signer_name, hint=SIGN_HINT)


def _finish(
    kind: str, data, header: DocumentHeader, issuer: Issuer, story: list[Flowable]
) -> bytes:
    title = f"{DOCUMENT_TITLES[kind]} - {data.dossier_code}"
    return render(story, header=header, issuer=issuer, title=title, subject=data.organisation.name)


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
    kind = "receipt"
    require_type(data, ReceiptSlip, DOCUMENT_TITLES[kind])
    _check_common(data, kind)
    require(has_text(data.submitter), "Giấy tiếp nhận hồ sơ: thiếu tên người nộp hồ sơ.")
    require(data.documents, "Giấy tiếp nhận hồ sơ: chưa liệt kê thành phần hồ sơ.")
    t = _texts(kind, data, header, issuer, texts)
    table = data_table(
        [
            Column("STT", 0.09, "center"),
            Column("Tên giấy tờ", 0.51),
            Column("Hình thức", 0.28, "center"),
            Column("Số lượng", 0.12, "center"),
        ],
        [
            (str(i), d.name, d.copy_kind, str(d.quantity))
            for i, d in enumerate(data.documents, start=1)
        ],
    )
    closing = text_block(t["next_steps"], styles().form)
    story = [
        *_head(kind, data, header, issuer, t),
        table,
        *signature_table(
            signer_cell(("NGƯỜI NỘP HỒ SƠ",), data.submitter, hint=SIGN_HINT),
            _officer(issuer),
            left_width=CONTENT_WIDTH / 2,
            keep_with=closing,
        ),
        *recipients_cell(t["recipients"]),
    ]
    return _finish(kind, data, header, issuer, story)


def build_supplement_request(
    data: SupplementRequest,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the supplement request (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ), items numbered.

    Raises ValueError (Vietnamese) when no item to supplement is given.
    """
    kind = "supplement_request"
    require_type(data, SupplementRequest, DOCUMENT_TITLES[kind])
    _check_common(data, kind)
    items = [item for item in data.items if has_text(item.name)]
    require(items, "Phiếu yêu cầu bổ sung: phải nêu ít nhất một nội dung cần bổ sung.")
    t = _texts(kind, data, header, issuer, texts)
    closing = text_block(t["next_steps"], styles().form)
    story = [
        *_head(kind, data, header, issuer, t),
        *numbered_block([i.name for i in items], notes=[i.note for i in items]),
        *signature_table(recipients_cell(t["recipients"]), _officer(issuer), keep_with=closing),
    ]
    return _finish(kind, data, header, issuer, story)


def build_intake_refusal(
    data: IntakeRefusal,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the refusal at intake (phiếu từ chối tiếp nhận giải quyết hồ sơ) with its reason.

    Raises ValueError (Vietnamese) when the reason is empty.
    """
    kind = "intake_refusal"
    require_type(data, IntakeRefusal, DOCUMENT_TITLES[kind])
    _check_common(data, kind)
    require(has_text(data.reason), "Phiếu từ chối tiếp nhận: phải nêu rõ lý do từ chối.")
    t = _texts(kind, data, header, issuer, texts)
    reason = [Paragraph(markup(line), styles().form) for line in lines_of(data.reason)]
    closing = text_block(t["next_steps"], styles().form)
    story = [
        *_head(kind, data, header, issuer, t),
        *reason,
        *signature_table(recipients_cell(t["recipients"]), _officer(issuer), keep_with=closing),
    ]
    return _finish(kind, data, header, issuer, story)
