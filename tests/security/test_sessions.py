"""Sessions are revocable on the server (issue 13, point 3): a session cookie copied before a
logout, a password change, disabling the account or "sign out everywhere" no longer works
after it, from any client; idle timeout and absolute lifetime are enforced on the server."""

import time

import pytest

from grants.domain.roles import Role
from tests.factories import PASSWORD

NEW_PASSWORD = "sông Cầu mùa nước nổi 2026"  # noqa: S105 - a test password


def _copy_session(app, client):
    """A second client (another browser, an attacker) holding a copy of ``client``'s cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _is_logged_in(client) -> bool:
    response = client.get("/home")
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


@pytest.fixture
def clerk(make_user):
    return make_user(Role.CLERK)


def test_a_cookie_saved_before_logout_fails_after_it(app, client, login, clerk):
    login(clerk)
    stolen = _copy_session(app, client)
    assert _is_logged_in(stolen)
    assert client.post("/auth/logout").status_code == 302
    assert not _is_logged_in(stolen)
    assert not _is_logged_in(client)


def test_logout_in_one_browser_ends_the_sessions_of_the_others(app, make_user, clerk):
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        assert browser.post("/auth/login", data={"email": clerk.email,
                                                 "password": PASSWORD}).status_code == 302
    first.post("/auth/logout")
    assert not _is_logged_in(second)


def test_password_change_ends_every_other_session(app, client, login, clerk, db):
    login(clerk)
    stolen = _copy_session(app, client)
    response = client.post("/auth/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not _is_logged_in(stolen)
    assert _is_logged_in(client)  # the browser that changed it stays logged in
    db.session.refresh(clerk)
    assert clerk.check_password(NEW_PASSWORD)


def test_disabling_the_account_ends_its_sessions_even_once_enabled_again(
        app, client, login, clerk, make_user, db):
    login(clerk)
    stolen = _copy_session(app, client)
    admin = app.test_client()
    admin.post("/auth/login", data={"email": make_user(Role.ADMIN).email, "password": PASSWORD})

    def set_active(active: bool):
        data = {"full_name": clerk.full_name, "title": "", "roles": ["clerk"]}
        if active:
            data["is_active"] = "y"
        response = admin.post(f"/admin/users/{clerk.id}/edit", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    set_active(False)
    assert not _is_logged_in(stolen)
    set_active(True)
    assert not _is_logged_in(stolen)


def test_sign_out_everywhere(app, client, login, clerk, db):
    from grants.models import SecurityEvent

    login(clerk)
    stolen = _copy_session(app, client)
    page = client.get("/auth/account").get_data(as_text=True)
    assert "Đăng xuất khỏi mọi nơi" in page
    response = client.post("/auth/sessions/end")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert not _is_logged_in(stolen) and not _is_logged_in(client)
    kinds = [e.kind for e in db.session.query(SecurityEvent).filter_by(user_id=clerk.id)]
    assert "sessions.ended" in kinds


def _age_session(client, *, idle: float = 0, since_login: float = 0):
    with client.session_transaction() as session:
        now = time.time()
        session["seen_at"] = now - idle
        session["auth_at"] = now - max(idle, since_login)


def test_staff_session_ends_after_30_idle_minutes(client, login, clerk):
    login(clerk)
    _age_session(client, idle=29 * 60)
    assert _is_logged_in(client)
    _age_session(client, idle=31 * 60)
    response = client.get("/home")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "hết hạn do lâu không thao tác" in page


def test_applicant_idle_timeout_is_longer(client, login, make_user):
    login(make_user(Role.APPLICANT))
    _age_session(client, idle=31 * 60)
    assert _is_logged_in(client)
    _age_session(client, idle=121 * 60)
    assert not _is_logged_in(client)


def test_session_ends_12_hours_after_login_however_busy(client, login, clerk):
    login(clerk)
    _age_session(client, idle=60, since_login=11 * 3600)
    assert _is_logged_in(client)
    _age_session(client, idle=60, since_login=12 * 3600 + 60)
    assert not _is_logged_in(client)


def test_a_session_without_timestamps_is_refused(app, client, login, clerk):
    login(clerk)
    with client.session_transaction() as session:
        session.pop("auth_at")
    assert not _is_logged_in(client)


def test_a_cookie_of_the_old_form_is_refused(app, client, clerk):
    """A session of the old kind (plain user id, as before the session version existed)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(clerk.id)
        session["_fresh"] = True
        session["auth_at"] = session["seen_at"] = time.time()
    assert not _is_logged_in(client)


def test_api_tokens_are_not_sessions(client, clerk, db):
    from grants.services import accounts

    token = accounts.issue_api_token(clerk)
    db.session.commit()
    response = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_a_page_view_s_account_is_the_account_as_stored(app, db, make_user, make_org):
    """Issue 15: a page view reads the signed-in person as a plain ``Account`` (one Core
    statement): the same checks as the ORM loader (a rotated version loads nobody, a disabled
    account is not signed in), the account's every role (or none), and whatever else a view
    asks of it from the ORM ``User``; it cannot be changed by mistake."""
    from grants.services.sessions import Account, account_for_session_id
    from grants.web.auth import signed_in_user

    org = make_org()
    both = make_user(Role.HEAD, Role.APPRAISER, organisation=org, title="Phó Trưởng phòng")
    nobody = make_user(Role.CLERK)
    nobody.set_roles([])
    disabled = make_user(Role.CLERK)
    disabled.is_active_account = False
    db.session.commit()
    ids = {user: user.get_id() for user in (both, nobody, disabled)}
    expected = (both.id, both.full_name, both.email, org.id)
    db.session.remove()

    with app.test_request_context("/home"):
        account = account_for_session_id(ids[both])
        assert isinstance(account, Account)
        assert (account.id, account.full_name, account.email,
                account.organisation_id) == expected
        assert account.roles == {Role.HEAD, Role.APPRAISER} and account.has_role(Role.HEAD)
        assert account.is_staff and account.is_authenticated and account.get_id() == ids[both]
        assert account.title == "Phó Trưởng phòng" and account.organisation.id == expected[3]
        with pytest.raises(AttributeError):
            account.full_name = "Người khác"
        with pytest.raises(AttributeError):
            account.failed_logins = 0

        lone = account_for_session_id(ids[nobody])
        assert lone.roles == frozenset() and not lone.is_staff
        assert not account_for_session_id(ids[disabled]).is_authenticated
        user_id, _, version = ids[both].partition(":")
        assert account_for_session_id(f"{user_id}:{int(version) + 1}") is None
        assert account_for_session_id(f"{user_id}") is None

    with app.test_request_context("/auth/account"):
        from flask_login import login_user

        login_user(account_for_session_id(ids[both]))
        user = signed_in_user()
        assert type(user).__name__ == "User" and user.id == expected[0]
        assert user in db.session
