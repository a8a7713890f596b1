"""The reports of SPEC §7 as .xlsx files, in the layout officers hand in: a title row naming the
report and the year, the export time, Vietnamese headers, VND as numbers (#,##0), dates as dates.

Plain data in (the frozen figures of ``grants.queries.reports``, read by attribute), bytes out;
no Flask, no database. Everything goes through ``grants.exports.spreadsheets`` (streamed,
XlsxWriter in constant-memory mode).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any

from grants.exports.spreadsheets import (
    Column,
    Sheet,
    to_xlsx_bytes,
    write_large_sheet,
)

PROGRAM = "Hỗ trợ áp dụng tiêu chuẩn, công cụ quản lý tiên tiến theo Nghị quyết 43/2022/NQ-HĐND"


def _now(exported_at: datetime | None) -> datetime:
    return exported_at or datetime.now(UTC)


def _subtitle(year: int | None, extra: str | None = None) -> str:
    text = f"{PROGRAM} — năm {year}" if year is not None else f"{PROGRAM} — tất cả các năm"
    return f"{text}. {extra}" if extra else text


def _share(part: int, whole: int) -> float | None:
    """Exact percentage for a "percent" column (Excel rounds only for display)."""
    return part * 100 / whole if whole else None


def days_text(value: float | None) -> str | None:
    """Working days the Vietnamese way, at most two decimals: 0.5 -> "0,5", 10.0 -> "10"."""
    if value is None:
        return None
    amount = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP).normalize()
    return format(amount, "f").replace(".", ",")


# --- 1. Budget execution -------------------------------------------------------------------------


def budget_execution_xlsx(report, *, exported_at: datetime | None = None) -> bytes:
    """Budget execution of one year: a summary sheet and the net flows per month.

    ``report`` is a ``queries.reports.budget_execution.BudgetExecution``.
    """
    at = _now(exported_at)
    title = f"BÁO CÁO TÌNH HÌNH THỰC HIỆN KINH PHÍ HỖ TRỢ NĂM {report.year}"
    budget = report.budget_vnd
    summary = [
        ("Kinh phí được giao", budget),
        ("Đã cam kết (quyết định hỗ trợ)", report.committed_vnd),
        ("Đã giải ngân", report.disbursed_vnd),
        ("Còn lại (chưa cam kết)", report.remaining_vnd),
        ("Đã cam kết nhưng chưa giải ngân", report.unpaid_committed_vnd),
    ]
    summary_rows = [{"label": label, "vnd": value, "share": _share(value, budget)}
                    for label, value in summary]
    month_rows: list[dict[str, Any]] = [
        {"month": m.label, "committed": m.committed_vnd, "disbursed": m.disbursed_vnd,
         "cum_committed": m.cumulative_committed_vnd,
         "cum_disbursed": m.cumulative_disbursed_vnd}
        for m in report.months]
    month_rows.append({"month": "Cả năm", "committed": report.committed_vnd,
                       "disbursed": report.disbursed_vnd})
    return to_xlsx_bytes([
        Sheet("Tổng hợp", title, [
            Column("Chỉ tiêu", "label", "text", 40),
            Column("Số tiền (đồng)", "vnd", "vnd"),
            Column("Tỷ lệ so với kinh phí", "share", "percent", 14),
        ], summary_rows, subtitle=_subtitle(report.year), exported_at=at),
        Sheet("Theo tháng", title, [
            Column("Tháng", "month", "text", 12),
            Column("Cam kết trong tháng (ròng)", "committed", "vnd", 20),
            Column("Giải ngân trong tháng (ròng)", "disbursed", "vnd", 20),
            Column("Lũy kế cam kết", "cum_committed", "vnd", 20),
            Column("Lũy kế giải ngân", "cum_disbursed", "vnd", 20),
        ], month_rows, subtitle=_subtitle(
            report.year, "Theo ngày ghi sổ của bút toán; giải phóng cam kết và bút toán đảo "
            "được trừ."), exported_at=at),
    ])


# --- 2. Target progress --------------------------------------------------------------------------


def target_xlsx(report, *, exported_at: datetime | None = None) -> bytes:
    """Approved items against the target, by catalogue kind and by catalogue item.

    ``report`` is a ``queries.reports.targets.TargetReport``.
    """
    at = _now(exported_at)
    progress = report.progress
    title = f"BÁO CÁO TIẾN ĐỘ THỰC HIỆN MỤC TIÊU NĂM {report.year}"
    state = f"Mục tiêu {progress.min_items}–{progress.max_items} tiêu chuẩn/công cụ/mô hình; " \
            f"đã phê duyệt {progress.approved_items} ({progress.label}" + \
            (f", còn thiếu {progress.shortfall}" if progress.shortfall else "") + ")."
    columns = [
        Column("Số mục được phê duyệt", "approved_items", "int", 14),
        Column("Kinh phí được phê duyệt (đồng)", "approved_vnd", "vnd", 20),
        Column("Số mục đang xử lý (chưa quyết định)", "pending_items", "int", 18),
    ]
    kinds = [_row_dict(k) for k in report.kinds]
    kinds.append({"label": "Tổng cộng", "approved_items": progress.approved_items,
                  "approved_vnd": report.approved_vnd, "pending_items": report.pending_items})
    return to_xlsx_bytes([
        Sheet("Theo loại", title, [Column("Loại", "label", "text", 28), *columns], kinds,
              subtitle=_subtitle(report.year, state), exported_at=at),
        Sheet("Theo danh mục", title, [Column("Mã", "key", "text", 12),
                                       Column("Tên tiêu chuẩn/công cụ/mô hình", "label", "text",
                                              50), *columns],
              [_row_dict(i) for i in report.items], subtitle=_subtitle(report.year, state),
              exported_at=at),
    ])


def _row_dict(row) -> dict:
    return {name: getattr(row, name) for name in row.__slots__}


# --- 3. Demand summary ---------------------------------------------------------------------------


_DEMAND_COLUMNS = [
    Column("Số hồ sơ", "dossiers", "int", 10),
    Column("Số mục đề nghị", "items", "int", 10),
    Column("Chi phí tư vấn, chứng nhận (đồng)", "consulting_cost_vnd", "vnd", 20),
    Column("Kinh phí đề nghị hỗ trợ (đồng)", "requested_vnd", "vnd", 20),
    Column("Kinh phí được phê duyệt (đồng)", "approved_vnd", "vnd", 20),
    Column("Số mục chưa quyết định", "undecided_items", "int", 12),
    Column("Đề nghị chưa quyết định (đồng)", "undecided_requested_vnd", "vnd", 20),
]


def demand_xlsx(report, *, exported_at: datetime | None = None) -> bytes:
    """The year's demand summary ("tổng hợp nhu cầu hỗ trợ"): by catalogue item, by
    commune/ward and by organisation type, each with a total row.

    ``report`` is a ``queries.reports.demand.DemandSummary``.
    """
    at = _now(exported_at)
    title = f"TỔNG HỢP NHU CẦU HỖ TRỢ NĂM {report.year}"
    note = "Gồm mọi hồ sơ đã nộp (kể cả chưa quyết định); không gồm hồ sơ nháp và hồ sơ đã rút."
    total = _row_dict(report.total)

    def sheet(name: str, first: Sequence[Column], rows) -> Sheet:
        data = [_row_dict(r) for r in rows] + [{**total, "key": "", "label": "Tổng cộng"}]
        return Sheet(name, title, [*first, *_DEMAND_COLUMNS], data,
                     subtitle=_subtitle(report.year, note), exported_at=at)

    return to_xlsx_bytes([
        sheet("Theo danh mục", [Column("Mã", "key", "text", 12),
                                Column("Tiêu chuẩn/công cụ/mô hình", "label", "text", 50)],
              report.by_item),
        sheet("Theo xã, phường", [Column("Xã/phường", "label", "text", 30)], report.by_commune),
        sheet("Theo loại hình", [Column("Loại hình tổ chức", "label", "text", 26)],
              report.by_org_type),
    ])


# --- 4. Processing -------------------------------------------------------------------------------


_STEP_COLUMNS = [
    Column("Định mức (ngày làm việc)", "allotment", "text", 14),
    Column("Số lượt", "count", "int", 10),
    Column("Trung bình (ngày làm việc)", "average", "decimal", 14),
    Column("Trung bình so với định mức", "against", "percent", 14),
    Column("Số lượt vượt định mức", "over", "int", 12),
]


def _step_dict(row) -> dict:
    allotment = row.allotment_days
    return {"officer": row.officer, "step": row.label,
            "allotment": days_text(allotment) if allotment is not None else "Không tính",
            "count": row.count, "average": row.average_days,
            "against": (row.average_days * 100 / allotment
                        if allotment and row.average_days is not None else None),
            "over": row.over_allotment}


def processing_xlsx(report, overdue: Iterable, *, exported_at: datetime | None = None) -> bytes:
    """Processing of one year: on-time rate, time per step (overall and per officer) and the
    full list of overdue dossiers.

    ``report`` is a ``queries.reports.processing.ProcessingReport``; ``overdue`` yields
    ``OverdueRow``.
    """
    at = _now(exported_at)
    title = f"BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ NĂM {report.year}"
    t = report.on_time
    summary = [
        {"label": "Hồ sơ đã giải quyết (đã có quyết định)", "count": t.finished},
        {"label": "Trong đó: giải quyết đúng hạn", "count": t.on_time,
         "share": _share(t.on_time, t.judged)},
        {"label": "Trong đó: giải quyết quá hạn", "count": t.late,
         "share": _share(t.late, t.judged)},
        {"label": "Trong đó: không xác định được hạn (dữ liệu cũ)", "count": t.without_due},
        {"label": "Hồ sơ đang giải quyết", "count": report.in_process},
        {"label": "Trong đó: đã quá hạn", "count": report.overdue},
    ]
    method = ("Thời gian mỗi bước tính từ nhật ký thay đổi trạng thái, theo giờ hành chính "
              "(8 giờ = 1 ngày làm việc, thứ Hai–thứ Sáu); chưa trừ ngày lễ, ngày nghỉ bù.")
    overdue_rows = ({"code": r.code, "organisation": r.organisation, "status": r.status.label,
                     "received": r.received_at, "due": r.due_at, "late": r.working_days_late,
                     "assignee": r.assignee} for r in overdue)
    return to_xlsx_bytes([
        Sheet("Đúng hạn", title, [
            Column("Chỉ tiêu", "label", "text", 46),
            Column("Số hồ sơ", "count", "int", 12),
            Column("Tỷ lệ", "share", "percent", 12),
        ], summary, subtitle=_subtitle(
            report.year, f"Thời hạn giải quyết: {report.statutory_days} ngày làm việc."),
            exported_at=at),
        Sheet("Theo bước", title, [Column("Bước xử lý", "step", "text", 46), *_STEP_COLUMNS],
              [_step_dict(s) for s in report.steps], subtitle=_subtitle(report.year, method),
              exported_at=at),
        Sheet("Theo cán bộ", title, [Column("Cán bộ", "officer", "text", 26),
                                     Column("Bước xử lý", "step", "text", 46), *_STEP_COLUMNS],
              [_step_dict(s) for s in report.officers],
              subtitle=_subtitle(report.year, method), exported_at=at),
        Sheet("Hồ sơ quá hạn", title, [
            Column("Mã hồ sơ", "code", "text", 16),
            Column("Tổ chức", "organisation", "text", 45),
            Column("Trạng thái", "status", "text", 26),
            Column("Ngày tiếp nhận", "received", "date"),
            Column("Hạn giải quyết", "due", "date"),
            Column("Số ngày làm việc quá hạn", "late", "int", 14),
            Column("Cán bộ thụ lý", "assignee", "text", 24),
        ], overdue_rows, subtitle=_subtitle(report.year, "Hồ sơ đang giải quyết đã quá hạn."),
            exported_at=at),
    ])


# --- 5. Year over year ---------------------------------------------------------------------------


def year_over_year_xlsx(rows: Sequence, *, exported_at: datetime | None = None) -> bytes:
    """One row per program year. ``rows`` are ``queries.reports.year_over_year.YearRow``."""
    years = [r.year for r in rows]
    title = "SO SÁNH KẾT QUẢ HỖ TRỢ QUA CÁC NĂM"
    span = f"Từ năm {min(years)} đến năm {max(years)}" if years else None
    data = [{"year": str(r.year), "budget": r.budget_vnd, "committed": r.committed_vnd,
             "committed_share": _share(r.committed_vnd, r.budget_vnd),
             "disbursed": r.disbursed_vnd, "dossiers": r.dossiers, "items": r.approved_items,
             "finished": r.finished, "on_time": _share(r.on_time, r.judged)} for r in rows]
    return to_xlsx_bytes([Sheet("Qua các năm", title, [
        Column("Năm", "year", "text", 8),
        Column("Kinh phí được giao (đồng)", "budget", "vnd", 20),
        Column("Đã cam kết (đồng)", "committed", "vnd", 20),
        Column("Tỷ lệ cam kết", "committed_share", "percent", 12),
        Column("Đã giải ngân (đồng)", "disbursed", "vnd", 20),
        Column("Số hồ sơ đã nộp", "dossiers", "int", 12),
        Column("Số mục được phê duyệt", "items", "int", 12),
        Column("Hồ sơ đã giải quyết", "finished", "int", 12),
        Column("Tỷ lệ đúng hạn", "on_time", "percent", 12),
    ], data, subtitle=f"{PROGRAM}. {span}." if span else PROGRAM,
        exported_at=_now(exported_at))])


# --- The full dossier register -------------------------------------------------------------------


REGISTER_COLUMNS = [
    Column("Mã hồ sơ", "code", "text", 16),
    Column("Tổ chức", "organisation", "text", 45),
    Column("Mã số thuế", "tax_code", "text", 16),
    Column("Xã/phường", "commune", "text", 22),
    Column("Loại hình", "org_type", "text", 18),
    Column("Năm", "year", "text", 7),
    Column("Hình thức nộp", "channel", "text", 22),
    Column("Trạng thái", "status", "text", 26),
    Column("Ngày nộp", "submitted_at", "date"),
    Column("Ngày tiếp nhận", "received_at", "date"),
    Column("Hạn giải quyết", "due_at", "date"),
    Column("Ngày quyết định", "decided_at", "date"),
    Column("Tiêu chuẩn/công cụ đề nghị", "items", "text", 28),
    Column("Kinh phí đề nghị (đồng)", "requested_vnd", "vnd"),
    Column("Kinh phí được duyệt (đồng)", "approved_vnd", "vnd"),
    Column("Đã giải ngân (đồng)", "paid_vnd", "vnd"),
]


def register_sheet(rows: Iterable[Mapping[str, Any]], *, year: int | None,
                   exported_at: datetime | None = None) -> Sheet:
    """The register as one sheet; ``rows`` (dicts keyed as ``REGISTER_COLUMNS``) are consumed
    once, lazily, so a generator over a database cursor keeps memory flat."""
    title = (f"SỔ THEO DÕI HỒ SƠ ĐỀ NGHỊ HỖ TRỢ NĂM {year}" if year is not None
             else "SỔ THEO DÕI HỒ SƠ ĐỀ NGHỊ HỖ TRỢ (TẤT CẢ CÁC NĂM)")
    return Sheet("Sổ hồ sơ", title, REGISTER_COLUMNS, _text_year(rows),
                 subtitle=_subtitle(year, "Không gồm hồ sơ nháp."), exported_at=_now(exported_at),
                 totals_label="Tổng cộng")


def _text_year(rows: Iterable[Mapping[str, Any]]):
    # A year is a label, not a quantity: as a number Excel would show it as "2.026".
    for row in rows:
        row = dict(row)
        row["year"] = str(row["year"])
        yield row


def write_register(rows: Iterable[Mapping[str, Any]], target: IO[bytes] | str, *,
                   year: int | None, exported_at: datetime | None = None) -> None:
    """Stream the full register into ``target`` (a path or a binary file), through the Rust
    writer (100,000 rows in a few seconds, memory flat; the totals row holds SUM formulas)."""
    write_large_sheet(register_sheet(rows, year=year, exported_at=exported_at), target)


# --- The legacy import template ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    header: str
    key: str
    kind: str
    width: int
    help: str


def legacy_template_xlsx(columns: Sequence[TemplateColumn], *, catalogue: Sequence[tuple],
                         statuses: Sequence[str], org_types: Sequence[str],
                         exported_at: datetime | None = None) -> bytes:
    """The empty import template (data sheet with the headers) and a guide sheet listing every
    column, the accepted states, organisation types and catalogue codes."""
    at = _now(exported_at)
    guide = [{"topic": c.header, "text": c.help} for c in columns]
    guide += [{"topic": "Trạng thái được chấp nhận", "text": s} for s in statuses]
    guide += [{"topic": "Loại hình được chấp nhận", "text": t} for t in org_types]
    guide += [{"topic": f"Mã danh mục {code}", "text": f"{name} ({kind})"}
              for code, name, kind in catalogue]
    return to_xlsx_bytes([
        Sheet("Dữ liệu", "MẪU NHẬP HỒ SƠ ĐỀ NGHỊ HỖ TRỢ CÁC NĂM TRƯỚC",
              [Column(c.header, c.key, c.kind, c.width) for c in columns], [],
              subtitle="Mỗi dòng là một tiêu chuẩn/công cụ của một hồ sơ; các dòng cùng mã số "
                       "thuế, năm và số quyết định thuộc cùng một hồ sơ. Giữ nguyên dòng tiêu "
                       "đề; nhập dữ liệu từ dòng 4.", exported_at=at),
        Sheet("Hướng dẫn", "HƯỚNG DẪN ĐIỀN MẪU NHẬP HỒ SƠ", [
            Column("Mục", "topic", "text", 34),
            Column("Hướng dẫn / giá trị", "text", "text", 90),
        ], guide, subtitle=PROGRAM, exported_at=at),
    ])
