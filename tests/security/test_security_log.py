"""Issue 13.10: the security log records refusals (403, pages and API, committed although the
request was refused), downloads of attachments by staff and applicants, token and role
changes; the admin reads it with filters, page by page, and exports it (.xlsx, .csv), the
export itself being logged."""

import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from grants.db import local_today
from grants.domain.roles import Role
from grants.models import SecurityEvent
from tests.walk import draft


def _events(db, kind=None):
    from grants.models import SecurityEvent

    db.session.expire_all()
    stmt = select(SecurityEvent).order_by(SecurityEvent.id)
    if kind:
        stmt = stmt.where(SecurityEvent.kind == kind)
    return db.session.scalars(stmt).all()


def test_a_refusal_is_logged_although_the_request_wrote_nothing(client, db, world, login):
    from grants.models import AuditEvent

    login(world[Role.CLERK])
    audit_rows = db.session.scalar(select(func.count(AuditEvent.id)))
    assert client.post(f"/admin/users/{world[Role.LEADER].id}/edit",
                       data={"full_name": "X", "roles": ["admin"]}).status_code == 403
    assert client.get("/finance/").status_code == 403
    logged = _events(db, "forbidden")
    assert [(e.user_id, e.detail["method"], e.detail["path"]) for e in logged] == [
        (world[Role.CLERK].id, "POST", f"/admin/users/{world[Role.LEADER].id}/edit"),
        (world[Role.CLERK].id, "GET", "/finance/")]
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audit_rows


def test_an_api_refusal_names_the_tokens_owner(client, db, world):
    from grants.services import accounts

    token = accounts.issue_api_token(world["applicant"], label="t")
    db.session.commit()
    response = client.post("/api/v1/organisations", json={},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert [e.user_id for e in _events(db, "forbidden")] == [world["applicant"].id]


@pytest.fixture
def attachment(app, db, world):
    from grants.models import Attachment

    dossier = draft(db, world)
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    body = b"%PDF-1.4 tep dinh kem"
    stored = "fedcba9876543210fedcba9876543210.pdf"
    (folder / stored).write_bytes(body)
    row = Attachment(dossier_id=dossier.id, original_name="Giấy phép.pdf", stored_name=stored,
                     content_type="application/pdf", size_bytes=len(body),
                     sha256=hashlib.sha256(body).hexdigest())
    db.session.add(row)
    db.session.commit()
    return row


def test_downloads_by_staff_and_applicants_are_logged(client, db, world, login, attachment):
    login(world[Role.HEAD])
    with client.get(f"/dossiers/{attachment.dossier_id}/attachments/{attachment.id}") as got:
        assert got.status_code == 200
    login(world["applicant"])
    with client.get(f"/portal/dossiers/{attachment.dossier_id}/attachments/{attachment.id}"
                    ) as got:
        assert got.status_code == 200
    logged = _events(db, "download.attachment")
    assert [(e.user_id, e.detail["name"]) for e in logged] == [
        (world[Role.HEAD].id, "Giấy phép.pdf"), (world["applicant"].id, "Giấy phép.pdf")]


def _seed_log(db, world):
    from grants.services import security_log

    for i in range(30):
        security_log.record("login.failed", email=f"ke-la-{i}@example.com")
    security_log.record("role.grant", user=world[Role.FINANCE], detail={"role": "finance"})
    security_log.record("login.failed", email="=HYPERLINK(\"http://x\")")
    db.session.commit()


def test_admin_filters_pages_and_exports_the_log(client, db, world, login):
    _seed_log(db, world)
    login(world[Role.ADMIN])
    page = client.get("/admin/security").get_data(as_text=True)
    # The 32 seeded, and the admin's own login (and whatever else the log records of it).
    logged = db.session.scalar(select(func.count(SecurityEvent.id)))
    assert logged >= 33
    assert f"{logged} sự kiện" in page and "page=2" in page  # 25 a page
    by_kind = client.get("/admin/security?kind=role.grant").get_data(as_text=True)
    assert "1 sự kiện" in by_kind and world[Role.FINANCE].email in by_kind
    by_who = client.get("/admin/security?who=ke-la-7@").get_data(as_text=True)
    assert "1 sự kiện" in by_who
    today = local_today()
    tomorrow = (today + timedelta(days=1)).strftime("%d/%m/%Y")
    assert "0 sự kiện" in client.get(f"/admin/security?date_from={tomorrow}").get_data(
        as_text=True)
    assert client.get(f"/admin/security?date_from={tomorrow}&date_to=01/01/2020"
                      ).status_code == 422

    page = client.get("/admin/security?kind=login.failed").get_data(as_text=True)
    assert 'method="post" action="/admin/security/export.xlsx"' in page
    assert 'name="kind" value="login.failed"' in page  # the filters applied, carried along
    response = client.post("/admin/security/export.xlsx", data={"kind": "login.failed"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    sheet = pd.read_excel(io.BytesIO(response.data))
    assert len(sheet) == 31 and set(sheet["Mã sự kiện"]) == {"login.failed"}
    assert "'=HYPERLINK(\"http://x\")" in set(sheet["Thư điện tử"])  # no formula
    csv = client.post("/admin/security/export.csv", data={"who": "ke-la-1"}).data
    assert csv.startswith(b"\xef\xbb\xbf")
    rows = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert len(rows) == 11  # ke-la-1, ke-la-10 … ke-la-19
    exports = _events(db, "export.personal_data")
    assert [(e.user_id, e.detail["format"], e.detail["rows"]) for e in exports] == [
        (world[Role.ADMIN].id, "xlsx", 31), (world[Role.ADMIN].id, "csv", 11)]


def test_only_the_admin_reads_the_log(client, db, world, login):
    for role in (Role.FINANCE, Role.LEADER, Role.CHIEF_ACCOUNTANT):
        login(world[role])
        assert client.get("/admin/security").status_code == 403
        assert client.post("/admin/security/export.csv").status_code == 403
    assert _events(db, "export.personal_data") == []


def test_every_line_of_the_log_reads_in_vietnamese(client, db, world, login):
    """The page showed the admin's own login as "login": a label table beside the log had
    drifted from the kinds the code records. The log now takes only ``SecurityKind``s."""
    from grants.domain.enums import SecurityKind
    from grants.services import security_log

    login(world[Role.ADMIN])
    client.get("/auth/logout")
    login(world[Role.ADMIN])
    page = client.get("/admin/security").get_data(as_text=True)
    for kind in ("login", "logout"):
        assert f"<td>{SecurityKind(kind).label}<br>" in page
    assert "<td>login<br>" not in page
    assert {SecurityKind.label_of(e.kind) for e in _events(db)} >= {"Đăng nhập", "Đăng xuất"}
    with pytest.raises(ValueError):
        security_log.record("login.ok", user=world[Role.ADMIN])


def test_an_export_of_the_log_is_an_action_a_link_or_a_prefetch_cannot_trigger(
        app, client, db, world, login):
    """Exporting the log is an export of personal data, itself logged: a GET (a link on
    another site, an image tag, a browser's prefetch) must not write that line, and the POST
    needs the session's CSRF token."""
    login(world[Role.ADMIN])
    assert client.get("/admin/security/export.csv").status_code == 405
    wrong = client.post("/admin/security/export.csv",
                        data={"date_from": "02/01/2026", "date_to": "01/01/2026"})
    assert wrong.status_code == 422 and "Bộ lọc không hợp lệ" in wrong.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/admin/security/export.csv").status_code == 400
    assert _events(db, "export.personal_data") == []
