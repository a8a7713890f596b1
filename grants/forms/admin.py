"""Admin forms: shape checks only (the rules live in grants.services.admin)."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from grants.domain.deadlines import format_days
from grants.domain.enums import Authority, CatalogueKind, HolidayKind
from grants.domain.roles import Role
from grants.forms.base import AppForm
from grants.forms.fields import VndAmountField, choices, strip_filter

REQUIRED = "Vui lòng nhập thông tin này."
NOT_INTEGER = "Vui lòng nhập một số nguyên."
NOT_CHOICE = "Lựa chọn không hợp lệ."
DATE_HELP = "Nhập ngày dạng dd/mm/yyyy, ví dụ 30/04/2026."
_DAYS = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,4})?")


class DaysField(StringField):
    """Working days typed the Vietnamese way ("0,5", "1,25") or with a dot; ``data`` is a
    Fraction."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            return
        if not _DAYS.fullmatch(raw):
            raise ValueError("Nhập số ngày làm việc, ví dụ 2, 0,5 hoặc 1,25.")
        try:
            self.data = Fraction(Decimal(raw.replace(",", ".")))
        except InvalidOperation as err:  # pragma: no cover - the pattern already rules it out
            raise ValueError("Số ngày làm việc không hợp lệ.") from err

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_days(self.data) if self.data is not None else ""


class VnDateField(DateField):
    """A date typed as dd/mm/yyyy (yyyy-mm-dd also accepted), rendered as a text input."""

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", DATE_HELP)
        kwargs.setdefault("render_kw", {"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
        super().__init__(label, validators, format=["%d/%m/%Y", "%Y-%m-%d"], **kwargs)


class VnIntegerField(IntegerField):
    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", NOT_INTEGER)
        super().__init__(label, validators, **kwargs)


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def at_least_one(form, field):
    # Not DataRequired: its "required" flag would put required= on every checkbox.
    if not field.data:
        raise ValidationError("Chọn ít nhất một vai trò.")


def _select(label, pairs, **kw):
    return SelectField(label, choices=choices(pairs), invalid_choice_message=NOT_CHOICE,
                       invalid_value_message=NOT_CHOICE, **kw)


def _text(label, max_len, *validators, **kw):
    return StringField(label, filters=[strip_filter],
                       validators=[*validators, Length(max=max_len)], **kw)


# --- program years -------------------------------------------------------------------------


class YearCreateForm(AppForm):
    year = VnIntegerField("Năm", validators=[InputRequired(REQUIRED), NumberRange(
        2000, 2100, "Năm phải trong khoảng 2000–2100.")])
    budget_vnd = VndAmountField("Kinh phí hỗ trợ (đồng)", validators=[InputRequired(REQUIRED)],
                                description="Ví dụ 800.000.000")
    source_id = SelectField("Sao chép thiết lập từ", coerce=int,
                            invalid_choice_message=NOT_CHOICE, invalid_value_message=NOT_CHOICE,
                            description="Các bước, thời hạn, danh mục giấy tờ, lý do không hỗ "
                                        "trợ và mức hỗ trợ được sao chép làm điểm xuất phát.")
    intake_open = BooleanField("Mở tiếp nhận hồ sơ ngay")

    def set_sources(self, years) -> None:
        pairs = [(y.id, f"Năm {y.year}") for y in years]
        self.source_id.choices = choices([(0, "Quy trình mặc định"), *pairs])


class YearSettingsForm(AppForm):
    budget_vnd = VndAmountField("Kinh phí hỗ trợ (đồng)", validators=[InputRequired(REQUIRED)],
                                description="Ví dụ 800.000.000")
    target_min = VnIntegerField("Mục tiêu tối thiểu (số tiêu chuẩn/công cụ)", validators=[
        InputRequired(REQUIRED), NumberRange(0, 100000, "Số không hợp lệ.")])
    target_max = VnIntegerField("Mục tiêu tối đa", validators=[
        InputRequired(REQUIRED), NumberRange(0, 100000, "Số không hợp lệ.")])
    authority = _select("Thẩm quyền quyết định", ((a.value, a.label) for a in Authority))
    signer_title = TextAreaField("Chức danh người ký (mỗi dòng một dòng trên văn bản)",
                                 filters=[strip_filter], render_kw={"rows": 2},
                                 validators=[DataRequired(REQUIRED), Length(max=200)],
                                 description="Ví dụ: KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC, mỗi dòng một "
                                             "chức danh.")
    signer_name = _text("Họ tên người ký", 200, Optional())
    plan_reference = _text("Kế hoạch / văn bản căn cứ", 300, Optional())
    functions_decision = TextAreaField(
        "Căn cứ chức năng, nhiệm vụ của Sở", filters=[strip_filter], render_kw={"rows": 3},
        validators=[Optional(), Length(max=500)],
        description="In ở dòng \"Căn cứ\" đầu tiên của quyết định, ví dụ: Quyết định số "
                    ".../QĐ-UBND ngày ... của Ủy ban nhân dân tỉnh Bắc Ninh quy định chức năng, "
                    "nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở Khoa học và Công nghệ.")
    plan_number = _text("Số kế hoạch năm", 50, Optional(), description="Ví dụ 05/KH-SKHCN")
    plan_date = VnDateField("Ngày ban hành kế hoạch", validators=[Optional()])
    intake_open = BooleanField("Đang mở tiếp nhận hồ sơ")
    payment_threshold_vnd = VndAmountField(
        "Ngưỡng chi cần người thứ hai xác nhận (đồng)", validators=[Optional()],
        description="Khi tổng chi của một hồ sơ vượt ngưỡng này, khoản chi cần một kế toán khác "
                    "hoặc kế toán trưởng xác nhận. Ví dụ 100.000.000; 0: mọi khoản chi.")


class AllotmentsForm(AppForm):
    statutory_days = VnIntegerField("Tổng thời hạn giải quyết (ngày làm việc)", validators=[
        InputRequired(REQUIRED), NumberRange(1, 365, "Thời hạn phải từ 1 đến 365 ngày.")])

    def step_fields(self):
        return [f for f in self if f.name.startswith("step_")]


def allotments_form(steps, **kwargs) -> AllotmentsForm:
    """An AllotmentsForm with one DaysField ``step_<id>`` per procedure step."""

    class _Form(AllotmentsForm):
        pass

    for step in steps:
        setattr(_Form, f"step_{step.id}", DaysField(
            step.label, validators=[InputRequired(REQUIRED)],
            render_kw={"inputmode": "decimal"}))
    return _Form(**kwargs)


class ChecklistItemForm(AppForm):
    code = _text("Mã", 30, DataRequired(REQUIRED), description="Ví dụ HOADON")
    label = _text("Tên giấy tờ", 300, DataRequired(REQUIRED))
    is_required = BooleanField("Bắt buộc", default=True)


class ReasonForm(AppForm):
    text = TextAreaField("Lý do", filters=[strip_filter], render_kw={"rows": 2},
                         validators=[DataRequired(REQUIRED), Length(max=500)])


# --- catalogue -----------------------------------------------------------------------------


class CatalogueItemForm(AppForm):
    code = _text("Mã", 30, DataRequired(REQUIRED), description="Ví dụ ISO9001, 5S")
    name = _text("Tên", 300, DataRequired(REQUIRED))
    kind = _select("Loại", ((k.value, k.label) for k in CatalogueKind))
    description = TextAreaField("Mô tả", filters=[strip_filter], render_kw={"rows": 3},
                                validators=[Optional(), Length(max=2000)])
    is_active = BooleanField("Đang áp dụng (hiện cho tổ chức chọn)", default=True)


class SupportRuleForm(AppForm):
    item_id = SelectField("Tiêu chuẩn / công cụ", coerce=int, invalid_choice_message=NOT_CHOICE,
                          invalid_value_message=NOT_CHOICE)
    share_percent = VnIntegerField("Tỷ lệ hỗ trợ (% chi phí hợp lệ)", validators=[
        InputRequired(REQUIRED), NumberRange(1, 100, "Tỷ lệ hỗ trợ phải từ 1 đến 100 %%.")])
    cap_vnd = VndAmountField("Mức hỗ trợ tối đa (đồng)", validators=[InputRequired(REQUIRED)],
                             description="Ví dụ 50.000.000")
    is_demo = BooleanField("Giá trị mẫu (chưa phải mức chính thức)")
    note = _text("Ghi chú", 300, Optional())

    def set_items(self, items) -> None:
        self.item_id.choices = choices((i.id, f"{i.code} – {i.name}") for i in items)


# --- users ---------------------------------------------------------------------------------

ROLE_PAIRS = [(r.value, r.label) for r in Role]


class UserCreateForm(AppForm):
    full_name = _text("Họ và tên", 200, DataRequired(REQUIRED))
    email = EmailField("Thư điện tử", filters=[strip_filter], validators=[
        DataRequired(REQUIRED), Email("Địa chỉ thư điện tử không hợp lệ."), Length(max=254)])
    title = _text("Chức danh", 200, Optional())
    roles = CheckboxesField("Vai trò", choices=choices(ROLE_PAIRS),
                            invalid_choice_message=NOT_CHOICE,
                            validators=[at_least_one])
    tax_code = _text("Mã số thuế của tổ chức", 14, Optional(),
                     description="Chỉ cần cho tài khoản đại diện tổ chức.")


class UserEditForm(AppForm):
    full_name = _text("Họ và tên", 200, DataRequired(REQUIRED))
    title = _text("Chức danh", 200, Optional())
    roles = CheckboxesField("Vai trò", choices=choices(ROLE_PAIRS),
                            invalid_choice_message=NOT_CHOICE,
                            validators=[at_least_one])
    is_active = BooleanField("Tài khoản đang hoạt động")


class UserFilterForm(AppForm):
    class Meta:
        csrf = False

    role = _select("Vai trò", [("", "Tất cả vai trò"), *ROLE_PAIRS], validators=[Optional()])
    q = _text("Tìm theo tên, thư điện tử, chức danh", 100, Optional())


class ApiTokenForm(AppForm):
    label = _text("Ghi chú mã truy cập", 100, Optional(),
                  description="Ví dụ: phần mềm một cửa của tỉnh")


# --- holidays, letters, audit --------------------------------------------------------------


class HolidayForm(AppForm):
    day = VnDateField("Ngày", validators=[InputRequired(REQUIRED)])
    kind = _select("Loại", ((k.value, k.label) for k in HolidayKind))
    note = _text("Ghi chú (văn bản thông báo)", 300, Optional())


class LetterTextForm(AppForm):
    text = TextAreaField("Nội dung", filters=[strip_filter], render_kw={"rows": 10},
                         validators=[Length(max=20000)],
                         description="Mỗi dòng là một đoạn; dòng trống được bỏ qua.")


class AuditFilterForm(AppForm):
    class Meta:
        csrf = False

    action = SelectField("Thao tác", validate_choice=False)
    object_type = SelectField("Loại đối tượng", validate_choice=False)
    actor_id = SelectField("Người thực hiện", validate_choice=False)
    dossier_code = _text("Mã hồ sơ", 30, Optional())
    date_from = VnDateField("Từ ngày", validators=[Optional()])
    date_to = VnDateField("Đến ngày", validators=[Optional()])

    def set_choices(self, *, actions, object_types, actors, action_label, type_label) -> None:
        self.action.choices = choices([("", "Tất cả"), *((a, action_label(a)) for a in actions)])
        self.object_type.choices = choices([("", "Tất cả"),
                                            *((t, type_label(t)) for t in object_types)])
        self.actor_id.choices = choices([("", "Tất cả"),
                                         *((u.id, f"{u.full_name} ({u.email})") for u in actors)])

    def validate_date_to(self, field):
        start: date | None = self.date_from.data
        if field.data and start and field.data < start:
            raise ValidationError("«Đến ngày» phải sau hoặc bằng «Từ ngày».")


class SecurityFilterForm(AppForm):
    """Filters of the security log: kind, a user's e-mail or name, local dates."""

    class Meta:
        csrf = False

    kind = SelectField("Loại sự kiện", validate_choice=False)
    who = _text("Người dùng / thư điện tử", 254, Optional())
    date_from = VnDateField("Từ ngày", validators=[Optional()])
    date_to = VnDateField("Đến ngày", validators=[Optional()])

    def set_choices(self, kinds, kind_label) -> None:
        self.kind.choices = choices([("", "Tất cả"), *((k, kind_label(k)) for k in kinds)])

    def validate_date_to(self, field):
        start: date | None = self.date_from.data
        if field.data and start and field.data < start:
            raise ValidationError("«Đến ngày» phải sau hoặc bằng «Từ ngày».")
