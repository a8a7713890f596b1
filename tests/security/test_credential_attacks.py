"""Credential attacks (issue 13, point 6): a login takes the same time for unknown and known
accounts; failed logins lock the account with growing delays (kept in the database, so every
worker sees them) on top of the per-address limit, which successful logins do not use up; the
client address comes from a configured number of trusted proxies."""

import statistics
import time
from datetime import timedelta

import pytest

from config import TestConfig
from grants.db import utcnow
from grants.domain.roles import Role
from tests.factories import PASSWORD


def _other_app(app, **overrides):
    from grants.app import create_app

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    for name, value in overrides.items():
        setattr(Config, name, value)
    other = create_app(Config)
    return other


def _dispose(other):
    from grants.extensions import db

    with other.app_context():
        db.engine.dispose()


def _login(client, email, password, **kw):
    return client.post("/auth/login", data={"email": email, "password": password}, **kw)


# ---------------------------------------------------------------- timing


def test_unknown_and_known_accounts_take_the_same_time(client, make_user, monkeypatch, db):
    from grants.models import User

    # A costly hash, as in production, so that skipping it would show.
    monkeypatch.setattr(User, "password_hash_method", "pbkdf2:sha256:300000")
    user = make_user(Role.CLERK)
    db.session.commit()

    def timed(email):
        start = time.perf_counter()
        assert _login(client, email, "khong-phai-mat-khau").status_code == 401
        return time.perf_counter() - start

    timed(user.email), timed("khong-co-ai@vi.du")  # warm up
    known, unknown = [], []
    for _ in range(5):
        known.append(timed(user.email))
        unknown.append(timed(f"khong-co-ai-{len(unknown)}@vi.du"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 < ratio < 1.6, (known, unknown)


# ---------------------------------------------------------------- account lockout


def test_failed_logins_lock_the_account_with_growing_delays(client, make_user, db):
    from grants.models import SecurityEvent

    user = make_user(Role.CLERK)
    for attempt in range(4):
        assert _login(client, user.email, f"sai-{attempt}").status_code == 401
    db.session.refresh(user)
    assert user.locked_until is None
    assert _login(client, user.email, "sai-4").status_code == 401  # the fifth: locked 1 min
    db.session.refresh(user)
    assert 50 < (user.locked_until - utcnow()).total_seconds() <= 60
    # While locked, even the right password (from anywhere) does not get in, with the same
    # message as a wrong one.
    response = _login(client, user.email, PASSWORD, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 401
    assert "Thư điện tử hoặc mật khẩu không đúng" in response.get_data(as_text=True)
    # The lock runs out; one more failure locks for twice as long.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _login(client, user.email, "sai-5").status_code == 401
    db.session.refresh(user)
    assert 110 < (user.locked_until - utcnow()).total_seconds() <= 120
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # The right password then gets in and the count starts again.
    assert _login(client, user.email, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None
    lockouts = db.session.query(SecurityEvent).filter_by(kind="login.lockout").all()
    assert [e.user_id for e in lockouts] == [user.id, user.id]


def test_lockout_delay_is_capped(app, client, make_user, db):
    user = make_user(Role.CLERK)
    user.failed_logins = 40
    db.session.commit()
    _login(client, user.email, "sai")
    db.session.refresh(user)
    assert (user.locked_until - utcnow()).total_seconds() <= app.config["LOCKOUT_MAX_SECONDS"]


def test_security_log_records_logins_failures_and_logouts(client, make_user, db):
    from grants.models import SecurityEvent

    user = make_user(Role.CLERK)
    _login(client, user.email, "sai")
    _login(client, "khong-co@vi.du", "sai")
    _login(client, user.email, PASSWORD)
    client.post("/auth/logout")
    events = [(e.kind, e.user_id, e.email) for e in
              db.session.query(SecurityEvent).order_by(SecurityEvent.id)]
    assert events == [("login.failed", user.id, user.email),
                      ("login.failed", None, "khong-co@vi.du"),
                      ("login", user.id, user.email), ("logout", user.id, user.email)]


# ---------------------------------------------------------------- per-address limit


@pytest.fixture
def limited(app):
    other = _other_app(app, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    yield other
    _dispose(other)


def test_successful_logins_do_not_count_against_the_limit(limited, make_user, db):
    email = make_user(Role.CLERK).email
    db.session.commit()  # SQLite: release the test's transaction so the other app can write
    client = limited.test_client()
    for _ in range(6):  # a whole office logging in at 08:00 from one address
        assert _login(client, email, PASSWORD).status_code == 302
        client.post("/auth/logout")
    for attempt in range(3):
        assert _login(client, "khong-co@vi.du", f"sai-{attempt}").status_code == 401
    assert _login(client, email, PASSWORD).status_code == 429


@pytest.fixture
def behind_proxy(app):
    other = _other_app(app, TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True,
                       LOGIN_RATE_LIMIT="2 per minute")
    yield other
    _dispose(other)


def test_behind_a_trusted_proxy_the_client_address_is_forwarded_one(behind_proxy, db):
    from grants.models import SecurityEvent

    db.session.commit()
    client = behind_proxy.test_client()

    def attempt(address):
        return _login(client, "khong-co@vi.du", "sai",
                      headers={"X-Forwarded-For": address},
                      environ_base={"REMOTE_ADDR": "10.0.0.1"})  # the proxy

    assert [attempt("203.0.113.7").status_code for _ in range(3)] == [401, 401, 429]
    # Another person behind the same proxy has a limit of their own.
    assert attempt("203.0.113.8").status_code == 401
    ips = {e.ip for e in db.session.query(SecurityEvent)}
    assert ips == {"203.0.113.7", "203.0.113.8"}


def test_without_trusted_proxies_the_header_is_ignored(client, db):
    from grants.models import SecurityEvent

    _login(client, "khong-co@vi.du", "sai", headers={"X-Forwarded-For": "203.0.113.7"},
           environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert {e.ip for e in db.session.query(SecurityEvent)} == {"10.0.0.1"}


def test_production_limits_are_shared_through_redis():
    """Production's login counts live in the shared Redis (every worker sees them) unless
    RATELIMIT_STORAGE_URI names another store; memory only without any Redis."""
    import os
    import subprocess
    import sys

    code = "import config; print(config.ProductionConfig.RATELIMIT_STORAGE_URI)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**env, "GRANTS_REDIS_URL": "redis://cache:6379/0"})
    assert shown.stdout.strip() == "redis://cache:6379/0"
