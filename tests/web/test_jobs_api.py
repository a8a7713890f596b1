"""The API of background jobs: POST /api/v1/exports returns a job (202 + Location), GET
/api/v1/jobs/{id} its state and progress, then its file; only the token's own jobs."""

import io

import pytest
from openpyxl import load_workbook

from grants.domain.roles import Role
from tests import walk


@pytest.fixture
def bearer(db):
    from grants.services import accounts

    def issue(user) -> dict:
        token = accounts.issue_api_token(user, label="test")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return issue


def test_export_flow_over_the_api(client, db, world, bearer):
    walk.to_assigned(db, world, walk.draft(db, world))
    headers = bearer(world[Role.LEADER])
    started = client.post("/api/v1/exports", json={"kind": "register",
                                                   "parameters": {"year": 2026}},
                          headers=headers)
    assert started.status_code == 202, started.json
    assert started.headers["Location"] == f"/api/v1/jobs/{started.json['id']}"
    job = client.get(started.headers["Location"], headers=headers).json
    assert job["state"] == "done" and job["done"] == job["total"] == 1 and job["finished"]
    assert job["kind"] == "register" and job["parameters"] == {"year": 2026}
    assert job["file_url"] == f"/api/v1/jobs/{job['id']}/file" and job["expires_at"]
    response = client.get(job["file_url"], headers=headers)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data()))["Sổ hồ sơ"]
    response.close()
    assert sheet["A3"].value == "Mã hồ sơ" and sheet.max_row == 3 + 1 + 1


def test_another_token_sees_nothing_and_roles_are_checked(client, db, world, bearer,
                                                          make_user):
    leader = bearer(world[Role.LEADER])
    job_id = client.post("/api/v1/exports", json={"kind": "years_report"},
                         headers=leader).json["id"]
    other = bearer(make_user(Role.LEADER))
    for url in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/file"):
        answer = client.get(url, headers=other)
        assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    clerk = bearer(world[Role.CLERK])
    refused = client.post("/api/v1/exports", json={"kind": "register"}, headers=clerk)
    assert refused.status_code == 403
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({}, "kind"),
    ({"kind": "year_close", "parameters": {"year": 2026}}, "kind"),
    ({"kind": "budget_report"}, "year"),
    ({"kind": "register", "parameters": {"year": "2026"}}, "parameters.year"),
    ({"kind": "register", "extra": 1}, "extra"),
])
def test_a_bad_request_names_the_field_and_starts_nothing(client, db, world, bearer, body,
                                                          field):
    from grants.models import Job

    answer = client.post("/api/v1/exports", json=body, headers=bearer(world[Role.FINANCE]))
    assert answer.status_code == 422, answer.json
    assert field in answer.json["error"]["fields"], answer.json
    assert db.session.query(Job).count() == 0


def test_an_unknown_year_is_404(client, world, bearer):
    answer = client.post("/api/v1/exports", json={"kind": "demand_report",
                                                  "parameters": {"year": 2099}},
                         headers=bearer(world[Role.HEAD]))
    assert answer.status_code == 404 and "2099" in answer.json["error"]["message"]


def test_the_openapi_document_describes_the_job_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/exports", "/jobs/{job_id}", "/jobs/{job_id}/file"} <= set(paths)
    assert "202" in paths["/exports"]["post"]["responses"]
