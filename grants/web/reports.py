"""Reports for leadership, the division and finance (SPEC §7): pages with charts and a printable
layout, each downloadable as Excel; the full dossier register; the legacy-dossier import."""

import hashlib
import re
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

from grants.charts import SVG_CSP, grouped_bars, percent_text
from grants.db import atomic, utcnow
from grants.domain.annual_report import AnnualReport, outline
from grants.domain.budget import TargetStatus
from grants.domain.errors import DomainError
from grants.domain.jobs import JobKind
from grants.domain.roles import Role
from grants.exports import reports as excel
from grants.exports.annual_report import build_annual_report_docx
from grants.forms.reports import AnnualReportTextForm, ImportConfirmForm, ImportUploadForm
from grants.letters import Letterhead
from grants.letters.annual_report import build_annual_report
from grants.permissions import Permission, can, require_roles, role_required
from grants.queries import years
from grants.queries.reports import annual, cache, demand, targets
from grants.queries.reports import budget_execution as execution
from grants.queries.reports import processing as processing_times
from grants.queries.reports import year_over_year as yearly
from grants.queries.reports.ratings import rating_summary
from grants.services import annual_report as annual_texts
from grants.services import jobs, legacy_import
from grants.web.actions import form_view
from grants.web.budget_charts import budget_chart

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
IMPORT_DIR = jobs.IMPORT_FOLDER
_TOKEN = re.compile(r"[0-9a-f]{64}")


@bp.context_processor
def _helpers():
    return {"reports_menu": REPORTS, "days": excel.days_text, "percent": percent_text,
            "now": utcnow(), "export_kind": EXPORT_KIND}


def _cache_seconds() -> int:
    return current_app.config.get("REPORT_CACHE_SECONDS", 60)


def _year(number: int):
    """The program year of a report; NotFound (404 with its message) when there is none."""
    return years.require_year(number, why=years.NO_REPORT)


def _xlsx(data: bytes, name: str):
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def _svg_response(key: str, render):
    """The chart ``render()`` draws (memoised until the data changes), or 304 when the browser
    holds it already: the ETag names the chart and the data stamp, so it is checked before
    anything is drawn."""
    etag = hashlib.sha256(f"{key}|{cache.data_stamp()}".encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        # Drawn once per change for every worker (the shared cache), as the dashboard's are.
        response = make_response(cache.memoised("reports.chart", (key,), render,
                                                seconds=_cache_seconds()))
        response.headers["Content-Type"] = "image/svg+xml"
        response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(etag)
    return response


# --- Pages ---------------------------------------------------------------------------------------


@bp.get("/")
def index():
    current = years.current_year()
    number = current.year if current else None
    if request.args.get("year"):
        number = request.args.get("year", type=int)
        if number is None:
            abort(404, "Năm không hợp lệ.")
        _year(number)
    return render_template("reports/index.html", years=years.year_numbers(), year=number,
                           can_import=current_user.has_role(Role.ADMIN))


@bp.get("/<int:year>/budget")
def budget_execution(year: int):
    report = execution.budget_execution(_year(year))
    return render_template("reports/budget.html", year=year, years=years.year_numbers(),
                           report=report)


@bp.get("/<int:year>/targets")
def target_progress(year: int):
    report = targets.target_report(_year(year), cache_seconds=_cache_seconds())
    return render_template("reports/targets.html", year=year, years=years.year_numbers(),
                           report=report, badge=TARGET_BADGE[report.progress.status])


@bp.get("/<int:year>/demand")
def demand_summary(year: int):
    report = demand.demand_summary(_year(year), cache_seconds=_cache_seconds())
    return render_template("reports/demand.html", year=year, years=years.year_numbers(),
                           report=report)


@bp.get("/<int:year>/processing")
def processing(year: int):
    report = processing_times.processing_report(
        _year(year), page=request.args.get("page", 1, int), cache_seconds=_cache_seconds())
    return render_template("reports/processing.html", year=year, years=years.year_numbers(),
                           report=report, ratings=rating_summary(_year(year)))


@bp.get("/years")
def year_over_year():
    return render_template("reports/years.html",
                           rows=yearly.year_over_year(cache_seconds=_cache_seconds()))


# --- The annual report on implementing the resolution (a year, or ?to= a later year) ----------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _annual(year: int) -> AnnualReport:
    """The report on ``year``..``?to=`` (404 for a missing first year, 422 for a bad range)."""
    first = _year(year)
    last = request.args.get("to", type=int) or year
    figures = annual.annual_figures(year, last, cache_seconds=_cache_seconds())
    signer = years.find_year(last) or first
    return AnnualReport(figures, annual.report_texts(year, last),
                        signer_title_lines=tuple(t.strip() for t in signer.signer_title.split("\n")
                                                 if t.strip()),
                        signer_name=signer.signer_name or "")


def _annual_page(year: int, report: AnnualReport, form: AnnualReportTextForm | None):
    saved = annual.saved_texts(report.figures.first, report.figures.last)
    return lambda status: (render_template(
        "reports/annual.html", year=year, years=years.year_numbers(), report=report,
        blocks=outline(report), form=form, saved=saved), status)


def _text_form(report: AnnualReport) -> AnnualReportTextForm | None:
    if not can(current_user, Permission.EDIT_ANNUAL_REPORT):
        return None
    saved = annual.saved_texts(report.figures.first, report.figures.last)
    form = AnnualReportTextForm()
    if not form.is_submitted():
        texts = report.texts
        form.introduction.data, form.assessment.data, form.proposals.data = (
            texts.introduction, texts.assessment, texts.proposals)
        form.expected_version.data = str(saved.version) if saved else ""
    return form


@bp.get("/annual")
def annual_report_range():
    """The period picker's target: ``?year=`` (default the current year) and ``?to=``."""
    current = years.current_year()
    first = request.args.get("year", type=int) or (current.year if current else None)
    if first is None:
        abort(404, "Chưa có năm chương trình nào, nên chưa có số liệu để lập báo cáo.")
    last = request.args.get("to", type=int)
    args = {"to": last} if last and last != first else {}
    return redirect(url_for("reports.annual_report", year=first, **args))


@bp.get("/<int:year>/annual")
def annual_report(year: int):
    report = _annual(year)
    return _annual_page(year, report, _text_form(report))(200)


@bp.post("/<int:year>/annual/text")
def save_annual_texts(year: int):
    require_roles(current_user, Role.LEADER, Role.HEAD)
    report = _annual(year)
    form = _text_form(report)
    first, last = report.figures.first, report.figures.last
    version = (form.expected_version.data or "").strip()
    return form_view(
        form, lambda: annual_texts.save_texts(
            first, last, actor=current_user, expected_version=int(version)
            if version.isdigit() else None,
            values={"introduction": form.introduction.data,
                    "assessment": form.assessment.data, "proposals": form.proposals.data}),
        page=_annual_page(year, report, form),
        success=f"Đã lưu nội dung báo cáo {report.figures.period}.",
        then=url_for("reports.annual_report", year=year,
                     **({"to": last} if last != first else {})))


def _annual_file_name(report: AnnualReport, extension: str) -> str:
    f = report.figures
    period = str(f.first) if f.first == f.last else f"{f.first}-{f.last}"
    return f"bao-cao-ket-qua-nq43-{period}.{extension}"


@bp.get("/<int:year>/annual.pdf")
def annual_report_pdf(year: int):
    report = _annual(year)
    pdf = build_annual_report(report, letterhead=Letterhead.from_config(current_app.config))
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=_annual_file_name(report, "pdf"))


@bp.get("/<int:year>/annual.docx")
def annual_report_docx(year: int):
    report = _annual(year)
    letterhead = Letterhead.from_config(current_app.config)
    data = build_annual_report_docx(report, body_lines=letterhead.body_lines,
                                    place=letterhead.place)
    return send_file(BytesIO(data), mimetype=DOCX, as_attachment=True,
                     download_name=_annual_file_name(report, "docx"))


# --- Excel: every export runs as a background job (grants/web/jobs.py starts it) ----------------

#: The job kind of each report page's "Xuất Excel" button.
EXPORT_KIND = {"reports.budget_execution": JobKind.BUDGET_REPORT,
               "reports.target_progress": JobKind.TARGET_REPORT,
               "reports.demand_summary": JobKind.DEMAND_REPORT,
               "reports.processing": JobKind.PROCESSING_REPORT,
               "reports.year_over_year": JobKind.YEARS_REPORT}


# --- Charts: plain data in, cached SVG out (the budget dashboard's helpers and style) -----------

CHARTS = ("overview", "months", "target", "kinds", "items", "communes", "types", "on-time",
          "steps")
def _top(rows, n: int = 10):
    return list(rows[:n]), list(rows[n:])


def _chart_kinds(year):
    r = targets.target_report(year, cache_seconds=_cache_seconds())
    return grouped_bars(f"Tiêu chuẩn/công cụ/mô hình theo loại, năm {year.year}",
                 tuple(k.label for k in r.kinds),
                 (("Đã phê duyệt", tuple(k.approved_items for k in r.kinds)),
                  ("Đang xử lý", tuple(k.pending_items for k in r.kinds))), unit="số mục")


def _chart_demand(year, breakdown: str):
    r = demand.demand_summary(year, cache_seconds=_cache_seconds())
    rows = {"items": r.by_item, "communes": r.by_commune, "types": r.by_org_type}[breakdown]
    # The largest groups only: a summed "other" bar would dwarf them (the table lists all).
    top, rest = _top(rows)
    labels = [row.key if breakdown == "items" else row.label for row in top]
    requested = [row.requested_vnd for row in top]
    approved = [row.approved_vnd for row in top]
    heading = {"items": "theo tiêu chuẩn/công cụ", "communes": "theo xã/phường",
               "types": "theo loại hình tổ chức"}[breakdown]
    shown = f" ({len(top)} nhóm đề nghị nhiều nhất)" if rest else ""
    return grouped_bars(f"Kinh phí đề nghị hỗ trợ {heading}, năm {year.year}{shown}", tuple(labels),
                 (("Đề nghị", tuple(requested)), ("Được phê duyệt", tuple(approved))),
                 unit="triệu đồng", money=True, empty_text="Chưa có hồ sơ nào được nộp.")


def _chart_on_time(year):
    t = processing_times.processing_report(year, page=None, cache_seconds=_cache_seconds()).on_time
    return grouped_bars(f"Hồ sơ đã giải quyết, năm {year.year}",
                 ("Đúng hạn", "Quá hạn", "Không xác định hạn"),
                 (("Số hồ sơ", (t.on_time, t.late, t.without_due)),), unit="số hồ sơ",
                 empty_text="Chưa có hồ sơ nào được giải quyết.")


def _chart_steps(year):
    report = processing_times.processing_report(year, page=None, cache_seconds=_cache_seconds())
    steps = [s for s in report.steps if s.allotment_days is not None]
    return grouped_bars(f"Thời gian trung bình mỗi bước so với định mức, năm {year.year}",
                 tuple(s.label for s in steps),
                 (("Định mức", tuple(s.allotment_days for s in steps)),
                  ("Thực tế (trung bình)", tuple(s.average_days or 0 for s in steps))),
                 unit="ngày làm việc", decimal=True)


CHART_BUILDERS = {
    "overview": lambda year: budget_chart("overview", year),
    "months": lambda year: budget_chart("months", year),
    "target": lambda year: budget_chart("target", year),
    "kinds": _chart_kinds,
    "items": lambda year: _chart_demand(year, "items"),
    "communes": lambda year: _chart_demand(year, "communes"),
    "types": lambda year: _chart_demand(year, "types"),
    "on-time": _chart_on_time,
    "steps": _chart_steps,
}


@bp.get(f"/<int:year>/charts/<any({', '.join(map(repr, CHARTS))}):name>.svg")
def chart(year: int, name: str):
    row = _year(year)
    return _svg_response(f"{year}/{name}", lambda: CHART_BUILDERS[name](row))


@bp.get("/years/charts/<any('money', 'on-time'):name>.svg")
def years_chart(name: str):
    return _svg_response(f"years/{name}", lambda: _years_chart(name))


def _years_chart(name: str) -> bytes:
    rows = yearly.year_over_year(cache_seconds=_cache_seconds())
    labels = tuple(str(r.year) for r in rows)
    if name == "money":
        return grouped_bars("Kinh phí qua các năm", labels,
                     (("Được giao", tuple(r.budget_vnd for r in rows)),
                      ("Đã cam kết", tuple(r.committed_vnd for r in rows)),
                      ("Đã giải ngân", tuple(r.disbursed_vnd for r in rows))),
                     unit="triệu đồng", money=True, horizontal=False)
    return grouped_bars("Tỷ lệ hồ sơ giải quyết đúng hạn qua các năm (%)", labels,
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
    """Start the import of a checked file as a background job (one transaction in the job:
    all rows or none); the job page shows how it ends."""
    require_roles(current_user, Role.ADMIN)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not _stored(form.token.data).exists():
        flash("Tệp đã kiểm tra không còn trên máy chủ (có thể đã được nhập). Hãy tải tệp lên "
              "và kiểm tra lại.", "warning")
        return redirect(url_for("reports.import_form"))
    try:
        with atomic():
            job = jobs.start_job(JobKind.LEGACY_IMPORT, actor=current_user,
                                 parameters={"token": form.token.data,
                                             "file_name": form.file_name.data or None})
    except DomainError as err:
        flash(f"Không bắt đầu nhập được: {err.message}", "danger")
        return redirect(url_for("reports.import_form"))
    return redirect(url_for("jobs.show", job_id=job.id))
