"""Written reply stating the reasons support is refused (văn bản trả lời nêu rõ lý do)."""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from .base import (
    NBSP,
    clean_text,
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
)
from .data import DocumentHeader, Issuer, RejectionLetter
from .texts import DOCUMENT_TITLES, render_texts, template_context

__all__ = ["build_rejection_letter"]


def build_rejection_letter(
    data: RejectionLetter,
    *,
    header: DocumentHeader,
    issuer: Issuer,
    texts: Mapping[str, str] | None = None,
) -> bytes:
    """Render the rejection letter (a công văn: "V/v ..." under the number, "Kính gửi"), each
    reason numbered on its own, then what the organisation may do next.

    Raises ValueError (Vietnamese) when no reason is given.
    """
    kind = "rejection_letter"
    require_type(data, RejectionLetter, DOCUMENT_TITLES[kind])
    require(has_text(data.organisation.name), "Văn bản trả lời: thiếu tên tổ chức.")
    reasons = [clean_text(r).strip() for r in data.reasons if has_text(r)]
    require(reasons, "Văn bản trả lời phải nêu ít nhất một lý do không hỗ trợ.")
    t = render_texts(kind, texts, template_context(kind, data, header=header, issuer=issuer))
    st = styles()
    summary = " ".join(lines_of(t["title"]))
    closing = text_block(t["next_steps"])
    story = [
        header_block(header, issuer, summary=summary or None),
        Spacer(1, 8 * mm),
        Paragraph(f"Kính gửi:{NBSP}{markup(data.organisation.name)}", st.centered),
        Spacer(1, 3 * mm),
        *text_block(t["body"]),
        *numbered_block(reasons),
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
        title=f"{DOCUMENT_TITLES[kind]} - {data.dossier_code}",
        subject=data.organisation.name,
    )
