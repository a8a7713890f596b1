"""Forms of issue 14 points 5 and 6: the organisation's bank account, the rating of the service."""

from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from grants.domain.payment_details import BANK_NAME_MAX, BRANCH_MAX
from grants.domain.ratings import COMMENT_MAX, RatingLevel
from grants.forms.base import AppForm
from grants.forms.fields import choices, strip_filter


class BankAccountForm(AppForm):
    # Shape only: the service checks the digits and lengths (grants/domain/payment_details.py)
    # and its message lands beside the field.
    bank_account_no = StringField("Số tài khoản", filters=[strip_filter],
                                  description="Chỉ gồm chữ số (6–19 số), ví dụ 1903 4567 8901 23.",
                                  validators=[InputRequired("Vui lòng nhập số tài khoản."),
                                              Length(max=40)])
    bank_name = StringField("Ngân hàng", filters=[strip_filter],
                            description="Ví dụ: Ngân hàng TMCP Công thương Việt Nam (VietinBank).",
                            validators=[InputRequired("Vui lòng nhập tên ngân hàng."),
                                        Length(max=BANK_NAME_MAX)])
    bank_branch = StringField("Chi nhánh", filters=[strip_filter],
                              validators=[Optional(), Length(max=BRANCH_MAX)])


class RatingForm(AppForm):
    level = RadioField("Mức độ hài lòng", choices=choices(RatingLevel.choices()),
                       validate_choice=False,
                       validators=[InputRequired("Vui lòng chọn mức độ hài lòng.")])
    comment = TextAreaField("Ý kiến góp ý", filters=[strip_filter],
                            description="Bắt buộc khi không hài lòng: điều gì cần khắc phục.",
                            validators=[Optional(), Length(max=COMMENT_MAX)])
