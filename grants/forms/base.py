"""The base of every form of the app."""

import re

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms.fields import FieldList, FormField
from wtforms.widgets import HiddenInput


class AppForm(FlaskForm):
    """A Flask-WTF form whose hidden inputs carry no ``id``: a page often holds several forms
    (each with its ``csrf_token`` and ``expected_version``), and ids must stay unique on the
    page. A hidden input has no label, so nothing refers to its id."""

    def hidden_tag(self, *fields):
        def hidden_fields(chosen):
            for f in chosen:
                if isinstance(f, str):
                    f = getattr(self, f, None)
                if f is not None and isinstance(f.widget, HiddenInput):
                    yield f

        return Markup("\n").join(f(id=False) for f in hidden_fields(fields or self))

    def error_summary(self) -> list[tuple[str, str | None, str]]:
        """(label, id to link to or None, message) of every error on a field of this form,
        nested rows included (``items-2-requested_vnd`` reads "… (dòng 3)"), in field order:
        the summary at the top of the form names each field, so no error is only beside a
        field the page shows hidden or not at all."""
        found = []
        for field in leaf_fields(self):
            hidden = isinstance(field.widget, HiddenInput)
            label = field.label.text if field.label else field.name
            row = ROW.match(field.name)
            if row:
                label = f"{label} (dòng {int(row.group(1)) + 1})"
            found += [(label, None if hidden else field.id, message)
                      for message in field.errors if isinstance(message, str)]
        return found


ROW = re.compile(r"^\w+-(\d+)-")


def leaf_fields(form):
    """The fields of ``form`` that hold values: the rows of a FieldList and the fields of a
    FormField are walked into."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                yield from leaf_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from leaf_fields(field.form)
        else:
            yield field
