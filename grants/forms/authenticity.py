"""Forms of the public verification page of issued papers (issue 14 point 8)."""

from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from grants.forms.base import AppForm


class CodeForm(AppForm):
    code = StringField("Mã xác thực (in cạnh mã QR trên văn bản)",
                       validators=[DataRequired("Nhập mã xác thực."), Length(max=30)])


class CopyForm(AppForm):
    file = FileField("Tệp PDF của văn bản cần kiểm tra")
