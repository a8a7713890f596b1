"""Forms of the identity of organisations and of personal data (issue 13 points 7, 8, 12)."""

from flask_wtf.file import FileField
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from grants.forms.auth import REQUIRED
from grants.forms.base import AppForm
from grants.forms.fields import strip_filter


class CertificateForm(AppForm):
    file = FileField("Giấy chứng nhận đăng ký doanh nghiệp / hợp tác xã (PDF, JPEG hoặc PNG)")


class ConfirmForm(AppForm):
    """The button that uses a confirmation link (a GET only shows it: link scanners in mail
    systems open links and must not use them up)."""


class ResendForm(AppForm):
    pass


class VerifyForm(AppForm):
    note = TextAreaField("Ghi chú (không bắt buộc)", filters=[strip_filter],
                         validators=[Optional(), Length(max=1000)])


class RejectForm(AppForm):
    reason = TextAreaField("Lý do không xác minh", filters=[strip_filter],
                           validators=[DataRequired(REQUIRED), Length(max=1000)])


class ExportForm(AppForm):
    pass


class PersonSearchForm(AppForm):
    class Meta:
        csrf = False

    email = EmailField("Thư điện tử", filters=[strip_filter], validators=[Optional()])


class AnonymiseForm(AppForm):
    confirm = StringField("Nhập lại thư điện tử của người này để xác nhận",
                          filters=[strip_filter], validators=[DataRequired(REQUIRED)])
