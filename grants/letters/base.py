"""Fonts, page and shared blocks of a Vietnamese administrative document (Decree 30/2020/NĐ-CP)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepInFrame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from grants.domain.local_time import to_local
from grants.domain.money import format_vnd as vnd
from grants.domain.money import group_thousands as amount

from .data import DocumentHeader, Issuer
from .verification_mark import draw_mark

__all__ = [
    "CONTENT_WIDTH",
    "SANS",
    "SERIF",
    "amount",
    "clean_text",
    "format_date",
    "format_datetime",
    "format_time",
    "markup",
    "place_and_date",
    "register_fonts",
    "render",
    "vnd",
]

# Decree 30/2020/NĐ-CP prescribes Times New Roman; Liberation Serif has the same metrics and
# is shipped with the package (grants/letters/fonts, SIL Open Font License, see OFL.txt there).
SERIF = "LiberationSerif"
SANS = "DejaVuSans"  # only for the rare user-typed symbol Liberation Serif lacks (✓, ❤ ...)
_FACES = {
    SERIF: (
        "LiberationSerif-Regular.ttf",
        "LiberationSerif-Bold.ttf",
        "LiberationSerif-Italic.ttf",
        "LiberationSerif-BoldItalic.ttf",
    ),
    SANS: (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ),
}
_SUFFIXES = ("", "-Bold", "-Italic", "-BoldItalic")

# Decree 30/2020/NĐ-CP, Appendix I: A4; top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
PAGE_SIZE = A4
TOP_MARGIN = 20 * mm
BOTTOM_MARGIN = 20 * mm
LEFT_MARGIN = 30 * mm
RIGHT_MARGIN = 15 * mm
CONTENT_WIDTH = PAGE_SIZE[0] - LEFT_MARGIN - RIGHT_MARGIN  # 165 mm
HEADER_LEFT = 68 * mm
HEADER_RIGHT = CONTENT_WIDTH - HEADER_LEFT

# Appendix I of the decree: text 13-14 pt, at least single line spacing.
BODY_SIZE = 14
BODY_LEADING = 17
FORM_SIZE = 13  # the one-stop-desk slips, which must fit on one page
TITLE_SIZE = 14

NBSP = "\u00a0"
DRAFT_MARK = "DỰ THẢO"

_lock = threading.Lock()
_coverage: tuple[frozenset[int], frozenset[int]] | None = None


FONT_DIR = Path(__file__).with_name("fonts")


def font_dir(family: str = SERIF) -> Path:
    """Folder of a family's TTFs: Liberation Serif ships with the package; the DejaVu Sans
    fallback is the one inside the matplotlib wheel."""
    if family == SERIF:
        return FONT_DIR
    import matplotlib  # only for its bundled data files; pyplot is never imported

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def register_fonts() -> None:
    """Register Liberation Serif (and DejaVu Sans as fallback) with reportlab, once per process.

    Raises FileNotFoundError if a font file is missing.
    """
    global _coverage
    if _coverage is not None:
        return
    with _lock:
        if _coverage is not None:
            return
        cmaps: dict[str, list[set[int]]] = {}
        for family, files in _FACES.items():
            names = [family + suffix for suffix in _SUFFIXES]
            for name, filename in zip(names, files, strict=True):
                path = font_dir(family) / filename
                if not path.is_file():
                    raise FileNotFoundError(f"Không tìm thấy phông chữ {path}.")
                font = TTFont(name, str(path))
                pdfmetrics.registerFont(font)
                cmaps.setdefault(family, []).append(set(font.face.charToGlyph))
            pdfmetrics.registerFontFamily(
                family, normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
            )
        serif = frozenset(set.intersection(*cmaps[SERIF]))
        # reportlab writes code points above U+FFFF into the ToUnicode map as invalid
        # five-digit hex, so astral characters (most emoji) cannot be extracted again;
        # they are shown as U+FFFD instead. The fallback is always the upright Sans face.
        sans = frozenset(cp for cp in cmaps[SANS][0] if cp <= 0xFFFF) - serif
        _coverage = (serif, sans)


# ---------------------------------------------------------------------------- text handling

_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")


def clean_text(value: object) -> str:
    """User text made safe to typeset: NFC, one kind of newline, no control/format characters.

    Tabs become spaces; lone surrogates become "?"; other control, format, private-use and
    unassigned code points are dropped.
    """
    text = "" if value is None else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    text = unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) not in _DROP_CATEGORIES:
            out.append(ch)
    return "".join(out)


def markup(value: object) -> str:
    """Plain text -> reportlab Paragraph markup that shows exactly that text.

    ``&``, ``<`` and ``>`` are escaped (so "<script>" is printed, never interpreted),
    newlines become ``<br/>``, characters Liberation Serif lacks are set in DejaVu Sans, and
    characters neither font has are replaced by U+FFFD.
    """
    register_fonts()
    assert _coverage is not None
    serif, sans = _coverage
    out: list[str] = []
    fallback_run: list[str] = []

    def flush() -> None:
        if fallback_run:
            out.append(f'<font face="{SANS}">{escape("".join(fallback_run))}</font>')
            fallback_run.clear()

    for ch in clean_text(value):
        cp = ord(ch)
        if ch == "\n":
            flush()
            out.append("<br/>")
        elif cp in serif:
            flush()
            out.append(escape(ch))
        elif cp in sans:
            fallback_run.append(ch)
        elif 0xFFFD in sans:  # Liberation Serif has no replacement character
            fallback_run.append("\ufffd")
        else:
            flush()
            out.append("\ufffd")
    flush()
    return "".join(out)


# Vietnamese words of two or three syllables that the papers' titles, headers and signer blocks
# use: a line is never broken inside one ("ĐO / LƯỜNG"). Longest first, so the regex prefers them.
_WORDS = sorted((
    "bắc giang", "bắc ninh", "biên bản", "bổ sung", "bộ phận", "chất lượng", "chi cục",
    "chủ nghĩa", "chủ tịch", "công cụ", "công nghệ", "công ty", "cộng hòa", "doanh nghiệp",
    "đề nghị", "đo lường", "độc lập", "giám đốc", "hạnh phúc", "hẹn trả", "hỗ trợ", "hồ sơ",
    "hợp tác xã", "kết quả", "khoa học", "kinh phí", "mô hình", "nghị quyết", "nhân dân",
    "phương pháp", "quản lý", "quyết định", "tiếp nhận", "tiêu chuẩn", "tiên tiến", "thẩm định",
    "thông báo", "tổ chức", "trả lời", "tự do", "ủy ban", "việt nam", "xã hội", "xin lỗi",
    "áp dụng", "đại diện", "người nộp", "trưởng đoàn", "pháp luật", "hướng dẫn", "kế hoạch",
    "văn bản", "yêu cầu", "hoàn thiện", "giải quyết", "từ chối", "thực hiện", "phó giám đốc",
), key=len, reverse=True)
_WORD_RE = re.compile(
    r"(?<!\w)(" + "|".join(w.replace(" ", r"\s+") for w in _WORDS) + r")(?!\w)", re.IGNORECASE
)


def keep_words(text: str) -> str:
    """``text`` with a no-break space inside each known multi-syllable word, so that a title or
    a header line wraps between words, never between the syllables of one."""
    return _WORD_RE.sub(lambda m: re.sub(r"\s+", NBSP, m.group(0)), text)


def clip(value: object, limit: int) -> str:
    """Cut text that must fit in a table cell, which cannot run across pages."""
    text = clean_text(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def lines_of(value: object) -> list[str]:
    """Non-empty, stripped lines of a text."""
    return [line.strip() for line in clean_text(value).split("\n") if line.strip()]


# ---------------------------------------------------------------------------- formatting


def vnd_nbsp(value: int) -> str:
    """Like :func:`vnd`, with a no-break space so the unit never starts a line."""
    return vnd(value).replace(" ", NBSP)


def wall_clock(moment: datetime) -> datetime:
    """The time a letter prints: letter data hold Vietnam wall-clock time, so a naive value is
    shown as given; an aware one goes through the domain's :func:`to_local`."""
    return moment if moment.tzinfo is None else to_local(moment)


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy, or "" for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = wall_clock(value).date()
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def format_time(value: datetime | None) -> str:
    """ "09 giờ 30 phút", or "" for None."""
    if value is None:
        return ""
    value = wall_clock(value)
    return f"{value.hour:02d} giờ {value.minute:02d} phút"


def format_datetime(value: datetime | None) -> str:
    """ "09 giờ 30 phút, ngày 05/03/2026", or "" for None."""
    if value is None:
        return ""
    return f"{format_time(value)}, ngày {format_date(value)}"


def place_and_date(place: str, issued_on: date | None) -> str:
    """ "Bắc Ninh, ngày 05 tháng 3 năm 2026" (Decree 30: a leading 0 for days below 10 and for
    months 1 and 2); blanks for the records clerk to fill in when there is no date yet."""
    if issued_on is None:
        blank = NBSP * 6
        return f"{place}, ngày{blank}tháng{blank}năm{blank}"
    month = f"{issued_on.month:02d}" if issued_on.month <= 2 else str(issued_on.month)
    return f"{place}, ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"


# ---------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    form: ParagraphStyle
    plain: ParagraphStyle
    item: ParagraphStyle
    title: ParagraphStyle
    centered: ParagraphStyle
    header_body: ParagraphStyle
    header_nation: ParagraphStyle
    header_motto: ParagraphStyle
    header_number: ParagraphStyle
    header_summary: ParagraphStyle
    header_date: ParagraphStyle
    signer: ParagraphStyle
    signer_hint: ParagraphStyle
    recipients_head: ParagraphStyle
    recipients: ParagraphStyle
    basis: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    register_fonts()

    def style(name: str, **kw: object) -> ParagraphStyle:
        kw.setdefault("fontName", SERIF)
        kw.setdefault("fontSize", BODY_SIZE)
        kw.setdefault("leading", BODY_LEADING)
        return ParagraphStyle(name, splitLongWords=1, **kw)

    return Styles(
        body=style("body", alignment=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6),
        form=style("form", alignment=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=2,
                   fontSize=FORM_SIZE, leading=16),
        plain=style("plain", alignment=TA_JUSTIFY, spaceAfter=3),
        item=style(
            "item", alignment=TA_JUSTIFY, leftIndent=17 * mm, firstLineIndent=-7 * mm, spaceAfter=4
        ),
        title=style(
            "title", alignment=TA_CENTER, fontName=SERIF + "-Bold", fontSize=TITLE_SIZE, leading=18
        ),
        centered=style("centered", alignment=TA_CENTER, spaceAfter=6),
        header_body=style("header_body", alignment=TA_CENTER, fontSize=12.5, leading=15),
        header_nation=style(
            "header_nation", alignment=TA_CENTER, fontName=SERIF + "-Bold", fontSize=12.5,
            leading=15,
        ),
        header_motto=style(
            "header_motto", alignment=TA_CENTER, fontName=SERIF + "-Bold", fontSize=13.5, leading=16
        ),
        header_number=style("header_number", alignment=TA_CENTER, fontSize=13, leading=16),
        header_summary=style("header_summary", alignment=TA_CENTER, fontSize=12, leading=14),
        header_date=style(
            "header_date", alignment=TA_CENTER, fontName=SERIF + "-Italic", fontSize=13.5,
            leading=16,
        ),
        signer=style("signer", alignment=TA_CENTER, fontName=SERIF + "-Bold", leading=17),
        signer_hint=style(
            "signer_hint", alignment=TA_CENTER, fontName=SERIF + "-Italic", fontSize=12, leading=14
        ),
        recipients_head=style(
            "recipients_head",
            fontName=SERIF + "-BoldItalic",
            fontSize=12,
            leading=14,
            alignment=TA_LEFT,
        ),
        recipients=style("recipients", fontSize=11, leading=13, alignment=TA_LEFT),
        basis=style(
            "basis",
            alignment=TA_JUSTIFY,
            firstLineIndent=10 * mm,
            fontName=SERIF + "-Italic",
            spaceAfter=3,
        ),
        cell=style("cell", fontSize=12, leading=14, alignment=TA_LEFT),
        cell_center=style("cell_center", fontSize=12, leading=14, alignment=TA_CENTER),
        cell_right=style("cell_right", fontSize=12, leading=14, alignment=TA_RIGHT),
        cell_head=style(
            "cell_head", fontSize=12, leading=14, alignment=TA_CENTER, fontName=SERIF + "-Bold"
        ),
    )


def _fit_size(lines: Sequence[str], font: str, width: float, start: float, floor: float) -> float:
    """Largest size (steps of 0.5 pt, not below ``floor``) at which every line fits ``width``."""
    size = start
    while size > floor and any(pdfmetrics.stringWidth(t, font, size) > width for t in lines):
        size -= 0.5
    return size


def _balanced(line: str, font: str, size: float, width: float) -> list[str]:
    """``line`` as is when it fits ``width``, else in two lines of nearly equal width broken
    between words (see :func:`keep_words`), the way a clerk sets a long body name."""
    if pdfmetrics.stringWidth(line, font, size) <= width:
        return [keep_words(line)]
    words = keep_words(line).split(" ")
    if len(words) < 2:
        return [keep_words(line)]
    best = min(
        range(1, len(words)),
        key=lambda k: max(
            pdfmetrics.stringWidth(" ".join(words[:k]), font, size),
            pdfmetrics.stringWidth(" ".join(words[k:]), font, size),
        ),
    )
    return [" ".join(words[:best]), " ".join(words[best:])]


# ---------------------------------------------------------------------------- blocks


def header_block(header: DocumentHeader, issuer: Issuer, *, summary: str | None = None) -> Table:
    """Issuing body + number (left) beside the national title + place and date (right).

    ``summary`` is the "V/v ..." line of a letter (công văn), printed under the number.
    """
    st = styles()
    body_lines = [clip(line, 120) for line in issuer.body_lines if clean_text(line).strip()]
    if not body_lines:
        raise ValueError("Thiếu tên cơ quan ban hành văn bản.")
    width = HEADER_LEFT - 5 * mm  # keep a visible gap before the national title
    bold = SERIF + "-Bold"
    size = _fit_size(body_lines, bold, width, 12.5, 11.5)
    body_style = ParagraphStyle("hb", parent=st.header_body, fontSize=size, leading=size + 3)
    bold_style = ParagraphStyle("hbb", parent=body_style, fontName=bold)
    left: list[Flowable] = []
    for index, line in enumerate(body_lines):
        last = index == len(body_lines) - 1
        for part in _balanced(line, bold, size, width):
            left.append(Paragraph(markup(part), bold_style if last else body_style))
    last_lines = _balanced(body_lines[-1], bold, size, width)
    longest = max(pdfmetrics.stringWidth(t, bold, size) for t in last_lines)
    rule = min(longest, width) * 0.4
    # Table cells ignore spaceBefore, hence the explicit spacers above the rules.
    left += [
        Spacer(1, 2),
        HRFlowable(width=rule, thickness=0.6, color=colors.black, hAlign="CENTER"),
    ]

    motto = "Độc lập - Tự do - Hạnh phúc"
    right: list[Flowable] = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", st.header_nation),
        Paragraph(motto, st.header_motto),
        Spacer(1, 2),
        HRFlowable(
            width=pdfmetrics.stringWidth(motto, SERIF + "-Bold", 13.5),
            thickness=0.6,
            color=colors.black,
            hAlign="CENTER",
        ),
    ]

    number_cell: list[Flowable] = []
    if header.symbol:
        symbol = clip(header.symbol, 40)
        number = f"{header.number:02d}" if header.number is not None else NBSP * 10
        number_cell.append(Paragraph(f"Số: {markup(number)}/{markup(symbol)}", st.header_number))
    if summary:
        number_cell.append(Spacer(1, 2))
        number_cell.append(Paragraph(markup(summary), st.header_summary))
    date_cell = [
        Paragraph(markup(place_and_date(clip(issuer.place, 60), header.issued_on)), st.header_date)
    ]
    table = Table(
        [[left, right], [number_cell or "", date_cell]],
        colWidths=[HEADER_LEFT, HEADER_RIGHT],
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                (
                    "ALIGN",
                    (0, 0),
                    (-1, -1),
                    "CENTER",
                ),  # centres the rules; paragraphs centre themselves
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 6),
                ("RIGHTPADDING", (0, 0), (0, -1), 4 * mm),
            ]
        )
    )
    return table


def title_block(
    text: str, *, after: Sequence[str] = (), space: float = 8 * mm
) -> list[Flowable]:
    """Centered bold title (one line per line of ``text``), a short rule, then ``after`` lines
    (e.g. "Mã hồ sơ: ...") in regular type."""
    st = styles()
    lines = lines_of(text)
    flow: list[Flowable] = [Spacer(1, space)]
    flow += [Paragraph(markup(keep_words(line)), st.title) for line in lines]
    if len(lines) > 1:
        longest = max(pdfmetrics.stringWidth(t, SERIF + "-Bold", TITLE_SIZE) for t in lines[1:])
        flow.append(
            HRFlowable(
                width=min(longest, CONTENT_WIDTH) * 0.35,
                thickness=0.6,
                color=colors.black,
                spaceBefore=4,
                spaceAfter=0,
                hAlign="CENTER",
            )
        )
    flow += [Paragraph(markup(line), st.centered) for line in after]
    flow.append(Spacer(1, space * 5 / 8))
    return flow


_ARTICLE = re.compile(r"^(Điều\s+\d+[a-z]?\.)(.*)$", re.S)
_ROMAN_HEADING = re.compile(r"^[IVX]{1,5}\.\s")


def text_block(text: str, style: ParagraphStyle | None = None) -> list[Flowable]:
    """One paragraph per non-empty line of rendered template text.

    "Điều 1." at the start of a line is set in bold, as are "I.", "II." section headings.
    """
    st = styles()
    style = style or st.body
    flow: list[Flowable] = []
    for line in lines_of(text):
        article = _ARTICLE.match(line)
        if article:
            html = f"<b>{markup(article.group(1))}</b>{markup(article.group(2))}"
        elif _ROMAN_HEADING.match(line):
            html = f"<b>{markup(line)}</b>"
        else:
            html = markup(line)
        flow.append(Paragraph(html, style))
    return flow


def numbered_block(entries: Iterable[str], *, notes: Sequence[str] | None = None) -> list[Flowable]:
    """ "1. ...", "2. ..." with a hanging indent; line breaks inside an entry are kept.

    ``notes`` (same length) adds an italic note under each entry.
    """
    st = styles()
    flow: list[Flowable] = []
    for index, entry in enumerate(entries, start=1):
        html = f"{index}.{NBSP}{markup(entry.strip())}"
        note = notes[index - 1].strip() if notes else ""
        if note:
            html += f"<br/><i>{markup(note)}</i>"
        flow.append(Paragraph(html, st.item))
    return flow


def signer_cell(
    title_lines: Sequence[str], name: str, *, hint: str | None = None, gap: float = 24 * mm
) -> list[Flowable]:
    """Signer block: title lines in bold capitals, a hint, room to sign, then the name."""
    st = styles()
    width = CONTENT_WIDTH / 2 - 2 * mm  # the narrowest signer column (slips: half the width)
    flow: list[Flowable] = [
        Paragraph(markup(part), st.signer)
        for t in title_lines
        for part in _balanced(clip(t, 80), SERIF + "-Bold", BODY_SIZE, width)
    ]
    if hint:
        flow.append(Paragraph(markup(hint), st.signer_hint))
    flow.append(Spacer(1, gap))
    if clean_text(name).strip():
        flow.append(Paragraph(markup(clip(name, 80)), st.signer))
    return flow


SIGN_HINT = "(Ký và ghi rõ họ tên)"
SLIP_SPACE = 4 * mm  # around a slip's title
SLIP_SIGN_GAP = 14 * mm  # room to sign on a slip


def slip_head(
    header: DocumentHeader, issuer: Issuer, texts: dict[str, str], dossier_code: str
) -> list[Flowable]:
    """A one-stop-desk slip's top: header, title over "Mã hồ sơ: ...", then the body text set
    in the compact form style (a slip fits on one page)."""
    return [
        header_block(header, issuer),
        *title_block(texts["title"], after=[f"Mã hồ sơ: {dossier_code}"], space=SLIP_SPACE),
        *text_block(texts["body"], styles().form),
    ]


def one_page(story: list[Flowable]) -> list[Flowable]:
    """``story`` on a single page: set as it is when it fits, else scaled down just enough (a
    one-stop-desk slip is one sheet handed over the counter)."""
    height = PAGE_SIZE[1] - TOP_MARGIN - BOTTOM_MARGIN
    flat: list[Flowable] = []
    for flowable in story:  # on one page everything is kept together anyway
        flat += flowable._content if isinstance(flowable, KeepTogether) else [flowable]
    return [KeepInFrame(CONTENT_WIDTH, height, content=flat, mode="shrink", name="one page")]


def recipients_cell(text: str) -> list[Flowable]:
    """ "Nơi nhận:" and one "- ..." line per line of ``text``; empty when there are none."""
    st = styles()
    lines = lines_of(text)
    if not lines:
        return []
    flow: list[Flowable] = [Paragraph("Nơi nhận:", st.recipients_head)]
    for line in lines:
        line = line if line.startswith(("-", "+")) else f"- {line}"
        flow.append(Paragraph(markup(line), st.recipients))
    return flow


_MAX_CELL_RECIPIENTS = 12


def signature_table(
    left: list[Flowable],
    right: list[Flowable],
    *,
    left_width: float = 80 * mm,
    keep_with: list[Flowable] | None = None,
) -> list[Flowable]:
    """Left block (recipients, or the other party's signature) beside the signer (right).

    The last flowable of ``keep_with`` (the closing paragraph) is kept on the signer's page,
    so a signature never stands alone on a page.
    """
    before = list(keep_with or [])
    last = before[-1:] if before else []
    overflow: list[Flowable] = []
    if len(left) > _MAX_CELL_RECIPIENTS + 1:
        # A table row cannot run across pages: a very long list goes under the table instead.
        left, overflow = [], left
    table = Table([[left or "", right]], colWidths=[left_width, CONTENT_WIDTH - left_width])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SERIF, BODY_SIZE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [*before[:-1], KeepTogether([*last, Spacer(1, 4 * mm), table]), *overflow]


def signed_close(
    next_steps: str,
    issuer: Issuer,
    *,
    left: list[Flowable],
    hint: str | None = None,
    left_width: float = 80 * mm,
    style: ParagraphStyle | None = None,
    gap: float = 24 * mm,
) -> list[Flowable]:
    """The closing text (``next_steps``), then ``left`` beside the issuer's signer block with
    ``gap`` room to sign."""
    return signature_table(
        left,
        signer_cell(issuer.signer_title_lines, issuer.signer_name, hint=hint, gap=gap),
        left_width=left_width,
        keep_with=text_block(next_steps, style),
    )


@dataclass(frozen=True)
class Column:
    heading: str
    width: float  # fraction of the content width
    align: str = "left"  # left | center | right


def data_table(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], *, total: Sequence[str] | None = None
) -> Table:
    """Ruled table with a bold heading row (repeated on each page) and an optional bold total.

    Cell values are plain text; they are escaped here.
    """
    st = styles()
    by_align = {"left": st.cell, "center": st.cell_center, "right": st.cell_right}

    def row_cells(values: Sequence[str], bold: bool = False) -> list[Paragraph]:
        cells = []
        for column, value in zip(columns, values, strict=True):
            html = markup(clip(value, 1500))
            cells.append(Paragraph(f"<b>{html}</b>" if bold else html, by_align[column.align]))
        return cells

    data = [[Paragraph(markup(c.heading), st.cell_head) for c in columns]]
    data += [row_cells(r) for r in rows]
    if total is not None:
        data.append(row_cells(total, bold=True))
    table = Table(
        data,
        colWidths=[c.width * CONTENT_WIDTH for c in columns],
        repeatRows=1,
        splitInRow=1,
        hAlign="CENTER",
    )
    commands = [
        ("FONT", (0, 0), (-1, -1), SERIF, 12),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if total is not None and _total_spans(total):
        last = len(data) - 1
        commands.append(("SPAN", (0, last), (len(columns) - 2, last)))
    table.setStyle(TableStyle(commands))
    return table


def _total_spans(total: Sequence[str]) -> bool:
    """A total row like ("Tổng cộng", "", "", "75.000.000 đ") spans its label to the amount."""
    return len(total) > 2 and all(not v for v in total[1:-1])


# ---------------------------------------------------------------------------- the document


def _creation_date(issued_on: date | None):
    # The PDF's dates come from the document's own date so the same input gives the same
    # bytes (reportlab's invariant mode fixes everything else, including the /ID).
    if issued_on is None:
        stamp = "D:20000101000000+00'00'"
    else:
        stamp = f"D:{issued_on.year:04d}{issued_on.month:02d}{issued_on.day:02d}000000+07'00'"
    return lambda *_args: stamp


def render(
    story: list[Flowable], *, header: DocumentHeader, issuer: Issuer, title: str, subject: str = ""
) -> bytes:
    """Lay ``story`` out on A4 with Decree 30 margins and return the PDF bytes.

    Page numbers from page 2 (top centre); drafts carry a light "DỰ THẢO" mark on every page.
    """
    register_fonts()
    buffer = BytesIO()
    author = clip(issuer.body_lines[-1], 200) if issuer.body_lines else ""
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=clip(title, 300),
        author=author,
        subject=clip(subject, 300),
        creator="grants (Nghị quyết 43/2022/NQ-HĐND)",
        invariant=1,
        initialFontName=SERIF,
        initialFontSize=BODY_SIZE,
        lang="vi-VN",
    )
    date_formatter = _creation_date(header.issued_on)
    draft = header.is_draft

    def decorate(canvas, document) -> None:
        canvas.setDateFormatter(date_formatter)
        canvas.saveState()
        if draft:
            canvas.setFillColor(colors.Color(0.82, 0.82, 0.82))
            canvas.setFont(SERIF + "-Bold", 80)
            canvas.translate(PAGE_SIZE[0] / 2, PAGE_SIZE[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, -28, DRAFT_MARK)
            canvas.restoreState()
            canvas.saveState()
        if header.verification is not None:  # issue 14 point 8: in the bottom margin
            draw_mark(canvas, header.verification, left=LEFT_MARGIN, bottom=2 * mm, font=SERIF)
        if document.page > 1:  # Decree 30: numbered from page 2, centred in the top margin
            canvas.setFont(SERIF, 13)
            canvas.drawCentredString(
                LEFT_MARGIN + CONTENT_WIDTH / 2, PAGE_SIZE[1] - 13 * mm, str(document.page)
            )
        canvas.restoreState()

    # No frame padding: the text block is exactly the Decree 30 margins.
    frame = Frame(
        LEFT_MARGIN,
        BOTTOM_MARGIN,
        CONTENT_WIDTH,
        PAGE_SIZE[1] - TOP_MARGIN - BOTTOM_MARGIN,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(story)
    return buffer.getvalue()


def render_record(
    story: list[Flowable], data: Any, *, header: DocumentHeader, issuer: Issuer, title: str
) -> bytes:
    """:func:`render` a dossier's document: titled "<title> - <dossier code>", with the
    organisation as the PDF's subject."""
    return render(
        story,
        header=header,
        issuer=issuer,
        title=f"{title} - {data.dossier_code}",
        subject=data.organisation.name,
    )


# ---------------------------------------------------------------------------- checks


def require(condition: object, message: str) -> None:
    """Raise ValueError(message) unless ``condition``: content a document cannot go without."""
    if not condition:
        raise ValueError(message)


def has_text(value: object) -> bool:
    return bool(clean_text(value).strip())


def require_type(value: object, expected: type, kind_title: str) -> None:
    if not isinstance(value, expected):
        raise TypeError(
            f"{kind_title}: cần dữ liệu {expected.__name__}, nhận {type(value).__name__}."
        )


def require_amount(value: object, label: str, *, positive: bool = False) -> None:
    """Money is a whole number of đồng (never a float or bool); negative is refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{label} phải là số nguyên đồng.")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{label} phải lớn hơn 0." if positive else f"{label} không được âm.")


def check_parties(
    data: Any, expected: type, title: str, *, label: str | None = None, code: bool = True
) -> None:
    """``data`` is an ``expected`` record naming its organisation (and, with ``code``, its
    dossier). Raises TypeError or ValueError (Vietnamese, prefixed with ``label``)."""
    require_type(data, expected, title)
    label = label or title
    require(has_text(data.organisation.name), f"{label}: thiếu tên tổ chức.")
    if code:
        require(has_text(data.dossier_code), f"{label}: thiếu mã hồ sơ.")
