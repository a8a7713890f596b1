"""Applicant portal: organisation profile, dossiers, uploads against the checklist, submission,
supplement answers, withdrawal and the issued documents. Only the user's own organisation."""

import json
from collections import defaultdict
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
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields import SelectChoice

from grants.db import atomic
from grants.domain.errors import Conflict, DomainError, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.domain.workflow import TRANSITIONS, Action, Status, allowed_actions
from grants.extensions import db
from grants.forms import applicant as forms
from grants.letters import DOCUMENT_TITLES
from grants.models import Attachment, AuditEvent, Document, Dossier, SupplementRequest
from grants.models.enums import Channel
from grants.permissions import dossier_or_404, role_required
from grants.services import documents as document_service
from grants.services import dossiers as svc
from grants.services import organisations, queries, uploads
from grants.services.dossiers import ItemInput
from grants.web.forms_util import apply_domain_error

bp = Blueprint("applicant", __name__, url_prefix="/portal")
bp.before_request(role_required(Role.APPLICANT))

STALE = ("Hồ sơ vừa được người khác thay đổi. Vui lòng xem trạng thái mới nhất của hồ sơ rồi "
         "thao tác lại.")
#: History notes the organisation may read (internal notes between staff stay internal).
PUBLIC_NOTES = {"dossier.refuse", "dossier.withdraw", "dossier.resubmit"}
KIND_ORDER = {"standard": 0, "tool": 1, "model": 2, "method": 3}


@bp.before_request
def _needs_organisation():
    if current_user.organisation_id is None:
        abort(403, "Tài khoản của bạn chưa gắn với tổ chức nào. Vui lòng liên hệ Bộ phận một cửa.")


# ---------------------------------------------------------------- helpers


def _own_dossier(dossier_id: int) -> Dossier:
    dossier = dossier_or_404(dossier_id)
    if dossier.organisation_id != current_user.organisation_id:
        abort(404)  # a user who is also staff still sees only their organisation here
    return dossier


def _dossier_url(dossier: Dossier, anchor: str | None = None) -> str:
    url = url_for("applicant.dossier", dossier_id=dossier.id)
    return f"{url}#{anchor}" if anchor else url


def _conflict(dossier: Dossier, err: Exception):
    """A stale form or an action the state no longer allows: say so and show the dossier."""
    flash(err.message if isinstance(err, Conflict) else STALE, "warning")
    return redirect(_dossier_url(dossier))


def _catalogue(year, organisation_id: int):
    """(select choices, rules shown in the table, earlier support by catalogue code)."""
    rules = sorted((r for r in year.rules if r.catalogue_item.is_active),
                   key=lambda r: (KIND_ORDER.get(r.catalogue_item.kind, 9), r.catalogue_item.code))
    earlier = svc.previous_support(organisation_id, [r.catalogue_item_id for r in rules])
    options = [SelectChoice("", "— Chọn tiêu chuẩn / công cụ —")]
    supported = {}
    for rule in rules:
        item = rule.catalogue_item
        label = (f"{item.code} – {item.name} (hỗ trợ {rule.share_percent}% chi phí, "
                 f"tối đa {format_vnd(rule.cap_vnd)})")
        if rule.catalogue_item_id in earlier:
            supported[item.code] = (item.name, earlier[rule.catalogue_item_id])
            label += " – ĐÃ ĐƯỢC HỖ TRỢ TRƯỚC ĐÂY"
        options.append(SelectChoice(item.code, label, optgroup=item.kind_label))
    return options, rules, supported


def _prepare_items(form: forms.DossierForm, options) -> None:
    while len(form.items) < forms.ITEM_ROWS:
        form.items.append_entry()
    for entry in form.items:
        entry.form.catalogue_code.choices = options


def _item_inputs(form: forms.DossierForm) -> tuple[list[ItemInput], list[int]]:
    rows = form.filled_rows()
    items = [ItemInput(catalogue_code=row.catalogue_code.data,
                       consulting_cost_vnd=row.consulting_cost_vnd.data,
                       requested_vnd=row.requested_vnd.data,
                       evidence=row.evidence.data or None) for _, row in rows]
    return items, [index for index, _ in rows]


def _apply_item_error(form: forms.DossierForm, err: DomainError, rows: list[int]) -> None:
    """Put a service error about item n (of the filled rows) beside the right row."""
    parts = (err.field or "").split("-", 2)
    if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() \
            and int(parts[1]) < len(rows):
        field = form.items[rows[int(parts[1])]].form[parts[2]]
        field.errors = [*field.errors, err.message]
    elif err.field in (None, "items"):
        form.form_errors.append(err.message)
    else:
        apply_domain_error(form, err)


def _render_form(form, year, organisation, dossier=None, status=200):
    options, rules, supported = _catalogue(year, organisation.id)
    _prepare_items(form, options)
    return render_template("applicant/dossier_form.html", form=form, year=year, rules=rules,
                           supported=supported, dossier=dossier), status


def _who(event: AuditEvent, dossier: Dossier) -> str:
    """The organisation's own people by name; staff by their role only."""
    actor = event.actor
    if actor is None:
        return "Hệ thống"
    if not actor.is_staff and actor.organisation_id == dossier.organisation_id:
        return actor.full_name
    permitted: frozenset = frozenset()
    try:
        action = Action(event.action.removeprefix("dossier."))
        if event.from_status:
            permitted = TRANSITIONS.get((Status(event.from_status), action), (None, permitted))[1]
    except ValueError:
        pass
    roles = sorted(actor.roles & permitted) or sorted(actor.roles - {Role.APPLICANT})
    return roles[0].label if roles else "Cán bộ xử lý"


def _action_label(action: str) -> str:
    name = action.removeprefix("dossier.")
    if name == "create":
        return "Lập hồ sơ"
    try:
        return Action(name).label
    except ValueError:
        return name


def _history(dossier: Dossier) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.dossier_id == dossier.id, AuditEvent.to_status.is_not(None))
        .order_by(AuditEvent.id))
    return [{"at": e.at, "action": _action_label(e.action),
             "from": Status(e.from_status).label if e.from_status else "",
             "to": Status(e.to_status).label, "who": _who(e, dossier),
             "note": e.note if e.action in PUBLIC_NOTES else None} for e in events]


def _supplement_requests(dossier: Dossier) -> list[dict]:
    rows = db.session.scalars(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id).order_by(SupplementRequest.id.desc()))
    return [{"requested_at": r.requested_at, "answered_at": r.answered_at,
             "answer_note": r.answer_note, "items": json.loads(r.items_json or "[]")}
            for r in rows]


def _checklist(dossier: Dossier):
    """(checklist line, its files) for the dossier's year, and files on no line of it."""
    by_line = defaultdict(list)
    for attachment in uploads.active_attachments(dossier):
        by_line[attachment.checklist_item_id].append(attachment)
    lines = [(line, by_line.pop(line.id, [])) for line in dossier.program_year.checklist]
    others = [a for files in by_line.values() for a in files]
    return lines, others


def _limits() -> dict:
    config = current_app.config
    return {"accept": uploads.ACCEPT_ATTRIBUTE,
            "max_file": uploads.human_size(config["MAX_UPLOAD_BYTES"]),
            "max_dossier": uploads.human_size(config["MAX_DOSSIER_BYTES"])}


def _render_dossier(dossier: Dossier, template="applicant/dossier_show.html", status=200, **kw):
    lines, others = _checklist(dossier)
    state = dossier.state
    editable = state in uploads.APPLICANT_EDITABLE
    kw.setdefault("answer_form", forms.SupplementAnswerForm(version=str(dossier.version)))
    return render_template(
        template, dossier=dossier, lines=lines, others=others, editable=editable,
        missing=svc.missing_uploads(dossier) if editable else [],
        warnings=svc.support_warnings(dossier) if state == Status.DRAFT else [],
        history=_history(dossier), requests=_supplement_requests(dossier),
        documents=document_service.documents_of(dossier), titles=DOCUMENT_TITLES,
        can_withdraw=Action.WITHDRAW in allowed_actions(state, {Role.APPLICANT}),
        version_form=forms.VersionForm(version=str(dossier.version)), Status=Status,
        return_channel=Channel(dossier.return_channel).label,
        limits=_limits(), **kw), status


def _store_files(dossier: Dossier, files, checklist_item_id) -> int:
    config = current_app.config
    for storage in files:
        uploads.store_attachment(
            dossier, actor=current_user, stream=storage.stream, original_name=storage.filename,
            checklist_item_id=checklist_item_id, upload_dir=config["UPLOAD_DIR"],
            max_bytes=config["MAX_UPLOAD_BYTES"], max_dossier_bytes=config["MAX_DOSSIER_BYTES"])
    return len(files)


def _chosen_files(field) -> list:
    return [f for f in (field.data or []) if f and f.filename]


# ---------------------------------------------------------------- organisation


@bp.get("/")
def index():
    return redirect(url_for("applicant.dossiers"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    org = current_user.organisation
    form = forms.ProfileForm(obj=org)
    if form.validate_on_submit():
        fields = {name: form[name].data for name in organisations.PROFILE_FIELDS}
        try:
            with atomic():
                organisations.update_profile(org, actor=current_user, **fields)
        except DomainError as err:
            apply_domain_error(form, err)
            return render_template("applicant/profile.html", form=form, org=org,
                                   sizes=forms.ORG_SIZES), 422
        flash("Đã lưu thông tin tổ chức.", "success")
        return redirect(url_for("applicant.profile"))
    status = 422 if form.is_submitted() else 200
    return render_template("applicant/profile.html", form=form, org=org,
                           sizes=forms.ORG_SIZES), status


# ---------------------------------------------------------------- dossiers


@bp.get("/dossiers")
def dossiers():
    year = queries.current_year()
    return render_template("applicant/dossier_list.html",
                           dossiers=queries.organisation_dossiers(current_user.organisation_id),
                           year=year)


@bp.route("/dossiers/new", methods=["GET", "POST"])
def new_dossier():
    year = queries.current_year()
    if year is None or not year.intake_open or year.is_closed:
        flash("Hiện chưa mở đợt tiếp nhận hồ sơ đề nghị hỗ trợ.", "warning")
        return redirect(url_for("applicant.dossiers"))
    org = current_user.organisation
    form = forms.DossierForm()
    _prepare_items(form, _catalogue(year, org.id)[0])
    if not form.validate_on_submit():
        return _render_form(form, year, org, status=422 if form.is_submitted() else 200)
    items, rows = _item_inputs(form)
    try:
        with atomic():
            dossier = svc.create_draft(
                org, year, actor=current_user, items=items,
                return_channel=form.return_channel.data,
                submitter_name=current_user.full_name, submitter_phone=current_user.phone,
                submitter_email=current_user.email, note=form.note.data or None)
    except DomainError as err:
        _apply_item_error(form, err, rows)
        return _render_form(form, year, org, status=422)
    flash(f"Đã lưu bản nháp hồ sơ {dossier.code}. Hãy đính kèm các giấy tờ theo danh mục rồi "
          "bấm «Nộp hồ sơ».", "success")
    for warning in svc.support_warnings(dossier):
        flash(warning + " Theo quy định, mỗi tiêu chuẩn/công cụ chỉ được hỗ trợ một lần.",
              "warning")
    return redirect(_dossier_url(dossier, "giay-to"))


@bp.get("/dossiers/<int:dossier_id>")
def dossier(dossier_id: int):
    return _render_dossier(_own_dossier(dossier_id))


@bp.route("/dossiers/<int:dossier_id>/edit", methods=["GET", "POST"])
def edit_dossier(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    if dossier.state not in uploads.APPLICANT_EDITABLE:
        flash(f"Không sửa được hồ sơ đang ở trạng thái «{dossier.status_label}».", "warning")
        return redirect(_dossier_url(dossier))
    year, org = dossier.program_year, dossier.organisation
    data = None
    if request.method != "POST":
        data = {"items": [{"catalogue_code": i.catalogue_item.code,
                           "consulting_cost_vnd": i.consulting_cost_vnd,
                           "requested_vnd": i.requested_vnd, "evidence": i.evidence or ""}
                          for i in dossier.items],
                "return_channel": dossier.return_channel, "note": dossier.note or "",
                "version": str(dossier.version)}
    form = forms.DossierForm(data=data)
    _prepare_items(form, _catalogue(year, org.id)[0])
    if not form.validate_on_submit():
        return _render_form(form, year, org, dossier, status=422 if form.is_submitted() else 200)
    items, rows = _item_inputs(form)
    try:
        with atomic():
            svc.update_draft(dossier, actor=current_user, items=items,
                             return_channel=form.return_channel.data,
                             note=form.note.data or None,
                             expected_version=forms.version_of(form))
    except (Conflict, StaleDataError) as err:
        return _conflict(dossier, err)
    except DomainError as err:
        _apply_item_error(form, err, rows)
        return _render_form(form, year, org, dossier, status=422)
    flash("Đã lưu thay đổi của hồ sơ.", "success")
    for warning in svc.support_warnings(dossier):
        flash(warning, "warning")
    return redirect(_dossier_url(dossier))


@bp.post("/dossiers/<int:dossier_id>/submit")
def submit(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    form = forms.VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with atomic():
            svc.submit(dossier, actor=current_user, expected_version=forms.version_of(form))
    except (Conflict, StaleDataError) as err:
        return _conflict(dossier, err)
    except DomainError as err:
        return _render_dossier(dossier, status=422, submit_error=err.message)
    flash(f"Đã nộp hồ sơ {dossier.code}. Bộ phận một cửa sẽ kiểm tra và tiếp nhận; thời hạn giải "
          "quyết được tính từ ngày tiếp nhận.", "success")
    return redirect(_dossier_url(dossier))


@bp.route("/dossiers/<int:dossier_id>/withdraw", methods=["GET", "POST"])
def withdraw(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    if Action.WITHDRAW not in allowed_actions(dossier.state, {Role.APPLICANT}):
        flash(f"Không thể rút hồ sơ đang ở trạng thái «{dossier.status_label}».", "warning")
        return redirect(_dossier_url(dossier))
    form = forms.WithdrawForm(version=str(dossier.version))
    if form.validate_on_submit():
        try:
            with atomic():
                svc.withdraw(dossier, actor=current_user, reason=form.reason.data,
                             expected_version=forms.version_of(form))
        except (Conflict, StaleDataError) as err:
            return _conflict(dossier, err)
        except DomainError as err:
            apply_domain_error(form, err)
            return render_template("applicant/withdraw.html", form=form, dossier=dossier), 422
        flash(f"Đã rút hồ sơ {dossier.code}.", "success")
        return redirect(_dossier_url(dossier))
    status = 422 if form.is_submitted() else 200
    return render_template("applicant/withdraw.html", form=form, dossier=dossier), status


@bp.route("/dossiers/<int:dossier_id>/supplement", methods=["GET", "POST"])
def answer_supplement(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    if dossier.state != Status.SUPPLEMENT_REQUESTED:
        flash("Hồ sơ hiện không có yêu cầu bổ sung nào cần trả lời.", "info")
        return redirect(_dossier_url(dossier))
    form = forms.SupplementAnswerForm(version=str(dossier.version))
    template = "applicant/supplement.html"
    if not form.validate_on_submit():
        return _render_dossier(dossier, template, status=422 if form.is_submitted() else 200,
                               answer_form=form)
    files = _chosen_files(form.files)
    try:
        with atomic():
            _store_files(dossier, files, None)
            svc.resubmit(dossier, actor=current_user, note=form.note.data,
                         expected_version=forms.version_of(form))
    except (Conflict, StaleDataError) as err:
        return _conflict(dossier, err)
    except DomainError as err:
        (form.files if err.field == "file" else form.note).errors.append(err.message)
        return _render_dossier(dossier, template, status=422, answer_form=form)
    flash(f"Đã nộp bổ sung hồ sơ {dossier.code}. Bộ phận một cửa sẽ kiểm tra và tiếp nhận lại; "
          "thời hạn giải quyết được tính lại từ ngày tiếp nhận.", "success")
    return redirect(_dossier_url(dossier))


# ---------------------------------------------------------------- files


@bp.post("/dossiers/<int:dossier_id>/attachments")
def upload(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    form = forms.UploadForm()
    if not form.validate_on_submit():
        abort(400)
    line_id = (form.checklist_item_id.data or "").strip() or None
    template = ("applicant/supplement.html" if form.return_to.data == "supplement"
                and dossier.state == Status.SUPPLEMENT_REQUESTED
                else "applicant/dossier_show.html")
    anchor = f"line-{line_id}" if line_id else "giay-to"
    files = _chosen_files(form.files)
    try:
        if not files:
            raise InvalidInput("Chọn tệp cần tải lên (PDF, JPEG hoặc PNG).", field="file")
        with atomic():
            count = _store_files(dossier, files, line_id)
    except (Conflict, StaleDataError) as err:
        return _conflict(dossier, err)
    except DomainError as err:
        return _render_dossier(dossier, template, status=422,
                               upload_error={"line": line_id, "message": err.message})
    flash(f"Đã tải lên {count} tệp.", "success")
    if template == "applicant/supplement.html":
        return redirect(url_for("applicant.answer_supplement", dossier_id=dossier.id)
                        + f"#{anchor}")
    return redirect(_dossier_url(dossier, anchor))


@bp.post("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>/remove")
def remove_attachment(dossier_id: int, attachment_id: int):
    dossier = _own_dossier(dossier_id)
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.dossier_id != dossier.id:
        abort(404)
    if not forms.VersionForm().validate_on_submit():
        abort(400)
    try:
        with atomic():
            uploads.remove_attachment(attachment, actor=current_user)
    except (Conflict, StaleDataError) as err:
        return _conflict(dossier, err)
    flash(f"Đã gỡ tệp «{attachment.original_name}».", "success")
    return redirect(_dossier_url(dossier, "giay-to"))


@bp.get("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>")
def attachment(dossier_id: int, attachment_id: int):
    dossier = _own_dossier(dossier_id)
    row = db.get_or_404(Attachment, attachment_id)
    if row.dossier_id != dossier.id or row.is_removed:
        abort(404)
    path = uploads.open_attachment(row, current_app.config["UPLOAD_DIR"])
    g.no_store = True
    return send_file(path, mimetype=row.content_type, as_attachment=True,
                     download_name=row.original_name)


@bp.get("/dossiers/<int:dossier_id>/documents/<int:document_id>")
def document(dossier_id: int, document_id: int):
    dossier = _own_dossier(dossier_id)
    row = db.get_or_404(Document, document_id)
    if row.dossier_id != dossier.id:
        abort(404)
    g.no_store = True
    number = f"-{row.number}" if row.number else ""
    return send_file(BytesIO(row.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{dossier.code}-{row.kind}{number}.pdf")
