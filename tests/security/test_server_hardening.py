"""Issue 13 point 14: HSTS in production, no-store on every signed-in answer, the app's own
503 when the database is down, and a health check that tells the truth."""

import pytest

from config import ProductionConfig, TestConfig
from grants.domain.roles import Role
from tests.certificate import certificate_settings

UNREACHABLE = [
    pytest.param("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2", id="postgresql"),
    pytest.param("sqlite:////nonexistent-folder/grants.sqlite", id="sqlite"),
]


def _app(tmp_path, monkeypatch=None, base=TestConfig, **settings):
    from grants.app import create_app

    config = type("Config", (base,), {"UPLOAD_DIR": str(tmp_path / "uploads"), **settings})
    return create_app(config)


def test_production_sends_hsts(tmp_path, database_template, monkeypatch):
    monkeypatch.setenv("GRANTS_SECRET_KEY", "x" * 64)
    app = _app(tmp_path, base=ProductionConfig, SECRET_KEY="x" * 64, TESTING=True,
               SQLALCHEMY_DATABASE_URI=database_template, RATELIMIT_ENABLED=False,
               **certificate_settings())
    response = app.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_every_signed_in_page_and_api_answer_is_no_store(client, world, login, db):
    from grants.services import accounts

    anonymous = client.get("/auth/login")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    login(world[Role.CLERK])
    for url in ("/home", "/intake/", "/dossiers/", "/auth/login"):
        response = client.get(url)
        assert response.headers.get("Cache-Control") == "no-store", url
    token = accounts.issue_api_token(world[Role.CLERK])
    db.session.commit()
    api = client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/dossiers").headers["Cache-Control"] == "no-store"  # the 401 too


@pytest.mark.parametrize("url", UNREACHABLE)
def test_unreachable_database_gives_the_apps_own_503(tmp_path, url):
    app = _app(tmp_path, SQLALCHEMY_DATABASE_URI=url)
    client = app.test_client()
    page = client.post("/auth/login", data={"email": "a@b.vn", "password": "x" * 10})
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "không kết nối được cơ sở dữ liệu" in text and "Traceback" not in text
    assert page.headers["Content-Type"].startswith("text/html")
    # A signed-in person's page view: its account is read on the driver's own cursor on
    # PostgreSQL (grants.db.read_alone), whose refused connection is the same 503.
    signed = app.session_interface.get_signing_serializer(app).dumps(
        {"_user_id": "1:0", "_fresh": True})
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], signed)
    view = client.get("/home")
    assert view.status_code == 503 and "không kết nối được cơ sở dữ liệu" in view.get_data(
        as_text=True)
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    api = client.get("/api/v1/dossiers", headers={"Authorization": "Bearer abc"})
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "unavailable"
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"] == "unavailable"
    assert health.get_json()["upload_dir"] == "ok"


def test_healthz_ok_when_both_are_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "upload_dir": "ok"}


def test_healthz_reports_a_missing_or_unwritable_upload_folder(app, client, tmp_path):
    folder = tmp_path / "uploads"
    folder.rmdir()
    missing = client.get("/healthz")
    assert missing.status_code == 503
    assert missing.get_json()["upload_dir"] == "missing"
    assert missing.get_json()["database"] == "ok"
    folder.write_text("not a folder")  # what a failed mount or a typo in the setting leaves
    assert client.get("/healthz").status_code == 503
    folder.unlink()
    # A folder nobody may write in, root included (the tests may run as root): /proc.
    app.config["UPLOAD_DIR"] = "/proc"
    read_only = client.get("/healthz")
    assert read_only.status_code == 503
    assert read_only.get_json()["upload_dir"] == "not writable"


@pytest.mark.parametrize(("value", "meant"), [("0", False), ("no", False), ("OFF", False),
                                              ("false", False), ("1", True), ("yes", True),
                                              ("On", True), ("true", True)])
def test_a_yes_no_setting_from_the_environment_means_what_it_says(
        tmp_path, database_template, monkeypatch, value, meant):
    """``GRANTS_SESSION_COOKIE_SECURE=0`` for a pilot on plain http once gave the cookie
    ``Secure=0``, which a browser takes as Secure (so no login held), and "no" or "off" turned
    a setting on (Flask read them as JSON: the number 0, a non-empty string)."""
    for name in ("SESSION_COOKIE_SECURE", "TWO_FACTOR_REQUIRED", "WEBHOOK_ALLOW_PRIVATE"):
        monkeypatch.setenv(f"GRANTS_{name}", value)
    app = _app(tmp_path, TESTING=False, SQLALCHEMY_DATABASE_URI=database_template,
               RATELIMIT_ENABLED=False)
    for name in ("SESSION_COOKIE_SECURE", "TWO_FACTOR_REQUIRED", "WEBHOOK_ALLOW_PRIVATE"):
        assert app.config[name] is meant, name
    with app.test_request_context("/auth/login"):
        from flask import session

        session["seen_at"] = 1
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert ("; Secure" in cookie) is meant and "Secure=" not in cookie


def test_a_yes_no_setting_that_is_neither_stops_the_app(tmp_path, monkeypatch):
    from config import env_bool

    monkeypatch.setenv("GRANTS_SESSION_COOKIE_SECURE", "tắt")
    with pytest.raises(SystemExit, match="GRANTS_SESSION_COOKIE_SECURE"):
        env_bool("SESSION_COOKIE_SECURE", True)
