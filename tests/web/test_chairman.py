"""The Chairman's path through the pages and the API (issue 14.3): the leadership submits the
proposal to the People's Committee from the decision page, records the Committee's decision on
its own page, and the records clerk files the Committee's paper; bad input is refused beside
the field and nothing is written."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.db import local_today
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from tests.integration.test_chairman import make_chairman_year
from tests.walk import act, draft, to_reviewed
from tests.web.test_api import Api, token_for  # noqa: F401 - the fixture


def today() -> str:
    """Today in the app's time zone, read when the test runs (a run may pass local midnight)."""
    return local_today().strftime("%d/%m/%Y")


@pytest.fixture
def reviewed(db, world):
    make_chairman_year(db, world)
    return to_reviewed(db, world, draft(db, world))


@pytest.fixture
def at_committee(db, world, reviewed):
    act(db, svc.submit_to_committee, reviewed, actor=world[Role.LEADER])
    return reviewed


def audit_count(db):
    from grants.models import AuditEvent

    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_the_leader_submits_the_proposal_and_records_the_committees_decision(
        client, db, world, login, reviewed):
    login(world[Role.LEADER])
    page = client.get(f"/decisions/{reviewed.id}").get_data(as_text=True)
    assert "Phát hành tờ trình, trình UBND tỉnh" in page
    assert "Phê duyệt hỗ trợ</button>" not in page  # the Committee decides, not the Director
    response = client.post(f"/decisions/{reviewed.id}/committee-proposal",
                           data={"expected_version": reviewed.version, "note": "Kính trình"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã trình UBND tỉnh hồ sơ" in page
    assert "Tờ trình đề nghị phê duyệt hỗ trợ số 01/TTr-SKHCN" in page
    assert f"/decisions/{reviewed.id}/committee-decision" in page
    queue = client.get("/decisions/").get_data(as_text=True)
    assert "Ghi nhận quyết định của UBND tỉnh" in queue and reviewed.code in queue

    db.session.refresh(reviewed)
    page = client.get(f"/decisions/{reviewed.id}/committee-decision").get_data(as_text=True)
    assert "Tờ trình số 01/TTr-SKHCN" in page
    items = {i.catalogue_item.code: i for i in reviewed.items}
    form = {"expected_version": reviewed.version, "decision_number": "125",
            "decided_on": today(), "signer_name": "Nguyễn Văn Phúc",
            f"amount_{items['ISO9001'].id}": "50.000.000",
            f"amount_{items['5S'].id}": "10.000.000"}
    response = client.post(f"/decisions/{reviewed.id}/committee-decision", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi nhận Quyết định số 125/QĐ-UBND" in page and "60.000.000 đ" in page
    db.session.refresh(reviewed)
    assert reviewed.status == Status.APPROVED and world["year"].committed_vnd == 60_000_000

    login(world[Role.RECORDS])
    response = client.post(f"/records/{reviewed.id}/issue",
                           data={"expected_version": reviewed.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    page = client.get(f"/dossiers/{reviewed.id}").get_data(as_text=True)
    assert "Quyết định hỗ trợ số 125/QĐ-UBND" in page


@pytest.mark.parametrize(("overrides", "message"), [
    ({"decision_number": ""}, "Nhập số quyết định của UBND tỉnh."),
    ({"decision_number": "12a"}, "Số văn bản phải là số nguyên dương"),
    ({"decided_on": ""}, "Nhập ngày quyết định của UBND tỉnh."),
    ({"decided_on": "in three days"}, "ở tương lai"),
])
def test_an_incomplete_committee_decision_is_refused_beside_the_field(
        client, db, world, login, at_committee, overrides, message):
    login(world[Role.LEADER])
    before = audit_count(db)
    if overrides.get("decided_on") == "in three days":  # resolved when the test runs
        overrides = {"decided_on": (local_today() + timedelta(days=3)).strftime("%d/%m/%Y")}
    form = {"expected_version": at_committee.version, "decision_number": "125",
            "decided_on": today(), **{f"amount_{i.id}": str(i.proposed_vnd)
                                    for i in at_committee.items}, **overrides}
    response = client.post(f"/decisions/{at_committee.id}/committee-decision", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if overrides.get("decision_number"):
        assert f'value="{overrides["decision_number"]}"' in page  # what was typed stays
    assert audit_count(db) == before
    db.session.refresh(at_committee)
    assert at_committee.status == Status.SUBMITTED_TO_COMMITTEE


def test_the_committee_refuses(client, db, world, login, at_committee):
    login(world[Role.LEADER])
    response = client.post(f"/decisions/{at_committee.id}/committee-rejection",
                           data={"expected_version": at_committee.version,
                                 "reference": "45/UBND-KGVX ngày 10/04/2026",
                                 "other_reasons": "Tổ chức đã được hỗ trợ cho ISO 9001"})
    assert response.status_code == 302
    db.session.refresh(at_committee)
    assert at_committee.status == Status.REJECTED


def test_no_proposal_in_a_directors_year(client, db, world, login):
    dossier = to_reviewed(db, world, draft(db, world))
    login(world[Role.LEADER])
    page = client.get(f"/decisions/{dossier.id}").get_data(as_text=True)
    assert "trình UBND tỉnh</button>" not in page and "Phê duyệt hỗ trợ</button>" in page
    before = audit_count(db)
    response = client.post(f"/decisions/{dossier.id}/committee-proposal",
                           data={"expected_version": dossier.version})
    assert response.status_code == 409
    assert "không trình UBND tỉnh" in response.get_data(as_text=True)
    assert audit_count(db) == before


def test_the_path_through_the_api(client, db, world, token_for, reviewed):  # noqa: F811
    api = Api(client, token_for, world)
    body = api.act(reviewed.id, "submit_to_committee", {"note": "Kính trình"}, who=Role.LEADER)
    assert body["state"] == "submitted_to_committee"
    assert body["allowed_actions"] == ["apologise", "record_committee_approval",
                                       "record_committee_rejection"]
    assert "committee_proposal" in {d["kind"] for d in body["documents"]}
    status, answer = api.post(f"/dossiers/{reviewed.id}/actions/record_committee_approval",
                              {"decision_number": 9, "decided_on": "05/04/2026"},
                              who=Role.LEADER)
    assert status == 422 and answer["error"]["message"]
    body = api.act(reviewed.id, "record_committee_approval",
                   {"decision_number": 9, "decided_on": local_today().isoformat()},
                   who=Role.LEADER)
    assert body["state"] == "approved" and body["approved_vnd"] == 70_000_000
    body = api.act(reviewed.id, "issue", {}, who=Role.RECORDS)
    assert any(d["kind"] == "support_decision" and d["number_symbol"] == "09/QĐ-UBND"
               for d in body["documents"]), body["documents"]
