"""Login and applicant self-registration forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from grants.domain.organisations import OrgType
from grants.forms.fields import choices, strip_filter

REQUIRED = "Vui lòng nhập thông tin này."


class LoginForm(FlaskForm):
    email = EmailField("Thư điện tử", validators=[DataRequired(REQUIRED)], filters=[strip_filter])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED)])


class RegisterForm(FlaskForm):
    full_name = StringField("Họ và tên người đại diện", filters=[strip_filter],
                            validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField("Thư điện tử", filters=[strip_filter], validators=[
        DataRequired(REQUIRED), Email("Địa chỉ thư điện tử không hợp lệ."), Length(max=254)])
    phone = StringField("Số điện thoại", filters=[strip_filter],
                        validators=[Optional(), Length(max=30)])
    password = PasswordField("Mật khẩu", validators=[
        DataRequired(REQUIRED), Length(min=8, message="Mật khẩu cần ít nhất 8 ký tự.")])
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
