"""Budget dashboard for finance and leadership, its SVG charts, and the year close."""


from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from grants.charts import SVG_CSP, percent_text
from grants.db import atomic, local_today, utcnow
from grants.domain.budget import TargetProgress, TargetStatus, percent
from grants.domain.errors import DomainError
from grants.domain.forecast import forecast_sentence
from grants.domain.jobs import JobKind
from grants.domain.roles import BUDGET_ROLES, Role
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.forms.finance import CloseYearForm
from grants.models import ProgramYear
from grants.permissions import require_roles, role_required
from grants.queries import budget, years
from grants.queries.forecast import year_forecast
from grants.queries.reports.cache import memoised
from grants.services import jobs, ledger
from grants.web.actions import place_error
from grants.web.budget_charts import BUDGET_CHARTS, budget_chart
from grants.web.fragments import cached_fragment, cached_page

bp = Blueprint("budget", __name__, url_prefix="/budget")
bp.before_request(role_required(*BUDGET_ROLES))


@bp.context_processor
def _labels():
    return {"Status": Status, "now": utcnow(), "percent": percent, "percent_text": percent_text}


def _cache_seconds() -> int:
    return current_app.config.get("REPORT_CACHE_SECONDS", 60)


TARGET_BADGE = {TargetStatus.SHORT: "warning", TargetStatus.IN_RANGE: "success",
                TargetStatus.OVER: "danger"}


@bp.get("/")
def dashboard():
    # On a repeat view nothing but the account is read: the year comes from the memo and the
    # body from the fragment cache, both keyed by the data stamp read with the account.
    year_id, number = years.chosen_year_key(request.args.get("year"), seconds=_cache_seconds())
    body = cached_fragment("budget-dashboard", (year_id, current_user.id),
                           lambda: _dashboard_body(db.session.get(ProgramYear, year_id)))
    return cached_page("budget/dashboard.html", body, number=number)


def _dashboard_body(year) -> str:
    # Payments waiting for a second person's confirmation are shown apart: not disbursed yet.
    figures = {**budget.program_figures(year),
               "pending_vnd": budget.pending_payments_total(year.id)}
    progress = TargetProgress(year.target_min, year.target_max, figures["items_approved"])
    # The breakdowns scan the year's rows; they are reused until the data changes (a new
    # ledger entry, audit event or dossier moves the stamp), see queries.reports.cache.
    months, items, communes, statuses = memoised(
        "budget.dashboard", (year.id,),
        lambda: (tuple(budget.monthly_figures(year)),
                 tuple(budget.by_catalogue_item(year)),
                 tuple(budget.by_commune(year)),
                 tuple(budget.dossiers_by_status(year))), seconds=_cache_seconds())
    today = local_today()
    # A closed year has its final figures: no forecast.
    forecast = None if year.is_closed else memoised(
        "budget.forecast", (year.id, today), lambda: year_forecast(year, today),
        seconds=_cache_seconds())
    return render_template(
        "budget/_dashboard_body.html", year=year, figures=figures, progress=progress,
        target_badge=TARGET_BADGE[progress.status], months=months, items=items,
        communes=communes, statuses=statuses, years=years.year_numbers(),
        forecast=forecast, forecast_text=forecast and forecast_sentence(forecast),
        can_close=current_user.has_role(Role.FINANCE, Role.ADMIN))


@bp.get(f"/<int:number>/charts/<any({', '.join(BUDGET_CHARTS)}):name>.svg")
def chart(number: int, name: str):
    year = years.require_year(number)
    # The SVG has no script; pygal writes a <style> element and inline styles, which SVG_CSP allows
    # for the image only (the pages keep the strict policy).
    svg = memoised(f"budget.chart.{name}", (year.id,), lambda: budget_chart(name, year),
                   seconds=_cache_seconds())
    response = make_response(svg)
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:number>/close", methods=["GET", "POST"])
def close_year(number: int):
    require_roles(current_user, Role.FINANCE, Role.ADMIN)
    year = years.require_year(number)
    form = CloseYearForm()
    status = 200
    if not year.is_closed and form.validate_on_submit():
        # The close runs as a background job (one transaction with the budget lock, in the
        # job); its page tells how it ended.
        try:
            with atomic():
                job = jobs.start_job(JobKind.YEAR_CLOSE, actor=current_user,
                                     parameters={"year": number})
        except DomainError as err:
            place_error(form, err)
            status = 409
        else:
            return redirect(url_for("jobs.show", job_id=job.id))
    elif form.is_submitted():
        status = 409 if year.is_closed else 422
    year = years.require_year(number)
    return render_template("budget/year_close.html", year=year, form=form,
                           frozen=budget.frozen_report(year),
                           live=None if year.is_closed else budget.program_figures(year),
                           problems=[] if year.is_closed else ledger.check_consistency(year)
                           ), status
