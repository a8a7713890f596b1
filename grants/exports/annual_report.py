"""The annual report on implementing the resolution as a Word document (.docx, python-docx), so
the Department can finish it in its word processor: the same outline as the PDF, in Times New
Roman 14 pt on A4 with the margins of Decree 30/2020/NĐ-CP. Plain data in, bytes out."""

import re
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from grants.domain.annual_report import SYMBOL, AnnualReport, outline

FONT = "Times New Roman"  # Decree 30/2020/NĐ-CP, Appendix I
BODY_PT = 14
CELL_PT = 12
TEXT_WIDTH_MM = 165  # A4 less 30 mm left and 15 mm right
# What XML 1.0 cannot hold (python-docx refuses it): control characters but tab and newline,
# lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}


def _set_font(style, size: int) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _para(doc, text: str = "", *, bold=False, italic=False, align=None, size=None,
          indent=False, keep_with_next=False, space_after=6):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(_xml_text(text))
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    fmt = p.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.keep_with_next = keep_with_next
    if indent:
        fmt.first_line_indent = Mm(10)
    if align is not None:
        p.alignment = align
    return p


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _cell_text(cell, text: str, *, align: str = "left", bold: bool = False) -> None:
    p = cell.paragraphs[0]
    run = p.add_run(_xml_text(text))
    run.bold = bold
    run.font.size = Pt(CELL_PT)
    p.alignment = _ALIGN[align]
    p.paragraph_format.space_after = Pt(0)


def _header(doc, report: AnnualReport, body_lines: tuple[str, ...], place: str) -> None:
    """The Decree 30 header: issuing body and number beside the national title and the date."""
    table = doc.add_table(rows=2, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    for cell, width in ((left, 68), (right, TEXT_WIDTH_MM - 68)):
        cell.width = Mm(width)
    lines = list(body_lines) or [""]
    for i, line in enumerate(lines):
        p = left.paragraphs[0] if i == 0 else left.add_paragraph()
        run = p.add_run(_xml_text(line.upper()))
        run.bold = i == len(lines) - 1
        run.font.size = Pt(13)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    nation = right.paragraphs[0]
    run = nation.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    run.bold, run.font.size = True, Pt(13)
    nation.alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto = right.add_paragraph()
    run = motto.add_run("Độc lập - Tự do - Hạnh phúc")
    run.bold, run.font.size = True, Pt(14)
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    blank = "\u00a0" * 6
    _cell_text(table.cell(1, 0), f"Số: {blank * 2}/{SYMBOL}", align="center")
    date = table.cell(1, 1).paragraphs[0]
    run = date.add_run(f"{place}, ngày{blank}tháng{blank}năm{blank}")
    run.italic = True
    date.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)


def build_annual_report_docx(report: AnnualReport, *, body_lines: tuple[str, ...],
                             place: str) -> bytes:
    """The report as .docx bytes; ``body_lines`` and ``place`` are the letterhead's."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _set_font(doc.styles["Normal"], BODY_PT)
    doc.core_properties.title = f"Báo cáo {report.title}"
    doc.core_properties.author = body_lines[-1] if body_lines else ""
    doc.core_properties.language = "vi-VN"

    _header(doc, report, body_lines, place)
    _para(doc)
    for i, line in enumerate(report.title_lines):
        _para(doc, line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0,
              keep_with_next=True, size=BODY_PT if i else BODY_PT + 1)
    _para(doc)
    for block in outline(report):
        if block.kind == "heading":
            _para(doc, block.text, bold=True, keep_with_next=True, space_after=3)
        elif block.kind == "subheading":
            _para(doc, block.text, indent=True, keep_with_next=True, space_after=3)
        elif block.kind == "paragraph":
            p = _para(doc, block.text, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            p.paragraph_format.space_after = Pt(6)
        else:
            _table(doc, block)
    _close(doc, report)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, block) -> None:
    rows = [*block.rows, *([block.total] if block.total else [])]
    table = doc.add_table(rows=1 + len(rows), cols=len(block.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for c, column in enumerate(block.columns):
        width = Mm(column.width * TEXT_WIDTH_MM)
        for r in range(1 + len(rows)):
            table.cell(r, c).width = width
        _cell_text(table.cell(0, c), column.heading, align="center", bold=True)
    last = len(rows) if block.total else None
    for r, values in enumerate(rows, start=1):
        for c, (column, value) in enumerate(zip(block.columns, values, strict=True)):
            _cell_text(table.cell(r, c), value, align=column.align, bold=r == last)
    # Repeat the heading row on every page the table runs onto.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = tr_pr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    tr_pr.append(header)
    _para(doc, space_after=0)


def _close(doc, report: AnnualReport) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.width, right.width = Mm(80), Mm(TEXT_WIDTH_MM - 80)
    head = left.paragraphs[0]
    run = head.add_run("Nơi nhận:")
    run.bold, run.italic, run.font.size = True, True, Pt(12)
    for line in report.recipients:
        p = left.add_paragraph()
        p.add_run(_xml_text(f"- {line}")).font.size = Pt(11)
        p.paragraph_format.space_after = Pt(0)
    for i, line in enumerate(report.signer_title_lines):
        p = right.paragraphs[0] if i == 0 else right.add_paragraph()
        p.add_run(_xml_text(line)).bold = True
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
    for _ in range(4):
        right.add_paragraph()
    if report.signer_name:
        p = right.add_paragraph()
        p.add_run(_xml_text(report.signer_name)).bold = True
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
