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


# ---------------------------------------------------------------- the driver's own read


def test_a_read_alone_gives_the_rows_sqlalchemy_gives(app, make_user):
    """``read_alone`` (a repeat page view's one statement, on psycopg's own cursor on
    PostgreSQL) returns what the same statement gives through SQLAlchemy, and hands its
    connection back to the pool as it found it: not in autocommit, no transaction open."""
    from sqlalchemy import bindparam, literal

    from grants.db import read_alone
    from grants.models import User

    statement = (select(User.id, User.email, func.count().over(), literal(7))
                 .where(User.id >= bindparam("low")).order_by(User.id))
    make_user(), make_user()
    db.session.commit()
    with app.test_request_context("/home"):
        expected = [tuple(row) for row in db.session.execute(statement, {"low": 0})]
        db.session.remove()
        assert len(expected) >= 2
        for _ in range(7):  # psycopg prepares a statement from its fifth run on
            assert read_alone(statement, {"low": 0}) == expected
        assert read_alone(statement, {"low": 10**6}) == []
        if db.engine.dialect.name == "postgresql":
            from psycopg.pq import TransactionStatus

            pooled = db.engine.raw_connection()  # the pool's connection as the read left it
            try:
                assert pooled.driver_connection.autocommit is False
                assert pooled.driver_connection.info.transaction_status == TransactionStatus.IDLE
            finally:
                pooled.close()


def test_a_read_alone_on_a_dropped_connection_is_sqlalchemy_s_error_and_the_next_one_works(app):
    """A connection the server dropped (a restart, an idle timeout) fails the read as
    SQLAlchemy's OperationalError, which the app answers with its 503 page, never a bare 500;
    the connection is dropped from the pool, so the next read gets a working one."""
    from sqlalchemy.exc import OperationalError

    from grants.db import read_alone
    from grants.models import User

    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server that drops a connection: PostgreSQL (SQLite runs in process)")
    statement = select(User.id).where(User.id == 0)
    with app.test_request_context("/home"):
        db.engine.dispose()
        with db.engine.connect() as dropped, db.engine.connect() as other:
            pid = dropped.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            dropped.rollback()  # both go back to the pool, one of them ended by the server
        with pytest.raises(OperationalError) as raised:
            for _ in range(3):  # the pool may hand out the other connection first
                read_alone(statement, {})
        assert raised.value.connection_invalidated
        assert read_alone(statement, {}) == []
