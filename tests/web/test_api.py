"""The JSON API /api/v1: bearer tokens, whole lifecycles over HTTP, JSON errors, OpenAPI."""

import re

import pytest

from grants.db import local_now, utcnow
from grants.domain.roles import Role

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def token_for(db):
    from grants.services import accounts

    def issue(user):
        token = accounts.issue_api_token(user, label="test")
        db.session.commit()
        return token

    return issue


class Api:
    """The test client with a bearer token per user, answering (status, json)."""

    def __init__(self, client, token_for, world):
        self.client, self.token_for, self.world = client, token_for, world
        self.tokens = {}

    def headers(self, who):
        if who is None:
            return {}
        user = self.world[who] if not hasattr(who, "email") else who
        if user.id not in self.tokens:
            self.tokens[user.id] = self.token_for(user)
        return {"Authorization": f"Bearer {self.tokens[user.id]}"}

    def get(self, path, who=Role.CLERK, **kw):
        response = self.client.get(f"/api/v1{path}", headers=self.headers(who), **kw)
        return response.status_code, response.get_json()

    def post(self, path, body=None, who=Role.CLERK, **kw):
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.headers(who), **kw)
        return response.status_code, response.get_json()

    def act(self, dossier_id, action, body=None, who=Role.CLERK, expect=200):
        status, data = self.post(f"/dossiers/{dossier_id}/actions/{action}", body or {}, who)
        assert status == expect, data
        return data


@pytest.fixture
def api(client, token_for, world):
    return Api(client, token_for, world)


def _dossier_body(org_id, **overrides):
    body = {"organisation_id": org_id, "year": 2026, "channel": "counter",
            "items": [{"catalogue_code": "ISO9001", "consulting_cost_vnd": 120_000_000,
                       "requested_vnd": 50_000_000, "evidence": "Chứng chỉ số 123"},
                      {"catalogue_code": "5S", "consulting_cost_vnd": 40_000_000,
                       "requested_vnd": 20_000_000}]}
    body.update(overrides)
    return body


def _new_dossier(api, world, **overrides):
    status, data = api.post("/dossiers", _dossier_body(world["org"].id, **overrides))
    assert status == 201, data
    return data


def _now_local() -> str:
    """Now in Vietnam, as a visit of a dossier received today may be dated."""
    return local_now().isoformat(timespec="minutes")


def _now_utc() -> str:
    """The same moment written in UTC with an explicit offset."""
    return utcnow().isoformat(timespec="seconds") + "Z"


def _checklist(world):
    return [{"checklist_item_id": c.id, "is_present": True, "copy_kind": "certified_copy"}
            for c in world["year"].checklist]


def _to_reviewed(api, world, dossier):
    did = dossier["id"]
    api.act(did, "submit")
    received = api.act(did, "receive", {"checklist": _checklist(world)})
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", received["due_date"])
    api.act(did, "assign", {"appraiser_id": world[Role.APPRAISER].id}, who=Role.HEAD)
    api.act(did, "record_visit", {"visited_at": _now_local(), "place": "KCN Quế Võ",
                                  "team": "Phạm Thị Dung - Chuyên viên",
                                  "findings": "Đã áp dụng hiệu quả."}, who=Role.APPRAISER)
    eligible = {str(i["id"]): i["consulting_cost_vnd"] for i in dossier["items"]}
    appraised = api.act(did, "appraise", {"documents_ok": True, "eligible_costs": eligible,
                                          "recommendation": "support"}, who=Role.APPRAISER)
    assert sorted(i["proposed_vnd"] for i in appraised["items"]) == [20_000_000, 50_000_000]
    return api.act(did, "review", {"note": "Đồng ý"}, who=Role.HEAD)


# ---------------------------------------------------------------- authentication


def test_requests_without_a_valid_token_are_401_json(api, client, world, db):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"},
                    {"Authorization": "Bearer "}):
        response = client.get("/api/v1/dossiers", headers=headers)
        assert response.status_code == 401
        assert response.is_json and response.json["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    headers = api.headers(Role.CLERK)
    assert client.get("/api/v1/dossiers", headers=headers).status_code == 200
    world[Role.CLERK].is_active_account = False
    db.session.commit()
    assert client.get("/api/v1/dossiers", headers=headers).status_code == 401


def test_a_revoked_token_is_refused(api, client, world, db):
    from grants.models import ApiToken
    from grants.services import admin

    headers = api.headers(Role.CLERK)
    assert client.get("/api/v1/dossiers", headers=headers).status_code == 200
    row = db.session.scalars(db.select(ApiToken)).one()
    admin.revoke_api_token(row, actor=world[Role.ADMIN])
    db.session.commit()
    response = client.get("/api/v1/dossiers", headers=headers)
    assert response.status_code == 401 and 'error="invalid_token"' in \
        response.headers["WWW-Authenticate"]


def test_only_the_token_hash_is_stored(world, token_for, db):
    from grants.models import ApiToken

    token = token_for(world[Role.CLERK])
    stored = db.session.scalars(db.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1


# ---------------------------------------------------------------- whole paths


def test_approved_path_over_the_api(api, world, client):
    status, org = api.post("/organisations", {"name": "HTX Nông sản Yên Dũng",
                                              "org_type": "cooperative",
                                              "tax_code": "2400123456",
                                              "commune": "Xã Yên Dũng"})
    assert status == 201 and org["tax_code"] == "2400123456"
    dossier = _new_dossier(api, world, organisation_id=org["id"])
    assert dossier["state"] == "draft" and dossier["code"].startswith("HS-2026-")
    assert dossier["allowed_actions"] == ["submit"]
    reviewed = _to_reviewed(api, world, dossier)
    did = dossier["id"]
    approved = api.act(did, "approve", {"version": reviewed["version"]}, who=Role.LEADER)
    assert approved["state"] == "approved" and approved["approved_vnd"] == 70_000_000
    assert approved["decision"]["outcome"] == "approved"
    issued = api.act(did, "issue", who=Role.RECORDS)
    assert [d["kind"] for d in issued["documents"]] == ["receipt", "appraisal_minutes",
                                                       "support_decision"]
    returned = api.act(did, "return_result", {"channel": "counter", "collected_by": "Nguyễn Văn A",
                                              "shown_document": "Giấy hẹn"})
    assert returned["state"] == "returned" and returned["state_label"] == "Đã trả kết quả"
    assert [(h["from"], h["to"]) for h in returned["history"]] == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "received"),
        ("received", "assigned"), ("assigned", "assigned"), ("assigned", "appraised"),
        ("appraised", "reviewed"), ("reviewed", "approved"), ("approved", "issued"),
        ("issued", "returned")]
    assert returned["history"][1]["action"] == "submit"
    assert returned["history"][0]["at"].endswith("+07:00")

    document = returned["documents"][-1]
    assert re.fullmatch(r"\d{2,}/QĐ-SKHCN", document["number_symbol"])  # "01/…"
    response = client.get(document["url"], headers=api.headers(Role.CLERK))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    import hashlib

    assert hashlib.sha256(response.data).hexdigest() == document["sha256"]

    status, figures = api.get("/programs/2026", who=Role.FINANCE)
    assert status == 200
    assert {k: figures[k] for k in ("year", "budget_vnd", "committed_vnd", "disbursed_vnd",
                                    "remaining_vnd", "target_min", "target_max",
                                    "items_approved")} == {
        "year": 2026, "budget_vnd": 800_000_000, "committed_vnd": 70_000_000,
        "disbursed_vnd": 0, "remaining_vnd": 730_000_000, "target_min": 16, "target_max": 50,
        "items_approved": 2}


def test_rejected_path_over_the_api(api, world, client):
    dossier = _to_reviewed(api, world, _new_dossier(api, world))
    # The appraiser's figures stay internal until the leadership decides.
    status, seen = api.get(f"/dossiers/{dossier['id']}", who="applicant")
    assert {i["proposed_vnd"] for i in seen["items"]} == {None}
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/reject", {"reasons": []},
                            who=Role.LEADER)
    assert status == 422 and "reasons" in data["error"]["fields"]
    rejected = api.act(dossier["id"], "reject",
                       {"reasons": ["Chứng từ không hợp lệ"], "next_steps": "Nộp lại năm sau."},
                       who=Role.LEADER)
    assert rejected["state"] == "rejected" and rejected["state_label"] == "Không được hỗ trợ"
    assert rejected["decision"]["reasons"] == ["Chứng từ không hợp lệ"]
    issued = api.act(dossier["id"], "issue", who=Role.RECORDS)
    assert issued["documents"][-1]["kind"] == "rejection_letter"
    # The applicant downloads its reply letter.
    response = client.get(issued["documents"][-1]["url"], headers=api.headers("applicant"))
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    status, figures = api.get("/programs/2026")
    assert figures["committed_vnd"] == 0 and figures["items_approved"] == 0


def test_supplement_refusal_rework_and_withdrawal(api, world):
    first = _new_dossier(api, world)
    api.act(first["id"], "submit")
    asked = api.act(first["id"], "request_supplement",
                    {"items": [{"label": "Hóa đơn chi phí tư vấn", "note": "bản mờ"}]})
    assert asked["state_label"] == "Yêu cầu bổ sung giấy tờ" and asked["due_date"] is None
    assert asked["supplement_request"]["items"][0]["label"] == "Hóa đơn chi phí tư vấn"
    api.act(first["id"], "resubmit", {"note": "Đã bổ sung"}, who="applicant")
    refused = api.act(first["id"], "refuse", {"reason": "Không thuộc đối tượng hỗ trợ"})
    assert refused["state_label"] == "Không được tiếp nhận" and refused["allowed_actions"] == []

    second = _to_reviewed(api, world, _new_dossier(api, world))
    reworked = api.act(second["id"], "return_for_rework", {"note": "Xác minh lại hóa đơn"},
                       who=Role.HEAD)
    assert reworked["state"] == "assigned"
    withdrawn = api.act(second["id"], "withdraw", {"reason": "Không tiếp tục"}, who="applicant")
    assert withdrawn["state"] == "withdrawn"


# ---------------------------------------------------------------- refusals


def test_illegal_action_is_409_and_changes_nothing(api, world):
    dossier = _new_dossier(api, world)
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/review", {}, who=Role.HEAD)
    assert status == 409 and data["error"]["code"] == "invalid_transition"
    status, after = api.get(f"/dossiers/{dossier['id']}")
    assert after["state"] == "draft" and after["version"] == dossier["version"]
    assert len(after["history"]) == 1


def test_the_state_is_checked_before_the_payload(api, world):
    dossier = _new_dossier(api, world)
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/refuse", {}, who=Role.CLERK)
    assert status == 409


def test_wrong_role_is_403(api, world):
    dossier = _new_dossier(api, world)
    api.act(dossier["id"], "submit")
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/refuse", {"reason": "x"},
                            who=Role.APPRAISER)
    assert status == 403 and data["error"]["code"] == "action_not_permitted"
    status, data = api.post("/organisations", {"name": "X", "org_type": "enterprise",
                                               "tax_code": "2400123456"}, who="applicant")
    assert status == 403


def test_another_organisations_dossier_is_404(api, world, make_user, client):
    dossier = _new_dossier(api, world)
    stranger = make_user(Role.APPLICANT)
    path = f"/dossiers/{dossier['id']}"
    assert api.get(path, who=stranger)[0] == 404
    assert api.get("/dossiers/999999", who=stranger)[0] == 404
    status, data = api.post(f"{path}/actions/withdraw", {}, who=stranger)
    assert status == 404 and data["error"]["code"] == "not_found"
    status, page = api.get("/dossiers", who=stranger)
    assert page["total"] == 0
    status, page = api.get(f"/dossiers?organisation_id={world['org'].id}", who=stranger)
    assert page["total"] == 0
    status, data = api.post("/dossiers", _dossier_body(world["org"].id), who=stranger)
    assert status == 422 and "organisation_id" in data["error"]["fields"]
    # The organisation's own applicant sees it.
    status, own = api.get(path, who="applicant")
    assert status == 200 and own["code"] == dossier["code"]


def test_stale_version_is_409(api, world):
    dossier = _new_dossier(api, world)
    api.act(dossier["id"], "submit", {"version": dossier["version"]})
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/refuse",
                            {"reason": "x", "version": dossier["version"]})
    assert status == 409 and "người khác" in data["error"]["message"]


@pytest.mark.parametrize(("value", "field"), [
    ("50.000.000", "items[0].consulting_cost_vnd"),
    (1.5, "items[0].consulting_cost_vnd"),
    (True, "items[0].consulting_cost_vnd"),
    (-1, "items[0].consulting_cost_vnd"),
    (None, "items[0].consulting_cost_vnd"),
    (10**16, "items[0].consulting_cost_vnd"),
])
def test_amounts_must_be_json_integers(api, world, value, field):
    body = _dossier_body(world["org"].id)
    body["items"][0]["consulting_cost_vnd"] = value
    status, data = api.post("/dossiers", body)
    assert status == 422, data
    assert field in data["error"]["fields"]


def test_missing_and_unknown_fields_are_named(api, world, db):
    from grants.models import Dossier

    body = _dossier_body(world["org"].id, channel="fax", colour="blue")
    del body["items"][1]["requested_vnd"]
    status, data = api.post("/dossiers", body)
    assert status == 422
    assert set(data["error"]["fields"]) == {"channel", "colour", "items[1].requested_vnd"}
    # A rule of the service lands on the JSON path too.
    body = _dossier_body(world["org"].id)
    body["items"][1]["requested_vnd"] = 41_000_000
    status, data = api.post("/dossiers", body)
    assert status == 422 and list(data["error"]["fields"]) == ["items[1].requested_vnd"]
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == 0


def test_action_payloads_are_validated(api, world):
    dossier = _new_dossier(api, world)
    did = dossier["id"]
    api.act(did, "submit")
    status, data = api.post(f"/dossiers/{did}/actions/refuse", {"reason": "   "})
    assert status == 422 and list(data["error"]["fields"]) == ["reason"]
    status, data = api.post(f"/dossiers/{did}/actions/request_supplement", {"items": []})
    assert status == 422 and list(data["error"]["fields"]) == ["items"]
    lines = _checklist(world)
    lines[0]["copy_kind"] = None
    status, data = api.post(f"/dossiers/{did}/actions/receive", {"checklist": lines})
    assert status == 422 and list(data["error"]["fields"]) == ["checklist[0].copy_kind"]
    api.act(did, "receive", {"checklist": _checklist(world)})
    status, data = api.post(f"/dossiers/{did}/actions/assign", {"appraiser_id": "7"},
                            who=Role.HEAD)
    assert status == 422 and list(data["error"]["fields"]) == ["appraiser_id"]
    status, data = api.post(f"/dossiers/{did}/actions/assign",
                            {"appraiser_id": world[Role.CLERK].id}, who=Role.HEAD)
    assert status == 422 and list(data["error"]["fields"]) == ["appraiser_id"]
    api.act(did, "assign", {"appraiser_id": world[Role.APPRAISER].id}, who=Role.HEAD)
    status, data = api.post(f"/dossiers/{did}/actions/record_visit",
                            {"visited_at": "2026-02-30T09:00", "place": "x", "team": "y",
                             "findings": "z"}, who=Role.APPRAISER)
    assert status == 422 and list(data["error"]["fields"]) == ["visited_at"]
    api.act(did, "record_visit", {"visited_at": _now_utc(), "place": "x",
                                  "team": "y", "findings": "z"}, who=Role.APPRAISER)
    item_ids = [i["id"] for i in dossier["items"]]
    status, data = api.post(f"/dossiers/{did}/actions/appraise",
                            {"documents_ok": True, "recommendation": "support",
                             "eligible_costs": {str(item_ids[0]): 1.5, "abc": 1}},
                            who=Role.APPRAISER)
    assert status == 422
    assert set(data["error"]["fields"]) == {f"eligible_costs.{item_ids[0]}", "eligible_costs.abc"}
    status, data = api.post(f"/dossiers/{did}/actions/appraise",
                            {"documents_ok": True, "recommendation": "support",
                             "eligible_costs": {str(item_ids[0]): 1}}, who=Role.APPRAISER)
    assert status == 422 and list(data["error"]["fields"]) == [f"eligible_costs.{item_ids[1]}"]


def test_approval_amounts_are_checked(api, world):
    dossier = _to_reviewed(api, world, _new_dossier(api, world))
    five_s = next(i for i in dossier["items"] if i["catalogue_code"] == "5S")
    for amount in ("20.000.000", 1.5e6 + 0.5, False, -5):
        status, data = api.post(f"/dossiers/{dossier['id']}/actions/approve",
                                {"amounts": {str(five_s["id"]): amount}}, who=Role.LEADER)
        assert status == 422 and list(data["error"]["fields"]) == [f"amounts.{five_s['id']}"]
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/approve",
                            {"amounts": {str(five_s["id"]): 20_000_001}}, who=Role.LEADER)
    assert status == 422 and list(data["error"]["fields"]) == [f"amounts.{five_s['id']}"]
    assert "tối đa" in data["error"]["message"]


def test_budget_exceeded_is_409_with_what_is_left(api, world, db):
    world["year"].budget_vnd = 60_000_000
    db.session.commit()
    dossier = _to_reviewed(api, world, _new_dossier(api, world))
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/approve", {}, who=Role.LEADER)
    assert status == 409 and "60.000.000" in data["error"]["message"]
    assert api.get(f"/dossiers/{dossier['id']}")[1]["state"] == "reviewed"


# ---------------------------------------------------------------- errors are JSON


def test_errors_are_json_never_html(api, client, world, app):
    headers = api.headers(Role.CLERK)
    dossier = _new_dossier(api, world)
    cases = [
        client.get("/api/v1/no-such-thing", headers=headers),
        client.get("/api/v1/no-such-thing"),
        client.post(f"/api/v1/dossiers/{dossier['id']}/actions/fly", headers=headers, json={}),
        client.get(f"/api/v1/dossiers/{dossier['id']}/actions/submit", headers=headers),
        client.delete("/api/v1/dossiers", headers=headers),
        client.post("/api/v1/dossiers", headers={**headers, "Content-Type": "application/json"},
                    data=b"{not json"),
        client.post("/api/v1/dossiers", headers=headers, json=[1, 2]),
        client.post("/api/v1/dossiers", headers=headers, data=b'{"year": NaN}'),
        client.get("/api/v1/dossiers/99999999999999999999", headers=headers),
        client.get("/api/v1/dossiers?per_page=101", headers=headers),
        client.get("/api/v1/dossiers?status=lost", headers=headers),
        client.get("/api/v1/programs/2031", headers=headers),
        client.get(f"/api/v1/dossiers/{dossier['id']}/documents/1", headers=headers),
    ]
    expected = [404, 404, 404, 405, 405, 400, 400, 400, 404, 422, 422, 404, 404]
    assert [r.status_code for r in cases] == expected
    for response in cases:
        assert response.is_json, response.data[:200]
        assert set(response.json["error"]) == {"code", "message", "fields"}
    assert cases[9].json["error"]["fields"] == {"per_page": ["Phải là số nguyên từ 1 đến 100."]}


def test_too_large_body_is_413_json(api, app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/dossiers", headers=api.headers(Role.CLERK),
                           json={"note": "x" * 5000})
    assert response.status_code == 413 and response.is_json


def test_api_is_exempt_from_csrf(api, app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    status, data = api.post("/dossiers", _dossier_body(world["org"].id))
    assert status == 201, data


# ---------------------------------------------------------------- listing and organisations


def test_list_filters_and_pagination(api, world, make_org):
    codes = [_new_dossier(api, world)["code"] for _ in range(3)]
    other = make_org()
    _new_dossier(api, world, organisation_id=other.id)
    status, page = api.get("/dossiers?per_page=2&page=2&status=draft&year=2026"
                           f"&organisation_id={world['org'].id}")
    assert status == 200 and page["total"] == 3 and page["pages"] == 2
    assert [d["code"] for d in page["items"]] == [codes[0]]
    status, page = api.get(f"/dossiers?code={codes[1].lower()}")
    assert [d["code"] for d in page["items"]] == [codes[1]]
    status, page = api.get("/dossiers", who="applicant")
    assert page["total"] == 3
    assert {d["organisation_id"] for d in page["items"]} == {world["org"].id}
    status, page = api.get("/dossiers?year=2027")
    assert page["total"] == 0


def test_organisations_are_validated(api, world):
    body = {"name": "Công ty CP Thép Bắc Ninh", "org_type": "enterprise",
            "tax_code": "2400123456-000"}
    status, data = api.post("/organisations", body)
    assert status == 422 and list(data["error"]["fields"]) == ["tax_code"]
    status, data = api.post("/organisations", {**body, "tax_code": world["org"].tax_code})
    assert status == 422 and list(data["error"]["fields"]) == ["tax_code"]
    status, data = api.post("/organisations", {**body, "org_type": "ngo", "name": " "})
    assert status == 422 and set(data["error"]["fields"]) == {"org_type", "name", "tax_code"}
    status, created = api.post("/organisations", {**body, "tax_code": "2400123456-001"},
                               who=Role.ADMIN)
    assert status == 201
    status, page = api.get("/organisations?tax_code=2400123456-001")
    assert [o["id"] for o in page["items"]] == [created["id"]]
    status, page = api.get("/organisations", who="applicant")
    assert [o["id"] for o in page["items"]] == [world["org"].id]


# ---------------------------------------------------------------- attachments


def test_attachments_upload(api, client, world):
    dossier = _new_dossier(api, world, channel="online")
    line = world["year"].checklist[0]
    url = f"/api/v1/dossiers/{dossier['id']}/attachments"
    headers = api.headers("applicant")
    from io import BytesIO

    response = client.post(url, headers=headers, data={
        "file": (BytesIO(PDF_BYTES), "don-de-nghi.pdf"), "checklist_item_id": str(line.id)})
    assert response.status_code == 201, response.json
    assert response.json["original_name"] == "don-de-nghi.pdf"
    assert response.json["checklist_item_id"] == line.id
    response = client.post(url, headers=headers, data={
        "file": (BytesIO(b"just text, not a scan"), "hoa-don.png"),
        "checklist_item_id": str(line.id)})
    assert response.status_code == 422 and list(response.json["error"]["fields"]) == ["file"]
    response = client.post(url, headers=headers, data={"checklist_item_id": "abc"})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"file", "checklist_item_id"}
    status, detail = api.get(f"/dossiers/{dossier['id']}", who="applicant")
    assert [a["original_name"] for a in detail["attachments"]] == ["don-de-nghi.pdf"]


def test_applicant_files_online_with_uploads(api, client, world):
    from io import BytesIO

    dossier = _new_dossier(api, world, channel="online")
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/submit", {}, who="applicant")
    assert status == 422 and list(data["error"]["fields"]) == ["attachments"]
    url = f"/api/v1/dossiers/{dossier['id']}/attachments"
    for line in world["year"].checklist:
        if line.is_required:
            response = client.post(url, headers=api.headers("applicant"), data={
                "file": (BytesIO(PDF_BYTES), f"{line.code}.pdf"),
                "checklist_item_id": str(line.id)})
            assert response.status_code == 201, response.json
    # The applicant files its own dossier only with its declaration (issue 12, point 6).
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/submit", {}, who="applicant")
    assert status == 422 and list(data["error"]["fields"]) == ["declaration"]
    submitted = api.act(dossier["id"], "submit", {"declaration": True}, who="applicant")
    assert submitted["state"] == "submitted" and submitted["allowed_actions"] == ["withdraw"]
    # Files can no longer be changed by the applicant once filed.
    response = client.post(url, headers=api.headers("applicant"), data={
        "file": (BytesIO(PDF_BYTES), "late.pdf")})
    assert response.status_code == 409 and response.is_json


# ---------------------------------------------------------------- public lookup and programs


def test_lookup_shows_state_and_due_date_only(api, client, world):
    dossier = _new_dossier(api, world)
    api.act(dossier["id"], "submit")
    received = api.act(dossier["id"], "receive", {"checklist": _checklist(world)})
    tax_code = world["org"].tax_code
    response = client.get(f"/api/v1/lookup?code={dossier['code']}&tax_code={tax_code}")
    assert response.status_code == 200
    assert response.json == {"code": dossier["code"], "state": "received",
                             "state_label": "Được tiếp nhận",
                             "due_date": received["due_date"], "promised_return_date": None}
    # Spaces around a typed tax code are ignored, as on the web lookup (a reviewer's finding).
    spaced = client.get(f"/api/v1/lookup?code={dossier['code']}&tax_code=%20{tax_code}%20")
    assert spaced.status_code == 200 and spaced.json["state"] == "received"
    wrong_code = client.get(f"/api/v1/lookup?code=HS-2026-9999&tax_code={tax_code}")
    wrong_tax = client.get(f"/api/v1/lookup?code={dossier['code']}&tax_code=0100000000")
    assert wrong_code.status_code == wrong_tax.status_code == 404
    assert wrong_code.json == wrong_tax.json
    missing = client.get("/api/v1/lookup?code=HS-2026-0001")
    assert missing.status_code == 422 and list(missing.json["error"]["fields"]) == ["tax_code"]


def test_lookup_is_rate_limited(database_template, tmp_path, client):
    import shutil

    from sqlalchemy import make_url

    from config import TestConfig
    from grants.app import create_app
    from tests.conftest import PG_URL

    url = database_template
    if not PG_URL:
        path = tmp_path / "limited.sqlite"
        shutil.copyfile(make_url(database_template).database, path)
        url = f"sqlite:///{path}"

    class Limited(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        RATELIMIT_ENABLED = True
        LOOKUP_RATE_LIMIT = "2 per minute"

    limited = create_app(Limited)
    try:
        with limited.test_client() as limited_client:
            codes = [limited_client.get("/api/v1/lookup?code=X&tax_code=0100000000")
                     for _ in range(3)]
        assert [r.status_code for r in codes] == [404, 404, 429]
        assert codes[2].is_json and codes[2].json["error"]["code"] == "rate_limited"
    finally:
        with limited.app_context():
            from grants.extensions import db

            db.engine.dispose()


def test_programs_need_a_token_and_a_known_year(api, client, world):
    assert client.get("/api/v1/programs/2026").status_code == 401
    status, data = api.get("/programs/2025")
    assert status == 404 and data["error"]["code"] == "not_found"


# ---------------------------------------------------------------- OpenAPI


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_openapi_describes_every_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "An API token of a user."}
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            if rule.rule.startswith("/api/v1/docs"):  # the HTML view of the document
                continue
            methods = {m.lower() for m in rule.methods} - {"head", "options"}
            routes.setdefault(_flask_path(rule.rule), set()).update(methods)
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    assert documented == routes


def test_openapi_document_is_well_formed(client):
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs and all(r.startswith("#/components/schemas/") for r in refs)
    assert {r.rsplit("/", 1)[1] for r in refs} <= set(schemas)
    operation_ids = []
    for path, operations in doc["paths"].items():
        declared = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in operations.items():
            assert method in {"get", "post", "put", "patch", "delete"}
            operation_ids.append(operation["operationId"])
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == declared, (path, method)
            assert all(p["required"] for p in operation.get("parameters", [])
                       if p["in"] == "path")
            assert operation["responses"], (path, method)
            for code, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5][0-9]{2}", code) and response["description"]
                if code.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}
            if operation.get("security") != []:
                assert "401" in operation["responses"], (path, method)
    assert len(operation_ids) == len(set(operation_ids))


def test_request_schemas_match_what_the_views_accept():
    from grants.api_schemas import ACTION_PAYLOADS, PAYLOAD_NAMES, SCHEMAS
    from grants.domain.workflow import Action
    from grants.web.api import ACTIONS

    assert set(ACTIONS) == set(ACTION_PAYLOADS) == set(Action)
    for action in Action:
        schema = SCHEMAS[PAYLOAD_NAMES[action]]
        assert schema["additionalProperties"] is False and "version" in schema["properties"]


def test_an_applicant_files_online_as_itself_only(api, world, db):
    """A reviewer found that an applicant's token could file "at the counter" (the submission
    then skipped the check of the uploaded papers), claim the one-stop software's reference
    number, or name anyone as the submitter."""
    status, data = api.post("/dossiers", _dossier_body(world["org"].id), who="applicant")
    assert status == 403 and list(data["error"]["fields"]) == ["channel"], data
    status, data = api.post("/dossiers", _dossier_body(world["org"].id, channel="online",
                                                       external_ref="MC-2026-1"),
                            who="applicant")
    assert status == 403 and list(data["error"]["fields"]) == ["external_ref"], data
    status, data = api.post("/dossiers", _dossier_body(
        world["org"].id, channel="online", submitter_name="Người Khác",
        submitter_email="khac@vi.du"), who="applicant")
    assert status == 201, data
    from grants.models import Dossier

    applicant, dossier = world["applicant"], db.session.get(Dossier, data["id"])
    assert (dossier.submitter_name, dossier.submitter_email) == (applicant.full_name,
                                                                 applicant.email)
    # The desk still files paper dossiers with the software's number.
    assert _new_dossier(api, world, external_ref="MC-2026-1")["channel"] == "counter"
