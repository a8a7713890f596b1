"""Issue 14's paths on a received dossier, for the staff who hold it: asking the applicant for
more papers during processing (head of division, appraiser), and the apology with a new return
date when the dossier will be late (the role owning the running step)."""

from functools import wraps

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from grants.domain.roles import Role
from grants.domain.workflow import Action, ActionNotPermitted, InvalidTransition, next_status
from grants.forms.processing import ApologyForm, RequestPapersForm
from grants.letters import Letterhead
from grants.permissions import dossier_or_404, role_required
from grants.services import processing
from grants.web.actions import dossier_action, dossier_step

bp = Blueprint("processing", __name__, url_prefix="/processing")
bp.before_request(role_required(Role.HEAD, Role.APPRAISER, Role.LEADER, Role.RECORDS,
                                Role.CLERK))

NOTE_SEPARATOR = "—"


def step(action: Action):
    """``dossier_step`` for a blueprint several roles share: a role that may not take
    ``action`` in the dossier's state is refused (403) before anything else is looked at."""
    def decorate(view):
        checked = dossier_step(action)(view)

        @wraps(view)
        def role_first(dossier_id: int):
            try:
                next_status(dossier_or_404(dossier_id).status, action, current_user.roles)
            except ActionNotPermitted:
                abort(403)
            except InvalidTransition:
                pass  # dossier_step says so on the dossier page
            return checked(dossier_id)
        return role_first
    return decorate


def paper_lines(text: str | None) -> list[dict]:
    """One paper per line, its note after «—»."""
    items = []
    for row in (text or "").splitlines():
        label, _, note = row.partition(NOTE_SEPARATOR)
        if label.strip():
            items.append({"label": label.strip(), "note": note.strip()})
    return items


@bp.route("/<int:dossier_id>/papers", methods=["GET", "POST"])
@step(Action.REQUEST_PAPERS)
def request_papers(dossier):
    form = RequestPapersForm()
    return dossier_action(
        dossier, form,
        lambda: processing.request_papers(
            dossier, actor=current_user, items=paper_lines(form.items.data),
            note=form.note.data or None, expected_version=form.version,
            letterhead=Letterhead.from_config(current_app.config)),
        success=f"Đã gửi thông báo yêu cầu bổ sung hồ sơ {dossier.code}; thời hạn giải quyết "
                "tạm dừng cho đến khi tổ chức nộp bổ sung.",
        page=lambda status: (render_template("processing/papers.html", dossier=dossier,
                                             form=form), status))


@bp.route("/<int:dossier_id>/apology", methods=["GET", "POST"])
@step(Action.APOLOGISE)
def apologise(dossier):
    form = ApologyForm()
    return dossier_action(
        dossier, form,
        lambda: processing.apologise(
            dossier, actor=current_user, new_return_on=form.new_return_on.data,
            reason=form.reason.data, expected_version=form.version,
            letterhead=Letterhead.from_config(current_app.config)),
        success=lambda apology: f"Đã lập phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ "
                                f"{dossier.code}: {apology.new_return_on:%d/%m/%Y}.",
        page=lambda status: (render_template(
            "processing/apology.html", dossier=dossier, form=form,
            current_due=processing.current_due(dossier),
            apology=processing.latest_apology(dossier.id)), status))
