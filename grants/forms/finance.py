"""Finance forms: record a payment, reverse a payment, close a program year."""

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from grants.forms.fields import VndAmountField, choices, strip_filter
from grants.models.enums import PaymentMethod

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


class PaymentForm(FlaskForm):
    paid_on = VnDateField("Ngày chi", validators=[InputRequired("Vui lòng nhập ngày chi.")],
                          description="dd/mm/yyyy")
    amount_vnd = VndAmountField("Số tiền chi (đồng)",
                                validators=[InputRequired("Vui lòng nhập số tiền.")],
                                description="Ví dụ 15.000.000; chi nhiều đợt được.")
    voucher_no = StringField("Số chứng từ", filters=[strip_filter],
                             description="Số phiếu chi / uỷ nhiệm chi.",
                             validators=[DataRequired(REQUIRED), Length(max=50)])
    # The service refuses an unknown method in Vietnamese (WTForms' own message is English).
    method = SelectField("Hình thức chi", validate_choice=False,
                         choices=choices((m.value, m.label) for m in PaymentMethod))
    bank_reference = StringField("Số tham chiếu ngân hàng", filters=[strip_filter],
                                 validators=[Optional(), Length(max=100)])
    version = HiddenField()


class ReversalForm(FlaskForm):
    reason = TextAreaField("Lý do đảo bút toán", filters=[strip_filter],
                           validators=[DataRequired("Vui lòng nêu lý do đảo bút toán."),
                                       Length(max=2000)])


class CloseYearForm(FlaskForm):
    confirm = BooleanField("Tôi đã đối chiếu số liệu và đồng ý khoá sổ năm này.",
                           validators=[DataRequired("Hãy đánh dấu xác nhận trước khi khoá sổ.")])
