"""One-stop desk (chuyên viên một cửa): work queue, taking in paper/postal dossiers, the
completeness check (receive / request supplement / refuse), resubmission at the desk, and
returning results."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants.db import atomic, to_local
from grants.domain.errors import DomainError, InvalidInput
from grants.domain.organisations import validate_tax_code
from grants.domain.roles import Role
from grants.domain.workflow import Action
from grants.extensions import db
from grants.forms.staff import (
    NewOrganisationForm,
    RefuseForm,
    ResubmitForm,
    ReturnResultForm,
    checklist_form,
    lines_of,
    take_in_form,
)
from grants.models import ProgramYear
from grants.permissions import dossier_or_404, role_required
from grants.services import dossiers as svc
from grants.services import organisations, worklists
from grants.services.dossiers import ChecklistLine, ItemInput
from grants.web.dossiers import error_status, guard, place_error, render_list, run_action

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
    organisation = worklists.organisation_by_tax_code(tax_code)
    if organisation is None:
        form.tax_code.errors = [*form.tax_code.errors,
                                "Chưa có tổ chức nào với mã số thuế này trên hệ thống. Hãy "
                                "«Đăng ký tổ chức mới» trước khi nhận hồ sơ giấy."]
    return organisation


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    form = NewOrganisationForm(tax_code=request.args.get("tax_code", ""))
    if form.validate_on_submit():
        try:
            with atomic():
                org = organisations.create_organisation(
                    actor=current_user, name=form.name.data, org_type=form.org_type.data,
                    tax_code=form.tax_code.data, address=form.address.data,
                    commune=form.commune.data, representative=form.representative.data,
                    phone=form.phone.data, email=form.email.data)
        except DomainError as err:
            place_error(form, err)
            return render_template("intake/new_organisation.html", form=form), 422
        flash(f"Đã đăng ký tổ chức {org.name} (MST {org.tax_code}).", "success")
        return redirect(url_for("intake.take_in", tax_code=org.tax_code))
    status = 422 if form.is_submitted() else 200
    return render_template("intake/new_organisation.html", form=form), status


@bp.route("/take-in", methods=["GET", "POST"])
def take_in():
    form = take_in_form(worklists.open_years(), worklists.catalogue_items(active_only=True))
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
    rows = [(index, row.form) for index, row in enumerate(form.items)
            if row.form.catalogue_code.data]
    items = [ItemInput(r.catalogue_code.data, r.consulting_cost_vnd.data, r.requested_vnd.data,
                       r.evidence.data or None) for _, r in rows]
    try:
        with atomic():
            dossier = svc.create_draft(
                organisation, year, actor=current_user, items=items, channel=form.channel.data,
                return_channel=form.return_channel.data,
                submitter_name=form.submitter_name.data or None,
                submitter_phone=form.submitter_phone.data or None,
                submitter_email=form.submitter_email.data or None, note=form.note.data or None)
            svc.submit(dossier, actor=current_user)
    except DomainError as err:
        if err.field and err.field.startswith("items-"):
            # The service numbers only the rows that were filled in; point at the form's row.
            _, position, name = err.field.split("-", 2)
            if position.isdigit() and int(position) < len(rows):
                err.field = f"items-{rows[int(position)][0]}-{name}"
        place_error(form, err)
        return _take_in_page(form, organisation, error_status(err))
    flash(f"Đã lập hồ sơ {dossier.code} cho {organisation.name}. Hãy kiểm tra thành phần hồ sơ "
          "để tiếp nhận, yêu cầu bổ sung hoặc từ chối.", "success")
    return redirect(url_for("intake.check", dossier_id=dossier.id))


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
    form.expected_version.data = dossier.version
    for result in dossier.checklist_results:
        if f"present_{result.checklist_item_id}" in form:
            form[f"present_{result.checklist_item_id}"].data = result.is_present
            form[f"copy_kind_{result.checklist_item_id}"].data = result.copy_kind or ""
            form[f"note_{result.checklist_item_id}"].data = result.note or ""


def _received_message(dossier, warnings) -> str:
    for warning in warnings:
        flash(warning, "warning")
    if dossier.due_at is None:
        return f"Đã tiếp nhận hồ sơ {dossier.code}."
    return (f"Đã tiếp nhận hồ sơ {dossier.code}. Hẹn trả kết quả: "
            f"{to_local(dossier.due_at):%H:%M ngày %d/%m/%Y}.")


@bp.route("/<int:dossier_id>/check", methods=["GET", "POST"])
def check(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RECEIVE)) is not None:
        return response
    checklist = dossier.program_year.checklist
    form = checklist_form(checklist)
    if request.method == "GET":
        _prefill(form, dossier)
        return _check_page(dossier, form)
    if not form.validate_on_submit():
        return _check_page(dossier, form, status=422)
    lines = _lines(form, checklist)
    if request.form.get("op") == "supplement":
        if not form.items.data:
            form.items.data = _missing_text(form, checklist)
        return render_template("intake/supplement.html", dossier=dossier, form=form,
                               checklist=checklist)
    response, err = run_action(
        dossier, form.version,
        # run_action has checked the version; receive() compares it only after writing the
        # checklist and the clock (which bumps the version), so it is not passed on again.
        lambda: svc.receive(dossier, actor=current_user, lines=lines),
        success=lambda warnings: _received_message(dossier, warnings))
    if err is None:
        return response
    place_error(form, err)
    return _check_page(dossier, form, status=error_status(err))


@bp.post("/<int:dossier_id>/supplement")
def request_supplement(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.REQUEST_SUPPLEMENT)) is not None:
        return response
    checklist = dossier.program_year.checklist
    form = checklist_form(checklist)
    if form.validate_on_submit():
        lines = _lines(form, checklist)
        response, err = run_action(
            dossier, form.version,
            lambda: svc.request_supplement(dossier, actor=current_user,
                                           items=_supplement_items(form.items.data),
                                           lines=lines, expected_version=form.version),
            success=f"Đã gửi yêu cầu bổ sung hồ sơ {dossier.code}; thời hạn giải quyết tạm "
                    "dừng cho đến khi tổ chức nộp bổ sung.")
        if err is None:
            return response
        place_error(form, err)
        status = error_status(err)
    else:
        status = 422
    return render_template("intake/supplement.html", dossier=dossier, form=form,
                           checklist=checklist), status


@bp.post("/<int:dossier_id>/refuse")
def refuse(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.REFUSE)) is not None:
        return response
    refuse_form = RefuseForm()
    form = checklist_form(dossier.program_year.checklist, formdata=None)
    _prefill(form, dossier)
    if refuse_form.validate_on_submit():
        response, err = run_action(
            dossier, refuse_form.version,
            lambda: svc.refuse(dossier, actor=current_user, reason=refuse_form.reason.data,
                               expected_version=refuse_form.version),
            success=f"Đã từ chối tiếp nhận hồ sơ {dossier.code}.")
        if err is None:
            return response
        place_error(refuse_form, err)
        return _check_page(dossier, form, refuse_form, error_status(err))
    return _check_page(dossier, form, refuse_form, 422)


# ------------------------------------------------------------------ resubmission, results


@bp.route("/<int:dossier_id>/resubmit", methods=["GET", "POST"])
def resubmit(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RESUBMIT)) is not None:
        return response
    form = ResubmitForm()
    if request.method == "GET":
        form.expected_version.data = dossier.version
        return render_template("intake/resubmit.html", dossier=dossier, form=form,
                               supplements=worklists.supplement_requests(dossier.id))
    if form.validate_on_submit():
        response, err = run_action(
            dossier, form.version,
            lambda: svc.resubmit(dossier, actor=current_user, note=form.note.data or None,
                                 expected_version=form.version),
            success=f"Đã nhận hồ sơ bổ sung {dossier.code}; hãy kiểm tra lại thành phần hồ sơ "
                    "để tiếp nhận.")
        if err is None:
            return response
        place_error(form, err)
    return render_template("intake/resubmit.html", dossier=dossier, form=form,
                           supplements=worklists.supplement_requests(dossier.id)), 422


@bp.route("/<int:dossier_id>/return", methods=["GET", "POST"])
def return_result(dossier_id: int):
    dossier = dossier_or_404(dossier_id)
    if (response := guard(dossier, Action.RETURN_RESULT)) is not None:
        return response
    form = ReturnResultForm()
    if request.method == "GET":
        form.expected_version.data = dossier.version
        form.channel.data = dossier.return_channel
        return render_template("intake/return_result.html", dossier=dossier, form=form,
                               decision=svc.decision_of(dossier),
                               documents=worklists.dossier_documents(dossier.id))
    status = 422
    if form.validate_on_submit():
        response, err = run_action(
            dossier, form.version,
            lambda: svc.return_result(dossier, actor=current_user, channel=form.channel.data,
                                      collected_by=form.collected_by.data or None,
                                      shown_document=form.shown_document.data or None,
                                      note=form.note.data or None,
                                      expected_version=form.version),
            success=f"Đã trả kết quả hồ sơ {dossier.code}.")
        if err is None:
            return response
        place_error(form, err)
        status = error_status(err)
    return render_template("intake/return_result.html", dossier=dossier, form=form,
                           decision=svc.decision_of(dossier),
                           documents=worklists.dossier_documents(dossier.id)), status
