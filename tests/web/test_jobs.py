"""Background jobs through the test client: start an export, follow its progress, download the
file (owner only), a failure shown with its reason, expired files removed, and the import and
year close started as jobs. The queue runs a task at once here (HUEY_IMMEDIATE), after the
commit of the request that started it."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from grants.domain.roles import Role
from tests import walk
from tests.export_jobs import export_via_job


def _job_id(response) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_register_export_runs_as_a_job_with_progress_and_file(client, db, world, login):
    from grants.models import Job

    for _ in range(3):
        walk.to_assigned(db, world, walk.draft(db, world))
    login(world[Role.LEADER])
    started = client.post("/jobs/start/register", data={"year": "2026"})
    assert started.status_code == 302
    job_id = _job_id(started)
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-progress"' in page and "job_progress.js" in page and "<script>" not in page
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["state"] == "done" and status["done"] == status["total"] == 3
    assert status["percent"] == 100 and status["file_name"] == "so-ho-so-2026.xlsx"
    job = db.session.get(Job, job_id)
    assert job.started_at and job.finished_at and job.expires_at
    assert (job.expires_at - job.finished_at) == timedelta(days=7)
    download = client.get(status["file_url"])
    assert download.status_code == 200
    assert "no-store" in download.headers["Cache-Control"]
    sheet = load_workbook(io.BytesIO(download.data))["Sổ hồ sơ"]
    assert sheet["A3"].value == "Mã hồ sơ" and sheet.max_row == 3 + 3 + 1  # + totals
    download.close()
    listing = client.get("/jobs/").get_data(as_text=True)
    assert "Tệp đã xuất" in listing and f"/jobs/{job_id}/file" in listing


@pytest.mark.parametrize("kind", ["budget_report", "target_report", "demand_report",
                                  "processing_report", "years_report"])
def test_every_report_export_is_a_job(client, world, login, kind):
    login(world[Role.FINANCE])
    response = export_via_job(client, kind, 2026 if kind != "years_report" else None)
    assert response.data.startswith(b"PK")
    response.close()


def test_report_pages_offer_start_buttons_not_links(client, world, login):
    login(world[Role.HEAD])
    html = client.get("/reports/?year=2026").get_data(as_text=True)
    assert 'action="/jobs/start/register"' in html and 'name="csrf_token"' in html
    assert ".xlsx\"" not in html.replace("template.xlsx", "")
    assert client.get("/reports/register.xlsx").status_code == 404  # no synchronous export


def test_only_the_owner_sees_a_job_and_its_file(client, world, login, make_user):
    login(world[Role.LEADER])
    job_id = _job_id(client.post("/jobs/start/years_report"))
    mine = client.get(f"/jobs/{job_id}/file")
    assert mine.status_code == 200
    mine.close()
    other = make_user(Role.LEADER)
    login(other)
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/status.json", f"/jobs/{job_id}/file"):
        assert client.get(url).status_code == 404, url
    assert f"/jobs/{job_id}" not in client.get("/jobs/").get_data(as_text=True)
    login(world[Role.ADMIN])
    assert client.get(f"/jobs/{job_id}/file").status_code == 404
    login(world[Role.CLERK])
    assert client.get(f"/jobs/{job_id}").status_code == 403
    assert client.post("/jobs/start/register").status_code == 403


def test_a_bad_year_starts_nothing(client, db, world, login):
    from grants.models import Job

    login(world[Role.LEADER])
    response = client.post("/jobs/start/budget_report", data={"year": "2099"},
                           follow_redirects=True)
    assert "Không có năm chương trình 2099" in response.get_data(as_text=True)
    for year in ("99999999999999999999", "abc", "²"):
        response = client.post("/jobs/start/register", data={"year": year},
                               follow_redirects=True)
        assert "Năm phải là một số" in response.get_data(as_text=True)
    assert db.session.query(Job).count() == 0


def test_a_failed_job_says_why_and_offers_no_file(client, db, world, login, monkeypatch):
    from grants.exports import reports as excel

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(excel, "year_over_year_xlsx", broken)
    login(world[Role.LEADER])
    job_id = _job_id(client.post("/jobs/start/years_report"))
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["state"] == "failed" and status["file_url"] is None
    assert "ngoài dự kiến" in status["message"] and "disk on fire" not in status["message"]
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Không thành công" in page and "Traceback" not in page
    assert client.get(f"/jobs/{job_id}/file").status_code == 404


def test_a_domain_failure_is_told_in_its_own_words(client, db, world, login):
    """Closing a year twice: the second job fails with the ledger's reason."""
    login(world[Role.FINANCE])
    first = client.post("/budget/2026/close", data={"confirm": "y"})
    assert first.status_code == 302 and "/jobs/" in first.headers["Location"]
    status = client.get(first.headers["Location"] + "/status.json").get_json()
    assert status["state"] == "done" and "Đã khóa sổ năm 2026" in status["message"]
    db.session.expire_all()
    assert world["year"].is_closed
    from grants.db import atomic
    from grants.services import jobs

    with atomic():
        job = jobs.start_job("year_close", actor=world[Role.FINANCE], parameters={"year": 2026})
    db.session.expire_all()
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["state"] == "failed" and "đã được khóa sổ trước đó" in status["message"]


def test_expired_files_are_removed_and_their_jobs_marked(client, db, world, login):
    from grants.db import atomic, utcnow
    from grants.models import Job
    from grants.services import jobs

    login(world[Role.LEADER])
    job_id = _job_id(client.post("/jobs/start/years_report"))
    job = db.session.get(Job, job_id)
    path = jobs.export_dir() / job.file_path
    assert path.is_file()
    with atomic():
        assert jobs.remove_expired(utcnow()) == 0  # kept for 7 days
    with atomic():
        assert jobs.remove_expired(utcnow() + timedelta(days=8)) == 1
    assert not path.exists()
    status = client.get(f"/jobs/{job_id}/status.json").get_json()
    assert status["state"] == "expired" and status["file_url"] is None
    assert client.get(f"/jobs/{job_id}/file").status_code == 404


def test_the_legacy_import_runs_as_a_job(client, db, world, login, make_user, make_year):
    from grants.models import Dossier
    from tests.integration.test_legacy_import import GOOD
    from tests.web.test_reports import _upload

    make_year(year=2024, budget_vnd=100_000_000)
    login(make_user(Role.ADMIN))
    checked = client.post("/reports/import", data=_upload(GOOD),
                          content_type="multipart/form-data")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200, html[:2000]
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    response = client.post("/reports/import/confirm",
                           data={"token": token, "file_name": "ho-so-cu.xlsx"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    status = client.get(response.headers["Location"] + "/status.json").get_json()
    assert status["state"] == "done", status
    assert status["message"].startswith("Đã nhập 3 hồ sơ mới")
    assert "từ tệp «ho-so-cu.xlsx»" in status["title"]
    assert db.session.query(Dossier).count() == 3


def test_a_job_cut_off_by_a_killed_worker_ends_failed(client, db, world, login):
    from grants.db import atomic, utcnow
    from grants.domain.jobs import JobState
    from grants.models import Job

    login(world[Role.LEADER])
    with atomic():
        job = Job(kind="register", owner_id=world[Role.LEADER].id, state=JobState.RUNNING,
                  started_at=utcnow() - timedelta(hours=7), parameters_json="{}")
        db.session.add(job)
    from grants.services import jobs

    with atomic():
        jobs.remove_expired()
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["state"] == "failed" and "gián đoạn" in status["message"]
