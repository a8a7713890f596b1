"""The shared web helper: where a service error lands on a form, and what call_service answers."""

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.fields import FieldList, FormField

from grants.domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from grants.web.actions import (
    call_service,
    error_status,
    flash_back,
    place_error,
    place_item_error,
)


class _Row(Form):
    code = StringField()
    amount = StringField()


class _Form(FlaskForm):
    class Meta:
        csrf = False

    note = StringField()
    items = FieldList(FormField(_Row), min_entries=3)


@pytest.fixture
def form(app):
    with app.test_request_context(method="POST"):
        yield _Form(formdata=MultiDict())


def test_error_beside_a_top_level_field(form):
    place_error(form, InvalidInput("Ghi chú quá dài.", field="note"))
    assert form.note.errors == ["Ghi chú quá dài."]
    assert form.form_errors == []


def test_error_beside_a_nested_field(form):
    place_error(form, InvalidInput("Số tiền sai.", field="items-1-amount"))
    assert form.items[1].form.amount.errors == ["Số tiền sai."]
    assert form.form_errors == []


@pytest.mark.parametrize("field", [None, "items", "unknown"])
def test_error_without_a_field_of_its_own_goes_above_the_form(form, field):
    place_error(form, InvalidInput("Hồ sơ cần ít nhất một mục.", field=field))
    assert form.form_errors == ["Hồ sơ cần ít nhất một mục."]


def test_item_error_is_moved_to_the_row_filled_in(form):
    # The service saw only rows 0 and 2 of the form: its item 1 is the form's row 2.
    place_item_error(form, InvalidInput("Mục trùng.", field="items-1-code"), [0, 2])
    assert form.items[2].form.code.errors == ["Mục trùng."]
    assert not form.items[1].form.code.errors


def test_status_of_a_service_error():
    assert error_status(Conflict("x")) == 409
    assert error_status(InvalidInput("x")) == 422
    assert error_status(Forbidden("x")) == 422


def test_success_is_flashed_and_redirected(app):
    with app.test_request_context(method="POST"):
        response = call_service(lambda: 7, success=lambda n: f"Đã lưu {n}.",
                                then=lambda n: f"/done/{n}")
        assert get_flashed_messages(with_categories=True) == [("success", "Đã lưu 7.")]
    assert response.status_code == 302 and response.location == "/done/7"


def test_error_shown_on_the_page_with_its_status(app, form):
    def fail():
        raise Conflict("Ngân sách không đủ.", field="note")

    with app.test_request_context(method="POST"):
        body, status = call_service(fail, success="x", then="/", form=form,
                                    page=lambda status: ("page", status))
    assert (body, status) == ("page", 409)
    assert form.note.errors == ["Ngân sách không đủ."]


def test_without_a_page_the_error_goes_to_the_app(app):
    def fail():
        raise InvalidInput("Không được.")

    with app.test_request_context(method="POST"), pytest.raises(DomainError):
        call_service(fail, success="x", then="/")


def test_flash_back_answers_instead_of_the_form(app):
    def fail():
        raise Conflict("Đang được dùng.")

    with app.test_request_context(method="POST"):
        response = call_service(fail, success="x", then="/", on_error=flash_back("/back"))
        assert get_flashed_messages(with_categories=True) == [("danger", "Đang được dùng.")]
    assert response.location == "/back"
