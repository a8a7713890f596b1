"""Fault tests with a real worker process (`flask --app grants worker`), a real queue (the
SQLite file, or Redis db 6 with PostgreSQL when GRANTS_TEST_DATABASE_URL is set) and a real
SMTP server on 127.0.0.1: a worker killed with SIGKILL in the middle of a batch of 100
notifications loses none, and sends none more than twice (counted on the receiving side)."""

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from grants import queue
from grants.db import atomic
from grants.domain.notifications import NotificationKind
from grants.services import notifications
from tests.mailbox import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("GRANTS_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("GRANTS_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
THREADS = 4

pytestmark = pytest.mark.slow


@pytest.fixture
def real_queue(app, tmp_path):
    """The test app enqueues into the storage the worker reads (no immediate mode)."""
    settings = {"HUEY_IMMEDIATE": False, "HUEY_FILE": str(tmp_path / "huey.sqlite"),
                "REDIS_URL": REDIS_URL if PG_URL else "", "MAIL_LEASE_SECONDS": 3}
    if PG_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    app.config.update(settings)
    queue.init_app(app)
    yield settings
    app.config.update(HUEY_IMMEDIATE=True, REDIS_URL="")
    queue.init_app(app)


class Worker:
    def __init__(self, app, settings, smtp_port: int, log: Path, **extra: str):
        self.env = {**os.environ, "GRANTS_ENV": "development",
                    "GRANTS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "GRANTS_HUEY_FILE": settings["HUEY_FILE"],
                    "GRANTS_REDIS_URL": settings["REDIS_URL"],
                    "GRANTS_HUEY_IMMEDIATE": "false", "GRANTS_SMTP_HOST": "127.0.0.1",
                    "GRANTS_SMTP_PORT": str(smtp_port), "GRANTS_SMTP_TLS": "none",
                    "GRANTS_MAIL_LEASE_SECONDS": "3", "GRANTS_BASE_URL": "http://grants.test",
                    **{f"GRANTS_{k}": v for k, v in extra.items()}}
        self.log = log
        self.process = None
        self.handle = None

    def start(self):
        self.handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "grants", "worker", "--threads",
             str(THREADS)], cwd=ROOT, env=self.env, stdout=self.handle,
            stderr=subprocess.STDOUT)
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.handle.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.handle is not None and not self.handle.closed:
            self.handle.close()


def _query(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


# The test's own notifications (key "n<id>-u<user>"): the worker's scheduled work may send
# others while a test runs (the forecast's monthly warning at a quarter hour, the digest).
OWN = "key LIKE 'n%'"


def _states(url: str) -> collections.Counter:
    return collections.Counter(dict(_query(
        url, f"SELECT state, count(*) FROM outgoing_emails WHERE {OWN} GROUP BY state")))


def _own_messages(server) -> list:
    return [m for m in server.box.parsed() if m["Message-ID"].startswith("<n")]


def _batch(db, applicant, count: int) -> None:
    with atomic():  # a batch of notifications, each with its e-mail, in one transaction
        for n in range(count):
            notifications.notify(applicant, notifications.Notice(
                NotificationKind.PAYMENT, f"Thông báo thử số {n + 1}",
                [f"Nội dung thông báo số {n + 1}: đã chi trả."], link="/portal/dossiers"))
    db.session.commit()


def _wait(predicate, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\nworker log:\n{tail}")


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice_more(
        app, db, world, real_queue, tmp_path):
    server = SmtpServer().start()
    server.box.delay = 0.05  # a server that takes a moment per message
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    log = tmp_path / "worker.log"
    applicant = world["applicant"]
    _batch(db, applicant, 100)
    assert _states(url) == {"pending": 100}
    worker = Worker(app, real_queue, server.port, log).start()
    try:
        _wait(lambda: len(_own_messages(server)) >= 25, 120, "the first 25 messages", log)
        worker.kill()  # SIGKILL, in the middle of the batch
        received_before = len(_own_messages(server))
        assert received_before < 100, "the batch finished before the kill: nothing tested"
        worker = Worker(app, real_queue, server.port, log).start()
        _wait(lambda: _states(url).get("sent", 0) == 100, 180, "all 100 sent", log)
    finally:
        worker.stop()
        server.stop()
    ids = collections.Counter(m["Message-ID"] for m in _own_messages(server))
    keys = {row[0] for row in db.session.execute(
        text(f"SELECT key FROM outgoing_emails WHERE {OWN}"))}
    assert len(ids) == 100  # every one delivered
    assert {message_id.strip("<>").split("@")[0] for message_id in ids} == keys
    assert max(ids.values()) <= 2  # none twice more than the idempotency rule allows
    extra = sum(ids.values()) - 100
    assert extra <= THREADS  # only the messages in flight at the kill were sent again
    print(f"received before kill: {received_before}; extra copies after restart: {extra}")


def test_smtp_down_then_back_every_notification_is_delivered_once(
        app, db, world, real_queue, tmp_path):
    server = SmtpServer()  # not started yet: the mail server is down
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    log = tmp_path / "worker.log"
    _batch(db, world["applicant"], 20)
    worker = Worker(app, real_queue, server.port, log, MAIL_RETRY_SECONDS="1").start()
    try:
        _wait(lambda: _query(
            url, f"SELECT min(attempts) FROM outgoing_emails WHERE {OWN}")[0][0] >= 2,
              120, "every message tried twice while the server is down", log)
        assert _states(url).get("sent", 0) == 0
        [(error,)] = _query(url, f"SELECT last_error FROM outgoing_emails WHERE {OWN} LIMIT 1")
        assert "ConnectionRefused" in error
        server.start()  # the server is back
        _wait(lambda: _states(url).get("sent", 0) == 20, 120, "all 20 sent", log)
    finally:
        worker.stop()
        server.stop()
    ids = collections.Counter(m["Message-ID"] for m in _own_messages(server))
    assert len(ids) == 20 and set(ids.values()) == {1}
    assert all(m["To"] == world["applicant"].email for m in _own_messages(server))
