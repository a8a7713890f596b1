"""Head of division (lãnh đạo Chi cục TĐC): assign appraisers, review appraisals, submit them to
the leadership or return them for rework."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from grants.domain.roles import Role
from grants.domain.workflow import Action, allowed_actions
from grants.extensions import db
from grants.forms.staff import ReviewForm, ReworkForm, assign_form
from grants.models import User
from grants.permissions import dossier_or_404, role_required
from grants.services import dossiers as svc
from grants.services import worklists
from grants.web.dossiers import error_status, guard, place_error, render_list, run_action

bp = Blueprint("review", __name__, url_prefix="/review")
bp.before_request(role_required(Role.HEAD))


@bp.get("/")
def queue():
    return render_list("review/queue.html", worklists.waiting_states({Role.HEAD}),
                       title="Phân công và xem xét hồ sơ")


@bp.route("/<int:dossier_id>/assign", methods=["GET", "POST"])
def assign(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.ASSIGN)) is not None:
        return response
    workload = worklists.appraiser_workload()
    form = assign_form(workload)
    status = 200
    if request.method == "GET":
        form.expected_version.data = dossier.version
        form.appraiser_id.data = str(dossier.assignee_id or "")
    elif form.validate_on_submit():
        appraiser = db.session.get(User, int(form.appraiser_id.data))
        response, err = run_action(
            dossier, form.version,
            lambda: svc.assign(dossier, actor=current_user, appraiser=appraiser,
                               expected_version=form.version),
            success=lambda _: f"Đã phân công {appraiser.full_name} thẩm định hồ sơ "
                              f"{dossier.code}.")
        if err is None:
            return response
        place_error(form, err)
        status = error_status(err)
    else:
        status = 422
    return render_template("review/assign.html", dossier=dossier, form=form,
                           workload=workload), status


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
def review(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    # The head may return for rework both before and after submitting to the leadership.
    if (response := guard(dossier, Action.RETURN_FOR_REWORK)) is not None:
        return response
    return _review_page(dossier)


@bp.post("/<int:dossier_id>/submit")
def submit(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.REVIEW)) is not None:
        return response
    form = ReviewForm()
    if form.validate_on_submit():
        response, err = run_action(
            dossier, form.version,
            lambda: svc.review(dossier, actor=current_user, note=form.note.data or None,
                               expected_version=form.version),
            success=f"Đã trình lãnh đạo hồ sơ {dossier.code}.")
        if err is None:
            return response
        place_error(form, err)
        return _review_page(dossier, review_form=form, status=error_status(err))
    return _review_page(dossier, review_form=form, status=422)


@bp.post("/<int:dossier_id>/rework")
def rework(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RETURN_FOR_REWORK)) is not None:
        return response
    form = ReworkForm()
    if form.validate_on_submit():
        response, err = run_action(
            dossier, form.version,
            lambda: svc.return_for_rework(dossier, actor=current_user, note=form.note.data,
                                          expected_version=form.version),
            success=f"Đã trả lại hồ sơ {dossier.code} để thẩm định lại.")
        if err is None:
            return response
        place_error(form, err)
        return _review_page(dossier, rework_form=form, status=error_status(err))
    return _review_page(dossier, rework_form=form, status=422)
