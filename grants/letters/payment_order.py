"""The payment order of a recorded payment: the State Treasury's "Giấy rút dự toán ngân sách nhà
nước" (form C2-02a/NS), plain data in, PDF bytes out (no Flask).

The support is paid from the estimate (dự toán) allocated to the Department's unit for the year,
so the unit draws on it with this form, paying the organisation directly by transfer ("Thực
chi", "Chuyển khoản") or in cash at the Treasury. ("Ủy nhiệm chi" is for paying out of a deposit
account, which is not where this money sits.) The layout follows the form: "do not write in this
area" box and the form's code at the top, the drawing unit with its Treasury account and budget
codes, the table of payment content with the budget classification codes and the amount, the
amount in words, the payee with its account and bank, and the signatures of the Treasury's
control and of the unit (chief accountant, head of unit); the Treasury's own entries at the
foot are left blank for the Treasury.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from grants.domain.payment_details import group_account

from .base import (
    CONTENT_WIDTH,
    SERIF,
    amount,
    clip,
    has_text,
    markup,
    render,
    require,
    require_amount,
    styles,
)
from .data import DocumentHeader, Issuer
from .words import amount_in_words

__all__ = ["FORM_CODE", "FORM_TITLE", "PaymentOrder", "build_payment_order"]

FORM_TITLE = "GIẤY RÚT DỰ TOÁN NGÂN SÁCH NHÀ NƯỚC"
FORM_CODE = "Mẫu số C2-02a/NS"
FORM_BASIS = "(Theo Thông tư số 77/2017/TT-BTC ngày 28/7/2017 của Bộ Tài chính)"
NBSP3 = "\u00a0" * 4
#: The content of payment is cut here (with "…") so the form stays on one page.
CONTENT_MAX = 240


@dataclass(frozen=True, kw_only=True)
class PaymentOrder:
    """One payment as the Treasury form shows it. Codes the unit has not configured are left
    as dotted lines to fill in by hand."""

    number: str  # the voucher number of the payment
    paid_on: date
    amount_vnd: int
    content: str  # "Nội dung thanh toán"
    is_transfer: bool
    payer_name: str
    payer_account: str = ""
    treasury: str = ""
    budget_level_code: str = ""
    budget_unit_code: str = ""
    chapter_code: str = ""
    economic_code: str = ""
    sector_code: str = ""
    fund_source_code: str = ""
    payee_name: str
    payee_tax_code: str = ""
    payee_address: str = ""
    payee_account_no: str = ""
    payee_bank: str = ""
    payee_branch: str = ""
    dossier_code: str = ""


def _style(name: str, **kw) -> ParagraphStyle:
    base = styles().plain
    kw.setdefault("fontSize", 11)
    kw.setdefault("leading", 14.5)
    kw.setdefault("alignment", TA_LEFT)
    return ParagraphStyle(name, parent=base, spaceAfter=kw.pop("spaceAfter", 1), **kw)


def _or_dots(value: str, width: int = 30) -> str:
    # Long names and addresses are cut so the form stays on one page.
    return markup(clip(value, 120)) if has_text(value) else "." * width


def _line(*parts: tuple[str, str, int]) -> Paragraph:
    """ "Label: value   Label: value" on one line; an empty value is a dotted blank."""
    html = (NBSP3).join(f"{markup(label)}: <b>{_or_dots(value, width)}</b>"
                        for label, value, width in parts)
    return Paragraph(html, _style("line", fontSize=10.5, leading=13.5))


def _box(mark: bool) -> Table:
    box = Table([["X" if mark else ""]], colWidths=[4.5 * mm], rowHeights=[4.5 * mm])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                             ("FONTNAME", (0, 0), (-1, -1), SERIF + "-Bold"),
                             ("FONTSIZE", (0, 0), (-1, -1), 9),
                             ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                             ("TOPPADDING", (0, 0), (-1, -1), 0),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return box


def _choices(data: PaymentOrder) -> Table:
    label = _style("choice", alignment=TA_LEFT)
    cells = []
    for text, mark in (("Thực chi", True), ("Tạm ứng", False), ("Chuyển khoản", data.is_transfer),
                       ("Tiền mặt tại KBNN", not data.is_transfer)):
        cells += [Paragraph(text, label), _box(mark)]
    widths = [19 * mm, 8 * mm, 19 * mm, 12 * mm, 30 * mm, 8 * mm, 40 * mm, 8 * mm]
    table = Table([cells], colWidths=widths, hAlign="CENTER")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 1),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _top(data: PaymentOrder) -> Table:
    small = _style("small", fontSize=9.5, leading=12, alignment=TA_CENTER)
    keep_out = Table([[Paragraph("Không ghi vào<br/>khu vực này", small)]],
                     colWidths=[34 * mm], rowHeights=[14 * mm])
    keep_out.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                                  ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    right = [Paragraph(f"<b>{FORM_CODE}</b>", _style("code", alignment=TA_CENTER)),
             Paragraph(f"<i>{markup(FORM_BASIS)}</i>",
                       _style("basis", fontSize=9.5, leading=12, alignment=TA_CENTER)),
             Paragraph(f"Số: <b>{markup(clip(data.number, 50))}</b>",
                       _style("number", alignment=TA_CENTER))]
    table = Table([[keep_out, right]], colWidths=[CONTENT_WIDTH - 80 * mm, 80 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _content_table(data: PaymentOrder) -> Table:
    st = styles()
    head = ParagraphStyle("pohead", parent=st.cell_head, fontSize=9.5, leading=12)
    cell = ParagraphStyle("pocell", parent=st.cell, fontSize=10.5, leading=13)
    small = ParagraphStyle("pocellsmall", parent=st.cell, fontSize=9, leading=11)
    center = ParagraphStyle("pocenter", parent=st.cell_center, fontSize=10.5, leading=13)
    right = ParagraphStyle("poright", parent=st.cell_right, fontSize=10.5, leading=13)
    headings = ["Nội dung thanh toán", "Mã NDKT", "Mã\nchương", "Mã\nngành KT",
                "Mã nguồn\nNSNN", "Số tiền (đồng)"]
    codes = [data.economic_code, data.chapter_code, data.sector_code, data.fund_source_code]
    rows = [[Paragraph(markup(h), head) for h in headings],
            [Paragraph(markup(clip(data.content, CONTENT_MAX)),
                       small if len(data.content) > 160 else cell),
             *[Paragraph(markup(clip(c, 20)), center) for c in codes],
             Paragraph(amount(data.amount_vnd), right)],
            [Paragraph("<b>Tổng cộng</b>", center), "", "", "", "",
             Paragraph(f"<b>{amount(data.amount_vnd)}</b>", right)]]
    widths = [0.4, 0.09, 0.1, 0.1, 0.11, 0.2]
    table = Table(rows, colWidths=[w * CONTENT_WIDTH for w in widths], hAlign="CENTER")
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("SPAN", (0, 2), (4, 2)),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 3),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _signatures(data: PaymentOrder) -> Table:
    head = _style("sighead", alignment=TA_CENTER, fontName=SERIF + "-Bold")
    when = _style("sigdate", alignment=TA_CENTER, fontName=SERIF + "-Italic", fontSize=10.5)
    role = _style("sigrole", alignment=TA_CENTER, fontName=SERIF + "-Bold", fontSize=10.5)
    hint = _style("sighint", alignment=TA_CENTER, fontName=SERIF + "-Italic", fontSize=9.5,
                  leading=12)
    blank = "\u00a0" * 5
    paid = data.paid_on
    month = f"{paid.month:02d}" if paid.month <= 2 else str(paid.month)
    unit_date = f"Ngày {paid.day:02d} tháng {month} năm {paid.year}"
    treasury = [Paragraph("BỘ PHẬN KIỂM SOÁT CỦA KBNN", head),
                Paragraph(f"Ngày{blank}tháng{blank}năm{blank}", when)]
    unit = [Paragraph("ĐƠN VỊ SỬ DỤNG NGÂN SÁCH", head), Paragraph(unit_date, when)]
    pairs = Table([[Paragraph("Kiểm soát", role), Paragraph("Phụ trách", role),
                    Paragraph("Kế toán trưởng", role), Paragraph("Thủ trưởng đơn vị", role)],
                   ["", "", Paragraph("(Ký, ghi rõ họ tên)", hint),
                    Paragraph("(Ký, ghi rõ họ tên, đóng dấu)", hint)]],
                  colWidths=[CONTENT_WIDTH / 4] * 4)
    pairs.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 1),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 1), (-1, 1), 12 * mm)]))
    heads = Table([[treasury, unit]], colWidths=[CONTENT_WIDTH / 2] * 2)
    heads.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEAFTER", (0, 0), (0, 0), 0.4, colors.grey)]))
    outer = Table([[heads], [pairs]], colWidths=[CONTENT_WIDTH])
    outer.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


def _treasury_entries() -> Table:
    """The Treasury's own part, blank: its accounting lines and the payment's signatures."""
    label = _style("kb", fontSize=10.5)
    role = _style("kbrole", alignment=TA_CENTER, fontName=SERIF + "-Bold", fontSize=10)
    blank = "\u00a0" * 5
    left = [Paragraph("<b>KBNN A GHI:</b>", label),
            Paragraph("Nợ TK: " + "." * 22, label), Paragraph("Có TK: " + "." * 22, label),
            Paragraph("Mã ĐBHC: " + "." * 19, label)]
    right = [Paragraph(f"<b>KBNN B, NH B GHI</b><i> — Ngày{blank}tháng{blank}năm{blank}</i>",
                       label),
             Table([[Paragraph(t, role) for t in ("Người nhận tiền", "Thủ quỹ", "Kế toán",
                                                   "Kế toán trưởng", "Giám đốc")]],
                   colWidths=[(CONTENT_WIDTH - 48 * mm) / 5] * 5,
                   style=[("FONTNAME", (0, 0), (-1, -1), SERIF)])]
    table = Table([[left, right]], colWidths=[48 * mm, CONTENT_WIDTH - 48 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SERIF),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
                               ("LINEAFTER", (0, 0), (0, 0), 0.5, colors.black),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm)]))
    return table


def build_payment_order(data: PaymentOrder) -> bytes:
    """Render the "Giấy rút dự toán ngân sách nhà nước" of one payment (one A4 page).

    Raises TypeError for another record, ValueError when the number, the payer, the payee or
    the content is missing, or the amount is not a positive whole number of đồng.
    """
    if not isinstance(data, PaymentOrder):
        raise TypeError(f"Giấy rút dự toán: cần dữ liệu PaymentOrder, nhận {type(data).__name__}.")
    require(has_text(data.number), "Giấy rút dự toán: thiếu số chứng từ.")
    require(has_text(data.payer_name), "Giấy rút dự toán: thiếu đơn vị rút dự toán.")
    require(has_text(data.payee_name), "Giấy rút dự toán: thiếu đơn vị nhận tiền.")
    require(has_text(data.content), "Giấy rút dự toán: thiếu nội dung thanh toán.")
    require_amount(data.amount_vnd, "Số tiền", positive=True)
    title = _style("potitle", alignment=TA_CENTER, fontName=SERIF + "-Bold", fontSize=14,
                   leading=18)
    note = _style("ponote", alignment=TA_CENTER, fontName=SERIF + "-Italic", fontSize=9.5,
                  leading=12)
    section = _style("section", fontName=SERIF + "-Bold", spaceAfter=2)
    body = _style("pobody")
    branch = f"{data.payee_bank} - {data.payee_branch}" if has_text(data.payee_branch) \
        else data.payee_bank
    story: list[Flowable] = [
        _top(data),
        Spacer(1, 3 * mm),
        Paragraph(FORM_TITLE, title),
        Spacer(1, 2 * mm),
        _choices(data),
        Paragraph("(Đánh dấu X vào ô tương ứng)", note),
        Spacer(1, 3 * mm),
        _line(("Đơn vị rút dự toán", data.payer_name, 60)),
        _line(("Tài khoản", data.payer_account, 22), ("Tại KBNN", data.treasury, 40)),
        _line(("Mã cấp NS", data.budget_level_code, 8), ("Tên CTMT, DA", "", 38)),
        _line(("Mã ĐVQHNS", data.budget_unit_code, 14), ("Mã CTMT, DA", "", 38)),
        _line(("Số CKC, HĐK", "", 22), ("Số CKC, HĐTH", "", 30)),
        Spacer(1, 2 * mm),
        _content_table(data),
        Spacer(1, 2 * mm),
        Paragraph(f"Tổng số tiền ghi bằng chữ: <b><i>{markup(amount_in_words(data.amount_vnd))}"
                  "</i></b>", body),
        Paragraph(f"Trong đó: Nộp thuế: <b>0</b> đồng;{NBSP3}Thanh toán cho đơn vị hưởng: "
                  f"<b>{amount(data.amount_vnd)}</b> đồng.", body),
        Spacer(1, 2 * mm),
        Paragraph("THANH TOÁN CHO ĐƠN VỊ HƯỞNG", section),
        _line(("Đơn vị nhận tiền", data.payee_name, 60)),
        _line(("Mã số thuế", data.payee_tax_code, 16), ("Địa chỉ", data.payee_address, 40)),
        _line(("Tài khoản", group_account(data.payee_account_no), 24),
              ("Tại KBNN (NH)", branch, 40)),
        _line(("Hoặc người nhận tiền", "", 34), ("Số CCCD", "", 20)),
        _line(("Cấp ngày", "", 16), ("Nơi cấp", "", 40)),
        Spacer(1, 2 * mm),
        _signatures(data),
        _treasury_entries(),
    ]
    header = DocumentHeader(issued_on=data.paid_on)
    issuer = Issuer(body_lines=(data.payer_name,))
    subject = data.payee_name + (f" - {data.dossier_code}" if data.dossier_code else "")
    return render(story, header=header, issuer=issuer,
                  title=f"Giấy rút dự toán ngân sách nhà nước số {data.number}", subject=subject)
