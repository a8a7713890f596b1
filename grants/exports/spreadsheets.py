"""Streamed .xlsx reports: a title block, Vietnamese headers and typed columns, via openpyxl."""

import contextlib
import io
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import IO, Any, Literal, get_args

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

ColumnKind = Literal["text", "vnd", "date", "datetime", "int", "percent"]
KINDS: frozenset[str] = frozenset(get_args(ColumnKind))

#: Times are shown in Vietnam time (UTC+7, no daylight saving). Naive datetimes are taken as
#: UTC, following the project's ``*_at`` convention.
DISPLAY_TZ = timezone(timedelta(hours=7), "ICT")

NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "vnd": "#,##0",
    "int": "#,##0",
    "percent": "0.0%",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
DEFAULT_WIDTHS: dict[str, int] = {
    "text": 30,
    "vnd": 18,
    "int": 10,
    "percent": 10,
    "date": 12,
    "datetime": 17,
}
HEADER_ROW = 3  # title, subtitle/timestamp, headers; data starts on row 4

_SHEET_NAME_FORBIDDEN = str.maketrans({c: "-" for c in "[]:*?/\\"})
_THIN = Side(style="thin", color="808080")


@dataclass(frozen=True, slots=True)
class Column:
    """One report column: Vietnamese ``header``, the row ``key`` it reads, its ``kind``.

    Kinds: text, vnd (int đồng, shown 50.000.000), int, percent (a number in percent units:
    87.5 is shown 87,5 %), date (dd/mm/yyyy), datetime (dd/mm/yyyy hh:mm, Vietnam time).
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
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame
    subtitle: str | None = None
    exported_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    totals_label: str | None = None


def to_xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """Render the sheets into one workbook and return the .xlsx bytes.

    Raises ValueError for a sheet without columns or a DataFrame missing a column key, and
    TypeError (naming sheet, column and row) for a value that does not fit its column's kind.
    """
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def write_xlsx(sheets: Sequence[Sheet], target: IO[bytes] | str) -> None:
    """Like ``to_xlsx_bytes`` but write to a binary file object or path (for very large files)."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook(write_only=True)
    try:
        for sheet in sheets:
            _write_sheet(workbook, sheet)
    except BaseException:
        _discard(workbook)
        raise
    workbook.save(target)


def _discard(workbook: Workbook) -> None:
    """Close half-written sheets so their temporary files go now, not at interpreter exit."""
    for ws in workbook.worksheets:
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        # openpyxl streams each write-only sheet into a temporary file held by its writer.
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with contextlib.suppress(OSError, ValueError):
                writer.cleanup()


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    columns = list(sheet.columns)
    if not columns:
        raise ValueError(f"sheet {sheet.name!r} has no columns")
    ws: WriteOnlyWorksheet = workbook.create_sheet(_sheet_name(sheet.name))
    last_letter = get_column_letter(len(columns))

    # Everything about layout must be set before the first row is streamed out.
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.display_width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if len(columns) > 1:
        ws.merged_cells.add(f"A1:{last_letter}1")
        ws.merged_cells.add(f"A2:{last_letter}2")

    title = WriteOnlyCell(ws, value=_clean_text(sheet.title))
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.append([title])
    subtitle = WriteOnlyCell(ws, value=_clean_text(_subtitle_text(sheet)))
    subtitle.font = Font(italic=True)
    subtitle.alignment = Alignment(horizontal="center")
    ws.append([subtitle])
    ws.append([_header_cell(ws, column) for column in columns])

    count, sums = _stream_rows(ws, sheet, columns)

    last_row = HEADER_ROW + count
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_letter}{max(last_row, HEADER_ROW + 1)}"
    if sheet.totals_label is not None:
        ws.append(_totals_row(ws, sheet.totals_label, columns, sums))


def _subtitle_text(sheet: Sheet) -> str:
    stamp = "Xuất lúc: " + _to_display_time(sheet.exported_at).strftime("%d/%m/%Y %H:%M")
    return f"{sheet.subtitle} — {stamp}" if sheet.subtitle else stamp


def _header_cell(ws: WriteOnlyWorksheet, column: Column) -> Cell:
    cell = WriteOnlyCell(ws, value=_clean_text(column.header))
    cell.data_type = "s"
    cell.font = Font(bold=True)
    cell.fill = PatternFill("solid", fgColor="DDEBF7")
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    return cell


def _stream_rows(
    ws: WriteOnlyWorksheet, sheet: Sheet, columns: list[Column]
) -> tuple[int, list[int]]:
    """Append every data row; return the row count and each column's sum (VND columns only)."""
    # One styled cell per column, refilled for each row: the write-only writer serialises a row
    # as soon as it is appended, so reusing the cell objects is safe and saves ~1M allocations.
    templates = []
    for column in columns:
        cell = WriteOnlyCell(ws)
        cell.number_format = NUMBER_FORMATS[column.kind]
        templates.append(cell)
    plan = [
        (cell, _CONVERTERS[column.kind], column.kind == "text", column.kind == "vnd")
        for cell, column in zip(templates, columns, strict=True)
    ]
    sums = [0] * len(columns)

    count = index = 0
    for count, values in enumerate(_row_values(sheet, columns), 1):
        out: list[Cell | None] = []
        try:
            for index, value in enumerate(values):
                cell, convert, is_text, is_vnd = plan[index]
                converted = convert(value)
                if converted is None:
                    out.append(None)
                    continue
                cell.value = converted
                if is_text:
                    cell.data_type = "s"  # never a formula or an error code: user text stays text
                elif is_vnd:
                    sums[index] += converted
                out.append(cell)
        except (TypeError, ValueError) as exc:
            column = columns[index]
            raise TypeError(
                f"sheet {sheet.name!r}, column {column.key!r} ({column.kind}), data row {count}: "
                f"{exc}"
            ) from exc
        ws.append(out)
    return count, sums


def _row_values(sheet: Sheet, columns: list[Column]) -> Iterator[Sequence[Any]]:
    keys = [column.key for column in columns]
    rows = sheet.rows
    if isinstance(rows, pd.DataFrame):
        missing = [key for key in keys if key not in rows.columns]
        if missing:
            raise ValueError(f"sheet {sheet.name!r}: DataFrame has no column(s) {missing}")
        yield from rows[keys].itertuples(index=False, name=None)
        return
    for row in rows:
        yield [row.get(key) for key in keys]


def _totals_row(
    ws: WriteOnlyWorksheet, label: str, columns: list[Column], sums: list[int]
) -> list[Cell | None]:
    bold = Font(bold=True)
    out: list[Cell | None] = []
    for index, column in enumerate(columns):
        if column.kind == "vnd" and index > 0:
            cell = WriteOnlyCell(ws, value=sums[index])
            cell.number_format = NUMBER_FORMATS["vnd"]
        elif index == 0:
            cell = WriteOnlyCell(ws, value=_clean_text(label))
            cell.data_type = "s"
        else:
            out.append(None)
            continue
        cell.font = bold
        out.append(cell)
    return out


def _sheet_name(name: str) -> str:
    cleaned = name.translate(_SHEET_NAME_FORBIDDEN).strip().strip("'")[:31]
    return cleaned or "Sheet"


# --- value conversion per column kind -----------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _clean_text(value: str) -> str:
    # Control characters make Excel refuse the whole file, so drop them.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _text(value: Any) -> str | None:
    if _is_missing(value):
        return None
    text = value if type(value) is str else str(value)
    return _clean_text(text)


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


def _percent(value: Any) -> float | None:
    if _is_missing(value):
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise TypeError(f"expected a number of percent, got {value!r}")
    return float(value) / 100


def _to_display_time(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(DISPLAY_TZ).replace(tzinfo=None)


def _date(value: Any) -> date | None:
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
        return stamp.to_pydatetime() if isinstance(stamp, pd.Timestamp) else stamp
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"expected a datetime, got {value!r}")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "vnd": _integer,
    "int": _integer,
    "percent": _percent,
    "date": _date,
    "datetime": _datetime,
}
