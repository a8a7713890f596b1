"""Two-factor for staff (issue 13, point 5): TOTP required of the money roles and admin (enrol
right after the password, before any page; a code at every login), optional for the others;
QR inline and the secret as text; ten single-use recovery codes; API tokens unaffected."""

import hashlib
import re
import time

import pyotp
import pytest

from grants.domain.roles import MONEY_ROLES, Role
from tests.factories import PASSWORD


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_REQUIRED"] = True


def _password(client, user):
    return client.post("/auth/login", data={"email": user.email, "password": PASSWORD})


def _enrol(client):
    """Scan the QR (read the secret shown as text), answer with a code; the recovery codes."""
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert re.search(r'<img src="data:image/svg\+xml', page)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    assert response.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([0-9a-f]{4}(?:-[0-9a-f]{4}){3})</li>",
                       response.get_data(as_text=True))
    assert len(set(codes)) == 10
    return secret, codes


def _next_code(secret: str) -> str:
    """A code of the next time step (the current one was spent at enrolment; one step of
    drift is accepted)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.mark.parametrize("role", [Role.LEADER, Role.FINANCE, Role.CHIEF_ACCOUNTANT, Role.ADMIN])
def test_required_roles_enrol_before_any_page(client, make_user, required, role):
    user = make_user(role)
    response = _password(client, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/two-factor/setup")
    # The password alone opens nothing.
    home = client.get("/home")
    assert home.status_code == 302 and "/auth/login" in home.headers["Location"]
    page = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert "bắt buộc dùng xác thực hai lớp" in page
    _enrol(client)
    assert client.get("/home").status_code == 200


def test_after_enrolment_every_login_needs_a_code(app, client, make_user, required, db):
    from grants.models import SecurityEvent

    leader = make_user(Role.LEADER)
    _password(client, leader)
    secret, _ = _enrol(client)
    client.post("/auth/logout")

    response = _password(client, leader)
    assert response.headers["Location"].endswith("/auth/two-factor")
    assert client.get("/home").status_code == 302
    wrong = client.post("/auth/two-factor", data={"code": "000000"})
    assert wrong.status_code == 401 and "Mã xác thực không đúng" in wrong.get_data(as_text=True)
    right = client.post("/auth/two-factor", data={"code": _next_code(secret)})
    assert right.status_code == 302
    assert client.get("/home").status_code == 200
    kinds = {e.kind for e in db.session.query(SecurityEvent).filter_by(user_id=leader.id)}
    assert {"2fa.enabled", "2fa.failed", "login"} <= kinds


def test_a_code_is_accepted_once(app, client, make_user, required):
    leader = make_user(Role.LEADER)
    _password(client, leader)
    secret, _ = _enrol(client)
    client.post("/auth/logout")
    code = _next_code(secret)
    _password(client, leader)
    assert client.post("/auth/two-factor", data={"code": code}).status_code == 302
    client.post("/auth/logout")
    _password(client, leader)
    assert client.post("/auth/two-factor", data={"code": code}).status_code == 401


def test_recovery_codes_work_once_each(client, make_user, required):
    finance = make_user(Role.FINANCE)
    _password(client, finance)
    _, codes = _enrol(client)
    client.post("/auth/logout")
    _password(client, finance)
    response = client.post("/auth/two-factor", data={"code": codes[3].upper()})
    assert response.status_code == 302
    client.post("/auth/logout")
    _password(client, finance)
    assert client.post("/auth/two-factor", data={"code": codes[3]}).status_code == 401
    assert client.post("/auth/two-factor", data={"code": codes[4]}).status_code == 302


def test_wrong_codes_lock_the_account(client, make_user, required, db):
    leader = make_user(Role.LEADER)
    _password(client, leader)
    secret, _ = _enrol(client)
    client.post("/auth/logout")
    _password(client, leader)
    for _ in range(5):
        assert client.post("/auth/two-factor", data={"code": "123456"}).status_code == 401
    assert client.post("/auth/two-factor", data={"code": _next_code(secret)}).status_code == 401
    db.session.refresh(leader)
    assert leader.locked_until is not None


def test_pending_login_does_not_survive_a_while(client, make_user, required):
    leader = make_user(Role.LEADER)
    _password(client, leader)
    with client.session_transaction() as session:
        session["pending_login"]["at"] -= 600
        session.modified = True
    response = client.get("/auth/two-factor/setup")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_optional_for_other_roles_enable_and_disable(client, login, make_user, required, db):
    clerk = make_user(Role.CLERK)
    login(clerk)  # no code asked
    assert "Bật xác thực hai lớp" in client.get("/auth/account").get_data(as_text=True)
    secret, _ = _enrol(client)
    client.post("/auth/logout")
    assert _password(client, clerk).headers["Location"].endswith("/auth/two-factor")
    assert client.post("/auth/two-factor", data={"code": _next_code(secret)}).status_code == 302
    wrong = client.post("/auth/two-factor/disable", data={"disable-password": "sai-roi-nhe"})
    assert wrong.status_code == 302
    db.session.refresh(clerk)
    assert clerk.two_factor_enabled
    client.post("/auth/two-factor/disable", data={"disable-password": PASSWORD})
    db.session.refresh(clerk)
    assert not clerk.two_factor_enabled
    client.post("/auth/logout")
    assert _password(client, clerk).headers["Location"].endswith("/home")


def test_required_roles_cannot_turn_it_off(client, make_user, required, db):
    leader = make_user(Role.LEADER)
    _password(client, leader)
    _enrol(client)
    assert "không thể tắt" in client.get("/auth/account").get_data(as_text=True)
    client.post("/auth/two-factor/disable", data={"disable-password": PASSWORD})
    db.session.refresh(leader)
    assert leader.two_factor_enabled


def test_a_session_from_before_the_role_needed_it_must_enrol(app, client, login, make_user,
                                                              db):
    clerk = login(make_user(Role.CLERK))
    app.config["TWO_FACTOR_REQUIRED"] = True
    clerk.set_roles([Role.FINANCE])
    db.session.commit()
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/two-factor/setup")


def test_api_tokens_need_no_second_factor(client, make_user, required, db):
    from grants.services import accounts

    leader = make_user(Role.LEADER)
    token = accounts.issue_api_token(leader)
    db.session.commit()
    response = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_every_money_role_and_the_admin_must_use_it():
    from grants.domain.sessions import TWO_FACTOR_ROLES

    assert TWO_FACTOR_ROLES == MONEY_ROLES | {Role.ADMIN}
    assert Role.CHIEF_ACCOUNTANT in TWO_FACTOR_ROLES  # confirms payments


def _stored(db, user):
    from sqlalchemy import select

    from grants.models import RecoveryCode

    db.session.expire_all()
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash)
                                    .where(RecoveryCode.user_id == user.id)))
    return db.session.get(type(user), user.id).totp_secret, hashes


def test_a_copy_of_the_database_gives_no_code(client, make_user, required, db):
    """The TOTP secret is stored encrypted, the recovery codes (64 random bits) as a keyed
    hash: neither the secret nor an unkeyed hash of a code is in the database."""
    leader = make_user(Role.LEADER)
    _password(client, leader)
    secret, codes = _enrol(client)
    stored_secret, hashes = _stored(db, leader)
    assert secret not in stored_secret and not re.fullmatch(r"[A-Z2-7]+", stored_secret)
    assert len(hashes) == 10
    for code in codes:
        digits = code.replace("-", "")
        assert len(digits) == 16  # 64 bits
        for form in (code, digits):
            assert hashlib.sha256(form.encode()).hexdigest() not in hashes
    client.post("/auth/logout")
    _password(client, leader)  # what is stored still works for the server
    assert client.post("/auth/two-factor", data={"code": codes[0]}).status_code == 302


def test_the_codes_need_the_servers_key(app, client, make_user, required, db):
    """Another SECRET_KEY (a thief's copy of the code and the database) accepts neither a TOTP
    code nor a recovery code, and answers "wrong code", not an error."""
    from config import TestConfig
    from grants.app import create_app
    from grants.extensions import db as extension

    leader = make_user(Role.LEADER)
    _password(client, leader)
    secret, codes = _enrol(client)
    client.post("/auth/logout")

    class OtherKey(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        SECRET_KEY = "une-autre-clef"  # noqa: S105
        TWO_FACTOR_REQUIRED = True

    other_app = create_app(OtherKey)
    other_app.test_client_class = type(client)
    other = other_app.test_client()
    try:
        assert _password(other, leader).headers["Location"].endswith("/auth/two-factor")
        for code in (_next_code(secret), codes[1]):
            assert other.post("/auth/two-factor", data={"code": code}).status_code == 401
    finally:
        with other_app.app_context():
            extension.engine.dispose()
    _password(client, leader)  # the server's own key still opens
    assert client.post("/auth/two-factor", data={"code": codes[1]}).status_code == 302


def test_the_migration_protects_what_was_stored_before(app, client, make_user, required, db):
    """Migration 0019 encrypts the TOTP secrets stored in clear and keys the recovery codes'
    plain SHA-256: the authenticator app and the codes users hold keep working."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from grants.models import User

    leader = make_user(Role.LEADER)
    user_id, created = leader.id, leader.created_at
    db.session.commit()
    db.session.remove()
    downgrade(revision="0018")
    secret, old_code = pyotp.random_base32(), "a1b2c-3d4e5"  # a code of the old form
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET totp_secret = :s, totp_enabled_at = :t, "
                          "totp_last_step = 0 WHERE id = :id"),
                     {"s": secret, "t": created, "id": user_id})
        conn.execute(text("INSERT INTO recovery_codes (user_id, code_hash, created_at) "
                          "VALUES (:id, :h, :t)"),
                     {"id": user_id, "t": created,
                      "h": hashlib.sha256(b"a1b2c3d4e5").hexdigest()})
    upgrade()
    leader = db.session.get(User, user_id)
    stored_secret, hashes = _stored(db, leader)
    assert secret not in stored_secret
    assert hashlib.sha256(b"a1b2c3d4e5").hexdigest() not in hashes
    db.session.commit()
    _password(client, leader)
    assert client.post("/auth/two-factor", data={"code": _next_code(secret)}).status_code == 302
    client.post("/auth/logout")
    _password(client, leader)
    assert client.post("/auth/two-factor", data={"code": old_code}).status_code == 302
