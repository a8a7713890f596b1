"""An export in a real browser, run by a real worker: the leader starts the register export on
the reports page, the job page shows it waiting, then (once the worker runs) the progress bar
moves to done without a reload, and the file downloads. The app is served by gunicorn with the
production settings and a SQLite file queue, the worker is ``flask --app grants worker``; both
are subprocesses. Screenshots under ARTIFACTS/<test name>/."""

import io
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import login, page_problems
from tests.certificate import certificate_env
from tests.faults.server import ROOT, Server, app_on, migrated

pytestmark = pytest.mark.browser

DOSSIERS = 2_500  # more than one page of the job's keyset reads (2,000), so it moves in steps
SECRET = "browser-jobs-secret-key-0123456789"


@pytest.fixture
def served(tmp_path, monkeypatch):
    """(base URL, start_worker) of the app on a fresh SQLite file with the demo data and
    DOSSIERS dossiers; the queue is a SQLite file both processes share."""
    from grants.db import atomic
    from grants.demo import base as demo
    from grants.demo import bulk

    url = migrated(f"sqlite:///{tmp_path / 'jobs.sqlite'}")
    with app_on(url, tmp_path / "uploads"), atomic():
        demo.seed_base()
        bulk.bulk_dossiers(DOSSIERS, seed=43)
    settings = {"GRANTS_HUEY_FILE": str(tmp_path / "huey.sqlite"),
                "GRANTS_EXPORT_DIR": str(tmp_path / "exports"),
                "GRANTS_HUEY_IMMEDIATE": "0"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    server = Server(url, tmp_path / "uploads", tmp_path / "server.log", workers=1).start()
    workers = []

    def start_worker():
        env = {**os.environ, "GRANTS_ENV": "production", "GRANTS_SECRET_KEY": SECRET,
               "GRANTS_DATABASE_URL": url, "GRANTS_UPLOAD_DIR": str(tmp_path / "uploads"),
               **certificate_env()}
        env.pop("GRANTS_TEST_DATABASE_URL", None)
        log = (tmp_path / "worker.log").open("ab")
        workers.append((subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "grants", "worker", "--threads", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log))

    yield f"http://{server.base}", start_worker
    for process, log in workers:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    server.stop()


def test_export_progress_to_download(new_page, served, shot):
    base, start_worker = served
    page = new_page(base_url=base, accept_downloads=True)
    login(page, "lanhdao@demo.vn")
    page.goto("/reports/")
    shot(page, "reports-start-buttons")
    page.get_by_role("button", name="Xuất Excel tất cả các năm").click()
    page.wait_for_url("**/jobs/*")
    expect(page.locator("#job-state")).to_have_text("Đang chờ")  # no worker yet
    shot(page, "job-queued")
    assert page_problems(page) == []

    start_worker()
    expect(page.locator("#job-state")).to_have_text("Hoàn thành", timeout=120_000)
    bar = page.locator("#job-bar")
    total = int(bar.get_attribute("max"))
    assert total >= DOSSIERS - 200  # every filed dossier (drafts are left out)
    assert bar.evaluate("(b) => b.value") == total
    shown = f"{total:,}".replace(",", ".")  # 2.425, the Vietnamese way
    expect(page.locator("#job-count")).to_have_text(f"{shown} / {shown} (100 %)")
    expect(page.locator("#job-message")).to_contain_text("Đã xuất sổ theo dõi hồ sơ")
    shot(page, "job-done")

    with page.expect_download() as info:
        page.locator("#job-download-link").click()
    download = info.value
    assert download.suggested_filename == "so-ho-so-tat-ca-cac-nam.xlsx"
    with open(download.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read()))["Sổ hồ sơ"]
    assert sheet["A3"].value == "Mã hồ sơ" and sheet.max_row == 3 + total + 1
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref.startswith("A3:P")

    page.goto("/jobs/")
    expect(page.locator("#jobs")).to_contain_text("Sổ theo dõi hồ sơ (tất cả các năm)")
    expect(page.locator("#jobs")).to_contain_text("so-ho-so-tat-ca-cac-nam.xlsx")
    shot(page, "exported-files")
    assert page_problems(page) == []
