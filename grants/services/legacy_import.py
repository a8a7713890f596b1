"""Import of legacy dossiers (earlier years kept in Excel) from the app's template.

``dry_run(content)`` reads the file and lists every problem in Vietnamese with its row number
and column, without writing anything. ``import_file(content, actor=…)`` runs the same checks
and, only if there is no problem at all, creates everything in the caller's transaction: one
problem and nothing is imported (the caller's ``atomic()`` rolls back any partial work).

One row of the file is one requested catalogue item. Rows with the same tax code, year and
decision number belong to the same dossier (one organisation's items in one decision); a row
without a decision number is a dossier of its own.

**Re-importing adds nothing twice.** Each item's key is ``tax code|year|catalogue code|decision
number`` (empty for no decision). The keys of a dossier are recorded in the ``after`` data of
its ``dossier.import`` audit event: the audit trail is append-only (a database trigger on
PostgreSQL), so unlike a free-text column it cannot be edited away. Before importing, the keys
of every earlier import are read back (the events are found through the index on
``audit_events.action``); rows already imported are reported as such and skipped.

What an imported dossier gets: a code from ``numbering.dossier_code``, the state from the file,
its items with the requested and (for approved ones) approved amounts, a ``Decision`` with the
decision number and date in its note, and for an approval a commitment written by
``ledger.commit_approval`` (budget locked and checked; a row that would exceed the year's
remaining budget is already a problem in the dry run). It has no reception date and no due date,
so the on-time rate leaves it out. Every imported dossier, and the import as a whole, writes an
audit event. No money is paid by an import.
"""

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from grants.db import from_local, local_today
from grants.domain.enums import Channel, Outcome
from grants.domain.errors import InvalidInput
from grants.domain.money import format_vnd, parse_vnd
from grants.domain.organisations import OrgType, validate_tax_code
from grants.domain.workflow_states import APPROVED_OR_LATER, DECIDED, STATUS_LABELS, Status
from grants.exports.reports import TemplateColumn, legacy_template_xlsx
from grants.extensions import db
from grants.models import (
    AuditEvent,
    CatalogueItem,
    Decision,
    Dossier,
    DossierItem,
    Organisation,
    ProgramYear,
)
from grants.queries import identity
from grants.services import audit, ledger
from grants.services.numbering import dossier_code

MAX_ROWS = 5_000
"""Data rows accepted in one file; a bigger history is imported in several files."""

IMPORT_ACTION = "dossier.import"
RUN_ACTION = "legacy_import.run"

COLUMNS = (
    TemplateColumn("Mã số thuế", "tax_code", "text", 16,
                   "Bắt buộc. 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (đơn vị phụ "
                   "thuộc). Nhập dạng văn bản để giữ chữ số 0 ở đầu."),
    TemplateColumn("Tên tổ chức", "org_name", "text", 45,
                   "Bắt buộc với tổ chức chưa có trong hệ thống (tổ chức đã có giữ tên cũ)."),
    TemplateColumn("Loại hình", "org_type", "text", 18,
                   "Bắt buộc với tổ chức chưa có trong hệ thống: Doanh nghiệp, Hợp tác xã, Liên "
                   "hiệp hợp tác xã (hoặc DN, HTX, LHHTX)."),
    TemplateColumn("Xã/phường", "commune", "text", 22, "Không bắt buộc."),
    TemplateColumn("Năm", "year", "text", 8,
                   "Bắt buộc. Năm chương trình (ví dụ 2024); năm phải đã có trong hệ thống."),
    TemplateColumn("Mã danh mục", "catalogue_code", "text", 14,
                   "Bắt buộc. Mã tiêu chuẩn/công cụ/mô hình, ví dụ ISO9001 (xem danh sách bên "
                   "dưới)."),
    TemplateColumn("Chi phí tư vấn, chứng nhận (đồng)", "consulting_cost_vnd", "vnd", 20,
                   "Bắt buộc. Số nguyên đồng; nhận cả dạng chữ như 120.000.000."),
    TemplateColumn("Số tiền đề nghị hỗ trợ (đồng)", "requested_vnd", "vnd", 20,
                   "Bắt buộc, lớn hơn 0 và không lớn hơn chi phí tư vấn, chứng nhận."),
    TemplateColumn("Số tiền được duyệt (đồng)", "approved_vnd", "vnd", 20,
                   "Bắt buộc với hồ sơ được phê duyệt; để trống với hồ sơ không được hỗ trợ "
                   "hoặc chưa có quyết định. Không lớn hơn số tiền đề nghị."),
    TemplateColumn("Trạng thái", "status", "text", 26,
                   "Bắt buộc. Một trong các trạng thái liệt kê bên dưới (không nhận bản nháp)."),
    TemplateColumn("Số quyết định", "decision_number", "text", 20,
                   "Bắt buộc với hồ sơ đã có quyết định, ví dụ 123/QĐ-SKHCN."),
    TemplateColumn("Ngày quyết định", "decision_date", "date", 14,
                   "Bắt buộc khi có số quyết định; dạng ngày của Excel hoặc dd/mm/yyyy."),
)
_BY_KEY = {c.key: c for c in COLUMNS}

# Extra header spellings people use; compared after _norm().
_ALIASES = {
    "tax_code": ("mst", "mã số thuế của tổ chức"),
    "org_name": ("tổ chức", "tên doanh nghiệp", "tên đơn vị"),
    "org_type": ("loại hình tổ chức", "loại tổ chức"),
    "commune": ("xã, phường", "xã phường", "phường/xã", "địa bàn"),
    "year": ("năm chương trình", "năm hỗ trợ"),
    "catalogue_code": ("mã tiêu chuẩn", "mã tiêu chuẩn/công cụ", "mã"),
    "consulting_cost_vnd": ("chi phí tư vấn", "chi phí tư vấn, chứng nhận", "chi phí"),
    "requested_vnd": ("số tiền đề nghị", "số tiền đề nghị hỗ trợ", "kinh phí đề nghị"),
    "approved_vnd": ("số tiền được duyệt", "số tiền phê duyệt", "kinh phí được duyệt"),
    "status": ("tình trạng",),
    "decision_number": ("số qđ", "số quyết định hỗ trợ"),
    "decision_date": ("ngày qđ", "ngày ban hành quyết định"),
}

_DATE_TEXT = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _norm(text: str) -> str:
    text = re.sub(r"\([^)]*\)", "", str(text))  # "(đồng)" and other notes
    return " ".join(text.replace("\n", " ").split()).casefold().strip(" :*")


_HEADERS = {_norm(c.header): c.key for c in COLUMNS} | {
    _norm(alias): key for key, aliases in _ALIASES.items() for alias in aliases}


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, where: ``row`` is the Excel row number (None for the file as a whole),
    ``column`` the column letter and header, e.g. "F (Mã danh mục)"."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}")
        if self.column:
            where.append(f"cột {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Row:
    """One data row as read and checked. ``outcome`` is "new", "existing" (imported before) or
    "error"."""

    row: int
    values: dict = field(default_factory=dict)
    outcome: str = "new"
    existing_code: str | None = None
    group: tuple = ()

    @property
    def outcome_label(self) -> str:
        if self.outcome == "existing":
            return f"Đã nhập trước đây ({self.existing_code})" if self.existing_code \
                else "Đã nhập trước đây"
        return {"new": "Sẽ nhập", "error": "Có lỗi"}[self.outcome]


@dataclass
class ImportReport:
    """The result of a dry run (or of the checks an import repeats)."""

    file_name: str | None
    sha256: str | None
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created_codes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new_rows(self) -> list[Row]:
        return [r for r in self.rows if r.outcome == "new"]

    @property
    def existing_rows(self) -> list[Row]:
        return [r for r in self.rows if r.outcome == "existing"]

    @property
    def new_dossiers(self) -> int:
        return len({r.group for r in self.new_rows})

    @property
    def new_approved_vnd(self) -> int:
        return sum(r.values.get("approved_vnd") or 0 for r in self.new_rows)

    def problems_of(self, row: int) -> list[Problem]:
        return [p for p in self.problems if p.row == row]


class ImportRejected(InvalidInput):
    """The file has problems; nothing was imported. ``report`` lists them."""

    code = "import_rejected"

    def __init__(self, report: ImportReport):
        count = len(report.problems)
        super().__init__(f"Tệp có {count} lỗi nên không nhập dòng nào. Hãy sửa các lỗi được liệt "
                         "kê rồi tải tệp lên lại.")
        self.report = report


# --- Template ------------------------------------------------------------------------------------


def template_xlsx() -> bytes:
    """The import template: the data sheet with its headers and a guide with the accepted
    values (states, organisation types, the catalogue)."""
    catalogue = [(c.code, c.name, c.kind_label) for c in db.session.scalars(
        select(CatalogueItem).order_by(CatalogueItem.code))]
    statuses = [f"{label} ({s.value})" for s, label in STATUS_LABELS.items()
                if s != Status.DRAFT]
    org_types = [f"{t.label} ({t.abbreviation})" for t in OrgType]
    return legacy_template_xlsx(COLUMNS, catalogue=catalogue, statuses=statuses,
                                org_types=org_types)


# --- Reading the file ----------------------------------------------------------------------------


def _column_name(index: int, key: str) -> str:
    # openpyxl (about 37 MiB) is loaded by an import only, not by every process of the app.
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)} ({_BY_KEY[key].header})"


def _open_sheet(content: bytes, problems: list[Problem]):
    if not content:
        problems.append(Problem(None, None, "Tệp rỗng. Hãy chọn tệp Excel (.xlsx) theo mẫu."))
        return None
    if not zipfile.is_zipfile(io.BytesIO(content)):
        problems.append(Problem(None, None, "Tệp không phải là tệp Excel .xlsx (tệp .xls, .csv "
                                "hay tệp khác không được nhận). Hãy lưu lại dưới dạng .xlsx "
                                "theo mẫu."))
        return None
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # any unreadable workbook gets the same answer
        problems.append(Problem(None, None, "Không đọc được tệp: tệp không phải là bảng tính "
                                "Excel .xlsx hợp lệ hoặc đã bị hỏng."))
        return None
    names = workbook.sheetnames
    return workbook["Dữ liệu"] if "Dữ liệu" in names else workbook[names[0]]


def _find_header(rows: list[tuple]) -> tuple[int, dict[str, int]] | None:
    """(index of the header row, key → column index) for the first row naming ≥ 3 columns."""
    for index, values in enumerate(rows[:15]):
        found: dict[str, int] = {}
        for col, value in enumerate(values):
            if isinstance(value, str):
                key = _HEADERS.get(_norm(value))
                if key and key not in found:
                    found[key] = col
        if len(found) >= 3:
            return index, found
    return None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


Cells = dict[str, tuple[int, object]]


def _read_rows(sheet, problems: list[Problem]) -> Iterator[tuple[int, Cells]]:
    """(Excel row number, key → (column index, raw value)) for each non-blank data row."""
    head: list[tuple] = []
    rows = sheet.iter_rows(values_only=True)
    for values in rows:
        head.append(values)
        if len(head) >= 15:
            break
    found = _find_header(head)
    if found is None:
        problems.append(Problem(None, None, "Không tìm thấy dòng tiêu đề của mẫu (các cột "
                                + ", ".join(f"«{c.header}»" for c in COLUMNS)
                                + "). Hãy dùng mẫu tải từ hệ thống."))
        return
    header_index, columns = found
    missing = [c.header for c in COLUMNS if c.key not in columns]
    if missing:
        problems.append(Problem(header_index + 1, None, "Thiếu cột: "
                                + ", ".join(f"«{m}»" for m in missing) + "."))
        return

    def data() -> Iterator[tuple[int, tuple]]:
        for offset, values in enumerate(head[header_index + 1:], header_index + 2):
            yield offset, values
        for offset, values in enumerate(rows, len(head) + 1):
            yield offset, values

    count = 0
    for number, values in data():
        cells = {key: (col, values[col] if col < len(values) else None)
                 for key, col in columns.items()}
        if all(_blank(v) for _c, v in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            problems.append(Problem(number, None, f"Tệp có quá {MAX_ROWS:,} dòng dữ liệu"
                                    .replace(",", ".") + "; hãy chia thành nhiều tệp."))
            return
        yield number, cells


# --- Checking one row ----------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _text(value) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _whole(value, *, what: str) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _CellError(f"{what} phải là số nguyên.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise _CellError(f"{what} phải là số nguyên, không có phần thập phân "
                             f"(đang là {value}).")
        return int(value)
    if isinstance(value, datetime | date):
        raise _CellError(f"{what} phải là số, không phải ngày tháng.")
    return None  # text: the caller parses it


def _amount(value) -> int | None:
    number = _whole(value, what="Số tiền")
    if number is not None or _blank(value):
        if number is not None and number < 0:
            raise _CellError("Số tiền không được âm.")
        return number
    try:
        return parse_vnd(str(value))
    except InvalidInput as err:
        raise _CellError(f"«{_text(value)}» không phải là số tiền hợp lệ. {err.message}") \
            from None


def _year(value) -> int | None:
    number = _whole(value, what="Năm")
    if number is None and not _blank(value):
        text = _text(value) or ""
        if not text.isdigit():
            raise _CellError(f"«{text}» không phải là năm (ví dụ 2024).")
        number = int(text)
    if number is not None and not 2000 <= number <= 2100:
        raise _CellError(f"Năm {number} không hợp lệ.")
    return number


def _date(value) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value) or ""
    try:
        if match := _DATE_TEXT.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise _CellError(f"«{text}» không phải là ngày hợp lệ (dạng dd/mm/yyyy).")


_STATUS_NAMES = {_norm(s.value): s for s in Status} | {_norm(label): s
                                                        for s, label in STATUS_LABELS.items()}
_ORG_TYPE_NAMES = {_norm(name): t for t in OrgType for name in (t.value, t.label,
                                                                 t.abbreviation)}


def _status(value) -> Status | None:
    text = _text(value)
    if text is None:
        return None
    status = _STATUS_NAMES.get(_norm(text))
    if status is None:
        raise _CellError(f"Trạng thái «{text}» không có trong danh sách (xem trang Hướng dẫn "
                         "của mẫu).")
    if status == Status.DRAFT:
        raise _CellError("Không nhập hồ sơ nháp: chỉ nhập hồ sơ đã nộp.")
    return status


def _org_type(value) -> OrgType | None:
    text = _text(value)
    if text is None:
        return None
    org_type = _ORG_TYPE_NAMES.get(_norm(text))
    if org_type is None:
        raise _CellError(f"Loại hình «{text}» không hợp lệ: Doanh nghiệp, Hợp tác xã hoặc Liên "
                         "hiệp hợp tác xã (DN, HTX, LHHTX).")
    return org_type


def _tax_code(value) -> str | None:
    if _blank(value):
        return None
    text = _text(value) or ""
    try:
        return validate_tax_code(text)
    except InvalidInput as err:
        hint = (" Có thể Excel đã bỏ chữ số 0 ở đầu: hãy nhập mã số thuế dạng văn bản."
                if text.isdigit() and len(text) in (8, 9) else "")
        raise _CellError(f"«{text}»: {err.message}{hint}") from None


_PARSERS = {
    "tax_code": _tax_code, "org_name": _text, "org_type": _org_type, "commune": _text,
    "year": _year, "catalogue_code": lambda v: (_text(v) or "").replace(" ", "").upper() or None,
    "consulting_cost_vnd": _amount, "requested_vnd": _amount, "approved_vnd": _amount,
    "status": _status, "decision_number": _text, "decision_date": _date,
}


def _parse(number: int, cells: dict, problems: list[Problem]) -> Row:
    row = Row(number)
    for key, (col, raw) in cells.items():
        try:
            row.values[key] = _PARSERS[key](raw)
        except _CellError as err:
            row.values[key] = None
            problems.append(Problem(number, _column_name(col, key), str(err)))
    return row


def _require(row: Row, cells: dict, key: str, message: str, problems: list[Problem]) -> None:
    if row.values.get(key) is None and _blank(cells[key][1]):
        problems.append(Problem(row.row, _column_name(cells[key][0], key), message))


def _check_row(row: Row, cells: dict, problems: list[Problem]) -> None:
    v = row.values
    col = {key: _column_name(index, key) for key, (index, _raw) in cells.items()}
    for key, message in (("tax_code", "Thiếu mã số thuế."), ("year", "Thiếu năm."),
                         ("catalogue_code", "Thiếu mã danh mục."),
                         ("consulting_cost_vnd", "Thiếu chi phí tư vấn, chứng nhận."),
                         ("requested_vnd", "Thiếu số tiền đề nghị hỗ trợ."),
                         ("status", "Thiếu trạng thái hồ sơ.")):
        _require(row, cells, key, message, problems)
    cost, requested, approved = v.get("consulting_cost_vnd"), v.get("requested_vnd"), \
        v.get("approved_vnd")
    if requested is not None and requested <= 0:
        problems.append(Problem(row.row, col["requested_vnd"],
                                "Số tiền đề nghị hỗ trợ phải lớn hơn 0."))
    if cost is not None and requested is not None and requested > cost:
        problems.append(Problem(row.row, col["requested_vnd"],
                                f"Số tiền đề nghị ({format_vnd(requested)}) lớn hơn chi phí tư vấn,"
                                f" chứng nhận ({format_vnd(cost)})."))
    if approved is not None and requested is not None and approved > requested:
        problems.append(Problem(row.row, col["approved_vnd"],
                                f"Số tiền được duyệt ({format_vnd(approved)}) lớn hơn số tiền đề "
                                f"nghị ({format_vnd(requested)})."))
    status = v.get("status")
    if status is None:
        return
    if status in DECIDED:
        _require(row, cells, "decision_number",
                 "Hồ sơ đã có quyết định: thiếu số quyết định.", problems)
        _require(row, cells, "decision_date",
                 "Hồ sơ đã có quyết định: thiếu ngày quyết định.", problems)
    if approved and status not in APPROVED_OR_LATER:
        problems.append(Problem(row.row, col["approved_vnd"],
                                f"Hồ sơ ở trạng thái «{status.label}» không có số tiền được "
                                "duyệt; hãy để trống."))
    when = v.get("decision_date")
    if when is not None and when > local_today():
        problems.append(Problem(row.row, col["decision_date"],
                                f"Ngày quyết định {when:%d/%m/%Y} ở tương lai."))


# --- The dry run ---------------------------------------------------------------------------------


def item_key(values: dict) -> str:
    """The idempotency key of one imported item."""
    return "|".join([values["tax_code"], str(values["year"]), values["catalogue_code"],
                     values.get("decision_number") or ""])


def _imported_keys() -> dict[str, str]:
    """Item key → code of the dossier it was imported into, from earlier imports' audit
    events (found through the index on ``audit_events.action``)."""
    keys: dict[str, str] = {}
    for after_json in db.session.scalars(select(AuditEvent.after_json)
                                         .where(AuditEvent.action == IMPORT_ACTION)):
        data = json.loads(after_json or "{}")
        for key in data.get("legacy_keys", []):
            keys[key] = data.get("code", "")
    return keys


def dry_run(content: bytes, *, file_name: str | None = None) -> ImportReport:
    """Check the file without writing anything; the report lists every problem (row, column,
    what is wrong), the warnings, and what each row would become."""
    report = ImportReport(file_name, hashlib.sha256(content or b"").hexdigest())
    problems = report.problems
    sheet = _open_sheet(content, problems)
    if sheet is None:
        return report
    parsed: list[tuple[Row, dict]] = []
    for number, cells in _read_rows(sheet, problems):
        row = _parse(number, cells, problems)
        _check_row(row, cells, problems)
        parsed.append((row, cells))
    report.rows = [row for row, _cells in parsed]
    if not parsed and not problems:
        problems.append(Problem(None, None, "Tệp không có dòng dữ liệu nào."))
    _check_against_file(parsed, problems, report.warnings)
    _check_against_database(parsed, problems, report.warnings)
    failed = {p.row for p in problems}
    for row in report.rows:
        if row.row in failed:
            row.outcome = "error"
    return report


def _group_key(row: Row) -> tuple:
    v = row.values
    return (v.get("tax_code"), v.get("year"), v.get("decision_number") or f"#dòng {row.row}")


def _check_against_file(parsed, problems: list[Problem], warnings: list[Problem]) -> None:
    seen_items: dict[str, int] = {}
    groups: dict[tuple, list[tuple[Row, dict]]] = {}
    orgs: dict[str, Row] = {}
    for row, cells in parsed:
        v = row.values
        if None in (v.get("tax_code"), v.get("year"), v.get("catalogue_code")):
            continue
        key = item_key(v)
        if key in seen_items:
            problems.append(Problem(row.row, None, f"Dòng trùng với dòng {seen_items[key]} (cùng "
                                    "mã số thuế, năm, mã danh mục và số quyết định)."))
            continue
        seen_items[key] = row.row
        row.group = _group_key(row)
        members = groups.setdefault(row.group, [])
        if members:
            first = members[0][0]
            for name in ("status", "decision_date"):
                if v.get(name) != first.values.get(name):
                    problems.append(Problem(row.row, _column_name(cells[name][0], name),
                                            f"Khác với dòng {first.row} của cùng hồ sơ (cùng mã "
                                            "số thuế, năm và số quyết định)."))
        members.append((row, cells))
        org = orgs.setdefault(v["tax_code"], row)
        if org is not row and v.get("org_name") and org.values.get("org_name") \
                and _norm(v["org_name"]) != _norm(org.values["org_name"]):
            warnings.append(Problem(row.row, _column_name(cells["org_name"][0], "org_name"),
                                    f"Tên tổ chức khác với dòng {org.row} cùng mã số thuế; "
                                    f"dùng tên ở dòng {org.row}."))
    for members in groups.values():
        first, cells = members[0]
        if first.values.get("status") == Status.APPROVED \
                and not sum(r.values.get("approved_vnd") or 0 for r, _c in members):
            problems.append(Problem(first.row, _column_name(cells["approved_vnd"][0],
                                                            "approved_vnd"),
                                    "Hồ sơ được phê duyệt: thiếu số tiền được duyệt (lớn hơn 0)."))


def _check_against_database(parsed, problems: list[Problem], warnings: list[Problem]) -> None:
    rows = [(row, cells) for row, cells in parsed if row.group]
    if not rows:
        return
    years = {y.year: y for y in db.session.scalars(select(ProgramYear))}
    codes = set(db.session.scalars(select(CatalogueItem.code)))
    tax_codes = {row.values["tax_code"] for row, _c in rows}
    known_orgs = {o.tax_code: o for o in db.session.scalars(
        select(Organisation).where(Organisation.tax_code.in_(tax_codes)))}
    imported = _imported_keys()

    for row, cells in rows:
        v = row.values
        col = {key: _column_name(index, key) for key, (index, _raw) in cells.items()}
        if v["year"] not in years:
            problems.append(Problem(row.row, col["year"], f"Năm {v['year']} chưa có trong hệ "
                                    "thống; hãy tạo năm chương trình trước khi nhập."))
        if v["catalogue_code"] not in codes:
            problems.append(Problem(row.row, col["catalogue_code"],
                                    f"Mã danh mục «{v['catalogue_code']}» không có trong danh mục"
                                    " của hệ thống."))
        org = known_orgs.get(v["tax_code"])
        if org is None:
            if not v.get("org_name"):
                _require(row, cells, "org_name", "Tổ chức chưa có trong hệ thống: thiếu tên tổ "
                         "chức.", problems)
            if not v.get("org_type"):
                _require(row, cells, "org_type", "Tổ chức chưa có trong hệ thống: thiếu loại "
                         "hình.", problems)
        elif v.get("org_name") and _norm(v["org_name"]) != _norm(org.name):
            warnings.append(Problem(row.row, col["org_name"], f"Tên trong tệp khác tên trong hệ "
                                    f"thống («{org.name}»); giữ tên trong hệ thống."))
        if item_key(v) in imported:
            row.outcome, row.existing_code = "existing", imported[item_key(v)] or None

    # A dossier is imported whole or not at all: a partly imported one cannot take new items.
    by_group: dict[tuple, list[Row]] = {}
    for row, _cells in rows:
        by_group.setdefault(row.group, []).append(row)
    for members in by_group.values():
        done = [r for r in members if r.outcome == "existing"]
        if done and len(done) < len(members):
            for r in members:
                if r.outcome != "existing":
                    problems.append(Problem(r.row, None, "Hồ sơ này đã được nhập trước đây "
                                            f"({done[0].existing_code}) không có dòng này; không"
                                            " bổ sung mục mới vào hồ sơ đã nhập."))

    # The budget: approvals of the new dossiers, in file order, against what each year has left.
    remaining = {number: y.budget_vnd - y.committed_vnd for number, y in years.items()}
    for members in by_group.values():
        first = members[0]
        total = sum(r.values.get("approved_vnd") or 0 for r in members if r.outcome == "new")
        year = years.get(first.values["year"])
        if not total or year is None:
            continue
        if year.is_closed:
            problems.append(Problem(first.row, None, f"Năm {year.year} đã khóa sổ: không thể ghi "
                                    "cam kết kinh phí cho hồ sơ được phê duyệt."))
            continue
        if total > remaining[year.year]:
            problems.append(Problem(first.row, None, f"Vượt ngân sách năm {year.year}: hồ sơ cần "
                                    f"cam kết {format_vnd(total)} nhưng chỉ còn "
                                    f"{format_vnd(max(remaining[year.year], 0))} (sau các dòng "
                                    "phía trên)."))
            continue
        remaining[year.year] -= total
    _warn_double_support(rows, warnings)


def _warn_double_support(rows, warnings: list[Problem]) -> None:
    approved = [(row, cells) for row, cells in rows
                if row.outcome == "new" and row.values.get("approved_vnd")]
    if not approved:
        return
    tax_codes = {row.values["tax_code"] for row, _c in approved}
    earlier = set(db.session.execute(
        select(Organisation.tax_code, CatalogueItem.code)
        .select_from(DossierItem)
        .join(Dossier, DossierItem.dossier_id == Dossier.id)
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .join(CatalogueItem, DossierItem.catalogue_item_id == CatalogueItem.id)
        .where(Organisation.tax_code.in_(tax_codes), Dossier.outcome == Outcome.APPROVED.value,
               DossierItem.approved_vnd > 0)).all())
    seen: dict[tuple, int] = {}
    for row, cells in approved:
        pair = (row.values["tax_code"], row.values["catalogue_code"])
        if pair in earlier or pair in seen:
            where = f"dòng {seen[pair]}" if pair in seen else "hồ sơ đã có trong hệ thống"
            warnings.append(Problem(row.row, _column_name(cells["catalogue_code"][0],
                                                          "catalogue_code"),
                                    f"Tổ chức đã được hỗ trợ cho «{pair[1]}» ({where}): kiểm tra "
                                    "lại (không hỗ trợ hai lần)."))
        seen.setdefault(pair, row.row)


# --- The import ----------------------------------------------------------------------------------


def import_file(content: bytes, *, actor, file_name: str | None = None) -> ImportReport:
    """Check the file again and import every new row, in the caller's transaction.

    Raises ImportRejected (nothing written) if the checks find any problem; BudgetExceeded or
    Conflict from the ledger if the budget changed since the checks (the caller rolls back).
    Returns the report with ``created_codes``.
    """
    report = dry_run(content, file_name=file_name)
    if not report.ok:
        raise ImportRejected(report)
    groups: dict[tuple, list[Row]] = {}
    for row in report.new_rows:
        groups.setdefault(row.group, []).append(row)
    if groups:
        years = {y.year: y for y in db.session.scalars(select(ProgramYear))}
        items = dict(db.session.execute(select(CatalogueItem.code, CatalogueItem.id)).all())
        orgs: dict[str, Organisation] = {}
        for members in groups.values():
            dossier = _import_dossier(members, years=years, items=items, orgs=orgs, actor=actor,
                                      report=report)
            report.created_codes.append(dossier.code)
    audit.record(RUN_ACTION, None, actor=actor,
                 after={"file_name": file_name, "sha256": report.sha256,
                        "rows": len(report.rows), "new_rows": len(report.new_rows),
                        "skipped_rows": len(report.existing_rows),
                        "dossiers": report.created_codes},
                 note=f"Nhập hồ sơ cũ từ tệp {file_name or '(không tên)'}: "
                      f"{len(report.created_codes)} hồ sơ mới, "
                      f"{len(report.existing_rows)} dòng đã có được bỏ qua.")
    return report


def _organisation(values: dict, orgs: dict[str, Organisation], actor) -> Organisation:
    tax_code = values["tax_code"]
    # The verified organisation only: past dossiers never go to a registration still pending
    # on the portal (anyone can type a tax code there).
    org = orgs.get(tax_code) or identity.verified_organisation(tax_code)
    if org is None:
        org = Organisation(name=values["org_name"], org_type=values["org_type"].value,
                           tax_code=tax_code, commune=values.get("commune"))
        db.session.add(org)
        db.session.flush()
        audit.record("organisation.create", org, actor=actor,
                     after={"name": org.name, "tax_code": tax_code, "org_type": org.org_type,
                            "commune": org.commune}, note="Tạo khi nhập hồ sơ cũ")
    orgs[tax_code] = org
    return org


def _import_dossier(members: list[Row], *, years, items, orgs, actor,
                    report: ImportReport) -> Dossier:
    first = members[0].values
    year = years[first["year"]]
    status: Status = first["status"]
    approved_total = sum(r.values.get("approved_vnd") or 0 for r in members)
    decision_number, decision_date = first.get("decision_number"), first.get("decision_date")
    decided_at = from_local(datetime.combine(decision_date, time(12, 0))) \
        if decision_date else None
    outcome = None
    if status in DECIDED:
        outcome = Outcome.APPROVED if approved_total > 0 else Outcome.REJECTED
    decision_text = (f"Quyết định số {decision_number}"
                     + (f" ngày {decision_date:%d/%m/%Y}" if decision_date else "")
                     if decision_number else None)
    note = "Hồ sơ nhập từ dữ liệu cũ" + (f" ({decision_text})" if decision_text else "") + \
        f"; tệp {report.file_name or '(không tên)'}, dòng " + \
        ", ".join(str(r.row) for r in members) + "."
    org = _organisation(first, orgs, actor)
    dossier = Dossier(code=dossier_code(year.year), organisation=org, program_year=year,
                      status=status.value, channel=Channel.COUNTER.value,
                      return_channel=Channel.COUNTER.value, note=note, created_by_id=actor.id,
                      outcome=outcome.value if outcome else None,
                      decided_at=decided_at if outcome else None)
    for row in members:
        v = row.values
        approved = v.get("approved_vnd") if outcome == Outcome.APPROVED else None
        dossier.items.append(DossierItem(
            catalogue_item_id=items[v["catalogue_code"]],
            consulting_cost_vnd=v["consulting_cost_vnd"], requested_vnd=v["requested_vnd"],
            proposed_vnd=approved, approved_vnd=approved or (0 if outcome else None)))
    db.session.add(dossier)
    db.session.flush()
    audit.record(IMPORT_ACTION, dossier, actor=actor, dossier=dossier, to_status=status.value,
                 after={"code": dossier.code, "legacy_keys": [item_key(r.values)
                                                              for r in members],
                        "rows": [r.row for r in members], "file_name": report.file_name,
                        "sha256": report.sha256, "decision": decision_text},
                 note=note)
    if outcome == Outcome.APPROVED:
        ledger.commit_approval(dossier, actor=actor, total_vnd=approved_total,
                               entry_on=decision_date)
        db.session.add(Decision(dossier_id=dossier.id, outcome=Outcome.APPROVED.value,
                                authority=year.authority, total_vnd=approved_total,
                                note=f"{decision_text} (nhập từ dữ liệu cũ).",
                                decided_by_id=actor.id, decided_at=decided_at))
    elif outcome == Outcome.REJECTED:
        reason = f"Không được hỗ trợ theo {decision_text or 'văn bản trả lời'} (dữ liệu cũ, không"\
                 " ghi lý do)."
        db.session.add(Decision(dossier_id=dossier.id, outcome=Outcome.REJECTED.value,
                                authority=year.authority, total_vnd=0,
                                reasons_json=json.dumps([reason], ensure_ascii=False),
                                note=f"{decision_text} (nhập từ dữ liệu cũ).",
                                decided_by_id=actor.id, decided_at=decided_at))
    db.session.flush()
    return dossier


def imported_count() -> int:
    """How many dossiers were imported from legacy files so far."""
    return db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == IMPORT_ACTION)) or 0
