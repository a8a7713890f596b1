"""The staff dossier page and the work lists are cached fragments: repeated views skip the
queries, yet every change (an action, an admin edit of a name) shows on the very next view, and
each viewer keeps their own buttons and their own list."""

from contextlib import contextmanager

import pytest
from flask import has_request_context
from sqlalchemy import event

from grants.domain.roles import Role
from grants.services import organisations
from tests.walk import act, draft, full_checklist


@contextmanager
def counted_queries(db):
    """The statements that requests run meanwhile, counted at the driver (on PostgreSQL a page
    view's account statement runs on psycopg's own cursor: ``grants.db.read_alone``)."""
    from tests.round_trips import counted_round_trips

    with counted_round_trips(db.engine) as seen:
        yield seen.statements


@contextmanager
def loaded_objects(db):
    """The ORM objects that requests load (a row turned into a mapped instance)."""
    loaded = []

    def load(target, _context):
        if has_request_context():
            loaded.append(target)

    event.listen(db.Model, "load", load, propagate=True)
    try:
        yield loaded
    finally:
        event.remove(db.Model, "load", load)


def page(client, dossier) -> str:
    response = client.get(f"/dossiers/{dossier.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_repeat_view_reuses_the_body_and_runs_few_queries(client, db, world, login):
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    page(client, dossier)  # takes the login's flash message
    from grants.extensions import cache

    cache.clear()
    with counted_queries(db) as first:
        first_html = page(client, dossier)
    with counted_queries(db) as second:
        second_html = page(client, dossier)
    assert second_html == first_html
    assert "Nội dung đề nghị hỗ trợ" in second_html
    assert len(first) >= 10
    # user, its roles, the dossier (authorisation), the data stamp and the bell's one narrow
    # unread count (issue 16): nothing of the body
    assert len(second) <= 5, second


def test_an_action_shows_on_the_next_view(client, db, world, login):
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    assert "Chưa có văn bản." in page(client, dossier)
    assert "Tiếp nhận hồ sơ" not in page(client, dossier).split("Lịch sử xử lý")[1]

    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))

    html = page(client, dossier)
    assert "Được tiếp nhận" in html
    assert "Giấy tiếp nhận hồ sơ" in html  # the receipt slip issued at reception


def test_an_organisation_edit_shows_on_the_next_view(client, db, world, login):
    dossier = draft(db, world)
    login(world[Role.CLERK])
    assert "Số 1 đường Lê Lợi" not in page(client, dossier)
    act(db, organisations.update_profile, world["org"], actor=world[Role.ADMIN],
        address="Số 1 đường Lê Lợi", commune="Phường Suối Hoa")
    assert "Số 1 đường Lê Lợi" in page(client, dossier)


def test_each_viewer_keeps_their_own_buttons(client, db, world, login):
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    assert f'href="/intake/{dossier.id}/check"' in page(client, dossier)
    login(world[Role.HEAD])
    assert f'href="/intake/{dossier.id}/check"' not in page(client, dossier)


def test_a_work_list_shows_a_change_on_the_next_view(client, db, world, login):
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    assert dossier.code in client.get("/intake/").get_data(as_text=True)
    assert dossier.code in client.get("/intake/").get_data(as_text=True)
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))
    assert dossier.code not in client.get("/intake/").get_data(as_text=True)
    login(world[Role.HEAD])
    assert dossier.code in client.get("/review/").get_data(as_text=True)


def test_each_appraiser_sees_only_their_own_list(client, db, world, login, make_user):
    from grants.services import dossiers as svc

    other = make_user(Role.APPRAISER)
    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))
    act(db, svc.assign, dossier, actor=world[Role.HEAD], appraiser=world[Role.APPRAISER])
    login(world[Role.APPRAISER])
    assert dossier.code in client.get("/appraisal/").get_data(as_text=True)
    login(other)
    assert dossier.code not in client.get("/appraisal/").get_data(as_text=True)


def test_no_fragments_when_the_memo_is_off(app, client, db, world, login):
    dossier = draft(db, world)
    login(world[Role.CLERK])
    app.config["REPORT_CACHE_SECONDS"] = 0
    page(client, dossier)
    with counted_queries(db) as again:
        page(client, dossier)
    assert len(again) > 6, "the body was computed again"


# ---------------------------------------------------------------- round trips (issue 15)


def test_the_cached_dossier_page_reads_without_a_transaction(client, db, world, login):
    """Issue 15: a repeat view of the dossier page sends no BEGIN and no ROLLBACK, and reads
    the user with its roles, the bell's count and the data stamp in one statement; the
    dossier's version and code come from the memo, its body from the fragment cache."""
    from grants.services import dossiers as svc
    from tests.round_trips import counted_round_trips

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    url = f"/dossiers/{dossier.id}"
    assert client.get(url).status_code == 200  # takes the login's message, caches the body
    db.session.commit()
    with counted_round_trips(db.engine) as seen, loaded_objects(db) as loaded:
        assert client.get(url).status_code == 200
    assert (seen.begins, seen.commits, seen.rollbacks) == (0, 0, 0), seen
    assert len(seen.statements) == 1, seen
    assert "max(audit_events.id)" in seen.statements[0] and "users" in seen.statements[0]
    assert loaded == [], "the viewer's account is read as a plain row, no ORM object"


def test_the_dossier_page_of_no_dossier_is_a_404_and_a_new_version_shows_at_once(
        client, db, world, login):
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    login(world[Role.CLERK])
    assert client.get(f"/dossiers/{dossier.id + 1000}").status_code == 404
    before = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    after = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert dossier.code and dossier.code in after and before != after
    login(world["applicant"])
    assert client.get(f"/dossiers/{dossier.id}").status_code == 403


def test_a_returned_dossier_s_page_reads_its_rating_with_the_body(client, db, world, login):
    """Issue 15: the rating of a returned dossier is part of the cached body (a rating writes
    an audit event, so moves the stamp): a repeat view runs the same one statement, and a
    rating shows on the very next view."""
    from grants.services import ratings
    from tests.integration.test_ledger import new_dossier
    from tests.round_trips import counted_round_trips

    dossier = new_dossier(db, world["year"], org=world["org"], status="returned")
    login(world[Role.CLERK])
    url = f"/dossiers/{dossier.id}"
    assert "Tổ chức chưa đánh giá" in client.get(url).get_data(as_text=True)
    db.session.commit()
    with counted_round_trips(db.engine) as seen:
        assert "Tổ chức chưa đánh giá" in client.get(url).get_data(as_text=True)
    assert len(seen.statements) == 1, seen
    act(db, ratings.rate_service, dossier, actor=world["applicant"], level="satisfied",
        comment="Nhanh gọn")
    shown = client.get(url).get_data(as_text=True)
    assert "Hài lòng" in shown and "Nhanh gọn" in shown and "Tổ chức chưa đánh giá" not in shown


@pytest.mark.parametrize(("role", "url"), [(Role.CLERK, "/intake/"), (Role.LEADER, "/budget/"),
                                           (Role.HEAD, "/review/"),
                                           (Role.APPRAISER, "/appraisal/"),
                                           (Role.HEAD, "/dossiers/")])
def test_a_repeat_view_of_a_list_or_the_dashboard_is_one_statement(client, db, world, login,
                                                                   role, url):
    """Issue 15: the account, its roles, the bell's count and the data stamp in one statement;
    the year and the body from the cache keyed by that stamp; nothing else is read."""
    from tests.round_trips import counted_round_trips

    draft(db, world)
    login(world[role])
    assert client.get(url).status_code == 200
    db.session.commit()
    with counted_round_trips(db.engine) as seen, loaded_objects(db) as loaded:
        assert client.get(url).status_code == 200
    assert (seen.begins, seen.commits, seen.rollbacks) == (0, 0, 0), seen
    assert len(seen.statements) == 1, seen
    assert loaded == [], "the viewer's account is read as a plain row, no ORM object"
