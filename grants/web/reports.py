"""Reports for leadership, the division and finance (SPEC §7): pages with charts and a printable
layout, each downloadable as Excel; the full dossier register; the legacy-dossier import."""

import hashlib
import re
import tempfile
import textwrap
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from grants.charts import (
    DARK,
    FONT,
    INK,
    LIGHT,
    MID,
    SVG_CSP,
    axis_millions,
    figure,
    millions,
    svg,
)
from grants.db import atomic, utcnow
from grants.domain.budget import TargetStatus
from grants.domain.errors import DomainError
from grants.domain.roles import Role
from grants.exports import reports as excel
from grants.forms.reports import ImportConfirmForm, ImportUploadForm
from grants.permissions import require_roles, role_required
from grants.services import legacy_import
from grants.services import reports as svc
from grants.web import budget as budget_charts

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.before_request(role_required(Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TARGET_BADGE = {TargetStatus.SHORT: "warning", TargetStatus.IN_RANGE: "success",
                TargetStatus.OVER: "danger"}
# (endpoint, title, one-line description) of the per-year reports, in menu order.
REPORTS = (
    ("reports.budget_execution", "Tình hình thực hiện kinh phí",
     "Kinh phí được giao, đã cam kết, đã giải ngân, còn lại; theo tháng."),
    ("reports.target_progress", "Tiến độ mục tiêu",
     "Số tiêu chuẩn/công cụ/mô hình được phê duyệt so với mục tiêu; theo loại."),
    ("reports.demand_summary", "Tổng hợp nhu cầu hỗ trợ",
     "Số mục và kinh phí đề nghị theo danh mục, xã/phường, loại hình; cả hồ sơ chưa quyết định."),
    ("reports.processing", "Tình hình giải quyết hồ sơ",
     "Tỷ lệ đúng hạn, hồ sơ quá hạn, thời gian từng bước so với định mức, theo cán bộ."),
)
IMPORT_DIR = "legacy-imports"
_TOKEN = re.compile(r"[0-9a-f]{64}")


@bp.context_processor
def _helpers():
    return {"reports_menu": REPORTS, "days": excel.days_text, "percent": _percent_text,
            "now": utcnow()}


def _percent_text(value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",").removesuffix(",0") + " %"


def _xlsx(data: bytes, name: str):
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def _svg_response(key: str, render):
    """The chart ``render()`` draws, or 304 when the browser holds it already: the ETag names
    the chart and the data stamp, so it is checked before anything is drawn."""
    etag = hashlib.sha256(f"{key}|{svc.data_stamp()}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(render())
        response.headers["Content-Type"] = "image/svg+xml"
        response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(etag)
    return response


# --- Pages ---------------------------------------------------------------------------------------


@bp.get("/")
def index():
    number = svc.default_year()
    if request.args.get("year"):
        number = request.args.get("year", type=int)
        if number is None:
            abort(404, "Năm không hợp lệ.")
        svc.report_year(number)  # NotFound (404 with its message) for a year that does not exist
    return render_template("reports/index.html", years=svc.year_numbers(), year=number,
                           can_import=current_user.has_role(Role.ADMIN))


@bp.get("/<int:year>/budget")
def budget_execution(year: int):
    row = svc.report_year(year)
    return render_template("reports/budget.html", year=year, years=svc.year_numbers(),
                           report=svc.budget_execution(row))


@bp.get("/<int:year>/targets")
def target_progress(year: int):
    report = svc.target_report(svc.report_year(year))
    return render_template("reports/targets.html", year=year, years=svc.year_numbers(),
                           report=report, badge=TARGET_BADGE[report.progress.status])


@bp.get("/<int:year>/demand")
def demand_summary(year: int):
    return render_template("reports/demand.html", year=year, years=svc.year_numbers(),
                           report=svc.demand_summary(svc.report_year(year)))


@bp.get("/<int:year>/processing")
def processing(year: int):
    report = svc.processing_report(svc.report_year(year), page=request.args.get("page", 1, int))
    return render_template("reports/processing.html", year=year, years=svc.year_numbers(),
                           report=report)


@bp.get("/years")
def year_over_year():
    return render_template("reports/years.html", rows=svc.year_over_year())


# --- Excel ---------------------------------------------------------------------------------------


@bp.get("/<int:year>/budget.xlsx")
def export_budget_execution(year: int):
    report = svc.budget_execution(svc.report_year(year))
    return _xlsx(excel.budget_execution_xlsx(report), f"bao-cao-kinh-phi-{year}.xlsx")


@bp.get("/<int:year>/targets.xlsx")
def export_target_progress(year: int):
    report = svc.target_report(svc.report_year(year))
    return _xlsx(excel.target_xlsx(report), f"tien-do-muc-tieu-{year}.xlsx")


@bp.get("/<int:year>/demand.xlsx")
def export_demand_summary(year: int):
    report = svc.demand_summary(svc.report_year(year))
    return _xlsx(excel.demand_xlsx(report), f"tong-hop-nhu-cau-ho-tro-{year}.xlsx")


@bp.get("/<int:year>/processing.xlsx")
def export_processing(year: int):
    row = svc.report_year(year)
    report = svc.processing_report(row, page=None)
    return _xlsx(excel.processing_xlsx(report, svc.overdue_all(row)),
                 f"tinh-hinh-giai-quyet-ho-so-{year}.xlsx")


@bp.get("/years.xlsx")
def export_year_over_year():
    return _xlsx(excel.year_over_year_xlsx(svc.year_over_year()), "so-sanh-cac-nam.xlsx")


@bp.get("/register.xlsx")
def export_register():
    """The full register, of one year (?year=2026) or of all years; written to a temporary
    file as the rows stream from the database, so memory stays flat for 100,000 dossiers."""
    number = request.args.get("year", type=int)
    if request.args.get("year") and number is None:
        abort(404, "Năm không hợp lệ.")
    year = svc.report_year(number) if number is not None else None
    target = tempfile.TemporaryFile()  # send_file closes it once the response is sent
    excel.write_register(svc.register_rows(year), target, year=number)
    target.seek(0)
    name = f"so-ho-so-{number}.xlsx" if number else "so-ho-so-tat-ca-cac-nam.xlsx"
    return send_file(target, mimetype=XLSX, as_attachment=True, download_name=name)


# --- Charts: plain data in, cached SVG out (the budget dashboard's helpers and style) -----------

CHARTS = ("overview", "months", "target", "kinds", "items", "communes", "types", "on-time",
          "steps")
_FILLS = ((LIGHT, "//"), (DARK, ""), (MID, ".."))


def _count_text(value: float) -> str:
    return f"{int(value):,}".replace(",", ".")


@lru_cache(maxsize=64)
def _bars(title: str, labels: tuple[str, ...], series: tuple[tuple[str, tuple], ...], *,
          unit: str, money: bool = False, decimal: bool = False, horizontal: bool = True,
          empty: str = "Chưa có số liệu.") -> bytes:
    """Grouped bars (one to three series), greys and hatching, values printed on the bars."""
    count = len(labels)
    if horizontal:
        fig, ax = figure(11, 1.6 + (0.3 + 0.25 * len(series)) * max(count, 2))
    else:
        fig, ax = figure(12, 5.5)
    if not count or not any(v for _name, values in series for v in values):
        empty(ax, empty)
        return svg(fig)
    scale = 1_000_000 if money else 1
    order = list(range(count))[::-1] if horizontal else list(range(count))
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series):
        color, hatch = _FILLS[index % len(_FILLS)]
        offsets = [pos + (index - (len(series) - 1) / 2) * width for pos in range(count)]
        data = [values[i] / scale for i in order]
        draw = ax.barh if horizontal else ax.bar
        bars = draw(offsets, data, width, color=color, edgecolor=INK, hatch=hatch, label=name)
        texts = [(millions(values[i]) if money else excel.days_text(values[i]) if decimal
                  else _count_text(values[i])) if values[i] else "" for i in order]
        ax.bar_label(bars, labels=texts, padding=4, fontsize=FONT - 3,
                     rotation=0 if horizontal else 90)
    ticks = list(range(count))
    names = [labels[i] for i in order]
    top = max(v for _name, values in series for v in values) / scale
    if horizontal:
        ax.set_yticks(ticks, names)
        ax.set_xlim(0, top * 1.3)
        ax.set_xlabel(unit, fontsize=FONT)
        if money:
            axis_millions(ax, "x")
    else:
        ax.set_xticks(ticks, names)
        ax.set_ylim(0, top * 1.35)
        ax.set_ylabel(unit, fontsize=FONT)
        if money:
            axis_millions(ax)
    if len(series) > 1:
        fig.legend(fontsize=FONT - 2, frameon=False, loc="outside lower center",
                   ncols=len(series))
    fig.suptitle("\n".join(textwrap.wrap(title, 70)), fontsize=FONT + 2, x=0.01, ha="left")
    return svg(fig)


def _top(rows, n: int = 10):
    return list(rows[:n]), list(rows[n:])


def _chart_kinds(year):
    r = svc.target_report(year)
    return _bars(f"Tiêu chuẩn/công cụ/mô hình theo loại, năm {year.year}",
                 tuple(k.label for k in r.kinds),
                 (("Đã phê duyệt", tuple(k.approved_items for k in r.kinds)),
                  ("Đang xử lý", tuple(k.pending_items for k in r.kinds))), unit="số mục")


def _chart_demand(year, breakdown: str):
    r = svc.demand_summary(year)
    rows = {"items": r.by_item, "communes": r.by_commune, "types": r.by_org_type}[breakdown]
    # The largest groups only: a summed "other" bar would dwarf them (the table lists all).
    top, rest = _top(rows)
    labels = [row.key if breakdown == "items" else row.label for row in top]
    requested = [row.requested_vnd for row in top]
    approved = [row.approved_vnd for row in top]
    heading = {"items": "theo tiêu chuẩn/công cụ", "communes": "theo xã/phường",
               "types": "theo loại hình tổ chức"}[breakdown]
    shown = f" ({len(top)} nhóm đề nghị nhiều nhất)" if rest else ""
    return _bars(f"Kinh phí đề nghị hỗ trợ {heading}, năm {year.year}{shown}", tuple(labels),
                 (("Đề nghị", tuple(requested)), ("Được phê duyệt", tuple(approved))),
                 unit="triệu đồng", money=True, empty="Chưa có hồ sơ nào được nộp.")


def _chart_on_time(year):
    t = svc.processing_report(year, page=None).on_time
    return _bars(f"Hồ sơ đã giải quyết, năm {year.year}",
                 ("Đúng hạn", "Quá hạn", "Không xác định hạn"),
                 (("Số hồ sơ", (t.on_time, t.late, t.without_due)),), unit="số hồ sơ",
                 empty="Chưa có hồ sơ nào được giải quyết.")


def _chart_steps(year):
    steps = [s for s in svc.processing_report(year, page=None).steps
             if s.allotment_days is not None]
    return _bars(f"Thời gian trung bình mỗi bước so với định mức, năm {year.year}",
                 tuple(s.label for s in steps),
                 (("Định mức", tuple(s.allotment_days for s in steps)),
                  ("Thực tế (trung bình)", tuple(s.average_days or 0 for s in steps))),
                 unit="ngày làm việc", decimal=True)


CHART_BUILDERS = {
    "overview": budget_charts.chart_overview,
    "months": budget_charts.chart_months,
    "target": budget_charts.chart_target,
    "kinds": _chart_kinds,
    "items": lambda year: _chart_demand(year, "items"),
    "communes": lambda year: _chart_demand(year, "communes"),
    "types": lambda year: _chart_demand(year, "types"),
    "on-time": _chart_on_time,
    "steps": _chart_steps,
}


@bp.get(f"/<int:year>/charts/<any({', '.join(map(repr, CHARTS))}):name>.svg")
def chart(year: int, name: str):
    row = svc.report_year(year)
    return _svg_response(f"{year}/{name}", lambda: CHART_BUILDERS[name](row))


@bp.get("/years/charts/<any('money', 'on-time'):name>.svg")
def years_chart(name: str):
    return _svg_response(f"years/{name}", lambda: _years_chart(name))


def _years_chart(name: str) -> bytes:
    rows = svc.year_over_year()
    labels = tuple(str(r.year) for r in rows)
    if name == "money":
        return _bars("Kinh phí qua các năm", labels,
                     (("Được giao", tuple(r.budget_vnd for r in rows)),
                      ("Đã cam kết", tuple(r.committed_vnd for r in rows)),
                      ("Đã giải ngân", tuple(r.disbursed_vnd for r in rows))),
                     unit="triệu đồng", money=True, horizontal=False)
    return _bars("Tỷ lệ hồ sơ giải quyết đúng hạn qua các năm (%)", labels,
                 (("Đúng hạn (%)", tuple(r.on_time_percent or 0 for r in rows)),),
                 unit="%", decimal=True, horizontal=False)


# --- Legacy import (admin) -----------------------------------------------------------------------


def _import_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / IMPORT_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stored(token: str) -> Path:
    if not _TOKEN.fullmatch(token or ""):
        abort(404)
    return _import_dir() / f"{token}.xlsx"


@bp.get("/import")
def import_form():
    require_roles(current_user, Role.ADMIN)
    return render_template("reports/import.html", form=ImportUploadForm(), report=None,
                           imported=legacy_import.imported_count())


@bp.get("/import/template.xlsx")
def download_import_template():
    require_roles(current_user, Role.ADMIN)
    return _xlsx(legacy_import.template_xlsx(), "mau-nhap-ho-so-cu.xlsx")


@bp.post("/import")
def dry_run_import():
    require_roles(current_user, Role.ADMIN)
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return render_template("reports/import.html", form=form, report=None,
                               imported=legacy_import.imported_count()), 422
    upload = form.file.data
    content = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    if len(content) > current_app.config["MAX_UPLOAD_BYTES"]:
        limit = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        form.file.errors = [f"Tệp lớn hơn {limit} MB; hãy chia thành nhiều tệp nhỏ hơn."]
        return render_template("reports/import.html", form=form, report=None,
                               imported=legacy_import.imported_count()), 413
    report = legacy_import.dry_run(content, file_name=upload.filename)
    confirm = None
    if report.ok and report.new_rows:
        _stored(report.sha256).write_bytes(content)
        confirm = ImportConfirmForm(token=report.sha256, file_name=upload.filename)
    return render_template("reports/import.html", form=form, report=report, confirm=confirm,
                           imported=legacy_import.imported_count()), (200 if report.ok else 422)


@bp.post("/import/confirm")
def confirm_import():
    require_roles(current_user, Role.ADMIN)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = _stored(form.token.data)
    if not path.exists():
        flash("Tệp đã kiểm tra không còn trên máy chủ (có thể đã được nhập). Hãy tải tệp lên "
              "và kiểm tra lại.", "warning")
        return redirect(url_for("reports.import_form"))
    try:
        with atomic():
            report = legacy_import.import_file(path.read_bytes(), actor=current_user,
                                               file_name=form.file_name.data or None)
    except legacy_import.ImportRejected as err:
        return render_template("reports/import.html", form=ImportUploadForm(),
                               report=err.report, confirm=None,
                               imported=legacy_import.imported_count()), 422
    except DomainError as err:
        flash(f"Không nhập được tệp, không có dòng nào được lưu: {err.message}", "danger")
        return redirect(url_for("reports.import_form"))
    path.unlink(missing_ok=True)
    flash(f"Đã nhập {len(report.created_codes)} hồ sơ mới "
          f"({len(report.new_rows)} dòng); {len(report.existing_rows)} dòng đã có trước đây được "
          "bỏ qua.", "success")
    return redirect(url_for("reports.import_form"))
