"""Leadership (lãnh đạo Sở / UBND tỉnh): reviewed dossiers, approval with an amount per item
(under the budget lock), rejection with written reasons, or return for rework; later, the
recovery of support found undue."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from grants.db import atomic
from grants.domain.budget import recoverable_vnd
from grants.domain.enums import DocumentKind
from grants.domain.errors import DomainError, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.domain.workflow import Action, Status, allowed_actions
from grants.forms.finance import RecoveryForm
from grants.forms.staff import (
    CommitteeProposalForm,
    ReworkForm,
    approve_form,
    chosen_reasons,
    committee_approval_form,
    committee_reject_form,
    reject_form,
)
from grants.letters import Letterhead
from grants.permissions import dossier_or_404, role_required
from grants.queries import worklists
from grants.queries.outcome import recoveries
from grants.services import dossiers as svc
from grants.services import ledger
from grants.web.actions import dossier_action, dossier_step, place_error, return_for_rework
from grants.web.work_lists import render_list

bp = Blueprint("decisions", __name__, url_prefix="/decisions")
bp.before_request(role_required(Role.LEADER))


@bp.get("/")
def queue():
    return render_list("decisions/queue.html", (Status.REVIEWED, Status.SUBMITTED_TO_COMMITTEE),
                       title="Hồ sơ trình phê duyệt")


def _earlier(dossier) -> dict[int, list[str]]:
    return svc.previous_support(dossier.organisation_id,
                                [i.catalogue_item_id for i in dossier.items],
                                exclude_dossier_id=dossier.id)


def _decide_page(dossier, *, approve=None, reject=None, rework=None, propose=None,
                 status=200):
    earlier = _earlier(dossier)
    reasons = dossier.program_year.reasons
    version = dossier.version
    appraisal = svc.latest_appraisal(dossier)
    rules = {r.catalogue_item_id: r for r in dossier.program_year.rules}
    return render_template(
        "decisions/decide.html", dossier=dossier, year=dossier.program_year, earlier=earlier,
        appraisal=appraisal, appraisal_reasons=worklists.reasons_of(appraisal), rules=rules,
        visits=svc.site_visits(dossier), warnings=svc.support_warnings(dossier),
        actions=allowed_actions(dossier.status, current_user.roles,
                                dossier.program_year.authority),
        propose_form=propose or CommitteeProposalForm(formdata=None, expected_version=version),
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


def _item_amounts(form, items) -> dict:
    """The amounts typed per item and the reasons given where an amount overrides the rule: the
    ``amounts`` and ``overrides`` of ``approve`` and ``record_committee_approval``."""
    return {"amounts": {i.id: form[f"amount_{i.id}"].data for i in items},
            "overrides": {i.id: form[f"override_{i.id}"].data for i in items
                          if f"override_{i.id}" in form and form[f"override_{i.id}"].data}}


@bp.get("/<int:dossier_id>")
@dossier_step(Action.APPROVE)
def decide(dossier):
    return _decide_page(dossier)


@bp.post("/<int:dossier_id>/approve")
@dossier_step(Action.APPROVE)
def approve(dossier):
    items = list(dossier.items)
    form = approve_form(items, _earlier(dossier))
    return dossier_action(
        dossier, form,
        lambda: svc.approve(
            dossier, actor=current_user, **_item_amounts(form, items),
            note=form.note.data or None, expected_version=form.version),
        success=lambda decision: f"Đã phê duyệt hỗ trợ hồ sơ {dossier.code}: tổng "
                                 f"{format_vnd(decision.total_vnd)}.",
        # BudgetExceeded states the remaining budget; shown on the form
        page=lambda status: _decide_page(dossier, approve=form, status=status))


@bp.post("/<int:dossier_id>/reject")
@dossier_step(Action.REJECT)
def reject(dossier):
    reasons = dossier.program_year.reasons
    form = reject_form(reasons)
    return dossier_action(
        dossier, form,
        lambda: svc.reject(dossier, actor=current_user, reasons=chosen_reasons(form, reasons),
                           next_steps=form.next_steps.data or None,
                           expected_version=form.version),
        success=f"Đã quyết định không hỗ trợ hồ sơ {dossier.code}; văn thư sẽ vào số và phát "
                "hành văn bản trả lời nêu rõ lý do.",
        page=lambda status: _decide_page(dossier, reject=form, status=status))


@bp.post("/<int:dossier_id>/rework")
@dossier_step(Action.RETURN_FOR_REWORK)
def rework(dossier):
    return return_for_rework(
        dossier, lambda form, status: _decide_page(dossier, rework=form, status=status))


# --- the Chairman's path: proposal to the People's Committee, its decision recorded -------------


@bp.post("/<int:dossier_id>/committee-proposal")
@dossier_step(Action.SUBMIT_TO_COMMITTEE)
def submit_to_committee(dossier):
    form = CommitteeProposalForm()
    return dossier_action(
        dossier, form,
        lambda: svc.submit_to_committee(dossier, actor=current_user,
                                        note=form.note.data or None,
                                        expected_version=form.version,
                                        letterhead=Letterhead.from_config(current_app.config)),
        success=f"Đã trình UBND tỉnh hồ sơ {dossier.code} (tờ trình đã phát hành); khi có "
                "quyết định của UBND tỉnh, ghi nhận tại trang hồ sơ.",
        page=lambda status: _decide_page(dossier, propose=form, status=status))


def _committee_page(dossier, *, approve=None, reject=None, status=200):
    earlier = _earlier(dossier)
    version = dossier.version
    return render_template(
        "decisions/committee.html", dossier=dossier, year=dossier.program_year,
        earlier=earlier, warnings=svc.support_warnings(dossier),
        rules={r.catalogue_item_id: r for r in dossier.program_year.rules},
        proposals=[d for d in worklists.dossier_documents(dossier.id)
                   if d.kind == DocumentKind.COMMITTEE_PROPOSAL],
        approve_form=approve or committee_approval_form(
            dossier.items, earlier, formdata=None, expected_version=version,
            signer_name=dossier.program_year.signer_name),
        reject_form=reject or committee_reject_form(dossier.program_year.reasons,
                                                    formdata=None, expected_version=version),
    ), status


@bp.get("/<int:dossier_id>/committee-decision")
@dossier_step(Action.RECORD_COMMITTEE_APPROVAL)
def committee(dossier):
    return _committee_page(dossier)


@bp.post("/<int:dossier_id>/committee-decision")
@dossier_step(Action.RECORD_COMMITTEE_APPROVAL)
def record_committee_approval(dossier):
    items = list(dossier.items)
    form = committee_approval_form(items, _earlier(dossier))
    return dossier_action(
        dossier, form,
        lambda: svc.record_committee_approval(
            dossier, actor=current_user, decision_number=form.decision_number.data,
            decided_on=form.decided_on.data, signer_name=form.signer_name.data,
            **_item_amounts(form, items), note=form.note.data or None,
            expected_version=form.version),
        success=lambda decision: f"Đã ghi nhận Quyết định số {decision.committee_number}/QĐ-UBND "
                                 f"ngày {decision.committee_decided_on:%d/%m/%Y} của UBND tỉnh "
                                 f"hỗ trợ hồ sơ {dossier.code}: tổng "
                                 f"{format_vnd(decision.total_vnd)}.",
        page=lambda status: _committee_page(dossier, approve=form, status=status))


@bp.post("/<int:dossier_id>/committee-rejection")
@dossier_step(Action.RECORD_COMMITTEE_REJECTION)
def record_committee_rejection(dossier):
    reasons = dossier.program_year.reasons
    form = committee_reject_form(reasons)
    return dossier_action(
        dossier, form,
        lambda: svc.record_committee_rejection(
            dossier, actor=current_user, reasons=chosen_reasons(form, reasons),
            reference=form.reference.data or None, next_steps=form.next_steps.data or None,
            expected_version=form.version),
        success=f"Đã ghi nhận UBND tỉnh không phê duyệt hỗ trợ hồ sơ {dossier.code}; văn thư "
                "sẽ phát hành văn bản trả lời nêu rõ lý do.",
        page=lambda status: _committee_page(dossier, reject=form, status=status))


# --- recovery of support found undue (thu hồi) -----------------------------------------------


def _recovery_page(dossier, form, status=200):
    return render_template(
        "decisions/recovery.html", dossier=dossier, form=form,
        recoveries=recoveries(dossier.id),
        recoverable=recoverable_vnd(dossier.paid_vnd, dossier.recovered_vnd,
                                    dossier.repaid_vnd)), status


@bp.get("/<int:dossier_id>/recovery")
def recovery(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    return _recovery_page(dossier, RecoveryForm(formdata=None, data={"version": dossier.version}))


@bp.post("/<int:dossier_id>/recovery")
def recover(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    form = RecoveryForm()
    if not form.validate_on_submit():
        return _recovery_page(dossier, form, 422)
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    try:
        with atomic():
            entry = ledger.record_recovery(
                dossier, actor=current_user, amount_vnd=form.amount_vnd.data,
                reason=form.reason.data, expected_version=version,
                letterhead=Letterhead.from_config(current_app.config))
    except DomainError as err:
        place_error(form, err)
        return _recovery_page(dossier_or_404(dossier_id), form,
                              422 if isinstance(err, InvalidInput) else 409)
    flash(f"Đã quyết định thu hồi {format_vnd(entry.amount_vnd)} của hồ sơ {dossier.code} và "
          "phát hành quyết định thu hồi; kế toán ghi nhận các khoản nộp trả.", "success")
    return redirect(url_for("dossiers.show", dossier_id=dossier.id))
