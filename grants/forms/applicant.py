"""Applicant portal and public lookup forms: shape checks only (rules live in the services)."""

from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Email, Length, Optional

from grants.domain.enums import Channel
from grants.forms.base import AppForm
from grants.forms.fields import VndAmountField, choices, strip_filter

REQUIRED = "Vui lòng nhập thông tin này."
#: Item rows shown on the dossier form (empty rows are ignored); enough for almost every
#: dossier, and the page works without JavaScript.
ITEM_ROWS = 5
MAX_ITEM_ROWS = 20

ORG_SIZES = ("Siêu nhỏ", "Nhỏ", "Vừa", "Lớn")


def version_of(form) -> int | None:
    """The dossier version the user saw (hidden field), or None when absent or malformed."""
    raw = (form.version.data or "").strip()
    return int(raw) if raw.isdigit() else None


class ProfileForm(AppForm):
    name = StringField("Tên tổ chức", filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Length(max=300)])
    address = StringField("Địa chỉ trụ sở", filters=[strip_filter],
                          validators=[Optional(), Length(max=500)])
    commune = StringField("Xã/phường", filters=[strip_filter],
                          validators=[DataRequired(REQUIRED), Length(max=120)])
    sector = StringField("Lĩnh vực sản xuất, kinh doanh", filters=[strip_filter],
                         validators=[Optional(), Length(max=200)])
    size = StringField("Quy mô", filters=[strip_filter], validators=[Optional(), Length(max=50)],
                       description="Siêu nhỏ, nhỏ, vừa hoặc lớn")
    representative = StringField("Người đại diện theo pháp luật", filters=[strip_filter],
                                 validators=[Optional(), Length(max=200)])
    representative_title = StringField("Chức vụ người đại diện", filters=[strip_filter],
                                       validators=[Optional(), Length(max=100)])
    phone = StringField("Số điện thoại", filters=[strip_filter],
                        validators=[Optional(), Length(max=30)])
    email = EmailField("Thư điện tử", filters=[strip_filter], validators=[
        Optional(), Email("Địa chỉ thư điện tử không hợp lệ."), Length(max=254)])


class ItemForm(PlainForm):
    """One requested catalogue item; a wholly empty row is ignored."""

    catalogue_code = SelectField("Tiêu chuẩn / công cụ / mô hình", choices=[],
                                 validate_choice=True)
    consulting_cost_vnd = VndAmountField("Chi phí tư vấn, chứng nhận (đồng)",
                                         description="Ví dụ 120.000.000")
    requested_vnd = VndAmountField("Số tiền đề nghị hỗ trợ (đồng)",
                                   description="Ví dụ 50.000.000")
    evidence = StringField("Căn cứ, chứng nhận kèm theo", filters=[strip_filter],
                           validators=[Optional(), Length(max=500)],
                           description="Ví dụ: Giấy chứng nhận ISO 9001:2015 số … ngày …")

    def is_blank(self) -> bool:
        def typed(field) -> bool:
            if field.raw_data:
                return bool(field.raw_data[0].strip())
            return field.data not in (None, "")

        return not any(typed(f) for f in (self.catalogue_code, self.consulting_cost_vnd,
                                          self.requested_vnd, self.evidence))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        for field, message in ((self.catalogue_code, "Chọn tiêu chuẩn/công cụ đề nghị hỗ trợ."),
                               (self.consulting_cost_vnd, "Nhập chi phí tư vấn, chứng nhận."),
                               (self.requested_vnd, "Nhập số tiền đề nghị hỗ trợ.")):
            if field.data in (None, "") and not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        return ok


class DossierForm(AppForm):
    items = FieldList(FormField(ItemForm), min_entries=0, max_entries=MAX_ITEM_ROWS)
    return_channel = SelectField("Nhận kết quả", choices=choices(
        (c.value, c.label) for c in (Channel.ONLINE, Channel.COUNTER, Channel.POST)))
    note = TextAreaField("Ghi chú cho cơ quan tiếp nhận", filters=[strip_filter],
                         validators=[Optional(), Length(max=2000)])
    version = HiddenField()

    def filled_rows(self) -> list[tuple[int, ItemForm]]:
        """(row index, row form) of the rows the user filled in."""
        return [(index, entry.form) for index, entry in enumerate(self.items)
                if not entry.form.is_blank()]


class VersionForm(AppForm):
    """A bare action (submit, remove a file): CSRF plus the dossier version seen."""

    version = HiddenField()


class SubmitForm(VersionForm):
    """Filing a draft: the applicant ticks its declaration (the service refuses without it)."""

    declaration = BooleanField("Cam đoan")


class UploadForm(AppForm):
    checklist_item_id = HiddenField()
    files = MultipleFileField("Tệp (PDF, JPEG, PNG)")
    version = HiddenField()
    return_to = HiddenField()


class WithdrawForm(AppForm):
    reason = TextAreaField("Lý do rút hồ sơ", filters=[strip_filter],
                           validators=[DataRequired(REQUIRED), Length(max=1000)])
    confirm = BooleanField("Tôi xác nhận rút hồ sơ này. Hồ sơ đã rút không tiếp tục được xử lý.",
                           validators=[DataRequired("Đánh dấu ô xác nhận để rút hồ sơ.")])
    version = HiddenField()


class SupplementAnswerForm(AppForm):
    note = TextAreaField("Nội dung giải trình, bổ sung", filters=[strip_filter],
                         validators=[DataRequired(REQUIRED), Length(max=2000)],
                         description="Ghi rõ đã bổ sung, hoàn thiện những giấy tờ nào.")
    files = MultipleFileField("Giấy tờ bổ sung khác (không bắt buộc; PDF, JPEG, PNG)")
    version = HiddenField()


class LookupForm(AppForm):
    class Meta:
        csrf = False  # a GET form; nothing changes

    code = StringField("Mã hồ sơ", filters=[strip_filter],
                       validators=[DataRequired(REQUIRED), Length(max=30)],
                       description="Ví dụ HS-2026-00042 (ghi trên giấy tiếp nhận hồ sơ)")
    tax_code = StringField("Mã số thuế của tổ chức", filters=[strip_filter],
                           validators=[DataRequired(REQUIRED), Length(max=20)])
