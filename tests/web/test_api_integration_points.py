"""The API an integrator can finish a dossier with (issue 17): reference data, files, sync by
change, external references, safe retries, rate limits, refused characters, 405 with Allow,
the documented rules (integers, the counter return), the browsable document."""

import base64
from datetime import timedelta

import pytest

from grants.db import local_today
from grants.domain.roles import Role
from tests import walk
from tests.web.test_api import PDF_BYTES, Api, _dossier_body, _new_dossier, token_for  # noqa: F401


@pytest.fixture
def api(client, token_for, world):  # noqa: F811
    return Api(client, token_for, world)


# ---------------------------------------------------------------- reference data


def test_programs_list_the_years_and_each_year_its_rules_and_checklist(api, world):
    status, body = api.get("/programs", who="applicant")
    assert status == 200 and 2026 in [y["year"] for y in body["items"]]
    status, year = api.get("/programs/2026", who="applicant")
    assert status == 200
    rules = {r["catalogue_code"]: r for r in year["support_rules"]}
    assert rules["ISO9001"]["share_percent"] == 50 and rules["ISO9001"]["cap_vnd"] > 0
    checklist = year["checklist"]
    assert checklist and {c["id"] for c in checklist} == {c.id for c in world["year"].checklist}
    assert all(isinstance(c["required"], bool) and c["name"] for c in checklist)
    assert api.get("/programs/2099")[0] == 404
    assert api.get("/programs/0")[0] == 404


def test_catalogue_staff_and_refusal_reasons(api, world):
    status, body = api.get("/catalogue", who="applicant")
    assert status == 200 and "ISO9001" in {i["code"] for i in body["items"]}
    status, body = api.get("/staff?role=appraiser", who=Role.HEAD)
    assert status == 200
    appraiser = next(s for s in body["items"] if s["id"] == world[Role.APPRAISER].id)
    assert appraiser["name"] == world[Role.APPRAISER].full_name and appraiser["workload"] == 0
    assert not {"email", "phone"} & set(appraiser)  # no contact data
    assert api.get("/staff?role=appraiser", who="applicant")[0] == 403
    assert api.get("/staff?role=hacker")[0] == 422
    status, body = api.get("/refusal-reasons?year=2026")
    assert status == 200 and body["year"] == 2026 and isinstance(body["items"], list)
    assert api.get("/refusal-reasons?year=1999")[0] == 422


# ---------------------------------------------------------------- files


def test_attachments_are_listed_and_downloaded_byte_for_byte(api, client, world, make_user):
    from io import BytesIO

    from grants.models import Organisation

    dossier = _new_dossier(api, world, channel="online")
    line = world["year"].checklist[0].id
    response = client.post(f"/api/v1/dossiers/{dossier['id']}/attachments",
                           data={"file": (BytesIO(PDF_BYTES), "don.pdf"),
                                 "checklist_item_id": str(line)},
                           headers=api.headers(Role.CLERK), content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    status, listing = api.get(f"/dossiers/{dossier['id']}/attachments", who="applicant")
    assert status == 200 and [a["original_name"] for a in listing["items"]] == ["don.pdf"]
    paper = listing["items"][0]
    download = client.get(paper["url"], headers=api.headers("applicant"))
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.mimetype == "application/pdf"
    # As on the web: a download, sandboxed, and in the security log (a reviewer's finding).
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    download.close()
    from sqlalchemy import select

    from grants.models import SecurityEvent

    session = api.client.application.extensions["sqlalchemy"].session
    logged = session.scalars(select(SecurityEvent).where(
        SecurityEvent.kind == "download.attachment")).all()
    assert [(e.user_id, e.detail["name"]) for e in logged] == [(world["applicant"].id,
                                                                 "don.pdf")]
    # Another organisation's applicant: 404, as on the portal.
    other_org = Organisation(name="Công ty khác", org_type="enterprise", tax_code="0109876543",
                             commune="Phường Kinh Bắc")
    api.client.application.extensions["sqlalchemy"].session.add(other_org)
    stranger = make_user(Role.APPLICANT, organisation=other_org)
    assert api.get(f"/dossiers/{dossier['id']}/attachments", who=stranger)[0] == 404
    refused = client.get(paper["url"], headers=api.headers(stranger))
    assert refused.status_code == 404 and refused.is_json
    assert api.get("/attachments/999999")[0] == 404


def test_a_405_names_the_allowed_methods(client, api, login, world):
    response = client.delete("/api/v1/dossiers", headers=api.headers(Role.CLERK))
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    login(world[Role.CLERK])
    page = client.delete("/dossiers/")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/notifications/{n}/read", "/notifications/{n}/read",
                                  "/api/v1/dossiers/{n}/attachments"])
def test_an_id_beyond_the_id_columns_is_a_404_not_a_database_error(client, api, login, world,
                                                                    path):
    """PostgreSQL refuses an INTEGER parameter above 2³¹−1 ("integer out of range"): such a
    URL must be a plain 404 (found by schemathesis on PostgreSQL)."""
    login(world[Role.CLERK])
    call = client.get if path.endswith("attachments") else client.post
    response = call(path.format(n=2**31), headers=api.headers(Role.CLERK))
    assert response.status_code == 404
    assert call(path.format(n=2**31 - 1),
                headers=api.headers(Role.CLERK)).status_code in (302, 404)


# ---------------------------------------------------------------- characters, fields


@pytest.mark.parametrize("char", ["\x00", "\x19", "\x1f", "\x0b"])
def test_control_characters_are_refused_naming_the_field(api, world, char, db):
    from grants.models import Dossier

    dossier = _new_dossier(api, world)
    count = db.session.scalar(db.select(db.func.count(Dossier.id)))
    status, data = api.post(f"/dossiers/{dossier['id']}/actions/withdraw",
                            {"reason": f"lý do{char}"}, who="applicant")
    assert status == 422 and list(data["error"]["fields"]) == ["reason"], data
    status, data = api.post("/dossiers", _dossier_body(world["org"].id, note=f"x{char}"))
    assert status == 422 and list(data["error"]["fields"]) == ["note"]
    status, data = api.get(f"/dossiers?code=HS{char}")
    assert status == 422 and list(data["error"]["fields"]) == ["code"]
    status, data = api.client.get(f"/api/v1/lookup?code=HS-2026-00001{char}&tax_code=0100000001")\
        .status_code, None
    assert status == 422
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == count


def test_control_characters_are_refused_in_forms_too(client, login, world):
    login(world["applicant"])
    response = client.get("/dossiers/", query_string={"q": "abc\x19"})
    assert response.status_code in (400, 403) and "ký tự" in response.get_data(as_text=True)


def test_a_refusal_never_names_a_field_that_is_not_in_the_request(api, world):
    dossier = _new_dossier(api, world)
    walk_id = dossier["id"]
    api.act(walk_id, "submit")
    status, data = api.post(f"/dossiers/{walk_id}/actions/refuse", {"reason": "\u0019"})
    assert status == 422 and set(data["error"]["fields"]) <= {"reason"}
    status, data = api.post(f"/dossiers/{walk_id}/actions/refuse", {})
    assert status == 422 and list(data["error"]["fields"]) == ["reason"]


# ---------------------------------------------------------------- the documented rules


def test_a_whole_number_written_with_a_fraction_is_that_integer(api, world):
    body = _dossier_body(world["org"].id)
    body["items"][0]["consulting_cost_vnd"] = 120000000.0
    body["items"][0]["requested_vnd"] = 5e7
    status, data = api.post("/dossiers", body)
    assert status == 201, data
    assert data["items"][0]["consulting_cost_vnd"] == 120_000_000
    assert data["items"][0]["requested_vnd"] == 50_000_000
    body["items"][0]["requested_vnd"] = 249.5
    status, data = api.post("/dossiers", body)
    assert status == 422 and list(data["error"]["fields"]) == ["items[0].requested_vnd"]


def test_a_counter_return_needs_who_collected_and_the_document_shown(app, client):
    doc = client.get("/api/v1/openapi.json").json
    schema = doc["components"]["schemas"]["ReturnResultPayload"]
    assert schema["if"]["properties"]["channel"]["const"] == "counter"
    assert set(schema["then"]["required"]) == {"collected_by", "shown_document"}
    from grants import api_schemas

    with pytest.raises(api_schemas.PayloadInvalid) as refused:
        api_schemas.validate({"channel": "counter", "collected_by": "Nguyễn Văn A"},
                             "ReturnResultPayload")
    assert list(refused.value.errors) == ["shown_document"]
    api_schemas.validate({"channel": "post"}, "ReturnResultPayload")


def test_the_document_states_bounds_patterns_and_required_bodies(client):
    from grants.queries.paging import MAX_PAGE

    doc = client.get("/api/v1/openapi.json").json
    params = {p["name"]: p["schema"] for p in doc["paths"]["/dossiers"]["get"]["parameters"]}
    assert params["year"]["minimum"] == 2000 and params["year"]["maximum"] == 2100
    assert params["page"]["maximum"] == MAX_PAGE
    tax = doc["components"]["schemas"]["OrganisationInput"]["properties"]["tax_code"]
    assert "pattern" in tax
    refuse = doc["paths"]["/dossiers/{dossier_id}/actions/refuse"]["post"]
    assert refuse["requestBody"]["required"] is True
    review = doc["paths"]["/dossiers/{dossier_id}/actions/review"]["post"]
    assert review["requestBody"]["required"] is False
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for code, answer in operation["responses"].items():
                if code.startswith("4"):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"}, (method, path, code)


def test_the_docs_page_uses_local_assets_and_no_inline_script(client):
    import re

    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "http" not in " ".join(attrs for attrs, _ in scripts)
    for src in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200, src
        asset.close()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


# ---------------------------------------------------------------- sync


def _sync(api, since, who=Role.CLERK, per_page=2):
    seen, cursor = [], None
    while True:
        query = {"updated_since": since, "per_page": per_page}
        if cursor:
            query["cursor"] = cursor
        response = api.client.get("/api/v1/dossiers", query_string=query,
                                  headers=api.headers(who))
        assert response.status_code == 200, response.json
        seen += response.json["items"]
        cursor = response.json["next_cursor"]
        if cursor is None:
            return seen


def test_sync_by_updated_since_in_a_stable_order_with_a_cursor(api, world, db):
    start = "2000-01-01T00:00:00+07:00"
    created = [_new_dossier(api, world) for _ in range(5)]
    rows = _sync(api, start)
    assert [r["id"] for r in rows] == [d["id"] for d in created]  # (updated_at, id) order
    stamps = [r["updated_at"] for r in rows]
    assert stamps == sorted(stamps) and all(len(s.split(".")[1]) >= 6 for s in stamps)
    # Inclusive, to the microsecond.
    third = rows[2]["updated_at"]
    assert [r["id"] for r in _sync(api, third)][0] == rows[2]["id"]
    # A change moves a dossier to the end.
    api.act(created[1]["id"], "submit")
    assert _sync(api, third)[-1]["id"] == created[1]["id"]
    bad = api.client.get("/api/v1/dossiers?updated_since=yesterday", headers=api.headers(
        Role.CLERK))
    assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["updated_since"]
    bad = api.client.get("/api/v1/dossiers?updated_since=2026-01-01T00:00:00Z&cursor=%21%21",
                         headers=api.headers(Role.CLERK))
    assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["cursor"]
    # A reviewer's finding: an id beyond the id column was a 500 (OverflowError on SQLite).
    for text in (b"nonsense", b"2026-01-01T00:00:00|" + b"9" * 30, b"2026-01-01T00:00:00|0",
                 b"2026-01-01T00:00:00+07:00|5"):
        forged = base64.urlsafe_b64encode(text).decode()
        bad = api.client.get(f"/api/v1/dossiers?updated_since=2026-01-01T00:00:00Z"
                             f"&cursor={forged}", headers=api.headers(Role.CLERK))
        assert bad.status_code == 422 and list(bad.json["error"]["fields"]) == ["cursor"], text


def test_updated_at_moves_with_every_change_of_the_dossier(api, world, db):
    from grants.domain.enums import PaymentMethod
    from grants.models import Dossier
    from grants.services import dossiers as svc
    from grants.services import ledger

    dossier = walk.draft(db, world)

    def stamp():
        db.session.expire_all()
        return db.session.get(Dossier, dossier.id).updated_at

    steps = [
        ("item edit", lambda: svc.update_draft(
            dossier, actor=world[Role.CLERK],
            items=[svc.ItemInput("ISO9001", 120_000_000, 40_000_000)])),
        ("reviewed", lambda: walk.to_reviewed(db, world, dossier)),
        ("approved", lambda: svc.approve(dossier, actor=world[Role.LEADER], amounts=None,
                                         overrides=None, note=None)),
    ]
    before = stamp()
    for label, step in steps:
        walk.act(db, step)
        after = stamp()
        assert after > before, label
        before = after
    version = db.session.get(Dossier, dossier.id).version
    walk.act(db, ledger.record_payment, db.session.get(Dossier, dossier.id),
             actor=world[Role.FINANCE], amount_vnd=1_000_000, paid_on=local_today(),
             voucher_no="PC-01", method=PaymentMethod.TRANSFER.value)
    assert stamp() > before
    assert db.session.get(Dossier, dossier.id).version >= version


def test_external_ref_is_set_on_create_and_unique(api, world):
    dossier = _new_dossier(api, world, external_ref="MC-2026/000123")
    assert dossier["external_ref"] == "MC-2026/000123"
    status, data = api.post("/dossiers", _dossier_body(world["org"].id,
                                                       external_ref="MC-2026/000123"))
    assert status == 409 and list(data["error"]["fields"]) == ["external_ref"]
    status, page = api.get("/dossiers?external_ref=MC-2026/000123")
    assert status == 200 and [d["id"] for d in page["items"]] == [dossier["id"]]
    status, data = api.post("/dossiers", _dossier_body(world["org"].id, external_ref=" x"))
    assert status == 422 and list(data["error"]["fields"]) == ["external_ref"]


# ---------------------------------------------------------------- safe retries


def test_a_retried_post_with_the_same_key_is_answered_once(api, world, db, client):
    from grants.models import Dossier, IdempotencyRecord

    body = _dossier_body(world["org"].id)
    headers = {**api.headers(Role.CLERK), "Idempotency-Key": "k-123"}
    first = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert first.status_code == 201
    count = db.session.scalar(db.select(db.func.count(Dossier.id)))
    again = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert again.status_code == 201 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == count
    other = client.post("/api/v1/dossiers", json={**body, "note": "khác"}, headers=headers)
    assert other.status_code == 422 and list(other.json["error"]["fields"]) == [
        "Idempotency-Key"]
    # Keyed per token: another token's same key is a new request.
    fresh = Api(client, api.token_for, world)
    fresh.tokens[world[Role.CLERK].id] = api.token_for(world[Role.CLERK])
    third = client.post("/api/v1/dossiers", json=body,
                        headers={**fresh.headers(Role.CLERK), "Idempotency-Key": "k-123"})
    assert third.status_code == 201 and third.json["id"] != first.json["id"]
    # A refusal is replayed too; an action's answer as well.
    did = first.json["id"]
    act_headers = {**api.headers(Role.CLERK), "Idempotency-Key": "submit-1"}
    done = client.post(f"/api/v1/dossiers/{did}/actions/submit", json={}, headers=act_headers)
    replay = client.post(f"/api/v1/dossiers/{did}/actions/submit", json={},
                         headers=act_headers)
    assert done.status_code == replay.status_code == 200 and replay.json == done.json
    # Expired records are purged by the periodic task.
    from grants.db import utcnow
    from grants.web import idempotency

    assert db.session.scalar(db.select(db.func.count(IdempotencyRecord.id))) == 3
    assert idempotency.purge(utcnow() + timedelta(days=2)) == 3
    assert client.post("/api/v1/dossiers", json={**body, "note": "khác"},
                       headers=headers).status_code == 201


def test_the_purge_is_a_periodic_task():
    from grants.queue import TASK_MODULES, huey

    assert "grants.web.idempotency" in TASK_MODULES
    assert any(t.__name__.endswith("purge_expired") for t in huey._registry._periodic_tasks)


# ---------------------------------------------------------------- rate limit


def test_each_token_has_a_rate_limit_with_ratelimit_headers(app, world, db, token_for):  # noqa: F811
    from tests.security.test_hostile_input import _app_like, _dispose

    first, second = token_for(world[Role.CLERK]), token_for(world[Role.HEAD])
    db.session.rollback()  # SQLite: release the read so the other app's requests can write
    other = _app_like(app, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    try:
        client = other.test_client()
        answers = [client.get("/api/v1/catalogue", headers={"Authorization": f"Bearer {first}"})
                   for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[0].headers["RateLimit-Limit"] == "3"
        assert answers[0].headers["RateLimit-Remaining"] == "2"
        assert 0 <= int(answers[0].headers["RateLimit-Reset"]) <= 61
        assert answers[3].is_json and answers[3].json["error"]["code"] == "rate_limited"
        # Another token has its own allowance.
        assert client.get("/api/v1/catalogue", headers={
            "Authorization": f"Bearer {second}"}).status_code == 200
    finally:
        _dispose(other)


def test_a_write_answers_the_dossier_as_committed_with_its_stamp(api, world):
    """The stamp is set again as the change commits (the commit order of the sync): the answer
    to a write carries that stamp, the one a later read and the sync give."""
    created = _new_dossier(api, world)
    assert api.get(f"/dossiers/{created['id']}")[1]["updated_at"] == created["updated_at"]
    submitted = api.act(created["id"], "submit")
    status, read = api.get(f"/dossiers/{created['id']}")
    assert status == 200 and read["state"] == submitted["state"] == "submitted"
    assert read["updated_at"] == submitted["updated_at"] > created["updated_at"]
