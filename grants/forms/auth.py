"""Login and applicant self-registration forms."""

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from grants.domain.organisations import OrgType
from grants.forms.base import AppForm
from grants.forms.fields import choices, strip_filter

REQUIRED = "Vui lòng nhập thông tin này."


class LoginForm(AppForm):
    email = EmailField("Thư điện tử", validators=[DataRequired(REQUIRED)], filters=[strip_filter])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED)])


class RegisterForm(AppForm):
    full_name = StringField("Họ và tên người đại diện", filters=[strip_filter],
                            validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("Thư điện tử", filters=[strip_filter], validators=[
        DataRequired(REQUIRED), Email("Địa chỉ thư điện tử không hợp lệ."), Length(max=254)])
    phone = StringField("Số điện thoại", filters=[strip_filter],
                        validators=[Optional(), Length(max=30)])
    password = PasswordField("Mật khẩu", validators=[
        DataRequired(REQUIRED), Length(min=10, message="Mật khẩu cần ít nhất 10 ký tự.")])
    confirm = PasswordField("Nhập lại mật khẩu", validators=[
        DataRequired(REQUIRED), EqualTo("password", "Hai mật khẩu không khớp.")])
    tax_code = StringField("Mã số thuế", filters=[strip_filter],
                           description="10 chữ số, hoặc 10 chữ số + \"-\" + 3 chữ số (chi nhánh)",
                           validators=[DataRequired(REQUIRED)])
    org_name = StringField("Tên tổ chức", filters=[strip_filter],
                           validators=[DataRequired(REQUIRED), Length(max=300)])
    org_type = SelectField("Loại hình", choices=choices((t.value, t.label) for t in OrgType))
    address = StringField("Địa chỉ", filters=[strip_filter], validators=[Optional(),
                                                                          Length(max=500)])
    commune = StringField("Xã/phường", filters=[strip_filter],
                          validators=[DataRequired(REQUIRED), Length(max=120)])
    consent = BooleanField(
        "Tôi đã đọc Thông báo xử lý dữ liệu cá nhân và đồng ý để Sở Khoa học và Công nghệ xử lý "
        "dữ liệu cá nhân của tôi cho việc giải quyết hồ sơ hỗ trợ")
