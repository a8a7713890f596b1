"""The annual report on implementing Resolution 43/2022/NQ-HĐND (báo cáo kết quả thực hiện):
its figures for one year or a range of years, the officers' text around them, and the rules
for that text. Plain data: the read side fills it, the PDF and the .docx print it."""

from __future__ import annotations

from dataclasses import dataclass, field

from grants.domain.budget import TargetProgress, percent
from grants.domain.errors import InvalidInput
from grants.domain.money import format_vnd, group_thousands

TEXT_FIELDS = ("introduction", "assessment", "proposals")
"""The editable paragraphs, in the order the report prints them."""

TEXT_LABELS = {"introduction": "Phần mở đầu", "assessment": "Đánh giá chung",
               "proposals": "Đề xuất, kiến nghị"}
TEXT_MAX_CHARS = 20_000
"""A paragraph longer than this is refused (about eight printed pages)."""
MAX_SPAN_YEARS = 10
"""A range covers at most this many years (the resolution runs 2022–2030)."""

SYMBOL = "BC-SKHCN"
"""The report's number symbol, left blank for the records clerk: "Số:      /BC-SKHCN"."""
RECIPIENT = "Ủy ban nhân dân tỉnh Bắc Ninh"
TITLE = "Kết quả thực hiện Nghị quyết số 43/2022/NQ-HĐND"


def period_label(first: int, last: int) -> str:
    """ "năm 2026", or "giai đoạn 2024 - 2026"."""
    return f"năm {first}" if first == last else f"giai đoạn {first} - {last}"


def check_period(first: int, last: int) -> None:
    """Raise InvalidInput (field ``last``) unless ``first`` ≤ ``last`` within MAX_SPAN_YEARS."""
    if last < first:
        raise InvalidInput(f"Năm kết thúc ({last}) phải từ năm bắt đầu ({first}) trở đi.",
                           field="last")
    if last - first + 1 > MAX_SPAN_YEARS:
        raise InvalidInput(f"Báo cáo gồm tối đa {MAX_SPAN_YEARS} năm.", field="last")


@dataclass(frozen=True, slots=True)
class ReportTexts:
    """The paragraphs an officer writes around the figures (blank lines separate paragraphs)."""

    introduction: str
    assessment: str
    proposals: str


def default_texts(first: int, last: int) -> ReportTexts:
    """The texts a report starts with until an officer saves its own."""
    period = period_label(first, last)
    return ReportTexts(
        introduction=(
            "Thực hiện Nghị quyết số 43/2022/NQ-HĐND của Hội đồng nhân dân tỉnh về chính sách "
            "hỗ trợ tổ chức áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên "
            f"tiến, Sở Khoa học và Công nghệ báo cáo kết quả thực hiện {period} như sau:"),
        assessment=(
            "Chính sách đã khuyến khích doanh nghiệp, hợp tác xã áp dụng tiêu chuẩn, công cụ, "
            "mô hình quản lý tiên tiến, góp phần nâng cao năng suất, chất lượng sản phẩm, hàng "
            "hóa. Hồ sơ được tiếp nhận, giải quyết theo cơ chế một cửa."),
        proposals=(
            "Đề nghị Ủy ban nhân dân tỉnh tiếp tục bố trí kinh phí thực hiện chính sách; chỉ đạo "
            "các sở, ngành, Ủy ban nhân dân cấp xã tăng cường tuyên truyền để các tổ chức biết "
            "và tham gia."),
    )


def clean_texts(values: dict[str, str | None]) -> ReportTexts:
    """The three paragraphs stripped, with Windows line ends made plain. Raises InvalidInput
    naming the field: a paragraph left empty, or longer than TEXT_MAX_CHARS."""
    cleaned = {}
    for name in TEXT_FIELDS:
        text = (values.get(name) or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            raise InvalidInput(f"Nhập nội dung mục «{TEXT_LABELS[name]}».", field=name)
        if len(text) > TEXT_MAX_CHARS:
            raise InvalidInput(f"Mục «{TEXT_LABELS[name]}» dài {len(text):,} ký tự; tối đa "
                               f"{TEXT_MAX_CHARS:,} ký tự.".replace(",", "."), field=name)
        cleaned[name] = text
    return ReportTexts(**cleaned)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a text: its non-empty lines, stripped."""
    return [line.strip() for line in text.split("\n") if line.strip()]


# --- The figures ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearFigures:
    """One program year: dossiers by outcome, money, the target and the on-time rate."""

    year: int
    filed: int  # every dossier filed (drafts and withdrawn left out), as the demand report
    received: int  # received at the desk
    refused: int  # refused at the desk
    approved: int  # dossiers approved with a live commitment
    rejected: int  # dossiers the leadership did not support
    undecided: int  # filed, not yet decided
    approved_items: int
    approved_vnd: int
    budget_vnd: int
    committed_vnd: int
    disbursed_vnd: int
    target_min: int
    target_max: int
    on_time: int
    late: int
    without_due: int

    @property
    def remaining_vnd(self) -> int:
        return self.budget_vnd - self.committed_vnd

    @property
    def unpaid_vnd(self) -> int:
        return self.committed_vnd - self.disbursed_vnd

    @property
    def finished(self) -> int:
        return self.on_time + self.late + self.without_due

    @property
    def on_time_percent(self) -> float | None:
        return percent(self.on_time, self.on_time + self.late)

    @property
    def committed_percent(self) -> float | None:
        return percent(self.committed_vnd, self.budget_vnd)

    @property
    def disbursed_percent(self) -> float | None:
        return percent(self.disbursed_vnd, self.budget_vnd)

    @property
    def progress(self) -> TargetProgress:
        return TargetProgress(self.target_min, self.target_max, self.approved_items)


_SUMMED = ("filed", "received", "refused", "approved", "rejected", "undecided",
           "approved_items", "approved_vnd", "budget_vnd", "committed_vnd", "disbursed_vnd",
           "target_min", "target_max", "on_time", "late", "without_due")


def total_of(rows: tuple[YearFigures, ...] | list[YearFigures], year: int = 0) -> YearFigures:
    """The rows added up (targets too: the range's target is the sum of the years')."""
    return YearFigures(year, *(sum(getattr(r, name) for r in rows) for name in _SUMMED))


@dataclass(frozen=True, slots=True)
class KindRow:
    """Approved items and amounts of one catalogue kind."""

    key: str
    label: str
    approved_items: int
    approved_vnd: int


@dataclass(frozen=True, slots=True)
class CommuneRow:
    """Filed dossiers, items and amounts of the organisations of one commune or ward."""

    commune: str
    dossiers: int
    items: int
    requested_vnd: int
    approved_vnd: int


@dataclass(frozen=True, slots=True)
class ReasonRow:
    """A reason given for not supporting (or not receiving) dossiers, and how many cited it."""

    text: str
    dossiers: int


@dataclass(frozen=True, slots=True)
class AnnualFigures:
    """The figures of the report on ``first``–``last``: per year of the range, ``earlier`` years
    for comparison, and the range's breakdowns (kinds, communes, reasons)."""

    first: int
    last: int
    years: tuple[YearFigures, ...]
    earlier: tuple[YearFigures, ...]
    kinds: tuple[KindRow, ...]
    communes: tuple[CommuneRow, ...]
    rejection_reasons: tuple[ReasonRow, ...]
    refusal_reasons: tuple[ReasonRow, ...]
    total: YearFigures = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", total_of(self.years))

    @property
    def period(self) -> str:
        return period_label(self.first, self.last)


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """What the PDF and the .docx print: the figures and the texts, and who signs."""

    figures: AnnualFigures
    texts: ReportTexts
    signer_title_lines: tuple[str, ...] = ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    signer_name: str = ""
    recipients: tuple[str, ...] = (RECIPIENT, "Lãnh đạo Sở", "Lưu: VT, TĐC")

    @property
    def title(self) -> str:
        """ "Kết quả thực hiện Nghị quyết số 43/2022/NQ-HĐND năm 2026" (one line)."""
        return f"{TITLE} {self.figures.period}"

    @property
    def title_lines(self) -> tuple[str, str, str]:
        """The title as printed: "BÁO CÁO", the subject, the period."""
        return ("BÁO CÁO", TITLE, self.figures.period)


# --- The outline both papers print (PDF and .docx) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    heading: str
    width: float  # share of the text width
    align: str = "left"  # left | center | right


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of the report, in order: a ``heading`` (I., II. …), a ``subheading`` (1., 2. …),
    a ``paragraph`` or a ``table``. Headings stay on the page of what follows them."""

    kind: str
    text: str = ""
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    total: tuple[str, ...] | None = None
    key: str = ""  # a table's name ("budget", "kinds" …), stable for pages and tests


def percent_text(value: float | None) -> str:
    """66.7 -> "66,7 %"; None -> "-" (nothing to divide by)."""
    return "-" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _n(value: int) -> str:
    return group_thousands(value)


def _heading(text: str) -> Block:
    return Block("heading", text)


def _subheading(text: str) -> Block:
    return Block("subheading", text)


def _paragraph(text: str) -> Block:
    return Block("paragraph", text)


def _table(key: str, columns, rows, total=None) -> Block:
    return Block("table", columns=tuple(columns), rows=tuple(tuple(r) for r in rows),
                 total=tuple(total) if total is not None else None, key=key)


def _with_total(figures: AnnualFigures) -> bool:
    return len(figures.years) > 1


def _reason_table(key: str, rows: tuple[ReasonRow, ...]) -> Block:
    return _table(key, (Column("STT", 0.08, "center"), Column("Lý do", 0.74),
                   Column("Số hồ sơ", 0.18, "right")),
                  [(str(i), r.text, _n(r.dossiers)) for i, r in enumerate(rows, start=1)])


def _dossiers(f: AnnualFigures) -> list[Block]:
    t = f.total
    judged = t.on_time + t.late
    blocks = [
        _heading("I. KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ"),
        _paragraph(
            f"Trong {f.period}, Sở đã nhận {_n(t.filed)} hồ sơ đề nghị hỗ trợ; tiếp nhận "
            f"{_n(t.received)} hồ sơ, từ chối tiếp nhận {_n(t.refused)} hồ sơ. Đã phê duyệt hỗ "
            f"trợ {_n(t.approved)} hồ sơ, không hỗ trợ {_n(t.rejected)} hồ sơ; "
            f"{_n(t.undecided)} hồ sơ đang giải quyết. Trong {_n(t.finished)} hồ sơ đã có "
            f"quyết định, {_n(t.on_time)}/{_n(judged)} hồ sơ được giải quyết đúng hạn (tỷ lệ "
            f"{percent_text(t.on_time_percent)})."),
        _subheading("1. Số hồ sơ theo kết quả giải quyết"),
    ]
    columns = (Column("Năm", 0.10, "center"), Column("Đã nộp", 0.12, "right"),
               Column("Tiếp nhận", 0.13, "right"), Column("Từ chối tiếp nhận", 0.13, "right"),
               Column("Phê duyệt hỗ trợ", 0.13, "right"), Column("Không hỗ trợ", 0.13, "right"),
               Column("Đang giải quyết", 0.13, "right"), Column("Đúng hạn", 0.13, "right"))

    def cells(label: str, y: YearFigures) -> tuple[str, ...]:
        return (label, _n(y.filed), _n(y.received), _n(y.refused), _n(y.approved),
                _n(y.rejected), _n(y.undecided), percent_text(y.on_time_percent))

    blocks.append(_table("dossiers", columns, [cells(str(y.year), y) for y in f.years],
                         cells("Cộng", t) if _with_total(f) else None))
    blocks.append(_subheading("2. Lý do không hỗ trợ"))
    blocks.append(_reason_table("rejection-reasons", f.rejection_reasons) if f.rejection_reasons
                  else _paragraph("Không có hồ sơ nào bị từ chối hỗ trợ."))
    if f.refusal_reasons:
        blocks.append(_subheading("3. Lý do từ chối tiếp nhận hồ sơ"))
        blocks.append(_reason_table("refusal-reasons", f.refusal_reasons))
    return blocks


def _support(f: AnnualFigures) -> list[Block]:
    t = f.total
    kinds = _table(
        "kinds", (Column("Loại", 0.42), Column("Số tiêu chuẩn, công cụ, mô hình được hỗ trợ", 0.26,
                                      "right"),
         Column("Kinh phí được phê duyệt (đồng)", 0.32, "right")),
        [(k.label, _n(k.approved_items), _n(k.approved_vnd)) for k in f.kinds],
        ("Tổng cộng", _n(t.approved_items), _n(t.approved_vnd)))
    communes = _table(
        "communes", (Column("Xã, phường", 0.27), Column("Số hồ sơ", 0.10, "right"),
         Column("Số mục đề nghị", 0.13, "right"), Column("Kinh phí đề nghị (đồng)", 0.25, "right"),
         Column("Kinh phí được phê duyệt (đồng)", 0.25, "right")),
        [(c.commune, _n(c.dossiers), _n(c.items), _n(c.requested_vnd), _n(c.approved_vnd))
         for c in f.communes],
        ("Tổng cộng", _n(sum(c.dossiers for c in f.communes)),
         _n(sum(c.items for c in f.communes)), _n(sum(c.requested_vnd for c in f.communes)),
         _n(sum(c.approved_vnd for c in f.communes))))
    return [
        _heading("II. KẾT QUẢ HỖ TRỢ"),
        _paragraph(f"Đã phê duyệt hỗ trợ {_n(t.approved_items)} tiêu chuẩn, công cụ, mô hình, "
                   "phương pháp quản lý tiên tiến với tổng kinh phí "
                   f"{format_vnd(t.approved_vnd)}."),
        _subheading("1. Theo loại tiêu chuẩn, công cụ, mô hình"),
        kinds,
        _subheading("2. Theo xã, phường"),
        communes if f.communes else _paragraph("Chưa có hồ sơ nào được nộp."),
    ]


def _budget(f: AnnualFigures) -> list[Block]:
    t = f.total
    columns = (Column("Năm", 0.09, "center"),
               Column("Kinh phí được giao (đồng)", 0.2275, "right"),
               Column("Đã cam kết (đồng)", 0.2275, "right"),
               Column("Đã giải ngân (đồng)", 0.2275, "right"),
               Column("Còn lại (đồng)", 0.2275, "right"))

    def cells(label: str, y: YearFigures) -> tuple[str, ...]:
        return (label, _n(y.budget_vnd), _n(y.committed_vnd), _n(y.disbursed_vnd),
                _n(y.remaining_vnd))

    return [
        _heading("III. TÌNH HÌNH THỰC HIỆN KINH PHÍ"),
        _paragraph(
            f"Tổng kinh phí được giao {format_vnd(t.budget_vnd)}; đã cam kết hỗ trợ "
            f"{format_vnd(t.committed_vnd)} ({percent_text(t.committed_percent)}), đã giải ngân "
            f"{format_vnd(t.disbursed_vnd)} ({percent_text(t.disbursed_percent)}); còn lại "
            f"{format_vnd(t.remaining_vnd)} chưa sử dụng; đã cam kết nhưng chưa giải ngân "
            f"{format_vnd(t.unpaid_vnd)}."),
        _table("budget", columns, [cells(str(y.year), y) for y in f.years],
               cells("Cộng", t) if _with_total(f) else None),
    ]


def _comparison(f: AnnualFigures) -> list[Block]:
    targets = _table(
        "targets", (Column("Năm", 0.10, "center"), Column("Mục tiêu (số mục)", 0.16, "center"),
         Column("Đã phê duyệt", 0.14, "right"), Column("Đánh giá", 0.14, "center"),
         Column("Kinh phí được giao (đồng)", 0.28, "right"),
         Column("Tỷ lệ giải ngân", 0.18, "right")),
        [(str(y.year), f"{y.target_min} - {y.target_max}", _n(y.approved_items),
          y.progress.label, _n(y.budget_vnd), percent_text(y.disbursed_percent))
         for y in f.years])
    history = [*f.earlier, *f.years]
    years = _table(
        "years", (Column("Năm", 0.10, "center"), Column("Hồ sơ đã nộp", 0.12, "right"),
         Column("Số mục được hỗ trợ", 0.14, "right"),
         Column("Kinh phí đã cam kết (đồng)", 0.25, "right"),
         Column("Kinh phí đã giải ngân (đồng)", 0.25, "right"), Column("Đúng hạn", 0.14, "right")),
        [(str(y.year), _n(y.filed), _n(y.approved_items), _n(y.committed_vnd),
          _n(y.disbursed_vnd), percent_text(y.on_time_percent)) for y in history])
    return [
        _heading("IV. SO SÁNH VỚI MỤC TIÊU VÀ CÁC NĂM TRƯỚC"),
        _subheading("1. So với mục tiêu của kế hoạch"),
        targets,
        _subheading("2. So với các năm trước" if f.earlier
                    else "2. Qua các năm (chưa có số liệu các năm trước)"),
        years,
    ]


def outline(report: AnnualReport) -> list[Block]:
    """The report from the greeting to the proposals, as blocks both papers print alike."""
    f = report.figures
    texts = report.texts
    blocks = [_paragraph(p) for p in paragraphs(texts.introduction)]
    if not f.years:
        blocks.append(_paragraph(f"Chưa có năm chương trình nào trong {f.period}."))
    else:
        blocks += [*_dossiers(f), *_support(f), *_budget(f), *_comparison(f)]
    blocks.append(_heading("V. ĐÁNH GIÁ CHUNG"))
    blocks += [_paragraph(p) for p in paragraphs(texts.assessment)]
    blocks.append(_heading("VI. ĐỀ XUẤT, KIẾN NGHỊ"))
    blocks += [_paragraph(p) for p in paragraphs(texts.proposals)]
    return blocks
