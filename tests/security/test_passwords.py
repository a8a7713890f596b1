"""Passwords (issue 13, point 4): a policy for new passwords (length and zxcvbn), changing one,
resetting a forgotten one by e-mail or by an admin-issued link (single use, expiring, void
after any password change), hashing with the current setting (rehash on login)."""

import re
import time

import pytest
from werkzeug.security import generate_password_hash

from config import ProductionConfig
from grants.domain.roles import Role
from tests.factories import PASSWORD

STRONG = "đồng hồ xanh mưa bến cảng"  # noqa: S105 - a test password


@pytest.fixture
def clerk(make_user):
    return make_user(Role.CLERK, email="lan.nguyen@skhcn.vn", full_name="Nguyễn Thị Lan")


def _change(client, new, current=PASSWORD):
    return client.post("/auth/password", data={"current": current, "password": new,
                                               "confirm": new})


@pytest.mark.parametrize(("new", "message"), [
    ("Ngan-9ky", "ít nhất 10 ký tự"),
    ("password123", "quá dễ đoán"),
    ("1234567890", "quá dễ đoán"),
    ("qwertyuiop", "quá dễ đoán"),
    ("lan.nguyen2026", "quá dễ đoán"),  # from the person's own e-mail
    ("NguyenThiLan2026", "quá dễ đoán"),  # and name
])
def test_weak_new_passwords_are_refused_in_vietnamese(client, login, clerk, db, new, message):
    login(clerk)
    response = _change(client, new)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(clerk)
    assert clerk.check_password(PASSWORD)


def test_change_needs_the_current_password(client, login, clerk, db):
    login(clerk)
    response = _change(client, STRONG, current="khong-dung-roi")
    assert response.status_code == 422
    assert "Mật khẩu hiện tại không đúng" in response.get_data(as_text=True)
    db.session.refresh(clerk)
    assert clerk.check_password(PASSWORD)


def test_a_new_account_s_owner_sets_the_password_the_admin_never_knows_it(
        app, client, login_as, db):
    """The admin creates an account without a password (a password posted anyway is
    ignored); its owner is e-mailed a link to set their own, valid ADMIN_RESET_HOURS, with the
    password policy; until then nobody can sign in to it."""
    from grants.models import User

    login_as(Role.ADMIN)
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="password"' not in form and "thư mời đặt mật khẩu" in form
    response = client.post("/admin/users/new", data={
        "email": "moi@skhcn.vn", "full_name": "Người Mới", "password": "password123",
        "roles": ["clerk"]}, follow_redirects=True)
    assert response.status_code == 200
    assert "gửi thư mời đặt mật khẩu tới moi@skhcn.vn" in response.get_data(as_text=True)
    user = db.session.query(User).filter_by(email="moi@skhcn.vn").one()
    assert not user.check_password("password123")
    client.post("/auth/logout")
    refused = client.post("/auth/login", data={"email": "moi@skhcn.vn", "password": "password123"})
    assert refused.status_code != 302
    link = _reset_link(db, "moi@skhcn.vn")
    assert "Đặt mật khẩu mới" in client.get(link).get_data(as_text=True)
    assert client.post(link, data={"password": "password123",
                                   "confirm": "password123"}).status_code == 422
    assert client.post(link, data={"password": STRONG, "confirm": STRONG}).status_code == 302
    signed_in = client.post("/auth/login", data={"email": "moi@skhcn.vn", "password": STRONG})
    assert signed_in.status_code == 302
    assert client.get(link).status_code == 302  # the link works once


def test_demo_password_still_logs_in(client, make_user):
    """The policy applies when a password is set; the documented demo accounts keep theirs."""
    from grants.demo.accounts import DEMO_PASSWORD

    user = make_user(Role.LEADER, password=DEMO_PASSWORD)
    response = client.post("/auth/login", data={"email": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")


def test_an_older_hash_is_replaced_at_login(app, client, make_user, db):
    from grants.models import User

    user = make_user(Role.CLERK)
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:500")
    db.session.commit()
    assert client.post("/auth/login", data={"email": user.email,
                                            "password": PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith(
        generate_password_hash("x", method=User.password_hash_method).split("$")[0] + "$")
    assert user.check_password(PASSWORD)


def test_production_hashes_with_scrypt():
    assert ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"  # noqa: S105
    assert generate_password_hash("x", method="scrypt").startswith("scrypt:32768:8:1$")


# ---------------------------------------------------------------- forgotten password


def _reset_link(db, address: str) -> str:
    from grants.models import OutgoingEmail

    mail = db.session.query(OutgoingEmail).filter_by(to_address=address) \
        .order_by(OutgoingEmail.id.desc()).first()
    assert mail is not None
    link = re.search(r"http://grants\.test(/auth/reset/\S+)", mail.text_body)
    assert link, mail.text_body
    return link.group(1)


def _forgot(client, email):
    return client.post("/auth/forgot", data={"email": email})


def test_forgot_answers_the_same_for_known_and_unknown_addresses(client, clerk, db):
    from grants.models import OutgoingEmail

    pages = []
    for address in (clerk.email, "khong-ai@vi.du"):
        response = _forgot(client, address)
        assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
        pages.append(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Nếu địa chỉ này là của một tài khoản" in pages[0]
    assert pages[0] == pages[1]
    assert [m.to_address for m in db.session.query(OutgoingEmail)] == [clerk.email]


def test_reset_link_sets_a_new_password_once(app, client, clerk, db):
    stolen = app.test_client()
    stolen.post("/auth/login", data={"email": clerk.email, "password": PASSWORD})
    _forgot(client, clerk.email)
    link = _reset_link(db, clerk.email)
    assert "Đặt mật khẩu mới" in client.get(link).get_data(as_text=True)
    weak = client.post(link, data={"password": "matkhau123", "confirm": "matkhau123"})
    assert weak.status_code == 422  # the policy applies, and the link still works after
    response = client.post(link, data={"password": STRONG, "confirm": STRONG})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    db.session.refresh(clerk)
    assert clerk.check_password(STRONG)
    assert stolen.get("/home").status_code == 302  # every session ended
    # Used: the same link no longer works.
    again = client.post(link, data={"password": "một cụm từ khác hẳn 77", "confirm":
                                    "một cụm từ khác hẳn 77"})
    assert again.status_code == 302 and "/auth/forgot" in again.headers["Location"]
    db.session.refresh(clerk)
    assert clerk.check_password(STRONG)


def test_any_password_change_voids_earlier_links(client, login, clerk, db):
    _forgot(client, clerk.email)
    link = _reset_link(db, clerk.email)
    login(clerk)
    assert _change(client, STRONG).status_code == 302
    client.post("/auth/logout")
    response = client.get(link)
    assert response.status_code == 302 and "/auth/forgot" in response.headers["Location"]


def test_reset_links_expire(app, client, clerk, db):
    _forgot(client, clerk.email)
    link = _reset_link(db, clerk.email)
    app.config["PASSWORD_RESET_MINUTES"] = 0
    time.sleep(1.1)
    response = client.get(link)
    assert response.status_code == 302 and "/auth/forgot" in response.headers["Location"]


def test_a_forged_link_is_refused(client, clerk):
    response = client.get("/auth/reset/eyJ1IjoxfQ.forged.sig")
    assert response.status_code == 302 and "/auth/forgot" in response.headers["Location"]


def test_admin_issues_a_reset_link_for_someone_without_email(app, client, login_as, clerk, db):
    from grants.models import SecurityEvent

    login_as(Role.ADMIN)
    assert "Cấp liên kết đặt lại mật khẩu" in client.get(
        f"/admin/users/{clerk.id}/edit").get_data(as_text=True)
    response = client.post(f"/auth/users/{clerk.id}/reset-link")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    link = re.search(r"http://grants\.test(/auth/reset/[^<\s]+)",
                     response.get_data(as_text=True)).group(1)
    person = app.test_client()
    assert person.post(link, data={"password": STRONG, "confirm": STRONG}).status_code == 302
    db.session.refresh(clerk)
    assert clerk.check_password(STRONG)
    assert db.session.query(SecurityEvent).filter_by(kind="password.reset_link").count() == 1


def test_only_an_admin_issues_reset_links(client, login_as, clerk, db):
    login_as(Role.LEADER)
    assert client.post(f"/auth/users/{clerk.id}/reset-link").status_code == 403
