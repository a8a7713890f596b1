"""A job started by a request runs in a real worker process (``flask --app grants worker``) on
the SQLite file queue: the request returns at once with the job queued, the worker runs it and
the file is then offered. (Elsewhere the tests run the queue immediately.)"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grants.domain.roles import Role
from tests import walk

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queued_app(app, tmp_path):
    """The test app with a real queue (a SQLite file) instead of running tasks at once."""
    from grants import queue

    app.config.update(HUEY_IMMEDIATE=False, HUEY_FILE=str(tmp_path / "huey.sqlite"),
                      EXPORT_DIR=str(tmp_path / "exports"))
    queue.init_app(app)
    yield app
    app.config["HUEY_IMMEDIATE"] = True
    queue.init_app(app)


def _worker(app, log) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "GRANTS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "GRANTS_HUEY_FILE": app.config["HUEY_FILE"], "GRANTS_HUEY_IMMEDIATE": "false",
           "GRANTS_EXPORT_DIR": app.config["EXPORT_DIR"],
           "GRANTS_UPLOAD_DIR": app.config["UPLOAD_DIR"], "GRANTS_ENV": "development"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "grants", "worker",
                             "--threads", "1"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def test_a_started_export_completes_in_the_worker(queued_app, client, db, world, login,
                                                  tmp_path):
    for _ in range(2):
        walk.to_assigned(db, world, walk.draft(db, world))
    login(world[Role.LEADER])
    began = time.perf_counter()
    started = client.post("/jobs/start/register", data={"year": "2026"})
    elapsed = time.perf_counter() - began
    assert started.status_code == 302
    status_url = started.headers["Location"] + "/status.json"
    assert client.get(status_url).get_json()["state"] == "queued"  # nobody ran it yet
    assert elapsed < 5

    log_file = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    worker = _worker(queued_app, log_file)
    try:
        deadline = time.monotonic() + 90
        status = client.get(status_url).get_json()
        while not status["finished"] and time.monotonic() < deadline:
            time.sleep(0.5)
            db.session.remove()
            status = client.get(status_url).get_json()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log_file.close()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert status["state"] == "done", (status, log[-3000:])
    assert status["done"] == status["total"] == 2
    download = client.get(status["file_url"])
    assert download.status_code == 200 and download.get_data().startswith(b"PK")
    download.close()
