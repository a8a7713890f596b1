"""Forms of the reports area: upload a legacy-dossier file, confirm its import."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp


class ImportUploadForm(FlaskForm):
    """The file is only checked for presence here; its content is judged by the dry run, which
    reports a wrong file type in Vietnamese like any other problem."""

    file = FileField("Tệp Excel (.xlsx) theo mẫu",
                     validators=[FileRequired("Vui lòng chọn tệp Excel (.xlsx) để kiểm tra.")])


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    file_name = HiddenField()
