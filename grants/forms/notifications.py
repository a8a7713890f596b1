"""The notification preferences form: e-mail on/off per kind, an organisation's second address."""

from wtforms.fields import BooleanField, EmailField
from wtforms.validators import Length, Optional

from grants.domain.notifications import NotificationKind
from grants.forms.base import AppForm


def preferences_form(kinds, *, with_contact: bool, **kwargs) -> AppForm:
    """A form with one checkbox per kind in ``kinds`` (named after the kind's value)."""

    class PreferencesForm(AppForm):
        pass

    for kind in kinds:
        setattr(PreferencesForm, kind.value,
                BooleanField(f"Gửi thư: {NotificationKind(kind).label}"))
    if with_contact:
        PreferencesForm.contact_email = EmailField(
            "Địa chỉ thư thứ hai của tổ chức", validators=[Optional(), Length(max=254)],
            description="Thư về hồ sơ của tổ chức được gửi cả tới địa chỉ này (ví dụ: "
                        "kế toán). Để trống nếu không cần.")
    return PreferencesForm(**kwargs)


class MarkForm(AppForm):
    """Mark read / mark all read / retry: a CSRF token and nothing else."""
