"""Running a service from a view, the one way every blueprint does it (not a blueprint).

A posted form is validated, the service runs inside one ``atomic()``, the success is flashed
and the browser redirected (post/redirect/get). A ``DomainError`` is shown where the person
sees it: beside the field it names (``items-2-requested_vnd`` too), else above the form, and
in the summary at the top of the form (``form_errors`` in templates/_macros/forms.html), on the
form's page again with 422 (409 for a ``Conflict``). ``dossier_action`` adds what every staff
step on a dossier needs: the version the form was made from, the workflow table, and the
appraiser's own dossiers.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms.widgets import HiddenInput

from grants.db import atomic
from grants.domain.errors import Conflict, DomainError, Forbidden, NotFound
from grants.domain.workflow import Action, ActionNotPermitted, InvalidTransition, next_status
from grants.forms.base import leaf_fields
from grants.forms.staff import ReworkForm
from grants.permissions import dossier_or_404
from grants.services import dossiers as dossier_service

#: What a view returns (a response, or a (body, status) pair).
Response = Any
#: The form's page at an HTTP status: ``page(422)``.
Page = Callable[[int], Response]
#: What to flash: one success message, or (message, category) pairs in order.
Messages = str | Iterable[tuple[str, str]]


# ------------------------------------------------------------------ errors on forms


def error_status(err: DomainError) -> int:
    """409 when the data changed under the user, 422 for a value the rules refuse."""
    return 409 if isinstance(err, Conflict) else 422


def place_error(form, err: DomainError) -> None:
    """Put a service error beside the field it names (nested names too); when the form has
    no such field, or only a hidden one, above the form. The forms macro also lists every
    field error in a summary at the top naming the field, so an error is never only on a
    field the page does not show."""
    field = next((f for f in leaf_fields(form) if err.field and f.name == err.field), None)
    if field is None or isinstance(field.widget, HiddenInput):
        form.form_errors.append(err.message)
        return
    field.errors = [*field.errors, err.message]


def place_item_error(form, err: DomainError, rows: list[int]) -> None:
    """``place_error`` for a service that numbers only the item rows filled in: its
    ``items-<n>-<name>`` is row ``rows[n]`` of the form."""
    parts = (err.field or "").split("-", 2)
    if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() \
            and int(parts[1]) < len(rows):
        err.field = f"items-{rows[int(parts[1])]}-{parts[2]}"
    place_error(form, err)


def page_of(template: str, **context) -> Page:
    """The page of a form: ``page_of("admin/year_new.html", form=form)(422)``."""
    return lambda status: (render_template(template, **context), status)


def flash_back(url: str) -> Callable[[DomainError], Response]:
    """For an action without a form of its own: flash the error, back to ``url``."""
    def back(err: DomainError):
        flash(err.message, "danger")
        return redirect(url)
    return back


def flash_messages(messages: Messages) -> None:
    for message, category in ([(messages, "success")] if isinstance(messages, str)
                              else messages):
        flash(message, category)


# ------------------------------------------------------------------ form → service → PRG


def call_service(call: Callable[[], Any], *, success, then, form=None,
                 page: Page | None = None,
                 on_error: Callable[[Exception], Response | None] | None = None,
                 place: Callable[[DomainError], None] | None = None,
                 status: int | Callable[[DomainError], int] = error_status) -> Response:
    """Run ``call()`` in one transaction; then flash ``success`` and redirect to ``then``.

    ``success`` (the messages to flash) and ``then`` (a URL) may be functions of what ``call``
    returned; a ``then`` function may also give a response object (a page shown only once,
    such as a new secret) instead of a URL. On a DomainError or a concurrent write
    (StaleDataError), ``on_error(err)`` may answer instead (a redirect, a 403); otherwise the
    error is placed on ``form`` (``place``, by default ``place_error``) and ``page(status)``
    is returned. Without a ``page`` the error goes on to the app's error handlers.
    """
    try:
        with atomic():
            result = call()
    except (DomainError, StaleDataError) as err:
        response = on_error(err) if on_error else None
        if response is not None:
            return response
        if page is None or not isinstance(err, DomainError):
            raise
        if place is None:
            place_error(form, err)
        else:
            place(err)
        return page(status(err) if callable(status) else status)
    flash_messages(success(result) if callable(success) else success)
    target = then(result) if callable(then) else then
    return redirect(target) if isinstance(target, str) else target


def form_view(form, call: Callable[[], Any], *, page: Page, **service_kw) -> Response:
    """The form's page (200, or 422 when posted invalid), or ``call_service`` of the valid form."""
    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    return call_service(call, form=form, page=page, **service_kw)


# ------------------------------------------------------------------ staff actions on a dossier

STALE_MESSAGE = ("Hồ sơ vừa được người khác thay đổi. Thao tác của bạn chưa được lưu; hãy xem "
                 "trạng thái mới nhất dưới đây rồi thao tác lại nếu cần.")

#: Actions only the appraiser the dossier is assigned to may take.
APPRAISER_ACTIONS = frozenset({Action.RECORD_VISIT, Action.APPRAISE})


def _back_to(dossier_id: int):
    return redirect(url_for("dossiers.show", dossier_id=dossier_id))


def _posted_version() -> int | None:
    value = (request.form.get("expected_version") or "").strip()
    return int(value) if value.isdigit() else None


def guard(dossier, action: Action):
    """None if ``action`` is possible now for the current user; otherwise a redirect to the
    dossier page with the reason flashed (a posted form made from an older version of the
    dossier, or an action illegal from this state), or 403 (wrong role, or another
    appraiser's dossier)."""
    if request.method == "POST" and _posted_version() != dossier.version:
        flash(STALE_MESSAGE, "warning")
        return _back_to(dossier.id)
    try:
        next_status(dossier.status, action, current_user.roles)
    except ActionNotPermitted:
        abort(403)
    except InvalidTransition as err:
        flash(err.message, "warning")
        return _back_to(dossier.id)
    if action in APPRAISER_ACTIONS and dossier.assignee_id != current_user.id:
        abort(403)
    return None


def dossier_step(action: Action):
    """Decorate the view of one workflow step: it receives the dossier of ``dossier_id``
    (404 unless the user may see it) once ``guard`` has let ``action`` through."""
    def decorate(view):
        @wraps(view)
        def step_view(dossier_id: int):
            dossier = dossier_or_404(dossier_id)
            if (response := guard(dossier, action)) is not None:
                return response
            return view(dossier)
        return step_view
    return decorate


def _dossier_moved_on(dossier_id: int):
    def on_error(err: Exception):
        if isinstance(err, StaleDataError):
            flash(STALE_MESSAGE, "warning")
        elif isinstance(err, InvalidTransition):
            flash(err.message, "warning")
        elif isinstance(err, Forbidden):
            abort(403)
        elif isinstance(err, NotFound):
            abort(404)
        else:
            return None
        return _back_to(dossier_id)
    return on_error


def dossier_action(dossier, form, call: Callable[[], Any], *, success, page: Page,
                   status: int | Callable[[DomainError], int] = error_status) -> Response:
    """A staff action form on ``dossier`` (after ``guard``): its page (200 with the form made
    from the current version, or 422 when posted invalid), or ``call()`` in one transaction
    and back to the dossier page.

    A form made from an older version, a concurrent write or a move the state no longer
    allows is flashed and nothing saved; Forbidden → 403, NotFound → 404; any other
    DomainError is shown on ``form``'s ``page``.
    """
    if request.method == "GET":  # the form is made from the version the page shows
        form.expected_version.data = dossier.version
        return page(200)
    if not form.validate_on_submit():
        return page(422)
    dossier_id = dossier.id
    if form.version is None or form.version != dossier.version:
        flash(STALE_MESSAGE, "warning")
        return _back_to(dossier_id)
    return call_service(call, success=success,
                        then=url_for("dossiers.show", dossier_id=dossier_id), form=form,
                        page=page, on_error=_dossier_moved_on(dossier_id), status=status)


def return_for_rework(dossier, page: Callable[[Any, int], Response]) -> Response:
    """The step the head and the leadership share: the dossier goes back to its appraiser
    with a note; ``page(form, status)`` is the page that shows the rework form."""
    form = ReworkForm()
    return dossier_action(
        dossier, form,
        lambda: dossier_service.return_for_rework(dossier, actor=current_user,
                                                  note=form.note.data,
                                                  expected_version=form.version),
        success=f"Đã trả lại hồ sơ {dossier.code} để thẩm định lại.",
        page=lambda status: page(form, status))
