"""Home page per role, and the health check."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from grants.db import local_today
from grants.domain.roles import Role
from grants.domain.workflow import WAITING_FOR, Status
from grants.queries import budget, worklists, years

bp = Blueprint("main", __name__)

QUEUE_OF_ROLE = {Role.CLERK: "intake.queue", Role.HEAD: "review.queue",
                 Role.APPRAISER: "appraisal.queue", Role.LEADER: "decisions.queue",
                 Role.RECORDS: "records.queue"}
"""The work list of each role: a count on the home page links to it, filtered as counted."""


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


def _panels(year) -> list:
    """(role, [(status, count, url of the list of those dossiers)]) for the viewer's roles.
    An appraiser counts the dossiers assigned to them, as their list shows."""
    year_id = year.id if year else None
    counts = worklists.status_counts(year_id)
    panels = []
    for role, states in WAITING_FOR.items():
        if role not in current_user.roles:
            continue
        own = (worklists.status_counts(year_id, assignee_id=current_user.id)
               if role == Role.APPRAISER else counts)
        endpoint = QUEUE_OF_ROLE.get(role, "dossiers.register")
        panels.append((role, [(Status(s), own.get(s, 0),
                               url_for(endpoint, status=Status(s).value, year=year_id))
                              for s in states]))
    return panels


def _finance_work(year) -> dict | None:
    """The finance officer's work: approved and not yet (fully) paid; payments this month."""
    if year is None or not current_user.has_role(Role.FINANCE):
        return None
    today = local_today()
    return {"unpaid": budget.unpaid_totals(year.id),
            "month": budget.payments_between(year.id, today.replace(day=1), today),
            "month_label": f"{today.month:02d}/{today.year}"}


@bp.get("/home")
@login_required
def home():
    year = years.current_year()
    dossiers = []
    if Role.APPLICANT in current_user.roles and current_user.organisation_id:
        dossiers = worklists.organisation_dossiers(current_user.organisation_id)
    return render_template("main/home.html", year=year, panels=_panels(year),
                           finance=_finance_work(year), dossiers=dossiers, Status=Status)


@bp.get("/healthz")
def healthz():
    """The database and the upload folder; 503 when either is down (grants.app.health)."""
    from grants.app import health

    return health()
