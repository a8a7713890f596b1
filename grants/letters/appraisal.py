"""Minutes of the on-site appraisal visit (biên bản thẩm định thực tế)."""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from .base import (
    CONTENT_WIDTH,
    Column,
    amount,
    data_table,
    has_text,
    header_block,
    markup,
    render,
    require,
    require_amount,
    require_type,
    signature_table,
    signer_cell,
    styles,
    text_block,
    title_block,
    vnd_nbsp,
)
from .data import AppraisalMinutes, DocumentHeader, Issuer
from .texts import DOCUMENT_TITLES, render_texts, template_context
from .words import amount_in_words

__all__ = ["build_appraisal_minutes"]


def build_appraisal_minutes(
    data: AppraisalMinutes,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the appraisal minutes: who attended, findings, the cost table, the conclusion,
    and the signatures of the organisation and the team leader.

    Raises ValueError (Vietnamese) without team, conclusion, or with a bad amount.
    """
    kind = "appraisal_minutes"
    title = DOCUMENT_TITLES[kind]
    require_type(data, AppraisalMinutes, title)
    require(has_text(data.organisation.name), f"{title}: thiếu tên tổ chức.")
    require(has_text(data.dossier_code), f"{title}: thiếu mã hồ sơ.")
    require(
        [p for p in data.team if has_text(p.name)], f"{title}: thiếu thành phần đoàn thẩm định."
    )
    require(has_text(data.conclusion), f"{title}: thiếu kết luận.")
    for item in data.items:
        require_amount(item.consulting_cost_vnd, "Chi phí tư vấn")
        require_amount(item.eligible_cost_vnd, "Chi phí hợp lệ")
        require_amount(item.proposed_vnd, "Mức đề xuất hỗ trợ")
    t = render_texts(kind, texts, template_context(kind, data, header=header, issuer=issuer))

    st = styles()
    if data.items:
        total = sum(item.proposed_vnd for item in data.items)
        results = [
            Paragraph("<i>Đơn vị tính: đồng</i>", st.cell_right),
            data_table(
                [
                    Column("STT", 0.08, "center"),
                    Column("Tiêu chuẩn, công cụ, mô hình", 0.32),
                    Column("Chi phí tư vấn", 0.20, "right"),
                    Column("Chi phí hợp lệ", 0.20, "right"),
                    Column("Đề xuất hỗ trợ", 0.20, "right"),
                ],
                [
                    (
                        str(i),
                        item.catalogue_name,
                        amount(item.consulting_cost_vnd),
                        amount(item.eligible_cost_vnd),
                        amount(item.proposed_vnd),
                    )
                    for i, item in enumerate(data.items, start=1)
                ],
                total=("Tổng cộng", "", "", "", amount(total)),
            ),
            Spacer(1, 3 * mm),
            Paragraph(
                f"Tổng mức đề xuất hỗ trợ: <b>{markup(vnd_nbsp(total))}</b> "
                f"<i>(Bằng chữ: {markup(amount_in_words(total))})</i>.",
                st.body,
            ),
        ]
    else:
        results = [Paragraph("Không đề xuất hỗ trợ.", st.body)]

    representative = next((p.name for p in data.representatives if has_text(p.name)), "")
    closing = text_block(t["next_steps"])
    story = [
        header_block(header, issuer),
        *title_block(t["title"]),
        *text_block(t["body"]),
        *results,
        *signature_table(
            signer_cell(
                ("ĐẠI DIỆN TỔ CHỨC",), representative, hint="(Ký, ghi rõ họ tên, đóng dấu)"
            ),
            signer_cell(
                issuer.signer_title_lines, issuer.signer_name, hint="(Ký và ghi rõ họ tên)"
            ),
            left_width=CONTENT_WIDTH / 2,
            keep_with=closing,
        ),
    ]
    return render(
        story,
        header=header,
        issuer=issuer,
        title=f"{title} - {data.dossier_code}",
        subject=data.organisation.name,
    )
