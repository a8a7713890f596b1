"""Webhook forms for the admin: shape checks only (grants.services.webhooks checks the URL)."""

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grants.domain.enums import DeliveryState, EventKind
from grants.forms.admin import NOT_CHOICE, NOT_INTEGER, REQUIRED, CheckboxesField
from grants.forms.base import AppForm
from grants.forms.fields import choices, strip_filter


def _text(label, max_len, *validators, **kw):
    return StringField(label, filters=[strip_filter],
                       validators=[*validators, Length(max=max_len)], **kw)


class WebhookForm(AppForm):
    url = _text("Địa chỉ nhận (URL)", 2000, DataRequired(REQUIRED),
                description="http:// hoặc https://; không nhận địa chỉ nội bộ hay loopback.")
    label = _text("Ghi chú", 100, Optional(),
                  description="Ví dụ: phần mềm một cửa của tỉnh")
    events = CheckboxesField("Loại sự kiện", choices=choices(EventKind.choices()),
                             invalid_choice_message=NOT_CHOICE,
                             description="Không chọn loại nào: nhận mọi loại sự kiện.")


class DeliveryFilterForm(AppForm):
    class Meta:
        csrf = False

    state = SelectField("Trạng thái", choices=choices([("", "Tất cả trạng thái"),
                                                       *DeliveryState.choices()]),
                        invalid_choice_message=NOT_CHOICE, validators=[Optional()])
    kind = SelectField("Loại sự kiện", choices=choices([("", "Tất cả loại sự kiện"),
                                                        *EventKind.choices()]),
                       invalid_choice_message=NOT_CHOICE, validators=[Optional()])
    event_id = IntegerField("Mã sự kiện", validators=[
        Optional(), NumberRange(min=1, max=2**31 - 1, message=NOT_INTEGER)])
