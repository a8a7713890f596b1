"""Page views (GET) read without an explicit transaction (issue 15), yet a GET that writes does
so as before: ``atomic()`` makes its writes one transaction (all or nothing), and a write
outside ``atomic()`` is rolled back at the end of the request, as it always was."""

from datetime import date

import pytest
from sqlalchemy import func, select

from grants.db import atomic
from grants.extensions import db
from grants.models import HolidayOverride
from tests.round_trips import counted_round_trips

DAYS = (date(2031, 1, 2), date(2031, 1, 3))


@pytest.fixture
def writing_page(app):
    """A GET route that reads, then writes two rows in ``atomic()`` (failing between them
    with ?fail=1), or outside it with ?outside=1."""
    from flask import request

    def view():
        db.session.scalar(select(func.count(HolidayOverride.id)))  # a read before the writes
        if request.args.get("outside"):
            db.session.add(HolidayOverride(day=DAYS[0], kind="day_off"))
            db.session.flush()
            return "flushed"
        try:
            with atomic():
                db.session.add(HolidayOverride(day=DAYS[0], kind="day_off"))
                db.session.flush()
                if request.args.get("fail"):
                    raise RuntimeError("between the two writes")
                db.session.add(HolidayOverride(day=DAYS[1], kind="working_day"))
                db.session.flush()
        except RuntimeError:
            return "failed"
        return "written"

    def streaming():
        # A server-side cursor (PostgreSQL declares one only inside a transaction).
        result = db.session.execute(select(HolidayOverride.day).order_by(HolidayOverride.day)
                                    .execution_options(yield_per=1))
        return ",".join(str(day) for day in result.scalars())

    app.add_url_rule("/_test/writing-page", "writing_page", view)
    app.add_url_rule("/_test/streaming-page", "streaming_page", streaming)
    return "/_test/writing-page"


def _days() -> list[date]:
    db.session.rollback()
    return sorted(db.session.scalars(select(HolidayOverride.day)))


def test_a_get_writes_in_one_transaction(client, writing_page):
    with counted_round_trips(db.engine) as seen:
        assert client.get(writing_page).get_data(as_text=True) == "written"
    assert _days() == list(DAYS)
    assert (seen.begins, seen.commits) == (1, 1), seen


def test_a_get_that_fails_between_two_writes_keeps_neither(client, writing_page):
    with counted_round_trips(db.engine) as seen:
        assert client.get(writing_page + "?fail=1").get_data(as_text=True) == "failed"
    assert _days() == []
    assert (seen.begins, seen.rollbacks) == (1, 1), seen


def test_a_write_outside_atomic_in_a_get_is_rolled_back(client, writing_page):
    assert client.get(writing_page + "?outside=1").get_data(as_text=True) == "flushed"
    assert _days() == []


def test_a_page_view_sends_no_begin_or_rollback(client, writing_page):
    with counted_round_trips(db.engine) as seen:
        assert client.get("/auth/login").status_code == 200
    assert (seen.begins, seen.commits, seen.rollbacks) == (0, 0, 0), seen


def test_a_post_still_runs_in_a_transaction(client):
    with counted_round_trips(db.engine) as seen:
        client.post("/auth/login", data={"email": "nobody@example.vn", "password": "x"})
    assert seen.begins == 1, seen


def test_a_get_may_stream_a_result_from_a_server_side_cursor(client, writing_page):
    assert client.get(writing_page).get_data(as_text=True) == "written"
    assert client.get("/_test/streaming-page").get_data(as_text=True) == ",".join(
        str(day) for day in DAYS)
