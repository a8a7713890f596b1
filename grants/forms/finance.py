"""Finance forms: record a payment, reverse a payment, close a program year, decide a recovery
of undue support and record what is repaid."""

from datetime import datetime

from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from grants.domain.enums import PaymentMethod
from grants.forms.base import AppForm
from grants.forms.fields import VndAmountField, choices, strip_filter

REQUIRED = "Vui lòng nhập thông tin này."
DATE_FORMAT = "%d/%m/%Y"


class VnDateField(DateField):
    """A date typed as dd/mm/yyyy in a text box (browsers' date inputs send yyyy-mm-dd)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=DATE_FORMAT, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), DATE_FORMAT).date()
        except ValueError:
            self.data = None
            raise ValueError("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, "
                             "ví dụ 15/03/2026.") from None


class PaymentForm(AppForm):
    paid_on = VnDateField("Ngày chi", validators=[InputRequired("Vui lòng nhập ngày chi.")],
                          description="dd/mm/yyyy")
    amount_vnd = VndAmountField("Số tiền chi (đồng)",
                                validators=[InputRequired("Vui lòng nhập số tiền.")],
                                description="Ví dụ 15.000.000; chi nhiều đợt được.")
    voucher_no = StringField("Số chứng từ", filters=[strip_filter],
                             description="Số phiếu chi / ủy nhiệm chi.",
                             validators=[DataRequired(REQUIRED), Length(max=50)])
    # The service refuses an unknown method in Vietnamese (WTForms' own message is English).
    method = SelectField("Hình thức chi", validate_choice=False,
                         choices=choices((m.value, m.label) for m in PaymentMethod))
    bank_reference = StringField("Số tham chiếu ngân hàng", filters=[strip_filter],
                                 validators=[Optional(), Length(max=100)])
    version = HiddenField()


class ReversalForm(AppForm):
    reason = TextAreaField("Lý do đảo bút toán", filters=[strip_filter],
                           validators=[DataRequired("Vui lòng nêu lý do đảo bút toán."),
                                       Length(max=2000)])


class CloseYearForm(AppForm):
    confirm = BooleanField("Tôi đã đối chiếu số liệu và đồng ý khóa sổ năm này.",
                           validators=[DataRequired("Hãy đánh dấu xác nhận trước khi khóa sổ.")])


class ConfirmPaymentForm(AppForm):
    """The confirm button of a payment waiting for a second person (CSRF only)."""


class CancelPendingForm(AppForm):
    reason = TextAreaField("Lý do hủy khoản chi chờ xác nhận", filters=[strip_filter],
                           validators=[DataRequired("Vui lòng nêu lý do hủy."),
                                       Length(max=2000)])


class RecoveryForm(AppForm):
    """The leadership's recovery decision (thu hồi): how much and why."""

    amount_vnd = VndAmountField("Số tiền thu hồi (đồng)",
                                validators=[InputRequired("Vui lòng nhập số tiền thu hồi.")],
                                description="Không vượt số tiền tổ chức đã được chi.")
    reason = TextAreaField("Lý do thu hồi", filters=[strip_filter],
                           description="Ví dụ: giấy chứng nhận giả mạo; phát hiện hỗ trợ trùng.",
                           validators=[DataRequired("Vui lòng nêu lý do thu hồi."),
                                       Length(max=2000)])
    version = HiddenField()


class RepaymentForm(AppForm):
    """Money the organisation paid back against a recovery decision (a receipt voucher)."""

    paid_on = VnDateField("Ngày nộp trả", validators=[InputRequired("Vui lòng nhập ngày nộp.")],
                          description="dd/mm/yyyy")
    amount_vnd = VndAmountField("Số tiền nộp trả (đồng)",
                                validators=[InputRequired("Vui lòng nhập số tiền.")])
    voucher_no = StringField("Số chứng từ", filters=[strip_filter],
                             description="Số phiếu thu / giấy nộp tiền.",
                             validators=[DataRequired(REQUIRED), Length(max=50)])
    method = SelectField("Hình thức nộp", validate_choice=False,
                         choices=choices((m.value, m.label) for m in PaymentMethod))
    bank_reference = StringField("Số tham chiếu ngân hàng", filters=[strip_filter],
                                 validators=[Optional(), Length(max=100)])
    version = HiddenField()
