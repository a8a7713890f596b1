"""The staff register of dossiers and the staff dossier page, plus the helpers every staff
action view shares: version check, workflow guard, one transaction per action, errors on forms."""

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import BuildError
from wtforms.fields import FieldList, FormField

from grants.db import atomic
from grants.domain.errors import Conflict, DomainError, Forbidden, NotFound
from grants.domain.roles import STAFF_ROLES, Role
from grants.domain.workflow import (
    Action,
    ActionNotPermitted,
    InvalidTransition,
    Status,
    allowed_actions,
    next_status,
)
from grants.extensions import db
from grants.forms.staff import filter_form
from grants.letters.texts import DOCUMENT_TITLES
from grants.models import Attachment, Document, Dossier
from grants.models.enums import Channel, CopyKind, Recommendation
from grants.permissions import dossier_or_404, role_required
from grants.services import dossiers as svc
from grants.services import uploads, worklists
from grants.web.fragments import cached_fragment

bp = Blueprint("dossiers", __name__, url_prefix="/dossiers")
bp.before_request(role_required(*STAFF_ROLES))

STALE_MESSAGE = ("Hồ sơ vừa được người khác thay đổi. Thao tác của bạn chưa được lưu; hãy xem "
                 "trạng thái mới nhất dưới đây rồi thao tác lại nếu cần.")

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
}

APPRAISER_ACTIONS = frozenset({Action.RECORD_VISIT, Action.APPRAISE})


# ------------------------------------------------------------------ shared helpers


def action_links(dossier, user) -> list[tuple[Action, str]]:
    """(action, url) for each action the user may take now that has a page in the app."""
    links = []
    for action in allowed_actions(dossier.status, user.roles):
        if action in APPRAISER_ACTIONS and dossier.assignee_id != user.id:
            continue
        for endpoint, anchor, role in ACTION_PAGES.get(action, ()):
            url = optional_url(endpoint, dossier_id=dossier.id, _anchor=anchor)
            if role in user.roles and url:
                links.append((action, url))
                break
    return links


@bp.app_template_global()
def optional_url(endpoint: str, **values) -> str | None:
    """The URL of ``endpoint`` if the app has it (another team's page may not exist yet)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def back_to(dossier_id: int):
    return redirect(url_for("dossiers.show", dossier_id=dossier_id))


def _posted_version() -> int | None:
    value = (request.form.get("expected_version") or "").strip()
    return int(value) if value.isdigit() else None


def guard(dossier, action: Action):
    """None if ``action`` is possible now for the current user; otherwise a redirect to the
    dossier page with the reason flashed (a posted form made from an older version of the
    dossier, or an action illegal from this state), or 403 (wrong role, or another
    appraiser's dossier)."""
    if request.method == "POST" and _posted_version() != dossier.version:
        flash(STALE_MESSAGE, "warning")
        return back_to(dossier.id)
    try:
        next_status(dossier.status, action, current_user.roles)
    except ActionNotPermitted:
        abort(403)
    except InvalidTransition as err:
        flash(err.message, "warning")
        return back_to(dossier.id)
    if action in APPRAISER_ACTIONS and dossier.assignee_id != current_user.id:
        abort(403)
    return None


def run_action(dossier, version: int | None, call, *, success):
    """Run ``call()`` in one transaction for a posted action form.

    Returns ``(response, None)`` when done (success flashed) or when the dossier changed under
    the user (stale ``version``, concurrent write, illegal transition: flashed, nothing saved);
    ``(None, err)`` for a DomainError the caller shows on its form. Forbidden → 403,
    NotFound → 404.
    """
    dossier_id = dossier.id
    if version is None or version != dossier.version:
        flash(STALE_MESSAGE, "warning")
        return back_to(dossier_id), None
    try:
        with atomic():
            result = call()
    except StaleDataError:
        flash(STALE_MESSAGE, "warning")
        return back_to(dossier_id), None
    except InvalidTransition as err:
        flash(err.message, "warning")
        return back_to(dossier_id), None
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    except DomainError as err:
        return None, err
    flash(success(result) if callable(success) else success, "success")
    return back_to(dossier_id), None


def error_status(err: DomainError) -> int:
    return 409 if isinstance(err, Conflict) else 422


def _fields(form):
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from _fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def place_error(form, err: DomainError) -> None:
    """Put a service error beside the field it names (nested names too), else on the form."""
    field = next((f for f in _fields(form) if err.field and f.name == err.field), None)
    if field is None:
        form.form_errors.append(err.message)
        return
    field.errors = [*field.errors, err.message]


# ------------------------------------------------------------------ register and page


def list_filters(args, statuses):
    """Parsed filter form + the keyword arguments for ``worklists.queue``."""
    form = filter_form(args, statuses=statuses, years=worklists.program_years(),
                       communes=worklists.communes(), catalogue=worklists.catalogue_items())
    year_id = form.year.data if (form.year.data or "").isdigit() else None
    return form, {
        "status": form.status.data if form.status.data in {s.value for s in statuses} else None,
        "year_id": int(year_id) if year_id else None,
        "commune": form.commune.data or None,
        "catalogue_code": form.catalogue.data or None,
        "search": (form.q.data or "")[:100] or None,
        "page": request.args.get("page", 1, type=int),
        "per_page": current_app.config["PER_PAGE"],
    }


def render_list(template: str, statuses, *, title: str, **queue_kw):
    """Render a work list: filters from the query string, one page of ``worklists.queue``.

    The list is a cached fragment for this viewer and query string (``template`` renders into
    ``layout``: just its content block), so a queue reloaded all day long is computed again
    only after the data changed."""
    def body() -> str:
        form, kw = list_filters(request.args, statuses)
        page = worklists.queue(statuses, **kw, **queue_kw)
        marks = worklists.deadline_marks(row.dossier for row in page.items)
        return render_template(template, layout="_fragment.html", page=page, marks=marks,
                               filters=form, title=title)

    key = (template, current_user.id, request.query_string.decode("utf-8", "replace"),
           tuple(sorted(queue_kw.items())))
    return render_template("_cached_page.html", title=title,
                           body=cached_fragment("work-list", key, body))


@bp.get("/")
def register():
    order = "deadline" if request.args.get("order") == "deadline" else "newest"
    return render_list("dossiers/register.html", worklists.REGISTER_STATES,
                       title="Sổ theo dõi hồ sơ", order=order)


@bp.get("/<int:dossier_id>")
def show(dossier_id: int):
    # The organisation and year are loaded only if the body has to be rendered again.
    dossier = dossier_or_404(dossier_id, options=[lazyload(Dossier.organisation),
                                                  lazyload(Dossier.program_year)])
    body = cached_fragment("dossier-page", (dossier.id, dossier.version, current_user.id),
                           lambda: _show_body(dossier))
    return render_template("_cached_page.html", title=f"Hồ sơ {dossier.code}", body=body)


def _show_body(dossier) -> str:
    decision = svc.decision_of(dossier)
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
        actions=action_links(dossier, current_user))


@bp.get("/<int:dossier_id>/attachments/<int:attachment_id>")
def attachment(dossier_id: int, attachment_id: int):
    dossier = dossier_or_404(dossier_id)
    row = db.get_or_404(Attachment, attachment_id)
    if row.dossier_id != dossier.id or row.is_removed:
        abort(404)
    path = uploads.open_attachment(row, current_app.config["UPLOAD_DIR"])  # NotFound → 404
    g.no_store = True
    return send_file(path, mimetype=row.content_type,
                     as_attachment=request.args.get("download") == "1",
                     download_name=row.original_name, max_age=0)


@bp.get("/<int:dossier_id>/documents/<int:document_id>")
def document(dossier_id: int, document_id: int):
    dossier = dossier_or_404(dossier_id)
    row = db.get_or_404(Document, document_id)
    if row.dossier_id != dossier.id:
        abort(404)
    g.no_store = True
    name = f"{dossier.code}-{row.kind}{'-' + str(row.number) if row.number else ''}.pdf"
    return send_file(BytesIO(row.pdf), mimetype="application/pdf", download_name=name,
                     as_attachment=request.args.get("download") == "1", max_age=0)


# ------------------------------------------------------------------ labels for templates

EVENT_LABELS = {
    "dossier.create": "Lập hồ sơ",
    "dossier.update": "Cập nhật hồ sơ",
    "ledger.commit": "Cam kết kinh phí",
    "ledger.release": "Giải phóng cam kết kinh phí",
    "ledger.pay": "Chi trả kinh phí",
    "ledger.reverse": "Bút toán đảo",
    "document.issue": "Phát hành văn bản",
    "attachment.store": "Tải lên tệp đính kèm",
    "attachment.remove": "Gỡ tệp đính kèm",
    "organisation.update": "Cập nhật thông tin tổ chức",
}


@bp.app_template_global()
def event_label(event) -> str:
    """Vietnamese label of an audit event of a dossier."""
    if event.action in EVENT_LABELS:
        return EVENT_LABELS[event.action]
    prefix, _, name = event.action.partition(".")
    if prefix == "dossier" and name in Action._value2member_map_:
        return Action(name).label
    return event.action


@bp.app_template_global()
def status_label(value) -> str:
    return Status(value).label if value in Status._value2member_map_ else (value or "")


@bp.app_template_global()
def enum_label(kind: str, value) -> str:
    """Label of a stored enum value: kind is "channel", "copy_kind" or "recommendation"."""
    enum = {"channel": Channel, "copy_kind": CopyKind, "recommendation": Recommendation}[kind]
    return enum(value).label if value in enum._value2member_map_ else (value or "")
