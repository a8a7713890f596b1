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

from grants.db import local_today
from grants.domain.declaration import SUBMIT_DECLARATION
from grants.domain.enums import Channel
from grants.domain.errors import Conflict
from grants.domain.money import format_vnd
from grants.domain.roles import Role
from grants.domain.workflow import (
    PAUSED_IN_PROCESS,
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
)
from grants.extensions import db
from grants.forms import applicant as forms
from grants.forms.payment_details import BankAccountForm, RatingForm
from grants.letters import DOCUMENT_TITLES
from grants.letters.application_form import build_application_form
from grants.models import Attachment, AuditEvent, Dossier, SupplementRequest
from grants.permissions import dossier_or_404, role_required
from grants.queries import support_limits, worklists, years
from grants.queries.outcome import dossier_outcome, organisation_recoveries
from grants.services import documents as document_service
from grants.services import dossiers as svc
from grants.services import organisations, ratings, uploads
from grants.services.dossiers import ItemInput
from grants.web.actions import call_service, flash_back, form_view, page_of, place_item_error
from grants.web.downloads import send_attachment, send_document

bp = Blueprint("applicant", __name__, url_prefix="/portal")
bp.before_request(role_required(Role.APPLICANT))

APPLICATION_RECIPIENT = "Sở Khoa học và Công nghệ tỉnh Bắc Ninh"
"""Whom the application form is addressed to (the footer of every page names the same body)."""

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


def _if_conflict(dossier: Dossier, otherwise=lambda err: None):
    """For ``call_service``: a stale form or an action the state no longer allows is said
    and the dossier shown; any other error is ``otherwise(err)`` (None: on the form)."""
    def on_error(err: Exception):
        if isinstance(err, Conflict | StaleDataError):
            flash(err.message if isinstance(err, Conflict) else STALE, "warning")
            return redirect(_dossier_url(dossier))
        return otherwise(err)
    return on_error


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


def _item_inputs(form: forms.DossierForm) -> list[ItemInput]:
    return [ItemInput(catalogue_code=row.catalogue_code.data,
                      consulting_cost_vnd=row.consulting_cost_vnd.data,
                      requested_vnd=row.requested_vnd.data,
                      evidence=row.evidence.data or None) for _, row in form.filled_rows()]


def _place_item_error(form: forms.DossierForm):
    """Put a service error about item n (of the filled rows) beside the right row."""
    return lambda err: place_item_error(form, err, [i for i, _ in form.filled_rows()])


def _saved(message: str, dossier: Dossier, suffix: str = "") -> list[tuple[str, str]]:
    """The success, then a warning for each item supported before (with ``suffix``)."""
    return [(message, "success"), *((warning + suffix, "warning")
                                    for warning in svc.support_warnings(dossier))]


def _row_limits(form: forms.DossierForm, year) -> dict[int, support_limits.ItemLimit]:
    """Row index → the maximum support of a row whose item and cost are known (the page shows
    it beside the amount; the script recomputes it as the applicant types)."""
    rules = support_limits.rules_by_code(year)
    limits = {}
    for index, row in form.filled_rows():
        rule, cost = rules.get(row.catalogue_code.data or ""), row.consulting_cost_vnd.data
        if rule is not None and isinstance(cost, int):
            requested = row.requested_vnd.data
            limits[index] = support_limits.limit_for(
                rule, rule.catalogue_item.code, cost,
                requested if isinstance(requested, int) else 0)
    return limits


def _render_form(form, year, organisation, dossier=None, status=200):
    options, rules, supported = _catalogue(year, organisation.id)
    _prepare_items(form, options)
    rule_data = {r.catalogue_item.code: {"share_percent": r.share_percent, "cap_vnd": r.cap_vnd}
                 for r in rules}
    return render_template("applicant/dossier_form.html", form=form, year=year, rules=rules,
                           supported=supported, dossier=dossier, rule_data=rule_data,
                           row_limits=_row_limits(form, year)), status


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
             # An action that keeps the state (an apology) shows the state, not "A → A".
             "from": Status(e.from_status).label
             if e.from_status and e.from_status != e.to_status else "",
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
    state = dossier.status
    editable = state in uploads.APPLICANT_EDITABLE
    kw.setdefault("answer_form", forms.SupplementAnswerForm(version=str(dossier.version)))
    if state == Status.RETURNED:
        kw.setdefault("rating", ratings.rating_of(dossier.id))
        kw.setdefault("rating_form", RatingForm(formdata=None))
    return render_template(
        template, dossier=dossier, lines=lines, others=others, editable=editable,
        missing=svc.missing_uploads(dossier) if editable else [],
        warnings=svc.support_warnings(dossier) if state == Status.DRAFT else [],
        history=_history(dossier), requests=_supplement_requests(dossier),
        documents=document_service.documents_of(dossier), titles=DOCUMENT_TITLES,
        can_withdraw=Action.WITHDRAW in allowed_actions(state, {Role.APPLICANT}),
        version_form=forms.VersionForm(version=str(dossier.version)), Status=Status,
        return_channel=Channel(dossier.return_channel).label,
        limits=_limits(), item_limits=support_limits.item_limits(dossier),
        outcome=dossier_outcome(dossier), declaration_text=SUBMIT_DECLARATION, **kw), status


def _store_files(dossier: Dossier, files, checklist_item_id) -> int:
    config = current_app.config
    for storage in files:
        uploads.store_attachment(
            dossier, actor=current_user, stream=storage.stream, original_name=storage.filename,
            checklist_item_id=checklist_item_id, upload_dir=config["UPLOAD_DIR"],
            max_bytes=config["MAX_UPLOAD_BYTES"], max_dossier_bytes=config["MAX_DOSSIER_BYTES"],
            trusted=config["SIGNATURE_TRUST"])
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
    return form_view(
        form,
        lambda: organisations.update_profile(
            org, actor=current_user,
            **{name: form[name].data for name in organisations.PROFILE_FIELDS}),
        page=page_of("applicant/profile.html", form=form, org=org, sizes=forms.ORG_SIZES,
                     recoveries=organisation_recoveries(org.id)),
        success="Đã lưu thông tin tổ chức.", then=url_for("applicant.profile"))


@bp.route("/profile/bank-account", methods=["GET", "POST"])
def bank_account():
    org = current_user.organisation
    form = BankAccountForm(obj=org)
    return form_view(
        form,
        lambda: organisations.record_bank_account(
            org, actor=current_user, number=form.bank_account_no.data,
            bank=form.bank_name.data, branch=form.bank_branch.data),
        page=page_of("payment_details/bank_account_form.html", form=form, org=org,
                     back=url_for("applicant.profile"), back_label="Thông tin tổ chức"),
        success="Đã lưu tài khoản nhận tiền hỗ trợ.", then=url_for("applicant.profile"))


# ---------------------------------------------------------------- dossiers


@bp.get("/dossiers")
def dossiers():
    year = years.current_year()
    rows = worklists.organisation_dossiers(current_user.organisation_id)
    return render_template("applicant/dossier_list.html", dossiers=rows, year=year,
                           outcomes={d.id: dossier_outcome(d) for d in rows})


@bp.get("/application-form.pdf")
def application_form():
    """The blank application form ("Đơn đề nghị hỗ trợ (theo mẫu)") to print, sign and attach."""
    year = years.current_year()
    number = year.year if year else local_today().year
    pdf = build_application_form(number, recipient=APPLICATION_RECIPIENT)
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"mau-don-de-nghi-ho-tro-{number}.pdf")


@bp.route("/dossiers/new", methods=["GET", "POST"])
def new_dossier():
    year = years.current_year()
    if year is None or not year.intake_open or year.is_closed:
        flash("Hiện chưa mở đợt tiếp nhận hồ sơ đề nghị hỗ trợ.", "warning")
        return redirect(url_for("applicant.dossiers"))
    org = current_user.organisation
    form = forms.DossierForm()
    _prepare_items(form, _catalogue(year, org.id)[0])
    return form_view(
        form,
        lambda: svc.create_draft(
            org, year, actor=current_user, items=_item_inputs(form),
            return_channel=form.return_channel.data, submitter_name=current_user.full_name,
            submitter_phone=current_user.phone, submitter_email=current_user.email,
            note=form.note.data or None),
        page=lambda status: _render_form(form, year, org, status=status),
        place=_place_item_error(form), status=422,  # a year closed meanwhile too
        success=lambda dossier: _saved(
            f"Đã lưu bản nháp hồ sơ {dossier.code}. Hãy đính kèm các giấy tờ theo danh mục rồi "
            "bấm «Nộp hồ sơ».", dossier,
            " Theo quy định, mỗi tiêu chuẩn/công cụ chỉ được hỗ trợ một lần."),
        then=lambda dossier: _dossier_url(dossier, "giay-to"))


@bp.get("/dossiers/<int:dossier_id>")
def dossier(dossier_id: int):
    return _render_dossier(_own_dossier(dossier_id))


@bp.post("/dossiers/<int:dossier_id>/rating")
def rate_service(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    form = RatingForm()
    # A dossier not returned yet is refused by the service, with the reason (flashed).
    if dossier.status == Status.RETURNED and not form.validate_on_submit():
        return _render_dossier(dossier, status=422, rating_form=form)
    return call_service(
        lambda: ratings.rate_service(dossier, actor=current_user, level=form.level.data,
                                     comment=form.comment.data),
        form=form, page=lambda status: _render_dossier(dossier, status=status, rating_form=form),
        on_error=lambda err: (flash_back(_dossier_url(dossier))(err)
                              if isinstance(err, Conflict) else None),
        success="Cảm ơn Quý tổ chức đã đánh giá mức độ hài lòng.",
        then=_dossier_url(dossier, "danh-gia"))


@bp.route("/dossiers/<int:dossier_id>/edit", methods=["GET", "POST"])
def edit_dossier(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    if dossier.status not in uploads.APPLICANT_EDITABLE:
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
    return form_view(
        form,
        lambda: svc.update_draft(dossier, actor=current_user, items=_item_inputs(form),
                                 return_channel=form.return_channel.data,
                                 note=form.note.data or None,
                                 expected_version=forms.version_of(form)),
        page=lambda status: _render_form(form, year, org, dossier, status=status),
        on_error=_if_conflict(dossier), place=_place_item_error(form),
        success=lambda _: _saved("Đã lưu thay đổi của hồ sơ.", dossier),
        then=_dossier_url(dossier))


@bp.post("/dossiers/<int:dossier_id>/submit")
def submit(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    form = forms.SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    return call_service(
        lambda: svc.submit(dossier, actor=current_user, expected_version=forms.version_of(form),
                           declaration=bool(form.declaration.data)),
        on_error=_if_conflict(dossier, lambda err: _render_dossier(
            dossier, status=422, submit_error=err.message,
            declaration_error=err.message if err.field == "declaration" else None)),
        success=f"Đã nộp hồ sơ {dossier.code}. Bộ phận một cửa sẽ kiểm tra và tiếp nhận; thời "
                "hạn giải quyết được tính từ ngày tiếp nhận.",
        then=_dossier_url(dossier))


@bp.route("/dossiers/<int:dossier_id>/withdraw", methods=["GET", "POST"])
def withdraw(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    if Action.WITHDRAW not in allowed_actions(dossier.status, {Role.APPLICANT}):
        flash(f"Không thể rút hồ sơ đang ở trạng thái «{dossier.status_label}».", "warning")
        return redirect(_dossier_url(dossier))
    form = forms.WithdrawForm(version=str(dossier.version))
    return form_view(
        form,
        lambda: svc.withdraw(dossier, actor=current_user, reason=form.reason.data,
                             expected_version=forms.version_of(form)),
        page=page_of("applicant/withdraw.html", form=form, dossier=dossier),
        on_error=_if_conflict(dossier), success=f"Đã rút hồ sơ {dossier.code}.",
        then=_dossier_url(dossier))


@bp.route("/dossiers/<int:dossier_id>/supplement", methods=["GET", "POST"])
def answer_supplement(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    if dossier.status != Status.SUPPLEMENT_REQUESTED and dossier.status not in PAUSED_IN_PROCESS:
        flash("Hồ sơ hiện không có yêu cầu bổ sung nào cần trả lời.", "info")
        return redirect(_dossier_url(dossier))
    form = forms.SupplementAnswerForm(version=str(dossier.version))

    def answer():
        _store_files(dossier, _chosen_files(form.files), None)
        svc.resubmit(dossier, actor=current_user, note=form.note.data,
                     expected_version=forms.version_of(form))

    return form_view(
        form, answer,
        page=lambda status: _render_dossier(dossier, "applicant/supplement.html", status=status,
                                            answer_form=form),
        on_error=_if_conflict(dossier),
        place=lambda err: (form.files if err.field == "file" else form.note).errors.append(
            err.message),
        success=(f"Đã nộp bổ sung hồ sơ {dossier.code}. Hồ sơ được chuyển lại bước đang giải "
                 "quyết; thời hạn được cộng thêm thời gian tạm dừng."
                 if dossier.status in PAUSED_IN_PROCESS else
                 f"Đã nộp bổ sung hồ sơ {dossier.code}. Bộ phận một cửa sẽ kiểm tra và tiếp nhận "
                 "lại; thời hạn giải quyết được tính lại từ ngày tiếp nhận."),
        then=_dossier_url(dossier))


# ---------------------------------------------------------------- files


@bp.post("/dossiers/<int:dossier_id>/attachments")
def upload(dossier_id: int):
    dossier = _own_dossier(dossier_id)
    form = forms.UploadForm()
    if not form.validate_on_submit():
        abort(400)
    line_id = (form.checklist_item_id.data or "").strip() or None
    template = ("applicant/supplement.html" if form.return_to.data == "supplement"
                and (dossier.status == Status.SUPPLEMENT_REQUESTED
                     or dossier.status in PAUSED_IN_PROCESS)
                else "applicant/dossier_show.html")
    anchor = f"line-{line_id}" if line_id else "giay-to"
    files = _chosen_files(form.files)
    if not files:
        return _render_dossier(dossier, template, status=422, upload_error={
            "line": line_id, "message": "Chọn tệp cần tải lên (PDF, JPEG hoặc PNG)."})
    return call_service(
        lambda: _store_files(dossier, files, line_id),
        on_error=_if_conflict(dossier, lambda err: _render_dossier(
            dossier, template, status=422, upload_error={"line": line_id,
                                                         "message": err.message})),
        success=lambda count: f"Đã tải lên {count} tệp.",
        then=url_for("applicant.answer_supplement", dossier_id=dossier.id) + f"#{anchor}"
        if template == "applicant/supplement.html" else _dossier_url(dossier, anchor))


@bp.post("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>/remove")
def remove_attachment(dossier_id: int, attachment_id: int):
    dossier = _own_dossier(dossier_id)
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.dossier_id != dossier.id:
        abort(404)
    if not forms.VersionForm().validate_on_submit():
        abort(400)
    return call_service(lambda: uploads.remove_attachment(attachment, actor=current_user),
                        on_error=_if_conflict(dossier),
                        success=f"Đã gỡ tệp «{attachment.original_name}».",
                        then=_dossier_url(dossier, "giay-to"))


@bp.get("/dossiers/<int:dossier_id>/attachments/<int:attachment_id>")
def attachment(dossier_id: int, attachment_id: int):
    return send_attachment(_own_dossier(dossier_id), attachment_id, as_attachment=True)


@bp.get("/dossiers/<int:dossier_id>/documents/<int:document_id>")
def document(dossier_id: int, document_id: int):
    return send_document(_own_dossier(dossier_id), document_id, as_attachment=True)
