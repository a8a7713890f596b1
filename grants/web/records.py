"""Records clerk (văn thư): decided dossiers waiting for their outgoing document; preview the
draft, then give it its number and date and issue it (stored as issued)."""

from io import BytesIO

from flask import Blueprint, render_template, send_file
from flask_login import current_user

from grants.domain.roles import Role
from grants.domain.workflow import Action
from grants.forms.staff import IssueForm
from grants.models.enums import DocumentKind, Outcome
from grants.permissions import dossier_or_404, role_required
from grants.services import documents, worklists
from grants.web.dossiers import error_status, guard, place_error, render_list, run_action

bp = Blueprint("records", __name__, url_prefix="/records")
bp.before_request(role_required(Role.RECORDS))


def _kind(dossier) -> DocumentKind:
    return (DocumentKind.SUPPORT_DECISION if dossier.outcome == Outcome.APPROVED.value
            else DocumentKind.REJECTION_LETTER)


@bp.get("/")
def queue():
    return render_list("records/queue.html", worklists.waiting_states({Role.RECORDS}),
                       title="Văn thư: văn bản chờ vào số, phát hành")


def _issue_page(dossier, form, status=200):
    kind = _kind(dossier)
    return render_template("records/issue.html", dossier=dossier, form=form, kind=kind,
                           title=documents.TITLES[kind.value]), status


@bp.get("/<int:dossier_id>/issue")
def issue(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.ISSUE)) is not None:
        return response
    form = IssueForm(expected_version=dossier.version)
    return _issue_page(dossier, form)


@bp.get("/<int:dossier_id>/preview.pdf")
def preview(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.ISSUE)) is not None:
        return response
    pdf = documents.preview(dossier, _kind(dossier), actor=current_user)
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                     download_name=f"du-thao-{dossier.code}.pdf", max_age=0)


@bp.post("/<int:dossier_id>/issue")
def do_issue(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.ISSUE)) is not None:
        return response
    form = IssueForm()
    if not form.validate_on_submit():
        return _issue_page(dossier, form, 422)
    response, err = run_action(
        dossier, form.version,
        lambda: documents.issue_outcome(dossier, actor=current_user,
                                        expected_version=form.version),
        success=lambda document: f"Đã vào số {document.number_symbol} và phát hành văn bản "
                                 f"của hồ sơ {dossier.code}.")
    if err is None:
        return response
    place_error(form, err)
    return _issue_page(dossier, form, error_status(err))
