"""Head of division (lãnh đạo Chi cục TĐC): assign appraisers, review appraisals, submit them to
the leadership or return them for rework."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from grants.domain.roles import Role
from grants.domain.workflow import Action, allowed_actions
from grants.extensions import db
from grants.forms.staff import ReviewForm, ReworkForm, assign_form
from grants.models import User
from grants.permissions import role_required
from grants.queries import worklists
from grants.services import dossiers as svc
from grants.services import processing
from grants.web.actions import dossier_action, dossier_step, return_for_rework
from grants.web.work_lists import render_list

bp = Blueprint("review", __name__, url_prefix="/review")
bp.before_request(role_required(Role.HEAD))


@bp.get("/")
def queue():
    return render_list("review/queue.html", worklists.waiting_states({Role.HEAD}),
                       title="Phân công và xem xét hồ sơ",
                       extra=lambda: {"unapologised": processing.overdue_without_apology()})


@bp.route("/<int:dossier_id>/assign", methods=["GET", "POST"])
@dossier_step(Action.ASSIGN)
def assign(dossier):
    workload = worklists.appraiser_workload()
    form = assign_form(workload)
    if request.method == "GET":
        form.appraiser_id.data = str(dossier.assignee_id or "")

    def assign_appraiser():
        appraiser = db.session.get(User, int(form.appraiser_id.data))
        svc.assign(dossier, actor=current_user, appraiser=appraiser,
                   expected_version=form.version)
        return appraiser

    return dossier_action(
        dossier, form, assign_appraiser,
        success=lambda appraiser: f"Đã phân công {appraiser.full_name} thẩm định hồ sơ "
                                  f"{dossier.code}.",
        page=lambda status: (render_template("review/assign.html", dossier=dossier, form=form,
                                             workload=workload), status))


def _review_page(dossier, review_form=None, rework_form=None, status=200):
    appraisal = svc.latest_appraisal(dossier)
    actions = allowed_actions(dossier.status, current_user.roles)
    return render_template(
        "review/review.html", dossier=dossier, appraisal=appraisal,
        reasons=worklists.reasons_of(appraisal), visits=svc.site_visits(dossier),
        warnings=svc.support_warnings(dossier), can_review=Action.REVIEW in actions,
        review_form=review_form or ReviewForm(formdata=None, expected_version=dossier.version),
        rework_form=rework_form or ReworkForm(formdata=None, expected_version=dossier.version),
    ), status


@bp.get("/<int:dossier_id>")
# The head may return for rework both before and after submitting to the leadership.
@dossier_step(Action.RETURN_FOR_REWORK)
def review(dossier):
    return _review_page(dossier)


@bp.post("/<int:dossier_id>/submit")
@dossier_step(Action.REVIEW)
def submit(dossier):
    form = ReviewForm()
    return dossier_action(
        dossier, form,
        lambda: svc.review(dossier, actor=current_user, note=form.note.data or None,
                           expected_version=form.version),
        success=f"Đã trình lãnh đạo hồ sơ {dossier.code}.",
        page=lambda status: _review_page(dossier, review_form=form, status=status))


@bp.post("/<int:dossier_id>/rework")
@dossier_step(Action.RETURN_FOR_REWORK)
def rework(dossier):
    return return_for_rework(
        dossier, lambda form, status: _review_page(dossier, rework_form=form, status=status))
