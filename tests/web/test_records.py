"""Records clerk pages: preview the draft, number and issue, and stale or early requests."""

import io

from pypdf import PdfReader

from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from tests.walk import act, draft, to_reviewed


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_records_clerk_previews_then_issues_the_decision(client, db, world, login):
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    login(world[Role.RECORDS])
    queue = client.get("/records/").get_data(as_text=True)
    assert dossier.code in queue and f"/records/{dossier.id}/issue" in queue
    preview = client.get(f"/records/{dossier.id}/preview.pdf")
    assert preview.mimetype == "application/pdf" and "DỰ THẢO" in _pdf_text(preview.data)
    page = client.get(f"/records/{dossier.id}/issue")
    assert "Vào số và phát hành" in page.get_data(as_text=True)
    response = client.post(f"/records/{dossier.id}/issue",
                           data={"expected_version": dossier.version}, follow_redirects=True)
    assert "Đã vào số 01/QĐ-SKHCN" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(dossier), dossier.id).status == Status.ISSUED


def test_stale_issue_form_changes_nothing(client, db, world, login):
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.reject, dossier, actor=world[Role.LEADER], reasons=["Thiếu hóa đơn"])
    login(world[Role.RECORDS])
    response = client.post(f"/records/{dossier.id}/issue",
                           data={"expected_version": dossier.version - 1},
                           follow_redirects=True)
    assert "người khác thay đổi" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(dossier), dossier.id).status == Status.REJECTED


def test_issue_before_decision_is_refused(client, db, world, login):
    dossier = to_reviewed(db, world, draft(db, world))
    login(world[Role.RECORDS])
    response = client.get(f"/records/{dossier.id}/issue", follow_redirects=True)
    assert "Không thể thực hiện thao tác" in response.get_data(as_text=True)
    assert client.get(f"/records/{dossier.id}/preview.pdf").status_code == 302


def test_other_roles_cannot_issue(client, db, world, login):
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    login(world[Role.CLERK])
    assert client.get(f"/records/{dossier.id}/issue").status_code == 403
