"""Custom fields: VND amounts typed the Vietnamese way ("50.000.000")."""

from wtforms import Field, StringField
from wtforms.validators import ValidationError

from grants.domain.errors import DomainError
from grants.domain.money import format_vnd, parse_vnd


class VndAmountField(StringField):
    """Accepts "50.000.000", "50 000 000 đ" or "50000000"; ``data`` is an int or None."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if not self.raw or not self.raw.strip():
            return
        try:
            self.data = parse_vnd(self.raw)
        except DomainError as err:
            self.data = None
            raise ValueError(err.message) from err

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, int):
            return format_vnd(self.data).removesuffix(" đ")
        return ""


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class NonNegative:
    def __init__(self, message="Số tiền không được âm."):
        self.message = message

    def __call__(self, form, field: Field):
        if field.data is not None and field.data < 0:
            raise ValidationError(self.message)


def choices(pairs) -> list:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in 3.3)."""
    from wtforms.fields import SelectChoice

    return [SelectChoice(str(value), label) for value, label in pairs]
