"""Forms of passwords and two-factor: change, forgot, reset, codes, confirmations."""

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from grants.forms.auth import REQUIRED
from grants.forms.base import AppForm
from grants.forms.fields import strip_filter

NEW_PASSWORD_HELP = "Ít nhất 10 ký tự, không phổ biến hay dễ đoán; nên là cụm vài từ."  # noqa: S105


def _new_password(label: str = "Mật khẩu mới") -> PasswordField:
    return PasswordField(label, description=NEW_PASSWORD_HELP,
                         validators=[DataRequired(REQUIRED), Length(max=200)])


def _confirm() -> PasswordField:
    return PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired(REQUIRED), EqualTo("password", "Hai mật khẩu không khớp.")])


class PasswordChangeForm(AppForm):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED)])
    password = _new_password()
    confirm = _confirm()


class ForgotPasswordForm(AppForm):
    email = EmailField("Thư điện tử của tài khoản", filters=[strip_filter], validators=[
        DataRequired(REQUIRED), Email("Địa chỉ thư điện tử không hợp lệ."), Length(max=254)])


class ResetPasswordForm(AppForm):
    password = _new_password()
    confirm = _confirm()


class CodeForm(AppForm):
    code = StringField("Mã xác thực", filters=[strip_filter],
                       description="6 chữ số trong ứng dụng xác thực, hoặc một mã khôi phục.",
                       validators=[DataRequired(REQUIRED), Length(max=32)])


class PasswordConfirmForm(AppForm):
    password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED)])


class ConfirmForm(AppForm):
    """A button with its CSRF token and nothing else."""
