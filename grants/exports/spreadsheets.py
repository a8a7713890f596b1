"""Streamed .xlsx reports: a title block, Vietnamese headers and typed columns, via XlsxWriter.

Workbooks are written in XlsxWriter's ``constant_memory`` mode: each row goes to a temporary
file as soon as the next one starts, so memory stays flat however many rows there are.

One large sheet (the 100,000-row register) goes through ``write_large_sheet`` instead: the same
layout written by rustpy-xlsxwriter (the Rust port of XlsxWriter, also constant-memory), about
5× faster than XlsxWriter's Python code; tests/bench/run_export_bench.py measures both and
PyExcelerate.
"""

import contextlib
import io
import itertools
import math
import numbers
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Literal, get_args

import rustpy_xlsxwriter
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

if TYPE_CHECKING:
    import pandas as pd


def _pandas():
    """pandas if something loaded it, else None. A value can only be a pandas object (a
    DataFrame, NA, NaT, a Timestamp) when pandas is loaded, so this module never imports it
    (about 60 MiB): the register export runs without it."""
    return sys.modules.get("pandas")

ColumnKind = Literal["text", "vnd", "date", "datetime", "int", "percent", "decimal"]
KINDS: frozenset[str] = frozenset(get_args(ColumnKind))

#: Times are shown in Vietnam time (UTC+7, no daylight saving). Naive datetimes are taken as
#: UTC, following the project's ``*_at`` convention.
DISPLAY_TZ = timezone(timedelta(hours=7), "ICT")
_DISPLAY_OFFSET = timedelta(hours=7)

NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "vnd": "#,##0",
    "int": "#,##0",
    "percent": "0.0%",
    "decimal": "#,##0.00",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
DEFAULT_WIDTHS: dict[str, int] = {
    "text": 30,
    "vnd": 18,
    "int": 10,
    "percent": 10,
    "decimal": 12,
    "date": 12,
    "datetime": 17,
}
HEADER_ROW = 3  # title, subtitle/timestamp, headers; data starts on row 4
MAX_ROWS = 1_048_576  # rows on an Excel worksheet
MAX_COLUMNS = 16_384  # columns on an Excel worksheet
MAX_TEXT = 32_767  # UTF-16 code units in one cell; longer texts are cut

_SHEET_NAME_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})
#: Control characters make Excel refuse the whole file (the XML 1.0 characters openpyxl refuses).
_ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: XlsxWriter sizes columns in pixels of the default font (Calibri 11: 7 px per digit).
#: ``width * 7`` pixels is stored as exactly ``width`` characters, as openpyxl used to write it.
_PIXELS_PER_CHARACTER = 7
_WORKBOOK_OPTIONS = {
    "constant_memory": True,
    # Only ``write()`` guesses types, and text is written with ``write_string``; these are
    # belt and braces so no user text ever becomes a formula, number or link.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


@dataclass(frozen=True, slots=True)
class Column:
    """One report column: Vietnamese ``header``, the row ``key`` it reads, its ``kind``.

    Kinds: text, vnd (int đồng, shown 50.000.000), int, percent (a number in percent units:
    87.5 is shown 87,5 %), decimal (a number shown with two decimals: 0.714 is shown 0,71),
    date (dd/mm/yyyy), datetime (dd/mm/yyyy hh:mm, Vietnam time).
    ``width`` is in Excel character units; None picks one from the kind and the header.
    """

    header: str
    key: str
    kind: ColumnKind = "text"
    width: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.width is not None and (
            isinstance(self.width, bool) or not isinstance(self.width, int) or self.width <= 0
        ):
            raise ValueError(f"column width must be a positive int, got {self.width!r}")

    @property
    def display_width(self) -> int:
        """The width used: the given one, or the kind's default widened to fit the header."""
        if self.width is not None:
            return self.width
        return min(max(DEFAULT_WIDTHS[self.kind], len(self.header) + 2), 60)


@dataclass(frozen=True, slots=True, eq=False)
class Sheet:
    """One worksheet of a report.

    ``rows`` is an iterable of mappings (read by ``Column.key``; a missing key is an empty
    cell) or a DataFrame (read by column name). It is consumed once, row by row, so a generator
    keeps memory flat. ``totals_label`` adds a bold last row ("Tổng cộng") with the sum of every
    VND column.
    """

    name: str
    title: str
    columns: Sequence[Column]
    rows: "Iterable[Mapping[str, Any]] | pd.DataFrame"
    subtitle: str | None = None
    exported_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    totals_label: str | None = None


def to_xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Render the sheets into one workbook and return the .xlsx bytes.

    Raises ValueError for a sheet without columns, a DataFrame missing a column key or more
    rows or columns than a worksheet holds, and TypeError (naming sheet, column and row) for a
    value that does not fit its column's kind.
    """
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def write_xlsx(sheets: Sequence[Sheet], target: IO[bytes] | str) -> None:
    """Like ``to_xlsx_bytes`` but write to a binary file object or path (for very large files).

    Nothing is written to ``target`` unless every sheet was rendered.
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    # Every temporary file of this workbook (rows of each sheet, XML parts while zipping) goes
    # into one private directory, removed whatever happens.
    tmpdir = tempfile.mkdtemp(prefix="grants-xlsx-")
    try:
        workbook = xlsxwriter.Workbook(target, {**_WORKBOOK_OPTIONS, "tmpdir": tmpdir})
        try:
            styles = _Styles(workbook)
            taken: set[str] = set()
            for sheet in sheets:
                _write_sheet(workbook, styles, sheet, taken)
            workbook.close()
        except BaseException:
            _discard(workbook)
            raise
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _discard(workbook: xlsxwriter.Workbook) -> None:
    """Close the half-written sheets' row files so their directory can go."""
    for ws in workbook.worksheets():
        with contextlib.suppress(Exception):
            ws._opt_close()  # constant_memory keeps each sheet's rows in an open temporary file


class _Styles:
    """The workbook's cell formats, made once and shared by every sheet."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format(
            {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
        )
        self.subtitle = workbook.add_format({"italic": True, "align": "center"})
        self.header = workbook.add_format(
            {
                "bold": True,
                "pattern": 1,
                "bg_color": "#DDEBF7",
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "border": 1,
                "border_color": "#808080",
            }
        )
        self.kinds: dict[str, Format] = {
            kind: workbook.add_format({"num_format": number_format})
            for kind, number_format in NUMBER_FORMATS.items()
        }
        self.total_label = workbook.add_format({"bold": True})
        self.total_vnd = workbook.add_format({"bold": True, "num_format": NUMBER_FORMATS["vnd"]})


def _write_sheet(
    workbook: xlsxwriter.Workbook, styles: _Styles, sheet: Sheet, taken: set[str]
) -> None:
    columns = list(sheet.columns)
    if not columns:
        raise ValueError(f"sheet {sheet.name!r} has no columns")
    if len(columns) > MAX_COLUMNS:
        raise ValueError(f"sheet {sheet.name!r} has more than {MAX_COLUMNS} columns")
    ws = workbook.add_worksheet(_sheet_name(sheet.name, taken))
    last_col = len(columns) - 1

    for index, column in enumerate(columns):
        ws.set_column_pixels(index, index, column.display_width * _PIXELS_PER_CHARACTER)
    ws.freeze_panes(HEADER_ROW, 0)
    ws.repeat_rows(HEADER_ROW - 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed

    # Rows must be written top to bottom: constant_memory flushes a row once the next begins.
    title_block = (
        (_clean_text(sheet.title), styles.title),
        (_clean_text(_subtitle_text(sheet)), styles.subtitle),
    )
    write_text = _text_writer(ws)
    for row, (text, cell_format) in enumerate(title_block):
        if last_col:
            # Merge with an empty value, then write the text as a string: merge_range() itself
            # would guess the type (a text starting with "=" would become a formula).
            ws.merge_range(row, 0, row, last_col, "", cell_format)
        write_text(row, 0, text, cell_format)
    for index, column in enumerate(columns):
        write_text(HEADER_ROW - 1, index, _clean_text(column.header), styles.header)

    count, sums = _stream_rows(ws, styles, sheet, columns, write_text)

    last_row = HEADER_ROW + count  # 1-based
    ws.autofilter(HEADER_ROW - 1, 0, max(last_row, HEADER_ROW + 1) - 1, last_col)
    if sheet.totals_label is not None:
        write_text(last_row, 0, _clean_text(sheet.totals_label), styles.total_label)
        for index, column in enumerate(columns):
            if column.kind == "vnd" and index > 0:
                ws.write_number(last_row, index, sums[index], styles.total_vnd)


def _subtitle_text(sheet: Sheet) -> str:
    stamp = "Xuất lúc: " + _to_display_time(sheet.exported_at).strftime("%d/%m/%Y %H:%M")
    return f"{sheet.subtitle} — {stamp}" if sheet.subtitle else stamp


def _text_writer(ws: Worksheet) -> Callable[[int, int, str, Format], int]:
    """``write_string`` for any text: never a formula, a number or an error code.

    In constant_memory mode XlsxWriter copies a string that starts with "<r>" and ends with
    "</r>" into the sheet XML unescaped, as ready-made rich text: user text like that could
    break the file or hide content. Such a text is written as a real, escaped rich string
    (in three plain runs: XlsxWriter wants more than two).
    """
    write_string, write_rich_string = ws.write_string, ws.write_rich_string

    def write(row: int, col: int, text: str, cell_format: Format) -> int:
        if text.startswith("<r>") and text.endswith("</r>"):
            return write_rich_string(row, col, text[:1], text[1:2], text[2:], cell_format)
        return write_string(row, col, text, cell_format)

    return write


def _stream_rows(
    ws: Worksheet,
    styles: _Styles,
    sheet: Sheet,
    columns: list[Column],
    write_text: Callable[[int, int, str, Format], int],
) -> tuple[int, list[int]]:
    """Write every data row; return the row count and each column's sum (VND columns only)."""
    writers: dict[str, Callable[..., int]] = {
        "text": write_text,
        "vnd": ws.write_number,
        "int": ws.write_number,
        "percent": ws.write_number,
        "decimal": ws.write_number,
        "date": ws.write_datetime,
        "datetime": ws.write_datetime,
    }
    plan = [
        (_CONVERTERS[c.kind], writers[c.kind], styles.kinds[c.kind], c.kind == "vnd")
        for c in columns
    ]
    sums = [0] * len(columns)
    # 0-based index of the last row data may use, keeping one for the totals.
    last_data_row = MAX_ROWS - 1 - (sheet.totals_label is not None)

    count = index = 0
    row = HEADER_ROW - 1
    for count, values in enumerate(_row_values(sheet, columns), 1):
        row += 1
        if row > last_data_row:
            raise ValueError(
                f"sheet {sheet.name!r}: more than {last_data_row - HEADER_ROW + 1} data rows do "
                "not fit on one worksheet"
            )
        try:
            for index, value in enumerate(values):
                convert, write, cell_format, is_vnd = plan[index]
                converted = convert(value)
                if converted is None:
                    continue
                write(row, index, converted, cell_format)
                if is_vnd:
                    sums[index] += converted
        except (TypeError, ValueError) as exc:
            column = columns[index]
            raise TypeError(
                f"sheet {sheet.name!r}, column {column.key!r} ({column.kind}), data row {count}: "
                f"{exc}"
            ) from exc
    return count, sums


def _row_values(sheet: Sheet, columns: list[Column]) -> Iterator[Sequence[Any]]:
    keys = [column.key for column in columns]
    rows, pd = sheet.rows, _pandas()
    if pd is not None and isinstance(rows, pd.DataFrame):
        missing = [key for key in keys if key not in rows.columns]
        if missing:
            raise ValueError(f"sheet {sheet.name!r}: DataFrame has no column(s) {missing}")
        yield from rows[keys].itertuples(index=False, name=None)
        return
    for row in rows:
        yield [row.get(key) for key in keys]


def _sheet_name(name: str, taken: set[str]) -> str:
    """A name Excel accepts, unique in the workbook (a repeat gets a number: "Sổ", "Sổ1")."""
    cleaned = _clean_text(name).translate(_SHEET_NAME_FORBIDDEN).strip().strip("'")
    cleaned = cleaned[:31].rstrip().rstrip("'") or "Sheet"
    candidate, number = cleaned, 0
    # Excel compares sheet names case-insensitively and reserves "History".
    while candidate.lower() in taken or candidate.lower() == "history":
        number += 1
        suffix = str(number)
        candidate = cleaned[: 31 - len(suffix)].rstrip().rstrip("'") + suffix
    taken.add(candidate.lower())
    return candidate


# --- one large sheet, written in Rust -------------------------------------------------------------


def write_large_sheet(sheet: Sheet, target: IO[bytes] | str) -> None:
    """Write one sheet with the layout of ``write_xlsx`` (merged title and subtitle rows, the
    header row frozen, filtered and repeated on printed pages, typed columns, A4 landscape one
    page wide) through rustpy-xlsxwriter. The totals row holds SUM formulas over the VND
    columns, outside the filter range. The rows are consumed lazily and converted by the same
    rules as ``write_xlsx`` (same errors). Column headers must be unique; a sheet without data
    rows, or with one column, goes through ``write_xlsx``.
    """
    columns = list(sheet.columns)
    headers = [_clean_text(c.header) for c in columns]
    if len(set(headers)) != len(headers):
        raise ValueError(f"sheet {sheet.name!r}: column headers must be unique")
    rows = _converted_rows(sheet, columns, headers)
    first = next(rows, None)
    if first is None or len(columns) < 2:
        write_xlsx([sheet], target)
        return
    last_col = len(columns) - 1
    title = rustpy_xlsxwriter.Format().set_bold().set_font_size(14).set_align("center")
    subtitle = rustpy_xlsxwriter.Format().set_italic().set_align("center")
    header = (rustpy_xlsxwriter.Format().set_bold().set_pattern("solid")
              .set_background_color("#DDEBF7").set_align("center").set_text_wrap()
              .set_border("thin").set_border_color("#808080"))
    formats = {h: rustpy_xlsxwriter.Format().set_num_format(NUMBER_FORMATS[c.kind])
               for h, c in zip(headers, columns, strict=True)}
    totals = ({h: "sum" for h, c in zip(headers, columns, strict=True)
               if c.kind == "vnd" and h != headers[0]} if sheet.totals_label is not None else None)
    (rustpy_xlsxwriter.FastExcel(target)
     .freeze(row=HEADER_ROW)
     .sheet(_sheet_name(sheet.name, set()), itertools.chain((first,), rows),
            header_row=HEADER_ROW - 1,
            merge_ranges=[(0, 0, 0, last_col, _clean_text(sheet.title), title),
                          (1, 0, 1, last_col, _clean_text(_subtitle_text(sheet)), subtitle)],
            column_widths=[c.display_width for c in columns], column_formats=formats,
            header_format=header, autofilter=True, totals_row=totals or None,
            totals_label=_clean_text(sheet.totals_label) if totals else None,
            totals_format=rustpy_xlsxwriter.Format().set_bold().set_num_format(
                NUMBER_FORMATS["vnd"]),
            page_setup={"landscape": True, "paper_size": 9, "fit_to_pages": (1, 0),
                        "repeat_rows": HEADER_ROW - 1})
     .save())


def _converted_rows(sheet: Sheet, columns: list[Column], headers: list[str]
                    ) -> Iterator[dict[str, Any]]:
    converters = [_CONVERTERS[c.kind] for c in columns]
    last_data_row = MAX_ROWS - 1 - (sheet.totals_label is not None)
    index = 0
    for count, values in enumerate(_row_values(sheet, columns), 1):
        if HEADER_ROW - 1 + count > last_data_row:
            raise ValueError(
                f"sheet {sheet.name!r}: more than {last_data_row - HEADER_ROW + 1} data rows do "
                "not fit on one worksheet")
        try:
            converted = [convert(value) for index, (convert, value)
                         in enumerate(zip(converters, values, strict=True))]
        except (TypeError, ValueError) as exc:
            column = columns[index]
            raise TypeError(
                f"sheet {sheet.name!r}, column {column.key!r} ({column.kind}), data row {count}: "
                f"{exc}") from exc
        yield dict(zip(headers, converted, strict=True))


# --- value conversion per column kind -----------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    pd = _pandas()
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return True
    return isinstance(value, float) and math.isnan(value)


def _clean_text(value: str) -> str:
    # Control characters make Excel refuse the whole file, so drop them; a cell holds at most
    # MAX_TEXT UTF-16 code units (only a text of over half that many characters can exceed it).
    if not value.isprintable():  # the common case (no control character) skips the regex
        value = _ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > MAX_TEXT // 2:
        value = value.encode("utf-16-le")[: 2 * MAX_TEXT].decode("utf-16-le", "ignore")
    return value


def _text(value: Any) -> str | None:
    if type(value) is str:
        return _clean_text(value) or None  # an empty text is an empty cell
    if _is_missing(value):
        return None
    return _clean_text(str(value)) or None


def _integer(value: Any) -> int | None:
    if type(value) is int:
        return value
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    # pandas turns an int column with a gap into floats; whole values are still exact.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise TypeError(f"expected a whole number, got {value!r}")


def _real(value: Any, what: str) -> float | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise TypeError(f"expected {what}, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise TypeError(f"expected a finite number, got {value!r}")
    return number


def _percent(value: Any) -> float | None:
    number = _real(value, "a number of percent")
    return None if number is None else number / 100


def _decimal(value: Any) -> float | None:
    return _real(value, "a number")


def _to_display_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(DISPLAY_TZ).replace(tzinfo=None)


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if type(value) is datetime and value.tzinfo is None:  # naive UTC: the common case, fast
        return (value + _DISPLAY_OFFSET).date()
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        return _to_display_time(value).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {value!r}")


def _datetime(value: Any) -> datetime | None:
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        stamp = _to_display_time(value)
        pd = _pandas()
        return (stamp.to_pydatetime() if pd is not None and isinstance(stamp, pd.Timestamp)
                else stamp)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"expected a datetime, got {value!r}")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "vnd": _integer,
    "int": _integer,
    "percent": _percent,
    "decimal": _decimal,
    "date": _date,
    "datetime": _datetime,
}
