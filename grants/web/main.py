"""Home page per role, and the health check."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from grants.services import queries

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))


@bp.get("/home")
@login_required
def home():
    year = queries.current_year()
    counts = queries.status_counts(year.id if year else None)
    panels = []
    for role, states in queries.WAITING_FOR.items():
        if role in current_user.roles:
            panels.append((role, [(Status(s), counts.get(s, 0)) for s in states]))
    dossiers = []
    if Role.APPLICANT in current_user.roles and current_user.organisation_id:
        dossiers = queries.organisation_dossiers(current_user.organisation_id)
    return render_template("main/home.html", year=year, panels=panels, counts=counts,
                           dossiers=dossiers, Status=Status)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
