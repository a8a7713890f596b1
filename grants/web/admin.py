"""Admin area: program years, catalogue, users and roles, holidays, letter texts, audit trail."""

import importlib
import json
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from grants.db import atomic, local_today
from grants.domain.enums import HolidayKind, SecurityKind
from grants.domain.local_time import to_local
from grants.domain.roles import Role
from grants.extensions import db
from grants.forms import admin as forms
from grants.models import (
    ApiToken,
    AuditEvent,
    CatalogueItem,
    ChecklistItem,
    HolidayOverride,
    ProgramYear,
    RejectionReason,
    SupportRule,
    User,
)
from grants.permissions import role_required
from grants.queries.catalogue import catalogue_items
from grants.queries.holiday_source import holiday_names, make_up_working_days
from grants.queries.years import current_year, program_years
from grants.services import admin as admin_service
from grants.services import security_log
from grants.web.actions import call_service, flash_back, form_view, page_of, place_error
from grants.web.confirmation import password_link

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(role_required(Role.ADMIN))

ACTION_LABELS = {
    "program_year.create": "Tạo năm chương trình",
    "program_year.update": "Sửa thiết lập năm",
    "program_year.update_steps": "Sửa thời hạn và các bước",
    "checklist_item.create": "Thêm giấy tờ",
    "checklist_item.update": "Sửa giấy tờ",
    "checklist_item.delete": "Xóa giấy tờ",
    "rejection_reason.create": "Thêm lý do không hỗ trợ",
    "rejection_reason.update": "Sửa lý do không hỗ trợ",
    "rejection_reason.delete": "Xóa lý do không hỗ trợ",
    "catalogue_item.create": "Thêm mục danh mục",
    "catalogue_item.update": "Sửa mục danh mục",
    "support_rule.create": "Thêm mức hỗ trợ",
    "support_rule.update": "Sửa mức hỗ trợ",
    "support_rule.delete": "Xóa mức hỗ trợ",
    "user.create": "Tạo tài khoản",
    "user.register": "Tổ chức tự đăng ký",
    "user.update": "Sửa tài khoản",
    "user.grant_role": "Cấp vai trò quyết định/chi tiền",
    "organisation.create": "Tạo tổ chức",
    "api_token.issue": "Cấp mã truy cập API",
    "api_token.revoke": "Thu hồi mã truy cập API",
    "holiday_override.create": "Thêm ngày nghỉ/làm bù",
    "holiday_override.delete": "Xóa ngày nghỉ/làm bù",
    "letter_template.update": "Sửa mẫu văn bản",
    "letter_template.delete": "Khôi phục mẫu văn bản mặc định",
    "demo.seed": "Nạp dữ liệu mẫu",
    "webhook.create": "Đăng ký webhook",
    "webhook.deactivate": "Ngừng webhook",
    "webhook.redeliver": "Gửi lại sự kiện qua webhook",
    "payment.request": "Ghi khoản chi chờ xác nhận",
    "payment.cancel": "Hủy khoản chi chờ xác nhận",
}

OBJECT_LABELS = {
    "ProgramYear": "Năm chương trình", "ChecklistItem": "Giấy tờ trong hồ sơ",
    "RejectionReason": "Lý do không hỗ trợ", "CatalogueItem": "Danh mục",
    "SupportRule": "Mức hỗ trợ", "User": "Tài khoản", "ApiToken": "Mã truy cập API",
    "HolidayOverride": "Ngày nghỉ/làm bù", "LetterTemplate": "Mẫu văn bản",
    "Organisation": "Tổ chức", "Dossier": "Hồ sơ", "LedgerEntry": "Bút toán",
    "Decision": "Quyết định", "Appraisal": "Thẩm định", "System": "Hệ thống",
    "Webhook": "Webhook",
    "PendingPayment": "Khoản chi chờ xác nhận",
}


def security_kind_label(kind: str) -> str:
    return SecurityKind.label_of(kind)


TEXT_LABELS = {
    "title": "Tiêu đề / trích yếu",
    "body": "Phần mở đầu (trước danh sách, bảng)",
    "next_steps": "Phần kết (sau danh sách, bảng)",
    "recipients": "Nơi nhận (mỗi dòng một nơi)",
}


def _letter_texts():
    """grants.letters.texts if it exists with the names this page needs, else None."""
    try:
        texts = importlib.import_module("grants.letters.texts")
    except ImportError:
        return None
    needed = ("DEFAULT_TEXTS", "template_variables", "validate_template")
    return texts if all(hasattr(texts, name) for name in needed) else None


def _pretty(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def audit_rows(event: AuditEvent) -> list[tuple[str, str, str, bool]]:
    """(key, before, after, changed) for each key of an audit event's before/after JSON."""
    before = json.loads(event.before_json) if event.before_json else {}
    after = json.loads(event.after_json) if event.after_json else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, _pretty(before[k]) if k in before else "", _pretty(after[k]) if k in after else "",
             before.get(k) != after.get(k)) for k in keys]


def pretty_json(text: str | None) -> str:
    return _pretty(json.loads(text)) if text else ""


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def object_label(object_type: str) -> str:
    return OBJECT_LABELS.get(object_type, object_type)


def text_label(field: str) -> str:
    return TEXT_LABELS.get(field, field)


@bp.context_processor
def _helpers():
    return {"action_label": action_label, "object_label": object_label,
            "audit_rows": audit_rows, "pretty_json": pretty_json, "HolidayKind": HolidayKind,
            "text_label": text_label, "security_kind_label": security_kind_label}


def _page() -> int:
    return request.args.get("page", 1, type=int) or 1


def _save(form, call, template: str, *, success, then, **context):
    """An admin form: its page (200, or 422 when posted invalid), or ``call()`` saved, the
    success flashed and ``then`` shown. A service error goes on the form with 422 (a
    Conflict too: the admin pages have always answered 422 there)."""
    return form_view(form, call, page=page_of(template, form=form, **context), success=success,
                     then=then, status=422)


def _saved(message: str):
    """The flash of an edit that may have changed nothing."""
    return lambda changed: ([(message, "success")] if changed
                            else [("Không có thay đổi nào.", "info")])


def _delete(call, *, success, back: str):
    """A delete button: done and flashed, or the service's refusal flashed; back to ``back``."""
    return call_service(call, success=success, then=back, on_error=flash_back(back))


@bp.get("/")
def index():
    return render_template("admin/index.html", stats=admin_service.overview(),
                           current_year=current_year())


# --- program years -------------------------------------------------------------------------


@bp.get("/years")
def list_years():
    return render_template("admin/year_list.html", years=program_years())


@bp.route("/years/new", methods=["GET", "POST"])
def create_year():
    years = program_years()
    form = forms.YearCreateForm()
    form.set_sources(years)
    if request.method == "GET":
        form.year.data = (years[0].year + 1) if years else local_today().year
        form.source_id.data = years[0].id if years else 0
        form.budget_vnd.data = years[0].budget_vnd if years else None

    def create():
        source = db.session.get(ProgramYear, form.source_id.data) if form.source_id.data \
            else None
        return admin_service.create_program_year(
            form.year.data, actor=current_user, budget_vnd=form.budget_vnd.data, source=source,
            intake_open=form.intake_open.data)

    return _save(form, create, "admin/year_new.html",
                 success=lambda year: f"Đã tạo năm {year.year}. Hãy kiểm tra lại kinh phí, thời "
                                      "hạn và danh mục của năm.",
                 then=lambda year: url_for("admin.edit_year", year_id=year.id))


@bp.route("/years/<int:year_id>", methods=["GET", "POST"])
def edit_year(year_id):
    year = db.get_or_404(ProgramYear, year_id)
    form = forms.YearSettingsForm(obj=year)
    template = "admin/year_edit.html"
    if year.is_closed and form.is_submitted():  # a closed year is shown, never changed
        form.validate()
        return render_template(template, form=form, year=year), 409
    return _save(
        form,
        lambda: admin_service.update_program_year(
            year, actor=current_user, budget_vnd=form.budget_vnd.data,
            target_min=form.target_min.data, target_max=form.target_max.data,
            authority=form.authority.data, signer_title=form.signer_title.data,
            signer_name=form.signer_name.data, plan_reference=form.plan_reference.data,
            intake_open=form.intake_open.data,
            payment_threshold_vnd=form.payment_threshold_vnd.data,
            functions_decision=form.functions_decision.data, plan_number=form.plan_number.data,
            plan_date=form.plan_date.data),
        template, year=year, success=_saved(f"Đã lưu thiết lập năm {year.year}."),
        then=url_for("admin.edit_year", year_id=year.id))


@bp.route("/years/<int:year_id>/steps", methods=["GET", "POST"])
def edit_steps(year_id):
    year = db.get_or_404(ProgramYear, year_id)
    defaults = {"statutory_days": year.statutory_days,
                **{f"step_{s.id}": s.allotment_days for s in year.steps}}
    form = forms.allotments_form(year.steps, data=defaults)
    context = {"year": year, "problems": admin_service.allotment_problems(year)}
    template = "admin/year_steps.html"
    if year.is_closed and form.is_submitted():  # a closed year is shown, never changed
        form.validate()
        return render_template(template, form=form, **context), 409

    def show(err):
        if isinstance(err, admin_service.AllotmentsInvalid):
            context["problems"] = err.problems  # listed above the table, not on one field
        else:
            place_error(form, err)

    return form_view(
        form,
        lambda: admin_service.update_step_allotments(
            year, actor=current_user, statutory_days=form.statutory_days.data,
            allotments={s.id: form[f"step_{s.id}"].data for s in year.steps}),
        page=lambda status: (render_template(template, form=form, **context), status),
        place=show, status=422, success=_saved("Đã lưu thời hạn và thời gian các bước."),
        then=url_for("admin.edit_steps", year_id=year.id))


@bp.route("/years/<int:year_id>/checklist", methods=["GET", "POST"])
def list_checklist(year_id):
    year = db.get_or_404(ProgramYear, year_id)
    form = forms.ChecklistItemForm()
    return _save(
        form,
        lambda: admin_service.add_checklist_item(
            year, actor=current_user, code=form.code.data, label=form.label.data,
            is_required=form.is_required.data),
        "admin/year_checklist.html", year=year,
        success=lambda item: f"Đã thêm giấy tờ «{item.label}».",
        then=url_for("admin.list_checklist", year_id=year.id))


@bp.route("/checklist/<int:item_id>/edit", methods=["GET", "POST"])
def edit_checklist_item(item_id):
    item = db.get_or_404(ChecklistItem, item_id)
    form = forms.ChecklistItemForm(obj=item)
    return _save(
        form,
        lambda: admin_service.update_checklist_item(
            item, actor=current_user, code=form.code.data, label=form.label.data,
            is_required=form.is_required.data),
        "admin/checklist_edit.html", item=item, year=item.program_year,
        success="Đã lưu giấy tờ.",
        then=url_for("admin.list_checklist", year_id=item.program_year_id))


@bp.post("/checklist/<int:item_id>/delete")
def delete_checklist_item(item_id):
    item = db.get_or_404(ChecklistItem, item_id)
    return _delete(lambda: admin_service.remove_checklist_item(item, actor=current_user),
                   success=f"Đã xóa giấy tờ «{item.label}».",
                   back=url_for("admin.list_checklist", year_id=item.program_year_id))


@bp.route("/years/<int:year_id>/reasons", methods=["GET", "POST"])
def list_reasons(year_id):
    year = db.get_or_404(ProgramYear, year_id)
    form = forms.ReasonForm()
    return _save(
        form, lambda: admin_service.add_rejection_reason(year, actor=current_user,
                                                         text=form.text.data),
        "admin/year_reasons.html", year=year, success="Đã thêm lý do.",
        then=url_for("admin.list_reasons", year_id=year.id))


@bp.route("/reasons/<int:reason_id>/edit", methods=["GET", "POST"])
def edit_reason(reason_id):
    reason = db.get_or_404(RejectionReason, reason_id)
    form = forms.ReasonForm(obj=reason)
    return _save(
        form, lambda: admin_service.update_rejection_reason(reason, actor=current_user,
                                                            text=form.text.data),
        "admin/reason_edit.html", reason=reason, year=reason.program_year,
        success="Đã lưu lý do.",
        then=url_for("admin.list_reasons", year_id=reason.program_year_id))


@bp.post("/reasons/<int:reason_id>/delete")
def delete_reason(reason_id):
    reason = db.get_or_404(RejectionReason, reason_id)
    return _delete(lambda: admin_service.remove_rejection_reason(reason, actor=current_user),
                   success="Đã xóa lý do.",
                   back=url_for("admin.list_reasons", year_id=reason.program_year_id))


# --- catalogue and support rules -----------------------------------------------------------


@bp.get("/catalogue")
def list_catalogue():
    return render_template("admin/catalogue_list.html", items=catalogue_items(by_kind=True),
                           years=program_years())


def _catalogue_fields(form) -> dict:
    return {"code": form.code.data, "name": form.name.data, "kind": form.kind.data,
            "description": form.description.data, "is_active": form.is_active.data}


@bp.route("/catalogue/new", methods=["GET", "POST"])
def create_catalogue_item():
    form = forms.CatalogueItemForm()
    return _save(
        form,
        lambda: admin_service.create_catalogue_item(actor=current_user,
                                                    **_catalogue_fields(form)),
        "admin/catalogue_form.html", item=None,
        success=lambda item: f"Đã thêm «{item.code}» vào danh mục.",
        then=url_for("admin.list_catalogue"))


@bp.route("/catalogue/<int:item_id>/edit", methods=["GET", "POST"])
def edit_catalogue_item(item_id):
    item = db.get_or_404(CatalogueItem, item_id)
    form = forms.CatalogueItemForm(obj=item)
    return _save(
        form,
        lambda: admin_service.update_catalogue_item(item, actor=current_user,
                                                    **_catalogue_fields(form)),
        "admin/catalogue_form.html", item=item,
        success=lambda _: f"Đã lưu «{item.code}».", then=url_for("admin.list_catalogue"))


def _rule_fields(form) -> dict:
    return {"share_percent": form.share_percent.data, "cap_vnd": form.cap_vnd.data,
            "is_demo": form.is_demo.data, "note": form.note.data}


@bp.route("/years/<int:year_id>/rules", methods=["GET", "POST"])
def list_rules(year_id):
    year = db.get_or_404(ProgramYear, year_id)
    form = forms.SupportRuleForm()
    form.set_items(admin_service.items_without_rule(year))

    def add_rule():
        item = db.get_or_404(CatalogueItem, form.item_id.data)
        admin_service.set_support_rule(year, actor=current_user, item=item,
                                       **_rule_fields(form))
        return item

    return _save(form, add_rule, "admin/year_rules.html", year=year,
                 rules=admin_service.year_rules(year),
                 success=lambda item: f"Đã thêm mức hỗ trợ cho «{item.code}».",
                 then=url_for("admin.list_rules", year_id=year.id))


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
def edit_rule(rule_id):
    rule = db.get_or_404(SupportRule, rule_id)
    form = forms.SupportRuleForm(obj=rule, item_id=rule.catalogue_item_id)
    form.set_items([rule.catalogue_item])
    return _save(
        form,
        lambda: admin_service.set_support_rule(rule.program_year, actor=current_user,
                                               item=rule.catalogue_item, **_rule_fields(form)),
        "admin/rule_edit.html", rule=rule, year=rule.program_year,
        success=lambda _: f"Đã lưu mức hỗ trợ «{rule.catalogue_item.code}».",
        then=url_for("admin.list_rules", year_id=rule.program_year_id))


@bp.post("/rules/<int:rule_id>/delete")
def delete_rule(rule_id):
    rule = db.get_or_404(SupportRule, rule_id)
    return _delete(lambda: admin_service.remove_support_rule(rule, actor=current_user),
                   success=f"Đã xóa mức hỗ trợ «{rule.catalogue_item.code}».",
                   back=url_for("admin.list_rules", year_id=rule.program_year_id))


# --- users and API tokens ------------------------------------------------------------------


@bp.get("/users")
def list_users():
    form = forms.UserFilterForm(formdata=request.args)
    form.validate()
    role = form.role.data if not form.role.errors else None
    users = admin_service.users_page(role=role or None, q=form.q.data or None, page=_page(),
                                     per_page=current_app.config["PER_PAGE"])
    return render_template("admin/user_list.html", form=form, users=users)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    form = forms.UserCreateForm()
    return _save(
        form,
        lambda: admin_service.create_staff_user(
            actor=current_user, email=form.email.data, full_name=form.full_name.data,
            roles=form.roles.data, title=form.title.data, tax_code=form.tax_code.data,
            link_for=password_link),
        "admin/user_new.html",
        success=lambda user: (
            f"Đã tạo tài khoản {user.email} và gửi thư mời đặt mật khẩu tới {user.email} "
            f"(liên kết dùng được trong {current_app.config['ADMIN_RESET_HOURS']} giờ). Nếu "
            "người dùng không nhận được thư, hãy cấp liên kết đặt lại mật khẩu ở trang này."),
        then=lambda user: url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    form = forms.UserEditForm(obj=user)
    return _save(
        form,
        lambda: admin_service.update_user(user, actor=current_user,
                                          full_name=form.full_name.data,
                                          title=form.title.data, roles=form.roles.data,
                                          is_active=form.is_active.data),
        "admin/user_edit.html", user=user, tokens=admin_service.user_tokens(user),
        token_form=forms.ApiTokenForm(formdata=None),
        success=lambda _: f"Đã lưu tài khoản {user.email}.",
        then=url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/tokens")
def issue_token(user_id):
    user = db.get_or_404(User, user_id)
    if user.id != current_user.id:  # a token acts as its owner: only the owner may see one
        abort(403)
    form = forms.ApiTokenForm()
    back = url_for("admin.edit_user", user_id=user.id)
    if not form.validate_on_submit():
        flash("Ghi chú mã truy cập không hợp lệ (tối đa 100 ký tự).", "danger")
        return redirect(back)

    def show_once(token: str):
        # The clear token is shown once, in this response only: never in a flash/session cookie.
        g.no_store = True
        return make_response(render_template("admin/user_token.html", user=user, token=token,
                                             label=form.label.data))

    return call_service(
        lambda: admin_service.issue_api_token(user, actor=current_user, label=form.label.data),
        success=(), then=show_once, on_error=flash_back(back))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id):
    token = db.get_or_404(ApiToken, token_id)
    return _delete(lambda: admin_service.revoke_api_token(token, actor=current_user),
                   success="Đã thu hồi mã truy cập.",
                   back=url_for("admin.edit_user", user_id=token.user_id))


# --- holiday overrides ---------------------------------------------------------------------


def _holiday_year() -> int:
    year = request.args.get("year", type=int)
    if year is None:
        current = current_year()
        year = current.year if current else local_today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


@bp.route("/holidays", methods=["GET", "POST"])
def list_holidays():
    year = _holiday_year()
    form = forms.HolidayForm()
    return _save(
        form,
        lambda: admin_service.add_holiday_override(form.day.data, actor=current_user,
                                                   kind=form.kind.data, note=form.note.data),
        "admin/holiday_list.html", year=year, overrides=admin_service.holiday_overrides(year),
        public=holiday_names([year]), make_up=sorted(make_up_working_days([year])),
        success=lambda row: f"Đã thêm ngày {row.day:%d/%m/%Y} "
                            f"({HolidayKind(row.kind).label}).",
        then=lambda row: url_for("admin.list_holidays", year=row.day.year))


@bp.post("/holidays/<int:override_id>/delete")
def delete_holiday(override_id):
    override = db.get_or_404(HolidayOverride, override_id)
    day = override.day
    return call_service(
        lambda: admin_service.remove_holiday_override(override, actor=current_user),
        success=f"Đã xóa điều chỉnh ngày {day:%d/%m/%Y}.",
        then=url_for("admin.list_holidays", year=day.year))


# --- letter texts --------------------------------------------------------------------------


@bp.get("/letters")
def list_letter_texts():
    texts = _letter_texts()
    return render_template("admin/letter_list.html", texts=texts,
                           overrides=admin_service.letter_overrides(),
                           defaults=texts.DEFAULT_TEXTS if texts else {},
                           titles=getattr(texts, "DOCUMENT_TITLES", {}))


def _variable_help(texts, kind: str) -> list[tuple[str, str]]:
    if hasattr(texts, "template_variable_help"):
        return list(texts.template_variable_help(kind))
    return [(name, "") for name in texts.template_variables(kind)]


def _letter_default(kind: str, field: str):
    texts = _letter_texts()
    if texts is None or field not in texts.DEFAULT_TEXTS.get(kind, {}):
        abort(404)
    return texts, texts.DEFAULT_TEXTS[kind][field]


@bp.route("/letters/<kind>/<field>", methods=["GET", "POST"])
def edit_letter_text(kind, field):
    texts, default = _letter_default(kind, field)
    override = admin_service.letter_override(kind, field)
    form = forms.LetterTextForm(data={"text": override.text if override else default})
    titles = getattr(texts, "DOCUMENT_TITLES", {})
    return _save(
        form,
        lambda: admin_service.save_letter_text(kind, field, actor=current_user,
                                               text=form.text.data),
        "admin/letter_edit.html", kind=kind, field=field, default=default, override=override,
        title=titles.get(kind, kind), variables=_variable_help(texts, kind),
        success="Đã lưu nội dung văn bản; các văn bản phát hành từ nay dùng nội dung này.",
        then=url_for("admin.list_letter_texts"))


@bp.post("/letters/<kind>/<field>/reset")
def reset_letter_text(kind, field):
    _letter_default(kind, field)
    override = admin_service.letter_override(kind, field)
    if override is None:
        flash("Mục này đang dùng nội dung mặc định.", "info")
        return redirect(url_for("admin.list_letter_texts"))
    return call_service(lambda: admin_service.reset_letter_text(override, actor=current_user),
                        success="Đã khôi phục nội dung mặc định.",
                        then=url_for("admin.list_letter_texts"))


# --- audit trail (read-only: there is deliberately no edit or delete route) ----------------


@bp.get("/audit")
def list_audit():
    form = forms.AuditFilterForm(formdata=request.args)
    available = admin_service.audit_choices()
    form.set_choices(**available, action_label=action_label, type_label=object_label)
    valid = form.validate()
    filters = admin_service.AuditFilter()
    if valid:
        filters = admin_service.AuditFilter(
            action=form.action.data or None, object_type=form.object_type.data or None,
            actor_id=int(form.actor_id.data) if (form.actor_id.data or "").isdigit() else None,
            dossier_code=form.dossier_code.data or None, date_from=form.date_from.data,
            date_to=form.date_to.data)
    events = admin_service.audit_page(filters, page=_page(),
                                      per_page=current_app.config["PER_PAGE"])
    codes = admin_service.dossier_codes(e.dossier_id for e in events.items)
    return render_template("admin/audit_list.html", form=form, events=events, codes=codes,
                           filtered=filters != admin_service.AuditFilter()), \
        200 if valid else 422


@bp.get("/audit/<int:event_id>")
def show_audit_event(event_id):
    event = db.get_or_404(AuditEvent, event_id)
    codes = admin_service.dossier_codes([event.dossier_id])
    return render_template("admin/audit_show.html", event=event, codes=codes)


# --- security log (read-only, exportable; the export is itself logged) ---------------------


def _security_filters(formdata):
    form = forms.SecurityFilterForm(formdata=formdata)
    form.set_choices(admin_service.security_kinds(), security_kind_label)
    valid = form.validate()
    filters = admin_service.SecurityFilter()
    if valid:
        filters = admin_service.SecurityFilter(
            kind=form.kind.data or None, who=form.who.data or None,
            date_from=form.date_from.data, date_to=form.date_to.data)
    return form, filters, valid


@bp.get("/security")
def list_security():
    form, filters, valid = _security_filters(request.args)
    events = admin_service.security_page(filters, page=_page(),
                                         per_page=current_app.config["PER_PAGE"])
    export_args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/security_list.html", form=form, events=events,
                           export_args=export_args,
                           filtered=filters != admin_service.SecurityFilter()), \
        200 if valid else 422


def _security_row(event) -> dict:
    return {"id": event.id, "at": to_local(event.at).strftime("%d/%m/%Y %H:%M:%S"),
            "kind": event.kind, "label": security_kind_label(event.kind),
            "user": event.user.full_name if event.user else "",
            "email": event.email or (event.user.email if event.user else ""),
            "ip": event.ip or "", "detail": event.detail_json or ""}


@bp.post("/security/export.<any(csv, xlsx):fmt>")
def export_security(fmt):
    # A POST (with the session's CSRF token): the export writes a line in the log, which a GET
    # from a link on another site or a browser's prefetch must not do.
    form, filters, valid = _security_filters(request.form)
    if not valid:
        abort(422, "Bộ lọc không hợp lệ: " + "; ".join(e for f in form for e in f.errors))
    rows = [_security_row(e) for e in admin_service.security_rows(filters)]
    # The log holds e-mails and addresses: exporting it is itself an export of personal data.
    with atomic():
        security_log.record("export.personal_data", user=current_user,
                            detail={"export": "security_log", "format": fmt, "rows": len(rows),
                                    "filters": {k: v for k, v in vars(filters).items() if v}})
    g.no_store = True
    stamp = local_today().strftime("%Y%m%d")
    # pandas (about 60 MiB) is loaded by the export that uses it, not by every process.
    from grants.exports import security_log as security_export

    if fmt == "csv":
        data, mimetype = security_export.to_csv_bytes(rows), "text/csv"
    else:
        data = security_export.to_xlsx_bytes(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=f"nhat-ky-bao-mat-{stamp}.{fmt}")
