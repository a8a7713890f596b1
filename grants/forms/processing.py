"""Forms of issue 14's paths: papers asked after reception, and the apology for a delay."""

from wtforms import TextAreaField
from wtforms.validators import InputRequired, Optional

from grants.forms.admin import VnDateField
from grants.forms.fields import strip_filter
from grants.forms.staff import VersionedForm


class RequestPapersForm(VersionedForm):
    items = TextAreaField("Giấy tờ cần bổ sung (mỗi dòng một giấy tờ; ghi chú sau dấu «—»)",
                          filters=[strip_filter], id="papers_items")
    note = TextAreaField("Ghi chú gửi tổ chức (không bắt buộc)", filters=[strip_filter],
                         validators=[Optional()], id="papers_note")


class ApologyForm(VersionedForm):
    new_return_on = VnDateField("Ngày hẹn trả kết quả mới", validators=[
        InputRequired("Nhập ngày hẹn trả kết quả mới.")])
    reason = TextAreaField("Lý do chậm trả kết quả", filters=[strip_filter],
                           validators=[InputRequired("Nêu lý do chậm trả kết quả.")])
