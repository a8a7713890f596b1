"""The annual report on implementing Resolution 43/2022/NQ-HĐND (báo cáo kết quả thực hiện) as
a PDF in the layout of Decree 30/2020/NĐ-CP, laid out with the letters' own page blocks.

Not an issued document (no register): the Department numbers and dates it when it is signed,
so it carries "Số:      /BC-SKHCN", a blank date and the draft mark. Plain data in, bytes out.
"""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, Paragraph, Spacer, TableStyle

from grants.domain.annual_report import SYMBOL, AnnualReport, outline

from . import base
from .data import DocumentHeader, Issuer, Letterhead


def build_annual_report(report: AnnualReport, *, letterhead: Letterhead) -> bytes:
    """The report's A4 PDF bytes (the same bytes for the same report)."""
    issuer = Issuer(body_lines=letterhead.body_lines, place=letterhead.place,
                    signer_title_lines=report.signer_title_lines,
                    signer_name=report.signer_name)
    header = DocumentHeader(symbol=SYMBOL)
    heading = ParagraphStyle("ar_heading", parent=base.styles().plain, keepWithNext=1,
                             spaceBefore=4)
    subheading = ParagraphStyle("ar_subheading", parent=base.styles().body, keepWithNext=1)
    story = [base.header_block(header, issuer)]
    story += base.title_block("\n".join(report.title_lines))
    for block in outline(report):
        if block.kind == "heading":
            story.append(Paragraph(f"<b>{base.markup(block.text)}</b>", heading))
        elif block.kind == "subheading":
            story.append(Paragraph(base.markup(block.text), subheading))
        elif block.kind == "paragraph":
            story += base.text_block(block.text)
        else:
            columns = [base.Column(c.heading, c.width, c.align) for c in block.columns]
            table = base.data_table(columns, block.rows, total=block.total)
            # Narrower side padding, so a total in the billions stays on one line.
            table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 2),
                                       ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
            story += [table, Spacer(1, 8)]
    # The last paragraph (with the heading just above it) goes with the signature, which never
    # stands alone on a page.
    tail = [story.pop()]
    while story and getattr(getattr(story[-1], "style", None), "keepWithNext", 0):
        tail.insert(0, story.pop())
    last = tail[0] if len(tail) == 1 else KeepTogether(tail)
    story += base.signature_table(base.recipients_cell("\n".join(report.recipients)),
                                  base.signer_cell(issuer.signer_title_lines,
                                                   issuer.signer_name),
                                  keep_with=[last])
    return base.render(story, header=header, issuer=issuer, title=f"Báo cáo {report.title}")
