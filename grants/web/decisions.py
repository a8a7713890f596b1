"""Leadership (lãnh đạo Sở / UBND tỉnh): reviewed dossiers, approval with an amount per item
(under the budget lock), rejection with written reasons, or return for rework."""

from flask import Blueprint, render_template
from flask_login import current_user

from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.domain.workflow import Action, Status, allowed_actions
from grants.forms.staff import ReworkForm, approve_form, lines_of, reject_form
from grants.permissions import dossier_or_404, role_required
from grants.services import dossiers as svc
from grants.services import worklists
from grants.web.dossiers import error_status, guard, place_error, render_list, run_action

bp = Blueprint("decisions", __name__, url_prefix="/decisions")
bp.before_request(role_required(Role.LEADER))


@bp.get("/")
def queue():
    return render_list("decisions/queue.html", (Status.REVIEWED,),
                       title="Hồ sơ trình phê duyệt")


def _earlier(dossier) -> dict[int, list[str]]:
    return svc.previous_support(dossier.organisation_id,
                                [i.catalogue_item_id for i in dossier.items],
                                exclude_dossier_id=dossier.id)


def _decide_page(dossier, *, approve=None, reject=None, rework=None, status=200):
    earlier = _earlier(dossier)
    reasons = dossier.program_year.reasons
    version = dossier.version
    appraisal = svc.latest_appraisal(dossier)
    rules = {r.catalogue_item_id: r for r in dossier.program_year.rules}
    return render_template(
        "decisions/decide.html", dossier=dossier, year=dossier.program_year, earlier=earlier,
        appraisal=appraisal, appraisal_reasons=worklists.reasons_of(appraisal), rules=rules,
        visits=svc.site_visits(dossier), warnings=svc.support_warnings(dossier),
        actions=allowed_actions(dossier.status, current_user.roles),
        approve_form=approve or approve_form(dossier.items, earlier, formdata=None,
                                             expected_version=version),
        reject_form=reject or _prefilled_reject_form(reasons, appraisal, version),
        rework_form=rework or ReworkForm(formdata=None, expected_version=version),
    ), status


def _prefilled_reject_form(reasons, appraisal, version):
    """The reject form starts from the appraiser's reasons (catalogue ones ticked, others typed)."""
    given = worklists.reasons_of(appraisal)
    ids = {r.text: str(r.id) for r in reasons}
    return reject_form(reasons, formdata=None, expected_version=version,
                       reasons=[ids[t] for t in given if t in ids],
                       other_reasons="\n".join(t for t in given if t not in ids))


@bp.get("/<int:dossier_id>")
def decide(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.APPROVE)) is not None:
        return response
    return _decide_page(dossier)


@bp.post("/<int:dossier_id>/approve")
def approve(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.APPROVE)) is not None:
        return response
    items = list(dossier.items)
    earlier = _earlier(dossier)
    form = approve_form(items, earlier)
    if not form.validate_on_submit():
        return _decide_page(dossier, approve=form, status=422)
    amounts = {i.id: form[f"amount_{i.id}"].data for i in items}
    overrides = {i.id: form[f"override_{i.id}"].data for i in items
                 if f"override_{i.id}" in form and form[f"override_{i.id}"].data}
    response, err = run_action(
        dossier, form.version,
        lambda: svc.approve(dossier, actor=current_user, amounts=amounts, overrides=overrides,
                            note=form.note.data or None, expected_version=form.version),
        success=lambda decision: f"Đã phê duyệt hỗ trợ hồ sơ {dossier.code}: tổng "
                                 f"{format_vnd(decision.total_vnd)}.")
    if err is None:
        return response
    place_error(form, err)  # BudgetExceeded states the remaining budget; shown on the form
    return _decide_page(dossier, approve=form, status=error_status(err))


@bp.post("/<int:dossier_id>/reject")
def reject(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.REJECT)) is not None:
        return response
    reasons = dossier.program_year.reasons
    form = reject_form(reasons)
    if not form.validate_on_submit():
        return _decide_page(dossier, reject=form, status=422)
    texts = {str(r.id): r.text for r in reasons}
    chosen = [texts[v] for v in form.reasons.data or [] if v in texts]
    chosen += lines_of(form.other_reasons.data)
    response, err = run_action(
        dossier, form.version,
        lambda: svc.reject(dossier, actor=current_user, reasons=chosen,
                           next_steps=form.next_steps.data or None,
                           expected_version=form.version),
        success=f"Đã quyết định không hỗ trợ hồ sơ {dossier.code}; văn thư sẽ vào số và phát "
                "hành văn bản trả lời nêu rõ lý do.")
    if err is None:
        return response
    place_error(form, err)
    return _decide_page(dossier, reject=form, status=error_status(err))


@bp.post("/<int:dossier_id>/rework")
def rework(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RETURN_FOR_REWORK)) is not None:
        return response
    form = ReworkForm()
    if not form.validate_on_submit():
        return _decide_page(dossier, rework=form, status=422)
    response, err = run_action(
        dossier, form.version,
        lambda: svc.return_for_rework(dossier, actor=current_user, note=form.note.data,
                                      expected_version=form.version),
        success=f"Đã trả lại hồ sơ {dossier.code} để thẩm định lại.")
    if err is None:
        return response
    place_error(form, err)
    return _decide_page(dossier, rework=form, status=error_status(err))
