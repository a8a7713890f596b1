"""Support decision (quyết định hỗ trợ): legal bases, articles, amounts in figures and words."""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from .base import (
    Column,
    clean_text,
    data_table,
    has_text,
    header_block,
    markup,
    recipients_cell,
    render,
    require,
    require_amount,
    require_type,
    signature_table,
    signer_cell,
    styles,
    text_block,
    title_block,
    vnd,
    vnd_nbsp,
)
from .data import DocumentHeader, Issuer, SupportDecision
from .texts import DOCUMENT_TITLES, render_texts, template_context
from .words import amount_in_words

__all__ = ["build_support_decision", "check_support_decision"]


def check_support_decision(data: SupportDecision) -> None:
    """Raise ValueError (Vietnamese) unless the decision has items, positive whole amounts and a
    total equal to their sum."""
    require_type(data, SupportDecision, DOCUMENT_TITLES["support_decision"])
    require(has_text(data.organisation.name), "Quyết định hỗ trợ: thiếu tên tổ chức.")
    require(data.items, "Quyết định hỗ trợ phải có ít nhất một nội dung được hỗ trợ.")
    for item in data.items:
        require(has_text(item.name), "Quyết định hỗ trợ: có nội dung hỗ trợ chưa có tên.")
        require_amount(
            item.approved_vnd, f"Số tiền hỗ trợ cho «{clean_text(item.name)}»", positive=True
        )
    require_amount(data.total_vnd, "Tổng số tiền hỗ trợ", positive=True)
    items_sum = sum(item.approved_vnd for item in data.items)
    require(
        data.total_vnd == items_sum,
        f"Tổng số tiền hỗ trợ ({vnd(data.total_vnd)}) không bằng tổng các khoản hỗ trợ "
        f"({vnd(items_sum)}).",
    )
    require(
        isinstance(data.program_year, int) and not isinstance(data.program_year, bool),
        "Quyết định hỗ trợ: năm kế hoạch không hợp lệ.",
    )


def _bases(data: SupportDecision) -> list[Flowable]:
    st = styles()
    lines = [clean_text(b).strip().rstrip(";.,").strip() for b in data.bases]
    lines = [b if b.lower().startswith("căn cứ") else f"Căn cứ {b}" for b in lines if b]
    if has_text(data.proposal_by):
        lines.append(f"Theo đề nghị của {clean_text(data.proposal_by).strip().rstrip('.;')}")
    return [
        Paragraph(markup(line + ("." if i == len(lines) - 1 else ";")), st.basis)
        for i, line in enumerate(lines)
    ]


def build_support_decision(
    data: SupportDecision,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the support decision with the items table (STT, code, item, amount) and the total
    in figures and in words.

    Raises ValueError (Vietnamese) with no items, a non-positive amount, or total ≠ sum.
    """
    kind = "support_decision"
    check_support_decision(data)
    t = render_texts(kind, texts, template_context(kind, data, header=header, issuer=issuer))
    st = styles()
    table = data_table(
        [
            Column("STT", 0.09, "center"),
            Column("Mã", 0.16, "center"),
            Column("Nội dung hỗ trợ", 0.50),
            Column("Số tiền hỗ trợ", 0.25, "right"),
        ],
        [
            (str(i), item.catalogue_code, item.name, vnd(item.approved_vnd))
            for i, item in enumerate(data.items, start=1)
        ],
        total=("Tổng cộng", "", "", vnd(data.total_vnd)),
    )
    closing = text_block(t["next_steps"])
    story = [
        header_block(header, issuer),
        *title_block(t["title"]),
        Paragraph(f"<b>{markup(data.deciding_authority)}</b>", st.centered),
        Spacer(1, 2 * mm),
        *_bases(data),
        Spacer(1, 3 * mm),
        Paragraph("<b>QUYẾT ĐỊNH:</b>", st.centered),
        *text_block(t["body"]),
        table,
        Spacer(1, 3 * mm),
        Paragraph(
            f"Tổng số tiền hỗ trợ: <b>{markup(vnd_nbsp(data.total_vnd))}</b> "
            f"<i>(Bằng chữ: {markup(amount_in_words(data.total_vnd))})</i>.",
            st.body,
        ),
        *signature_table(
            recipients_cell(t["recipients"]),
            signer_cell(issuer.signer_title_lines, issuer.signer_name),
            keep_with=closing,
        ),
    ]
    return render(
        story,
        header=header,
        issuer=issuer,
        title=f"{DOCUMENT_TITLES[kind]} - {data.organisation.name}",
        subject=f"Hỗ trợ năm {data.program_year}: {vnd(data.total_vnd)}",
    )
