"""Forms of the reports area: upload a legacy-dossier file, confirm its import; the annual
report's text."""

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from grants.domain.annual_report import TEXT_LABELS, TEXT_MAX_CHARS
from grants.forms.base import AppForm


class ImportUploadForm(AppForm):
    """The file is only checked for presence here; its content is judged by the dry run, which
    reports a wrong file type in Vietnamese like any other problem."""

    file = FileField("Tệp Excel (.xlsx) theo mẫu",
                     validators=[FileRequired("Vui lòng chọn tệp Excel (.xlsx) để kiểm tra.")])


class ImportConfirmForm(AppForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{64}$")])
    file_name = HiddenField()


class AnnualReportTextForm(AppForm):
    """The officers' paragraphs of the annual report (the service checks them again)."""

    introduction = TextAreaField(TEXT_LABELS["introduction"], validators=[
        DataRequired("Nhập nội dung phần mở đầu."),
        Length(max=TEXT_MAX_CHARS, message=f"Tối đa {TEXT_MAX_CHARS:_} ký tự.".replace("_", "."))])
    assessment = TextAreaField(TEXT_LABELS["assessment"], validators=[
        DataRequired("Nhập nội dung đánh giá chung."),
        Length(max=TEXT_MAX_CHARS, message=f"Tối đa {TEXT_MAX_CHARS:_} ký tự.".replace("_", "."))])
    proposals = TextAreaField(TEXT_LABELS["proposals"], validators=[
        DataRequired("Nhập nội dung đề xuất, kiến nghị."),
        Length(max=TEXT_MAX_CHARS, message=f"Tối đa {TEXT_MAX_CHARS:_} ký tự.".replace("_", "."))])
    expected_version = HiddenField()
