"""Issue 15: a viewer's repeat view of the dossier page, a work list or the budget dashboard
is served from the worker's copy of the whole page (no template rendered), yet what the layout
shows is never stale: a flash message, a new notification, a changed name or role, another
session's CSRF token, a change of the data."""

import re

import pytest
from flask import template_rendered

from grants.domain.roles import Role
from grants.models import Notification
from tests.factories import PASSWORD
from tests.walk import act, draft


def _rendered(app, client, url: str) -> tuple[str, list[str]]:
    """The page at ``url`` and the templates its request rendered."""
    names: list[str] = []

    def seen(_sender, template, context, **_extra):
        names.append(template.name)

    with template_rendered.connected_to(seen, app):
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), names


@pytest.fixture
def dossier_url(db, world, login):
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    return f"/dossiers/{dossier.id}"


@pytest.mark.parametrize(("role", "url"), [(Role.CLERK, "/intake/"), (Role.LEADER, "/budget/"),
                                           (Role.CLERK, None)])
def test_a_repeat_view_renders_no_template(app, client, db, world, login, dossier_url, role,
                                           url):
    login(world[role])
    url = url or dossier_url
    first, _ = _rendered(app, client, url)  # shows (and takes) the login's message
    second, names = _rendered(app, client, url)
    assert names, "the page is rendered once without the message"
    third, names = _rendered(app, client, url)
    assert names == [] and third == second


def test_a_waiting_flash_message_is_shown_then_the_page_is_reused(app, client, world,
                                                                  dossier_url):
    _rendered(app, client, dossier_url)  # the login's message
    _rendered(app, client, dossier_url)  # kept
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Đã lưu thay đổi.")]
    shown, names = _rendered(app, client, dossier_url)
    assert "Đã lưu thay đổi." in shown and names
    again, names = _rendered(app, client, dossier_url)
    assert "Đã lưu thay đổi." not in again and names == []


def test_a_new_notification_shows_in_the_bell_at_once(app, client, db, world, dossier_url):
    html, _ = _rendered(app, client, dossier_url)
    html, _ = _rendered(app, client, dossier_url)
    assert 'id="notification-count"' not in html
    db.session.add(Notification(user_id=world[Role.CLERK].id, kind="test", title="Có hồ sơ mới",
                                body="…"))
    db.session.commit()
    html, _ = _rendered(app, client, dossier_url)
    assert re.search(r'id="notification-count">1<', html)


def test_a_new_name_or_role_shows_at_once(app, client, db, world, dossier_url):
    clerk = world[Role.CLERK]
    _rendered(app, client, dossier_url)
    html, _ = _rendered(app, client, dossier_url)
    assert clerk.full_name in html
    clerk.full_name = "Nguyễn Thị Một Cửa Mới"
    clerk.set_roles({Role.CLERK, Role.RECORDS})
    db.session.commit()
    html, names = _rendered(app, client, dossier_url)
    assert "Nguyễn Thị Một Cửa Mới" in html and names
    assert Role.RECORDS.label in html.split("</nav>")[0]


def test_each_session_keeps_its_own_csrf_token_and_it_is_accepted(app, db, world):
    """Two browsers of the same clerk: the second never gets the first's page (whose token is
    bound to the first's session), and the token in a page served from the copy still signs
    a form (logout) of its own session."""
    from grants.services import dossiers as svc

    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/dossiers/{dossier.id}"

    def signed_in():
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert client.post("/auth/login", data={
            "email": world[Role.CLERK].email, "password": PASSWORD,
            "csrf_token": token}).status_code == 302
        client.get(url)  # the login's message
        return client

    def token_of(client) -> str:
        html, _ = _rendered(app, client, url)
        return re.search(r'action="/auth/logout"[^>]*>\s*<input type="hidden" '
                         r'name="csrf_token" value="([^"]+)"', html).group(1)

    one, two = signed_in(), signed_in()
    first = token_of(one)
    assert token_of(one) == first  # served from the copy
    second = token_of(two)
    assert second != first
    with two.session_transaction() as session:
        raw_two = session["csrf_token"]
    with one.session_transaction() as session:
        assert session["csrf_token"] != raw_two
    assert two.post("/auth/logout", data={"csrf_token": first}).status_code == 400
    assert one.post("/auth/logout", data={"csrf_token": first}).status_code == 302
    # signed out (a logout rotates the account's session version): never the kept page
    assert one.get(url).status_code == two.get(url).status_code == 302


def test_a_change_of_the_data_shows_on_the_next_view(app, client, db, world, dossier_url):
    from grants.models import Dossier
    from grants.services import dossiers as svc
    from tests.walk import full_checklist

    _rendered(app, client, dossier_url)
    before, _ = _rendered(app, client, dossier_url)
    dossier = db.session.get(Dossier, int(dossier_url.rsplit("/", 1)[1]))
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))
    after, names = _rendered(app, client, dossier_url)
    assert names and after != before and "Được tiếp nhận" in after


def test_no_copy_of_the_page_when_the_memo_is_off(app, client, dossier_url):
    app.config["REPORT_CACHE_SECONDS"] = 0
    _rendered(app, client, dossier_url)
    _, names = _rendered(app, client, dossier_url)
    assert "_cached_page.html" in names


def test_a_kept_page_expires_with_its_body(app, client, world, dossier_url, monkeypatch):
    """A page is kept until the body it shows expires (REPORT_CACHE_SECONDS after the body was
    rendered: what the data stamp cannot see, a deadline turning late, is then shown again)."""
    import time

    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    _rendered(app, client, dossier_url)  # the login's message
    _rendered(app, client, dossier_url)
    clock[0] += app.config["REPORT_CACHE_SECONDS"] - 1
    assert _rendered(app, client, dossier_url)[1] == []
    clock[0] += 2
    assert _rendered(app, client, dossier_url)[1] == ["_cached_page.html"]
