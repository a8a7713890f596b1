"""Budget dashboard for finance and leadership, its SVG charts, and the year close."""


from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from matplotlib.ticker import MaxNLocator

from grants.charts import (
    DARK,
    FONT,
    INK,
    LIGHT,
    MID,
    SVG_CSP,
    axis_millions,
    empty,
    figure,
    millions,
    svg,
)
from grants.db import atomic, utcnow
from grants.domain.budget import TargetProgress, TargetStatus
from grants.domain.errors import DomainError
from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from grants.forms.finance import CloseYearForm
from grants.permissions import require_roles, role_required
from grants.services import budget_queries, ledger, reports
from grants.web.forms_util import apply_domain_error
from grants.web.fragments import cached_fragment

bp = Blueprint("budget", __name__, url_prefix="/budget")
bp.before_request(role_required(Role.FINANCE, Role.LEADER, Role.ADMIN))


@bp.context_processor
def _labels():
    return {"Status": Status, "now": utcnow()}

CHARTS = ("overview", "months", "items", "communes", "target")
# The SVG has no script; matplotlib writes inline style attributes, which this policy allows
# for the image only (the pages keep the strict policy).
TARGET_BADGE = {TargetStatus.SHORT: "warning", TargetStatus.IN_RANGE: "success",
                TargetStatus.OVER: "danger"}


def _year_or_404():
    arg = request.args.get("year")
    year = budget_queries.year_for(arg)
    if year is None:
        abort(404, f"Không có năm chương trình “{arg}”." if arg
              else "Chưa có năm chương trình nào.")
    return year


def _year_number_or_404(number: int):
    year = budget_queries.find_year(number)
    if year is None:
        abort(404, f"Không có năm chương trình {number}.")
    return year


@bp.get("/")
def dashboard():
    year = _year_or_404()
    body = cached_fragment("budget-dashboard", (year.id, current_user.id),
                           lambda: _dashboard_body(year))
    return render_template("budget/dashboard.html", year=year, body=body)


def _dashboard_body(year) -> str:
    figures = budget_queries.program_figures(year)
    progress = TargetProgress(year.target_min, year.target_max, figures["items_approved"])
    # The breakdowns scan the year's rows; they are reused until the data changes (a new
    # ledger entry, audit event or dossier moves the stamp), see reports.memoised.
    months, items, communes, statuses = reports.memoised(
        "budget.dashboard", (year.id,),
        lambda: (tuple(budget_queries.monthly_flows(year)),
                 tuple(budget_queries.by_catalogue_item(year)),
                 tuple(budget_queries.by_commune(year)),
                 tuple(budget_queries.dossiers_by_status(year))))
    return render_template(
        "budget/_dashboard_body.html", year=year, figures=figures, progress=progress,
        target_badge=TARGET_BADGE[progress.status], months=months, items=items,
        communes=communes, statuses=statuses, years=budget_queries.year_numbers(),
        can_close=current_user.has_role(Role.FINANCE, Role.ADMIN))


@bp.get(f"/<int:number>/charts/<any({', '.join(CHARTS)}):name>.svg")
def chart(number: int, name: str):
    year = _year_number_or_404(number)
    svg = reports.memoised(f"budget.chart.{name}", (year.id,), lambda: CHART_BUILDERS[name](year))
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:number>/close", methods=["GET", "POST"])
def close_year(number: int):
    require_roles(current_user, Role.FINANCE, Role.ADMIN)
    year = _year_number_or_404(number)
    form = CloseYearForm()
    status = 200
    if not year.is_closed and form.validate_on_submit():
        try:
            with atomic():
                ledger.close_year(year, actor=current_user)
        except DomainError as err:
            apply_domain_error(form, err)
            status = 409
        else:
            flash(f"Đã khoá sổ năm {number}; số liệu cuối năm đã được chốt.", "success")
            return redirect(url_for("budget.close_year", number=number))
    elif form.is_submitted():
        status = 409 if year.is_closed else 422
    year = _year_number_or_404(number)
    return render_template("budget/year_close.html", year=year, form=form,
                           frozen=budget_queries.frozen_report(year),
                           live=None if year.is_closed else budget_queries.program_figures(year),
                           problems=[] if year.is_closed else ledger.check_consistency(year)
                           ), status


# --- The dashboard's charts (drawing primitives in grants.charts) ---


def chart_overview(year) -> bytes:
    """Budget, committed, disbursed and remaining as four labelled horizontal bars."""
    f = budget_queries.program_figures(year)
    fig, ax = figure(11, 4.2)
    rows = [("Kinh phí được giao", f["budget_vnd"], "white", ""),
            ("Đã cam kết", f["committed_vnd"], MID, "//"),
            ("Đã giải ngân", f["disbursed_vnd"], DARK, ""),
            ("Còn lại (chưa cam kết)", f["remaining_vnd"], "white", "..")]
    labels = [r[0] for r in rows][::-1]
    values = [r[1] / 1_000_000 for r in rows][::-1]
    bars = ax.barh(labels, values, color=[r[2] for r in rows][::-1], edgecolor=INK,
                   hatch=None, linewidth=1.5)
    for bar, (_label, _value, _color, hatch) in zip(bars, rows[::-1], strict=True):
        bar.set_hatch(hatch)
    budget = f["budget_vnd"] or 1
    ax.bar_label(bars, labels=[f"{millions(r[1])} ({r[1] * 100 // budget}%)"
                               for r in rows[::-1]], padding=6, fontsize=FONT)
    ax.set_xlim(0, max(values + [1]) * 1.35)
    ax.tick_params(axis="y", labelsize=FONT)
    axis_millions(ax, "x")
    ax.set_xlabel("triệu đồng", fontsize=FONT)
    ax.set_title(f"Kinh phí năm {year.year}", fontsize=FONT + 4, loc="left")
    return svg(fig)


def chart_months(year) -> bytes:
    """Net commitments and payments per month, side by side, with their values printed."""
    months = budget_queries.monthly_flows(year)
    fig, ax = figure(12, 5.5)
    if not any(m.committed_vnd or m.disbursed_vnd for m in months):
        empty(ax, "Chưa có cam kết hay khoản chi nào trong năm.")
        return svg(fig)
    labels = [f"T{m.month}" if m.year == year.year else f"T{m.month}/{m.year % 100}"
              for m in months]
    x = range(len(months))
    width = 0.4
    committed = ax.bar([i - width / 2 for i in x], [m.committed_vnd / 1e6 for m in months],
                       width, color=LIGHT, edgecolor=INK, hatch="//", label="Cam kết (ròng)")
    paid = ax.bar([i + width / 2 for i in x], [m.disbursed_vnd / 1e6 for m in months], width,
                  color=DARK, edgecolor=INK, label="Giải ngân (ròng)")
    for bars, series in ((committed, [m.committed_vnd for m in months]),
                         (paid, [m.disbursed_vnd for m in months])):
        ax.bar_label(bars, labels=[millions(v).removesuffix(" tr") if v else "" for v in series],
                     padding=3, fontsize=FONT - 3, rotation=90)
    ax.set_xticks(list(x), labels)
    ax.axhline(0, color=INK, linewidth=1)
    ax.margins(y=0.25)
    axis_millions(ax)
    ax.set_ylabel("triệu đồng", fontsize=FONT)
    ax.legend(fontsize=FONT - 2, frameon=False, loc="upper left")
    ax.set_title(f"Cam kết và giải ngân theo tháng, năm {year.year}", fontsize=FONT + 4,
                 loc="left")
    return svg(fig)


def _top(rows, n=12):
    return rows[:n], rows[n:]


def chart_items(year) -> bytes:
    """Approved amount per catalogue item (top 12, the rest summed), with counts."""
    rows = budget_queries.by_catalogue_item(year)
    top, rest = _top(rows)
    bars = [(r.code, r.approved_vnd, r.items) for r in top]
    if rest:
        bars.append(("Khác", sum(r.approved_vnd for r in rest), sum(r.items for r in rest)))
    fig, ax = figure(11, 1.6 + 0.55 * max(len(bars), 2))
    if not bars:
        empty(ax, "Chưa có tiêu chuẩn/công cụ nào được phê duyệt.")
        return svg(fig)
    bars = bars[::-1]
    drawn = ax.barh([b[0] for b in bars], [b[1] / 1e6 for b in bars], color=MID,
                    edgecolor=INK, hatch="\\\\")
    ax.bar_label(drawn, labels=[f"{millions(b[1])} · {b[2]} mục" for b in bars], padding=6,
                 fontsize=FONT - 2)
    ax.set_xlim(0, max(b[1] / 1e6 for b in bars) * 1.45 or 1)
    axis_millions(ax, "x")
    ax.set_xlabel("triệu đồng được duyệt", fontsize=FONT)
    ax.set_title(f"Theo tiêu chuẩn/công cụ/mô hình, năm {year.year}", fontsize=FONT + 4,
                 loc="left")
    return svg(fig)


def chart_communes(year) -> bytes:
    """Approved and paid amounts per commune/ward (top 12, the rest summed)."""
    rows = budget_queries.by_commune(year)
    top, rest = _top(rows)
    data = [(r.commune, r.approved_vnd, r.paid_vnd) for r in top]
    if rest:
        data.append(("Các xã/phường khác", sum(r.approved_vnd for r in rest),
                     sum(r.paid_vnd for r in rest)))
    fig, ax = figure(11, 1.8 + 0.8 * max(len(data), 2))
    if not data:
        empty(ax, "Chưa có hồ sơ nào được phê duyệt.")
        return svg(fig)
    data = data[::-1]
    y = range(len(data))
    height = 0.4
    approved = ax.barh([i + height / 2 for i in y], [d[1] / 1e6 for d in data], height,
                       color=LIGHT, edgecolor=INK, hatch="//", label="Được duyệt")
    paid = ax.barh([i - height / 2 for i in y], [d[2] / 1e6 for d in data], height,
                   color=DARK, edgecolor=INK, label="Đã chi")
    for bars, index in ((approved, 1), (paid, 2)):
        ax.bar_label(bars, labels=[millions(d[index]) for d in data], padding=4,
                     fontsize=FONT - 2)
    ax.set_yticks(list(y), [d[0] for d in data])
    ax.set_xlim(0, max(d[1] / 1e6 for d in data) * 1.3 or 1)
    axis_millions(ax, "x")
    ax.set_xlabel("triệu đồng", fontsize=FONT)
    # Above the plot, so the legend never hides a bar's value label.
    ax.legend(fontsize=FONT - 2, frameon=False, loc="lower right", ncols=2,
              bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"Theo xã/phường, năm {year.year}", fontsize=FONT + 4, loc="left")
    return svg(fig)


def chart_target(year) -> bytes:
    """Approved items against the target range, with the range drawn as a hatched band."""
    progress = budget_queries.target_progress(year)
    fig, ax = figure(11, 2.6)
    top = max(progress.max_items * 1.2, progress.approved_items * 1.4, 10)
    ax.axvspan(progress.min_items, progress.max_items, facecolor=LIGHT, hatch="..",
               edgecolor=MID, label=f"Mục tiêu {progress.min_items}–{progress.max_items}")
    bar = ax.barh([""], [progress.approved_items], height=0.5, color=DARK, edgecolor=INK,
                  label="Đã phê duyệt")
    ax.bar_label(bar, labels=[f"{progress.approved_items} mục · {progress.label}"], padding=8,
                 fontsize=FONT + 2)
    for limit in (progress.min_items, progress.max_items):
        ax.axvline(limit, color=INK, linewidth=1.5, linestyle="--")
    ax.set_xlim(0, top)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.legend(fontsize=FONT - 2, frameon=False, loc="upper center", ncols=2,
              bbox_to_anchor=(0.5, -0.25))
    ax.set_title(f"Tiến độ mục tiêu năm {year.year} (số tiêu chuẩn/công cụ/mô hình)",
                 fontsize=FONT + 2, loc="left")
    return svg(fig)


CHART_BUILDERS = {"overview": chart_overview, "months": chart_months, "items": chart_items,
                  "communes": chart_communes, "target": chart_target}
