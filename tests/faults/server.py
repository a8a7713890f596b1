"""The app served by gunicorn in a subprocess on 127.0.0.1, a tiny cookie-keeping HTTP client,
and scratch databases (a SQLite file, or a PostgreSQL database created and dropped here)."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, make_url, text

from tests.certificate import certificate_env

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("GRANTS_TEST_DATABASE_URL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- scratch databases


@contextmanager
def scratch_database(tmp_path: Path, purpose: str):
    """A fresh, empty database URL: a SQLite file under ``tmp_path``, or (when
    GRANTS_TEST_DATABASE_URL is set) a PostgreSQL database named after that one, dropped
    afterwards."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'{purpose}.sqlite'}"
        return
    url = make_url(PG_URL)
    name = f"{url.database}_{purpose}_{uuid.uuid4().hex[:8]}"
    create_database(PG_URL, name)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(PG_URL, name)


def create_database(any_url: str, name: str) -> None:
    admin = create_engine(make_url(any_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(any_url: str, name: str) -> None:
    admin = create_engine(make_url(any_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def migrated(url: str) -> str:
    from tests.conftest import _migrate

    _migrate(url)
    return url


@contextmanager
def app_on(url: str, upload_dir: Path, **settings):
    """The app (test settings, plus ``settings``) bound to ``url``, inside its app context."""
    from config import TestConfig
    from grants.app import create_app
    from grants.extensions import db

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(upload_dir)

    for name, value in settings.items():
        setattr(Config, name, value)

    app = create_app(Config)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


# ---------------------------------------------------------------- the server process


class Server:
    """``gunicorn -k gthread`` serving ``grants.app:create_app()`` with the production
    settings on a scratch database; ``kill()`` is SIGKILL to the whole process group."""

    def __init__(self, database_url: str, upload_dir: Path, log: Path, workers: int = 2,
                 threads: int = 4):
        self.port = free_port()
        self.database_url, self.upload_dir, self.log = database_url, upload_dir, log
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> "Server":
        env = {**os.environ, "GRANTS_ENV": "production",
               "GRANTS_SECRET_KEY": "faults-test-secret-key-0123456789",
               "GRANTS_DATABASE_URL": self.database_url,
               "GRANTS_UPLOAD_DIR": str(self.upload_dir),
               "GRANTS_SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
               "GRANTS_RATELIMIT_ENABLED": "0",
               # the finance officer logs in with a password only (no authenticator here)
               "GRANTS_TWO_FACTOR_REQUIRED": "0",
               **certificate_env()}  # production refuses to start without one
        env.pop("GRANTS_TEST_DATABASE_URL", None)
        command = [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
                   "-k", "gthread", "--threads", str(self.threads), "--graceful-timeout", "1",
                   "-b", self.base, "grants.app:create_app()"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                status, _, _ = Http(self.base, timeout=2).request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a crash or power loss would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


# ---------------------------------------------------------------- a small HTTP client

CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|value="([^"]+)"[^>]*name="csrf_token"')


class Http:
    """One keep-alive-free client with a cookie jar (enough for a session login)."""

    def __init__(self, base: str, timeout: float = 20):
        self.base, self.timeout = base, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, json_body=None, form=None, headers=None):
        host, port = self.base.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=self.timeout)
        headers = dict(headers or {})
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, data
        finally:
            conn.close()

    def login(self, email: str, password: str) -> str:
        """Log in through the form (with its CSRF token); returns the session's token."""
        _, _, page = self.request("GET", "/auth/login")
        token = csrf_token(page.decode())
        status, headers, _ = self.request("POST", "/auth/login", form={
            "csrf_token": token, "email": email, "password": password})
        if status != 302 or "/auth/login" in headers.get("Location", ""):
            raise RuntimeError(f"login failed for {email}: {status}")
        return token


def csrf_token(html: str) -> str:
    match = CSRF_VALUE.search(html)
    if match is None:
        raise RuntimeError("no csrf_token on the page")
    return match.group(1) or match.group(2)
