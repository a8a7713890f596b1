"""Appraiser (chuyên viên thẩm định): my assigned dossiers, site visits, and the appraisal with
eligible cost per item, the proposal by the year's rule, and a recommendation with reasons."""

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from grants.domain.enums import Recommendation
from grants.domain.errors import NotFound
from grants.domain.roles import Role
from grants.domain.workflow import Action, Status
from grants.forms.staff import (
    VisitCorrectionForm,
    VisitForm,
    VisitVoidForm,
    appraise_form,
    chosen_reasons,
    lines_of,
)
from grants.letters import Letterhead
from grants.permissions import dossier_or_404, role_required
from grants.services import dossiers as svc
from grants.web.actions import dossier_action, dossier_step, guard
from grants.web.work_lists import render_list

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")
bp.before_request(role_required(Role.APPRAISER))


@bp.get("/")
def queue():
    return render_list("appraisal/queue.html", (Status.ASSIGNED,),
                       title="Hồ sơ được phân công thẩm định", assignee_id=current_user.id)


@bp.route("/<int:dossier_id>/visit", methods=["GET", "POST"])
@dossier_step(Action.RECORD_VISIT)
def visit(dossier):
    form = VisitForm()
    if request.method == "GET":
        form.place.data = dossier.organisation.address or ""
        form.team.data = current_user.full_name + (f" - {current_user.title}"
                                                   if current_user.title else "")
    return dossier_action(
        dossier, form,
        lambda: svc.record_visit(
            dossier, actor=current_user, visited_at=form.visited_at.data, place=form.place.data,
            team="\n".join(lines_of(form.team.data)), findings=form.findings.data,
            org_representatives="\n".join(lines_of(form.org_representatives.data)) or None,
            expected_version=form.version,
            letterhead=Letterhead.from_config(current_app.config)),
        success=f"Đã ghi nhận thẩm định thực tế tại tổ chức (hồ sơ {dossier.code}).",
        page=lambda status: (render_template("appraisal/visit.html", dossier=dossier, form=form,
                                             visits=svc.site_visits(dossier)), status))


def _visit_step(dossier_id: int, visit_id: int):
    """The dossier and one of its visits, once ``guard`` lets visits change (its appraiser,
    appraisal open); a voided visit can no longer change: 404."""
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RECORD_VISIT)) is not None:
        return dossier, None, response
    try:
        visit = svc.site_visit_of(dossier, visit_id)
    except NotFound:
        abort(404)
    if visit.is_voided:
        abort(404)
    return dossier, visit, None


@bp.route("/<int:dossier_id>/visits/<int:visit_id>/correct", methods=["GET", "POST"])
def correct_visit(dossier_id: int, visit_id: int):
    dossier, visit, response = _visit_step(dossier_id, visit_id)
    if response is not None:
        return response
    form = VisitCorrectionForm()
    if request.method == "GET":
        form.visited_at.data, form.place.data = visit.visited_local, visit.place
        form.team.data, form.findings.data = visit.team, visit.findings
        form.org_representatives.data = visit.org_representatives
    return dossier_action(
        dossier, form,
        lambda: svc.correct_visit(
            dossier, visit, actor=current_user, reason=form.reason.data,
            visited_at=form.visited_at.data, place=form.place.data,
            team="\n".join(lines_of(form.team.data)), findings=form.findings.data,
            org_representatives="\n".join(lines_of(form.org_representatives.data)) or None,
            expected_version=form.version,
            letterhead=Letterhead.from_config(current_app.config)),
        success="Đã điều chỉnh lần thẩm định thực tế và lập lại biên bản của lần này.",
        page=lambda status: (render_template("appraisal/visit_correct.html", dossier=dossier,
                                             visit=visit, form=form), status))


@bp.route("/<int:dossier_id>/visits/<int:visit_id>/void", methods=["GET", "POST"])
def void_visit(dossier_id: int, visit_id: int):
    dossier, visit, response = _visit_step(dossier_id, visit_id)
    if response is not None:
        return response
    form = VisitVoidForm()
    return dossier_action(
        dossier, form,
        lambda: svc.void_visit(dossier, visit, actor=current_user, reason=form.reason.data,
                               expected_version=form.version),
        success="Đã hủy lần thẩm định thực tế; lần này không còn được tính.",
        page=lambda status: (render_template("appraisal/visit_void.html", dossier=dossier,
                                             visit=visit, form=form), status))


def _proposals(dossier, form) -> dict[int, int]:
    """Item id → the amount the year's rule gives for the eligible cost typed (valid ones)."""
    found = {}
    for item in dossier.items:
        eligible = form[f"eligible_{item.id}"].data
        if isinstance(eligible, int) and 0 <= eligible <= item.consulting_cost_vnd:
            found[item.id] = svc.proposed_amount(item, eligible)
    return found


def _appraise_page(dossier, form, status=200, proposals=None):
    rules = {r.catalogue_item_id: r for r in dossier.program_year.rules}
    return render_template(
        "appraisal/appraise.html", dossier=dossier, form=form, rules=rules,
        proposals=proposals or {}, visits=svc.site_visits(dossier),
        appraisal=svc.open_appraisal(dossier),
        warnings=svc.support_warnings(dossier)), status


@bp.route("/<int:dossier_id>/appraise", methods=["GET", "POST"])
@dossier_step(Action.APPRAISE)
def appraise(dossier):
    reasons = dossier.program_year.reasons
    form = appraise_form(dossier.items, reasons)
    if request.method == "GET":
        for item in dossier.items:
            if item.eligible_cost_vnd is not None:  # a rework round starts from the last figures
                form[f"eligible_{item.id}"].data = item.eligible_cost_vnd
    elif request.form.get("op") == "preview":
        # Only the figures matter for the preview: no errors on fields not filled in yet.
        form.validate_on_submit()
        for field in form:
            if not field.name.startswith("eligible_"):
                field.errors = []
        return _appraise_page(dossier, form, proposals=_proposals(dossier, form))
    return dossier_action(
        dossier, form,
        lambda: svc.appraise(
            dossier, actor=current_user, documents_ok=bool(form.documents_ok.data),
            documents_note=form.documents_note.data or None,
            eligible_costs={i.id: form[f"eligible_{i.id}"].data for i in dossier.items},
            recommendation=form.recommendation.data,
            reasons=chosen_reasons(form, reasons)
            if form.recommendation.data == Recommendation.REJECT.value else [],
            conclusion=form.conclusion.data or None, expected_version=form.version),
        success=f"Đã hoàn thành thẩm định hồ sơ {dossier.code} và chuyển lãnh đạo Chi cục "
                "xem xét.",
        page=lambda status: _appraise_page(dossier, form, status, _proposals(dossier, form)))
