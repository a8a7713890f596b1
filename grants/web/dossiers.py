"""The staff register of dossiers and the staff dossier page, with its attachments and
documents and the links to the actions the viewer may take now."""

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from grants.domain.budget import recoverable_vnd
from grants.domain.enums import Outcome
from grants.domain.roles import STAFF_ROLES, Role
from grants.domain.workflow import APPROVED_OR_LATER, Action, Status, allowed_actions
from grants.letters.texts import DOCUMENT_TITLES
from grants.permissions import Permission, authorize, dossier_or_404, role_required
from grants.queries import worklists
from grants.queries.outcome import recoveries
from grants.queries.reports.cache import memoised
from grants.services import dossiers as svc
from grants.services import processing, ratings
from grants.web.actions import APPRAISER_ACTIONS
from grants.web.downloads import send_attachment, send_document
from grants.web.fragments import cached_fragment, cached_page
from grants.web.work_lists import render_list

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")
bp.before_request(role_required(*STAFF_ROLES))

# Action → (endpoint, anchor, role whose page it is).  Several actions share a page.
ACTION_PAGES: dict[Action, list[tuple[str, str | None, Role]]] = {
    Action.RECEIVE: [("intake.check", None, Role.CLERK)],
    Action.REQUEST_SUPPLEMENT: [("intake.check", "bo-sung", Role.CLERK)],
    Action.REFUSE: [("intake.check", "tu-choi", Role.CLERK)],
    Action.RESUBMIT: [("intake.resubmit", None, Role.CLERK)],
    Action.RETURN_RESULT: [("intake.return_result", None, Role.CLERK)],
    Action.ASSIGN: [("review.assign", None, Role.HEAD)],
    Action.REVIEW: [("review.review", None, Role.HEAD)],
    Action.RETURN_FOR_REWORK: [("review.review", "tra-lai", Role.HEAD),
                               ("decisions.decide", "tra-lai", Role.LEADER)],
    Action.RECORD_VISIT: [("appraisal.visit", None, Role.APPRAISER)],
    Action.APPRAISE: [("appraisal.appraise", None, Role.APPRAISER)],
    Action.APPROVE: [("decisions.decide", None, Role.LEADER)],
    Action.REJECT: [("decisions.decide", "khong-ho-tro", Role.LEADER)],
    Action.ISSUE: [("records.issue", None, Role.RECORDS)],
    # issue 14: papers asked after reception, the apology for a late dossier
    Action.REQUEST_PAPERS: [("processing.request_papers", None, Role.HEAD),
                            ("processing.request_papers", None, Role.APPRAISER)],
    Action.APOLOGISE: [("processing.apologise", None, role)
                       for role in (Role.HEAD, Role.APPRAISER, Role.LEADER, Role.RECORDS,
                                    Role.CLERK)],
    Action.SUBMIT_TO_COMMITTEE: [("decisions.decide", "trinh-ubnd", Role.LEADER)],
    Action.RECORD_COMMITTEE_APPROVAL: [("decisions.committee", None, Role.LEADER)],
    Action.RECORD_COMMITTEE_REJECTION: [("decisions.committee", "khong-phe-duyet", Role.LEADER)],
}


def action_links(dossier, user) -> list[tuple[Action, str]]:
    """(action, url) for each action the user may take now, on the page of one of their roles."""
    links = []
    for action in allowed_actions(dossier.status, user.roles, dossier.program_year.authority):
        if action in APPRAISER_ACTIONS and dossier.assignee_id != user.id:
            continue
        for endpoint, anchor, role in ACTION_PAGES.get(action, ()):
            if role in user.roles:
                links.append((action, url_for(endpoint, dossier_id=dossier.id, _anchor=anchor)))
                break
    return links


def may_recover(dossier, user) -> bool:
    """The leadership may decide a recovery of what an approved dossier was paid and is not
    already being recovered (the service checks the same again)."""
    return (user.has_role(Role.LEADER) and dossier.outcome == Outcome.APPROVED
            and dossier.status in APPROVED_OR_LATER and not dossier.program_year.is_closed
            and recoverable_vnd(dossier.paid_vnd, dossier.recovered_vnd, dossier.repaid_vnd) > 0)


@bp.get("/")
def register():
    order = "deadline" if request.args.get("order") == "deadline" else "newest"
    return render_list("dossiers/register.html", worklists.REGISTER_STATES,
                       title="Sổ theo dõi hồ sơ", order=order)


@bp.get("/<int:dossier_id>")
def show(dossier_id: int):
    # On a repeat view the dossier's version, code and organisation come from the memo and the
    # body from the fragment cache, both keyed by the data stamp read with the account (every
    # change of a dossier, a rating included, writes an audit event, which moves the stamp),
    # so the page runs that one statement; the policy still decides who sees the dossier. The
    # dossier itself is loaded only to render the body again.
    heading = memoised("dossiers.heading", (dossier_id,),
                       lambda: worklists.dossier_heading(dossier_id),
                       seconds=current_app.config.get("REPORT_CACHE_SECONDS", 60))
    if heading is None:
        abort(404)
    authorize(Permission.VIEW_DOSSIER, heading)
    body = cached_fragment("dossier-page", (dossier_id, heading.version, current_user.id),
                           lambda: _show_body(dossier_or_404(dossier_id)))
    return cached_page("_cached_page.html", body, title=f"Hồ sơ {heading.code}")


def _show_body(dossier) -> str:
    decision = svc.decision_of(dossier)
    returned = dossier.status == Status.RETURNED  # its rating is shown (or asked for)
    results = {r.checklist_item_id: r for r in dossier.checklist_results}
    return render_template(
        "dossiers/_show_body.html", dossier=dossier, decision=decision,
        checklist=[(line, results.get(line.id)) for line in dossier.program_year.checklist],
        decision_reasons=worklists.reasons_of(decision),
        appraisals=worklists.dossier_appraisals(dossier.id), visits=svc.site_visits(dossier),
        history=worklists.dossier_history(dossier.id),
        documents=worklists.dossier_documents(dossier.id),
        supplements=worklists.supplement_requests(dossier.id),
        attachments=[a for a in dossier.attachments if not a.is_removed],
        warnings=svc.support_warnings(dossier),
        marks=worklists.deadline_marks([dossier])[dossier.id],
        reasons_of=worklists.reasons_of, doc_titles=DOCUMENT_TITLES,
        actions=action_links(dossier, current_user),
        promised_on=processing.promised_on(dossier),
        recoveries=recoveries(dossier.id) if dossier.recovered_vnd else (),
        may_recover=may_recover(dossier, current_user), rated=returned,
        rating=ratings.rating_of(dossier.id) if returned else None)


@bp.get("/<int:dossier_id>/attachments/<int:attachment_id>")
def attachment(dossier_id: int, attachment_id: int):
    return send_attachment(dossier_or_404(dossier_id), attachment_id,
                           as_attachment=request.args.get("download") == "1", max_age=0)


@bp.get("/<int:dossier_id>/documents/<int:document_id>")
def document(dossier_id: int, document_id: int):
    return send_document(dossier_or_404(dossier_id), document_id,
                         as_attachment=request.args.get("download") == "1", max_age=0)
