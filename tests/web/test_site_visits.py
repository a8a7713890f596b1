"""Site visits on the appraiser's pages and over the API (issue 12, point 3): a bad date is
refused beside the date field (422 naming ``visited_at`` on the API); a visit is corrected or
voided with a reason; each visit lists its own minutes."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from grants.db import local_now
from grants.domain.roles import Role
from grants.models import AuditEvent, Document, SiteVisit
from grants.services import dossiers as svc
from tests.walk import act, draft, to_assigned


def text(response) -> str:
    return response.get_data(as_text=True)


def field_block(html: str, name: str) -> str:
    """The form group of field ``name``: from its label to the next form group."""
    start = html.index(f'name="{name}"')
    start = html.rindex('<div class="mb-3">', 0, start)
    end = html.find('<div class="mb-3">', start + 1)
    return html[start:end if end > 0 else len(html)]


@pytest.fixture
def assigned(db, world):
    return to_assigned(db, world, draft(db, world))


def visit_data(dossier, when="05/03/2026 09:30", **extra):
    return {"expected_version": dossier.version, "visited_at": when,
            "place": "Nhà máy số 2, KCN Quế Võ", "team": "Phạm Thị Dung - Chuyên viên",
            "org_representatives": "Nguyễn Văn An - Giám đốc",
            "findings": "Tổ chức đã áp dụng hiệu quả.", **extra}


def fresh(db, dossier):
    db.session.expire_all()
    return db.session.get(type(dossier), dossier.id)


@pytest.mark.parametrize(("when", "message"), [
    ("01/03/2026 09:00", "trước ngày tiếp nhận hồ sơ (02/03/2026)"),
    ("future", "chưa đến"),
])
def test_a_bad_visit_date_is_shown_beside_the_date_field(client, db, login, world, assigned,
                                                         when, message):
    if when == "future":
        when = (local_now() + timedelta(days=3)).strftime("%d/%m/%Y %H:%M")
    login(world[Role.APPRAISER])
    response = client.post(f"/appraisal/{assigned.id}/visit", data=visit_data(assigned, when))
    assert response.status_code == 422
    block = field_block(text(response), "visited_at")
    assert message in block and "is-invalid" in block
    assert f'value="{when}"' in block  # the typed value is kept
    assert db.session.scalars(select(SiteVisit)).all() == []


def test_each_visit_lists_its_own_minutes_and_can_be_corrected(client, db, login, world,
                                                              assigned):
    login(world[Role.APPRAISER])
    for when in ("10/03/2026 14:00", "05/03/2026 09:30"):
        dossier = fresh(db, assigned)
        response = client.post(f"/appraisal/{dossier.id}/visit", data=visit_data(dossier, when))
        assert response.status_code == 302, text(response)[:2000]
    later, earlier = db.session.scalars(select(SiteVisit).order_by(SiteVisit.id)).all()
    page = text(client.get(f"/appraisal/{assigned.id}/visit"))
    for visit in (later, earlier):
        (minutes,) = visit.minutes
        block = page[page.index(f'id="tham-dinh-{visit.id}"'):]
        block = block[:block.index("</ul>")]
        assert f"/documents/{minutes.id}" in block
        assert f"ngày {visit.visited_local:%d/%m/%Y}" in block
    # Correct the later visit: the form starts from what was recorded.
    url = f"/appraisal/{assigned.id}/visits/{later.id}/correct"
    form = text(client.get(url))
    assert 'value="10/03/2026 14:00"' in form and "Tổ chức đã áp dụng hiệu quả." in form
    dossier = fresh(db, assigned)
    no_reason = client.post(url, data=visit_data(dossier, "10/03/2026 15:00", reason=""))
    assert no_reason.status_code == 422
    assert "Ghi rõ lý do điều chỉnh." in field_block(text(no_reason), "reason")
    bad = client.post(url, data=visit_data(dossier, "01/01/2026 15:00", reason="Sai giờ"))
    assert bad.status_code == 422 and "trước ngày tiếp nhận" in field_block(text(bad),
                                                                           "visited_at")
    done = client.post(url, data=visit_data(dossier, "10/03/2026 15:00", reason="Sai giờ"))
    assert done.status_code == 302, text(done)[:2000]
    db.session.expire_all()
    later = db.session.get(SiteVisit, later.id)
    assert later.visited_local == datetime(2026, 3, 10, 15, 0)
    assert len(later.minutes) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "site_visit.correct"))
    assert event.note == "Sai giờ"
    page = text(client.get(f"/appraisal/{assigned.id}/visit"))
    assert "đã được thay thế bằng biên bản lập lại" in page
    show = text(client.get(f"/dossiers/{assigned.id}"))
    assert "Điều chỉnh thẩm định thực tế" in show and "Sai giờ" in show


def test_a_voided_visit_is_struck_with_its_reason(client, db, login, world, assigned):
    login(world[Role.APPRAISER])
    client.post(f"/appraisal/{assigned.id}/visit", data=visit_data(assigned))
    visit = db.session.scalar(select(SiteVisit))
    url = f"/appraisal/{assigned.id}/visits/{visit.id}/void"
    dossier = fresh(db, assigned)
    empty = client.post(url, data={"expected_version": dossier.version, "reason": ""})
    assert empty.status_code == 422
    assert "Ghi rõ lý do hủy" in field_block(text(empty), "reason")
    done = client.post(url, data={"expected_version": dossier.version,
                                  "reason": "Ghi nhầm hồ sơ"})
    assert done.status_code == 302
    page = text(client.get(f"/appraisal/{assigned.id}/visit"))
    assert "<s>05/03/2026 09:30" in page and "Đã hủy" in page and "Ghi nhầm hồ sơ" in page
    assert f"/visits/{visit.id}/correct" not in page
    assert client.get(url).status_code == 404
    appraise = client.post(f"/appraisal/{assigned.id}/appraise", data={
        "expected_version": fresh(db, assigned).version, "documents_ok": "y",
        "recommendation": "support", "op": "appraise",
        **{f"eligible_{i.id}": str(i.consulting_cost_vnd) for i in assigned.items}})
    assert appraise.status_code == 409 and "thẩm định thực tế" in text(appraise)


def test_another_appraiser_cannot_change_the_visits(client, db, login, world, assigned,
                                                    make_user):
    act(db, svc.record_visit, assigned, actor=world[Role.APPRAISER],
        visited_at=datetime(2026, 3, 5, 9, 0), place="x", team="y", findings="z")
    visit = db.session.scalar(select(SiteVisit))
    login(make_user(Role.APPRAISER))
    for action in ("correct", "void"):
        url = f"/appraisal/{assigned.id}/visits/{visit.id}/{action}"
        assert client.get(url).status_code == 403
        assert client.post(url, data={"expected_version": assigned.version,
                                      "reason": "x"}).status_code == 403
    assert len(db.session.scalars(select(Document)).all()) == 2  # receipt, minutes


# ---------------------------------------------------------------- API


@pytest.fixture
def api_headers(db, world):
    from grants.services import accounts

    def headers(role):
        token = accounts.issue_api_token(world[role], label="test")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers


def test_api_refuses_a_bad_visit_date_naming_visited_at(client, db, world, assigned,
                                                        api_headers):
    headers = api_headers(Role.APPRAISER)
    body = {"place": "x", "team": "y", "findings": "z"}
    for when in ("2026-03-01T09:00", (local_now() + timedelta(days=1)).isoformat("T", "minutes")):
        response = client.post(f"/api/v1/dossiers/{assigned.id}/actions/record_visit",
                               json={**body, "visited_at": when}, headers=headers)
        assert response.status_code == 422, response.get_json()
        assert list(response.get_json()["error"]["fields"]) == ["visited_at"]
    assert db.session.scalars(select(SiteVisit)).all() == []


def test_api_corrects_and_voids_a_visit(client, db, world, assigned, api_headers):
    headers = api_headers(Role.APPRAISER)
    base = f"/api/v1/dossiers/{assigned.id}"
    body = {"visited_at": "2026-03-05T09:00", "place": "KCN Quế Võ", "team": "A - Chuyên viên",
            "findings": "Đạt"}
    data = client.post(f"{base}/actions/record_visit", json=body, headers=headers).get_json()
    (visit,) = data["visits"]
    (minutes,) = [d for d in data["documents"] if d["kind"] == "appraisal_minutes"]
    assert minutes["site_visit_id"] == visit["id"] and visit["minutes"] == [minutes["id"]]
    assert minutes["issued_on"] == "2026-03-05" and visit["visited_at"] == "2026-03-05T09:00:00"
    url = f"{base}/visits/{visit['id']}/correct"
    missing = client.post(url, json=body, headers=headers)
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    bad = client.post(url, json={**body, "visited_at": "2026-02-01T09:00", "reason": "x"},
                      headers=headers)
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["visited_at"]
    other = client.post(url, json={**body, "findings": "Đạt một phần", "reason": "Sai"},
                        headers=api_headers(Role.HEAD))
    assert other.status_code == 403
    done = client.post(url, json={**body, "findings": "Đạt một phần", "reason": "Sai"},
                       headers=headers)
    assert done.status_code == 200, done.get_json()
    (visit,) = done.get_json()["visits"]
    assert visit["findings"] == "Đạt một phần" and len(visit["minutes"]) == 2
    void = client.post(f"{base}/visits/{visit['id']}/void", json={"reason": "Nhầm"},
                       headers=headers)
    assert void.status_code == 200
    (visit,) = void.get_json()["visits"]
    assert visit["voided_at"] and visit["void_reason"] == "Nhầm"
    again = client.post(f"{base}/visits/{visit['id']}/void", json={"reason": "Nhầm"},
                        headers=headers)
    assert again.status_code == 409
    assert client.post(f"{base}/visits/999999/void", json={"reason": "x"},
                       headers=headers).status_code == 404
    applicant = client.get(base, headers=api_headers("applicant")).get_json()
    assert applicant["visits"] == []


def test_openapi_documents_the_visit_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, schema in (("/dossiers/{dossier_id}/visits/{visit_id}/correct",
                          "VisitCorrectionPayload"),
                         ("/dossiers/{dossier_id}/visits/{visit_id}/void", "VisitVoidPayload")):
        operation = document["paths"][path]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith(schema) and schema in document["components"]["schemas"]
    assert "SiteVisit" in document["components"]["schemas"]
    assert re.search("before the date the dossier was received",
                     document["components"]["schemas"]["RecordVisitPayload"]["description"])
