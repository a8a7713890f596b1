"""Notification delivery benchmark (issue 16).

Run: .venv/bin/python tests/bench/run_notify_bench.py [notifications] [requests]

On a fresh SQLite file with the demo accounts, against a local SMTP server (aiosmtpd on
127.0.0.1) and the real queue (Huey on a SQLite file, not immediate):

1. The web request that causes a notification does not wait for SMTP: the desk refuses
   ``requests`` dossiers through the app (POST /intake/<id>/refuse: the notice and its e-mail
   are written in the request's transaction and the delivery is enqueued), once with the SMTP
   server answering at once and once with it taking 1 s per message. The request times are the
   same within noise. For contrast, the same with the queue in immediate mode (delivery inside
   the request) and the slow server.
2. Throughput: ``notifications`` notifications (with their e-mails) are written in batches of
   100, then a real worker (`flask --app grants worker --threads 4`) delivers them; the time
   until the SMTP server has received every one (counted by Message-ID) is reported.

Prints a markdown summary. Not collected by pytest.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from config import TestConfig  # noqa: E402
from tests.mailbox import SmtpServer  # noqa: E402

THREADS = 4


def make_app(workdir: Path, smtp_port: int, *, immediate: bool):
    from grants.app import create_app

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{workdir / 'bench.sqlite'}"
        UPLOAD_DIR = str(workdir / "uploads")
        HUEY_IMMEDIATE = immediate
        HUEY_FILE = str(workdir / "huey.sqlite")
        SMTP_HOST = "127.0.0.1"
        SMTP_PORT = smtp_port
        BASE_URL = "http://127.0.0.1:5000"

    return create_app(BenchConfig)


def seed(app, dossiers: int) -> list[int]:
    """Migrate, seed the demo accounts, file ``dossiers`` dossiers at the desk."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from grants.db import atomic
    from grants.demo import base as demo
    from grants.models import ProgramYear, User
    from grants.services import dossiers as svc
    from grants.services.dossiers import ItemInput

    with app.app_context():
        upgrade()
        with atomic():
            demo.seed_base()
        ids = []
        for _ in range(dossiers):
            with atomic():
                clerk = app.extensions["sqlalchemy"].session.scalar(
                    select(User).where(User.email == "motcua@demo.vn"))
                applicant = app.extensions["sqlalchemy"].session.scalar(
                    select(User).where(User.email == "applicant@demo.vn"))
                year = app.extensions["sqlalchemy"].session.scalar(
                    select(ProgramYear).where(ProgramYear.year == 2026))
                dossier = svc.create_draft(applicant.organisation, year, actor=clerk,
                                           channel="counter",
                                           items=[ItemInput("ISO9001", 120_000_000,
                                                            50_000_000, "Chứng chỉ")])
                svc.submit(dossier, actor=clerk)
                ids.append(dossier.id)
        return ids


def time_refusals(app, ids: list[int]) -> list[float]:
    from grants.extensions import db
    from grants.models import Dossier

    client = app.test_client()
    client.post("/auth/login", data={"email": "motcua@demo.vn", "password": "demo12345"})
    times = []
    for dossier_id in ids:
        with app.app_context():
            version = db.session.get(Dossier, dossier_id).version
        start = time.perf_counter()
        response = client.post(f"/intake/{dossier_id}/refuse",
                               data={"reason": "Không thuộc đối tượng hỗ trợ",
                                     "expected_version": version})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302, response.status_code
    return times


def request_times(requests: int) -> dict[str, list[float]]:
    results = {}
    for label, delay, immediate in (("queue, SMTP normal", 0.0, False),
                                    ("queue, SMTP slow (1 s per message)", 1.0, False),
                                    ("no queue (inline), SMTP slow", 1.0, True)):
        server = SmtpServer().start()
        server.box.delay = delay
        with tempfile.TemporaryDirectory() as tmp:
            app = make_app(Path(tmp), server.port, immediate=immediate)
            ids = seed(app, requests)
            results[label] = time_refusals(app, ids)
        server.stop()
    return results


def throughput(count: int) -> tuple[float, int, int]:
    from sqlalchemy import select

    from grants.db import atomic
    from grants.domain.notifications import NotificationKind
    from grants.extensions import db
    from grants.models import User
    from grants.services import notifications

    server = SmtpServer().start()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        app = make_app(workdir, server.port, immediate=False)
        seed(app, 0)
        with app.app_context():
            applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.vn"))
            for batch in range(0, count, 100):
                with atomic():
                    for n in range(batch, min(batch + 100, count)):
                        notifications.notify(applicant, notifications.Notice(
                            NotificationKind.PAYMENT, f"Thông báo thử số {n + 1}",
                            [f"Đã chi trả lần {n + 1}."], link="/portal/dossiers"))
                applicant = db.session.get(User, applicant.id)
        env = {**os.environ, "GRANTS_ENV": "development",
               "GRANTS_DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite'}",
               "GRANTS_HUEY_FILE": str(workdir / "huey.sqlite"), "GRANTS_REDIS_URL": "",
               "GRANTS_HUEY_IMMEDIATE": "false", "GRANTS_SMTP_HOST": "127.0.0.1",
               "GRANTS_SMTP_PORT": str(server.port), "GRANTS_SMTP_TLS": "none"}
        start = time.perf_counter()
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "grants", "worker",
                                   "--threads", str(THREADS)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while len(server.box.messages) < count and time.perf_counter() - start < 900:
                time.sleep(0.1)
            elapsed = time.perf_counter() - start
        finally:
            worker.terminate()
            worker.wait(20)
        ids = {m["Message-ID"] for m in server.box.parsed()}
        received = len(server.box.messages)
    server.stop()
    return elapsed, received, len(ids)


def _row(label: str, times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return f"| {label} | {statistics.median(times):.0f} | {p95:.0f} | {times[-1]:.0f} |"


def main(count: int = 1000, requests: int = 30) -> None:
    results = request_times(requests)
    print(f"Request that causes a notification (desk refuses a dossier), n={requests}:\n")
    print("| setting | median ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    for label, times in results.items():
        print(_row(label, times))
    elapsed, received, unique = throughput(count)
    print(f"\nDelivery of {count} notifications by one worker ({THREADS} threads) to a local "
          f"SMTP server: {elapsed:.1f} s ({count / elapsed:.0f} messages/s, worker start "
          f"included); received {received} messages, {unique} distinct Message-IDs.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 30)
