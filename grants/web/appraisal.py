"""Appraiser (chuyên viên thẩm định): my assigned dossiers, site visits, and the appraisal with
eligible cost per item, the proposal by the year's rule, and a recommendation with reasons."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from grants.domain.roles import Role
from grants.domain.workflow import Action, Status
from grants.forms.staff import VisitForm, appraise_form, lines_of
from grants.models.enums import Recommendation
from grants.permissions import dossier_or_404, role_required
from grants.services import dossiers as svc
from grants.web.dossiers import error_status, guard, place_error, render_list, run_action

bp = Blueprint("appraisal", __name__, url_prefix="/appraisal")
bp.before_request(role_required(Role.APPRAISER))


@bp.get("/")
def queue():
    return render_list("appraisal/queue.html", (Status.ASSIGNED,),
                       title="Hồ sơ được phân công thẩm định", assignee_id=current_user.id)


@bp.route("/<int:dossier_id>/visit", methods=["GET", "POST"])
def visit(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RECORD_VISIT)) is not None:
        return response
    form = VisitForm()
    status = 200
    if request.method == "GET":
        form.expected_version.data = dossier.version
        form.place.data = dossier.organisation.address or ""
        form.team.data = current_user.full_name + (f" - {current_user.title}"
                                                   if current_user.title else "")
    elif form.validate_on_submit():
        response, err = run_action(
            dossier, form.version,
            lambda: svc.record_visit(
                dossier, actor=current_user, visited_at=form.visited_at.data,
                place=form.place.data, team="\n".join(lines_of(form.team.data)),
                findings=form.findings.data,
                org_representatives="\n".join(lines_of(form.org_representatives.data))
                or None, expected_version=form.version),
            success=f"Đã ghi nhận thẩm định thực tế tại tổ chức (hồ sơ {dossier.code}).")
        if err is None:
            return response
        place_error(form, err)
        status = error_status(err)
    else:
        status = 422
    return render_template("appraisal/visit.html", dossier=dossier, form=form,
                           visits=svc.site_visits(dossier)), status


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
def appraise(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.APPRAISE)) is not None:
        return response
    reasons = dossier.program_year.reasons
    form = appraise_form(dossier.items, reasons)
    if request.method == "GET":
        form.expected_version.data = dossier.version
        for item in dossier.items:
            if item.eligible_cost_vnd is not None:  # a rework round starts from the last figures
                form[f"eligible_{item.id}"].data = item.eligible_cost_vnd
        return _appraise_page(dossier, form, proposals=_proposals(dossier, form))
    valid = form.validate_on_submit()
    proposals = _proposals(dossier, form)
    if request.form.get("op") == "preview":
        # Only the figures matter for the preview: no errors on fields not filled in yet.
        for field in form:
            if not field.name.startswith("eligible_"):
                field.errors = []
        return _appraise_page(dossier, form, proposals=proposals)
    if not valid:
        return _appraise_page(dossier, form, 422, proposals)
    texts = {str(r.id): r.text for r in reasons}
    chosen = [texts[v] for v in form.reasons.data or [] if v in texts]
    chosen += lines_of(form.other_reasons.data)
    recommendation = form.recommendation.data
    response, err = run_action(
        dossier, form.version,
        lambda: svc.appraise(
            dossier, actor=current_user, documents_ok=bool(form.documents_ok.data),
            documents_note=form.documents_note.data or None,
            eligible_costs={i.id: form[f"eligible_{i.id}"].data for i in dossier.items},
            recommendation=recommendation,
            reasons=chosen if recommendation == Recommendation.REJECT.value else [],
            conclusion=form.conclusion.data or None, expected_version=form.version),
        success=f"Đã hoàn thành thẩm định hồ sơ {dossier.code} và chuyển lãnh đạo Chi cục "
                "xem xét.")
    if err is None:
        return response
    place_error(form, err)
    return _appraise_page(dossier, form, error_status(err), proposals)
