"""One-stop desk (chuyên viên một cửa): work queue, taking in paper/postal dossiers, the
completeness check (receive / request supplement / refuse), resubmission at the desk, and
returning results."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from grants.db import to_local
from grants.domain.enums import CopyKind
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.organisations import validate_tax_code
from grants.domain.roles import Role
from grants.domain.workflow import PAUSED_IN_PROCESS, Action, Status
from grants.extensions import db
from grants.forms.payment_details import RatingForm
from grants.forms.staff import (
    NewOrganisationForm,
    RefuseForm,
    ResubmitForm,
    ReturnResultForm,
    checklist_form,
    lines_of,
    take_in_form,
)
from grants.letters import Letterhead
from grants.models import ProgramYear
from grants.permissions import dossier_or_404, role_required
from grants.queries import catalogue, identity, worklists, years
from grants.services import dossiers as svc
from grants.services import organisations, ratings
from grants.services.dossiers import ChecklistLine, ItemInput
from grants.web.actions import (
    call_service,
    dossier_action,
    dossier_step,
    flash_back,
    form_view,
    page_of,
    place_item_error,
)
from grants.web.work_lists import render_list

bp = Blueprint("intake", __name__, url_prefix="/intake")
bp.before_request(role_required(Role.CLERK))

NOTE_SEPARATOR = " — "


@bp.get("/")
def queue():
    return render_list("intake/queue.html", worklists.waiting_states({Role.CLERK}),
                       title="Một cửa: hồ sơ chờ xử lý")


# ------------------------------------------------------------------ taking in


def _take_in_page(form, organisation=None, status=200):
    return render_template("intake/take_in.html", form=form, organisation=organisation), status


def _find_organisation(form):
    try:
        tax_code = validate_tax_code(form.tax_code.data or "")
    except InvalidInput as err:
        form.tax_code.errors = [*form.tax_code.errors, err.message]
        return None
    # Verified only: a registration still pending (anyone can type a tax code) is not the
    # organisation the desk files for.
    organisation = identity.verified_organisation(tax_code)
    if organisation is None:
        form.tax_code.errors = [*form.tax_code.errors,
                                "Chưa có tổ chức nào với mã số thuế này trên hệ thống. Hãy "
                                "«Đăng ký tổ chức mới» trước khi nhận hồ sơ giấy."]
    return organisation


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    form = NewOrganisationForm(tax_code=request.args.get("tax_code", ""))
    return form_view(
        form,
        lambda: organisations.create_organisation(
            actor=current_user, name=form.name.data, org_type=form.org_type.data,
            tax_code=form.tax_code.data, address=form.address.data, commune=form.commune.data,
            representative=form.representative.data, phone=form.phone.data,
            email=form.email.data),
        page=page_of("intake/new_organisation.html", form=form),
        success=lambda org: f"Đã đăng ký tổ chức {org.name} (MST {org.tax_code}).",
        then=lambda org: url_for("intake.take_in", tax_code=org.tax_code))


@bp.route("/take-in", methods=["GET", "POST"])
def take_in():
    form = take_in_form(years.open_years(), catalogue.catalogue_items(active_only=True))
    if request.method == "GET":
        if request.args.get("tax_code"):
            form.tax_code.data = request.args["tax_code"]
            return _take_in_page(form, _find_organisation(form))
        return _take_in_page(form)
    if request.form.get("op") == "lookup":
        form.tax_code.validate(form)
        return _take_in_page(form, _find_organisation(form) if not form.tax_code.errors else None)
    valid = form.validate_on_submit()
    organisation = _find_organisation(form) if not form.tax_code.errors else None
    year = db.session.get(ProgramYear, int(form.year.data)) if (form.year.data or "").isdigit() \
        else None
    if year is None:
        form.year.errors = [*form.year.errors, "Chọn năm chương trình đang tiếp nhận hồ sơ."]
    if not valid or organisation is None or year is None:
        return _take_in_page(form, organisation, 422)
    rows = [index for index, row in enumerate(form.items) if row.form.catalogue_code.data]
    items = [ItemInput(r.catalogue_code.data, r.consulting_cost_vnd.data, r.requested_vnd.data,
                       r.evidence.data or None) for r in (form.items[i].form for i in rows)]

    def take_in_and_submit():
        dossier = svc.create_draft(
            organisation, year, actor=current_user, items=items, channel=form.channel.data,
            return_channel=form.return_channel.data,
            submitter_name=form.submitter_name.data or None,
            submitter_phone=form.submitter_phone.data or None,
            submitter_email=form.submitter_email.data or None, note=form.note.data or None)
        svc.submit(dossier, actor=current_user)
        return dossier

    return call_service(
        take_in_and_submit, form=form, place=lambda err: place_item_error(form, err, rows),
        page=lambda status: _take_in_page(form, organisation, status),
        success=lambda dossier: f"Đã lập hồ sơ {dossier.code} cho {organisation.name}. Hãy "
                                "kiểm tra thành phần hồ sơ để tiếp nhận, yêu cầu bổ sung hoặc "
                                "từ chối.",
        then=lambda dossier: url_for("intake.check", dossier_id=dossier.id))


# ------------------------------------------------------------------ completeness check


def _lines(form, checklist) -> list[ChecklistLine]:
    lines = []
    for line in checklist:
        present = bool(form[f"present_{line.id}"].data)
        lines.append(ChecklistLine(line.id, present,
                                   form[f"copy_kind_{line.id}"].data or None if present else None,
                                   form[f"note_{line.id}"].data or None))
    return lines


def _missing_text(form, checklist) -> str:
    rows = []
    for line in checklist:
        if not form[f"present_{line.id}"].data:
            note = form[f"note_{line.id}"].data
            rows.append(line.label + (NOTE_SEPARATOR + note if note else ""))
    return "\n".join(rows)


def _supplement_items(text: str) -> list[dict]:
    items = []
    for row in lines_of(text):
        label, _, note = row.partition(NOTE_SEPARATOR.strip())
        items.append({"label": label.strip(), "note": note.strip()})
    return items


def _check_page(dossier, form, refuse_form=None, status=200):
    return render_template("intake/check.html", dossier=dossier, form=form,
                           checklist=dossier.program_year.checklist,
                           refuse_form=refuse_form or RefuseForm(
                               formdata=None, expected_version=dossier.version),
                           warnings=svc.support_warnings(dossier)), status


def _prefill(form, dossier) -> None:
    """The check as last recorded; a line not checked yet is ticked when the applicant
    uploaded a file against it (an electronic copy)."""
    form.expected_version.data = dossier.version
    checked = {r.checklist_item_id for r in dossier.checklist_results}
    for attachment in dossier.attachments:
        line_id = attachment.checklist_item_id
        if attachment.is_removed or line_id is None or line_id in checked \
                or f"present_{line_id}" not in form:
            continue
        form[f"present_{line_id}"].data = True
        form[f"copy_kind_{line_id}"].data = CopyKind.DIGITAL.value
    for result in dossier.checklist_results:
        if f"present_{result.checklist_item_id}" in form:
            form[f"present_{result.checklist_item_id}"].data = result.is_present
            form[f"copy_kind_{result.checklist_item_id}"].data = result.copy_kind or ""
            form[f"note_{result.checklist_item_id}"].data = result.note or ""


def _received_messages(dossier, warnings) -> list[tuple[str, str]]:
    messages = [(warning, "warning") for warning in warnings]
    if dossier.due_at is None:
        return [*messages, (f"Đã tiếp nhận hồ sơ {dossier.code}.", "success")]
    return [*messages, (f"Đã tiếp nhận hồ sơ {dossier.code}. Hẹn trả kết quả: "
                        f"{to_local(dossier.due_at):%H:%M ngày %d/%m/%Y}.", "success")]


def _supplement_draft(dossier, form, checklist):
    """The request for a supplement, drafted from the lines ticked missing, to be confirmed."""
    if not form.validate_on_submit():
        return _check_page(dossier, form, status=422)
    if not form.items.data:
        form.items.data = _missing_text(form, checklist)
    return render_template("intake/supplement.html", dossier=dossier, form=form,
                           checklist=checklist)


@bp.route("/<int:dossier_id>/check", methods=["GET", "POST"])
@dossier_step(Action.RECEIVE)
def check(dossier):
    checklist = dossier.program_year.checklist
    form = checklist_form(checklist)
    if request.method == "GET":
        _prefill(form, dossier)
    elif request.form.get("op") == "supplement":
        return _supplement_draft(dossier, form, checklist)
    return dossier_action(
        dossier, form,
        # dossier_action has checked the version; receive() compares it only after writing the
        # checklist and the clock (which bumps the version), so it is not passed on again.
        lambda: svc.receive(dossier, actor=current_user, lines=_lines(form, checklist),
                            letterhead=Letterhead.from_config(current_app.config)),
        success=lambda warnings: _received_messages(dossier, warnings),
        page=lambda status: _check_page(dossier, form, status=status))


@bp.post("/<int:dossier_id>/supplement")
@dossier_step(Action.REQUEST_SUPPLEMENT)
def request_supplement(dossier):
    checklist = dossier.program_year.checklist
    form = checklist_form(checklist)
    return dossier_action(
        dossier, form,
        lambda: svc.request_supplement(dossier, actor=current_user,
                                       items=_supplement_items(form.items.data),
                                       lines=_lines(form, checklist),
                                       expected_version=form.version,
                                       letterhead=Letterhead.from_config(current_app.config)),
        success=f"Đã gửi yêu cầu bổ sung hồ sơ {dossier.code}; thời hạn giải quyết tạm dừng cho "
                "đến khi tổ chức nộp bổ sung.",
        page=page_of("intake/supplement.html", dossier=dossier, form=form, checklist=checklist))


@bp.post("/<int:dossier_id>/refuse")
@dossier_step(Action.REFUSE)
def refuse(dossier):
    refuse_form = RefuseForm()
    form = checklist_form(dossier.program_year.checklist, formdata=None)
    _prefill(form, dossier)
    return dossier_action(
        dossier, refuse_form,
        lambda: svc.refuse(dossier, actor=current_user, reason=refuse_form.reason.data,
                           expected_version=refuse_form.version,
                           letterhead=Letterhead.from_config(current_app.config)),
        success=f"Đã từ chối tiếp nhận hồ sơ {dossier.code}.",
        page=lambda status: _check_page(dossier, form, refuse_form, status))


# ------------------------------------------------------------------ resubmission, results


@bp.route("/<int:dossier_id>/resubmit", methods=["GET", "POST"])
@dossier_step(Action.RESUBMIT)
def resubmit(dossier):
    form = ResubmitForm()
    return dossier_action(
        dossier, form,
        lambda: svc.resubmit(dossier, actor=current_user, note=form.note.data or None,
                             expected_version=form.version),
        success=(f"Đã nhận hồ sơ bổ sung {dossier.code}; hồ sơ được chuyển lại bước đang giải "
                 "quyết, thời hạn được cộng thêm thời gian tạm dừng."
                 if dossier.status in PAUSED_IN_PROCESS else
                 f"Đã nhận hồ sơ bổ sung {dossier.code}; hãy kiểm tra lại thành phần hồ sơ để "
                 "tiếp nhận."),
        page=lambda status: (render_template(
            "intake/resubmit.html", dossier=dossier, form=form,
            supplements=worklists.supplement_requests(dossier.id)), status),
        status=422)


@bp.route("/<int:dossier_id>/return", methods=["GET", "POST"])
@dossier_step(Action.RETURN_RESULT)
def return_result(dossier):
    form = ReturnResultForm()
    if request.method == "GET":
        form.channel.data = dossier.return_channel
    return dossier_action(
        dossier, form,
        lambda: svc.return_result(dossier, actor=current_user, channel=form.channel.data,
                                  collected_by=form.collected_by.data or None,
                                  shown_document=form.shown_document.data or None,
                                  note=form.note.data or None, expected_version=form.version),
        success=f"Đã trả kết quả hồ sơ {dossier.code}.",
        page=lambda status: (render_template(
            "intake/return_result.html", dossier=dossier, form=form,
            decision=svc.decision_of(dossier),
            documents=worklists.dossier_documents(dossier.id)), status))


# ------------------------------------------------------------------ rating at the desk (14.6)


@bp.route("/<int:dossier_id>/rating", methods=["GET", "POST"])
def rate_service(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    form = RatingForm()
    back = url_for("dossiers.show", dossier_id=dossier.id)
    page = page_of("payment_details/rating_desk.html", dossier=dossier, rating_form=form,
                   rating=ratings.rating_of(dossier.id))
    if request.method == "GET" or (dossier.status == Status.RETURNED
                                   and not form.validate_on_submit()):
        return page(200 if request.method == "GET" else 422)
    return call_service(
        lambda: ratings.rate_service(dossier, actor=current_user, level=form.level.data,
                                     comment=form.comment.data),
        form=form, page=page,
        on_error=lambda err: flash_back(back)(err) if isinstance(err, Conflict) else None,
        success=f"Đã ghi nhận đánh giá của tổ chức cho hồ sơ {dossier.code}.", then=back)
