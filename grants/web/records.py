"""Records clerk (văn thư): decided dossiers waiting for their outgoing document; preview the
draft, then give it its number and date and issue it (stored as issued)."""

from io import BytesIO

from flask import Blueprint, current_app, render_template, send_file
from flask_login import current_user

from grants.domain.roles import Role
from grants.domain.workflow import Action
from grants.forms.staff import IssueForm
from grants.letters import Letterhead, spec_of
from grants.permissions import role_required
from grants.queries import worklists
from grants.services import documents
from grants.web.actions import dossier_action, dossier_step
from grants.web.work_lists import render_list

bp = Blueprint("records", __name__, url_prefix="/records")
bp.before_request(role_required(Role.RECORDS))


@bp.get("/")
def queue():
    return render_list("records/queue.html", worklists.waiting_states({Role.RECORDS}),
                       title="Văn thư: văn bản chờ vào số, phát hành")


def _issue_page(dossier, form, status=200):
    kind = documents.outcome_kind(dossier)
    return render_template("records/issue.html", dossier=dossier, form=form, kind=kind,
                           title=spec_of(kind).title), status


@bp.get("/<int:dossier_id>/issue")
@dossier_step(Action.ISSUE)
def issue(dossier):
    form = IssueForm(expected_version=dossier.version)
    return _issue_page(dossier, form)


@bp.get("/<int:dossier_id>/preview.pdf")
@dossier_step(Action.ISSUE)
def preview(dossier):
    pdf = documents.preview(dossier, documents.outcome_kind(dossier), actor=current_user,
                            letterhead=Letterhead.from_config(current_app.config))
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                     download_name=f"du-thao-{dossier.code}.pdf", max_age=0)


@bp.post("/<int:dossier_id>/issue")
@dossier_step(Action.ISSUE)
def do_issue(dossier):
    form = IssueForm()
    return dossier_action(
        dossier, form,
        lambda: documents.issue_outcome(dossier, actor=current_user,
                                        expected_version=form.version,
                                        letterhead=Letterhead.from_config(current_app.config)),
        success=lambda document: f"Đã vào số {document.number_symbol} và phát hành văn bản "
                                 f"của hồ sơ {dossier.code}.",
        page=lambda status: _issue_page(dossier, form, status))
