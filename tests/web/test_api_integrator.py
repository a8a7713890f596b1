"""A test integrator: the one-stop software written from nothing but the OpenAPI document.

It talks HTTP to a live server (gunicorn on 127.0.0.1, production settings, a scratch database
seeded with the demo data; PostgreSQL in CI's second pass) and imports nothing from ``grants``:
the server is started and seeded by the test fixtures (``flask seed-demo``, ``flask api-token``
through the CLI runner). Operations are found by their ``operationId`` in
``/api/v1/openapi.json``. It files a dossier with its own reference number (retrying the POST
with the same Idempotency-Key), uploads its papers, walks it to the decision and the result with
the staff's tokens, downloads every paper and document (checking the SHA-256 the API states),
and keeps a local copy of the dossiers in sync by ``updated_since`` and the cursor.
"""

import hashlib
import http.client
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.faults.server import Server, app_on, migrated, scratch_database

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACCOUNTS = {"clerk": "motcua@demo.vn", "head": "chicuc@demo.vn",
            "appraiser": "thamdinh@demo.vn", "leader": "lanhdao@demo.vn",
            "records": "vanthu@demo.vn"}
APPRAISER_NAME = "Phạm Thị Dung"


class Integrator:
    """The client: HTTP, JSON and the OpenAPI document, nothing else."""

    def __init__(self, base: str, tokens: dict[str, str]):
        self.base, self.tokens = base, tokens
        status, _, document = self.call("GET", "/api/v1/openapi.json", who=None)
        assert status == 200
        self.prefix = document["servers"][0]["url"]
        self.operations = {op["operationId"]: (method.upper(), path)
                           for path, item in document["paths"].items()
                           for method, op in item.items()}
        self.local: dict[int, dict] = {}
        self.synced_until = "2000-01-01T00:00:00+00:00"

    def call(self, method, path, *, who="clerk", body=None, raw=None, content_type=None,
             headers=None):
        host, port = self.base.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = dict(headers or {})
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        if body is not None:
            raw, content_type = json.dumps(body).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            conn.request(method, path, body=raw, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        kind = response.headers.get("Content-Type", "")
        return (response.status, response.headers,
                json.loads(data) if kind.startswith("application/json") else data)

    def op(self, operation_id, *, query=None, expect=200, **kw):
        method, template = self.operations[operation_id]
        params = {k: kw.pop(k) for k in list(kw) if "{" + k + "}" in template}
        path = self.prefix + template.format(**params)
        if query:
            path += "?" + urlencode(query)
        status, headers, data = self.call(method, path, **kw)
        assert status == expect, (operation_id, status, data)
        return data, headers

    def act(self, dossier, action, body=None, who="clerk"):
        data, _ = self.op(f"action_{action}", dossier_id=dossier["id"], body=body or {}, who=who)
        assert data["state"] != dossier["state"] or action in {"assign", "record_visit"}
        self.sync()
        assert self.local[data["id"]]["state"] == data["state"]
        return data

    def upload(self, dossier_id, checklist_item_id, name):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="checklist_item_id"'
                 f"\r\n\r\n{checklist_item_id}\r\n".encode(),
                 f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                 + PDF + b"\r\n", f"--{boundary}--\r\n".encode()]
        data, _ = self.op("upload_attachment", dossier_id=dossier_id, raw=b"".join(parts),
                          content_type=f"multipart/form-data; boundary={boundary}",
                          expect=201)
        return data

    def sync(self):
        """Bring the local copy up to date: every dossier changed since the last sync."""
        cursor, newest = None, self.synced_until
        while True:
            query = {"updated_since": self.synced_until, "per_page": 10}
            if cursor:
                query["cursor"] = cursor
            page, _ = self.op("list_dossiers", query=query)
            for row in page["items"]:
                self.local[row["id"]] = row
                newest = max(newest, row["updated_at"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.synced_until = newest  # inclusive: the newest row comes again, harmlessly


def _download(integrator, url, sha256):
    status, headers, data = integrator.call("GET", url)
    assert status == 200 and hashlib.sha256(data).hexdigest() == sha256, url
    return data


def _seed(app) -> dict[str, str]:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--dossiers", "12"])
    assert result.exit_code == 0, result.output
    tokens = {}
    for who, email in ACCOUNTS.items():
        result = runner.invoke(args=["api-token", email, "--password", "demo12345"])
        assert result.exit_code == 0, result.output
        tokens[who] = result.output.strip().splitlines()[-1]
    return tokens


def test_an_integrator_files_walks_downloads_and_syncs_over_http(tmp_path):
    uploads = tmp_path / "uploads"
    with scratch_database(tmp_path, "integrator") as url:
        migrated(url)
        with app_on(url, uploads) as app:
            tokens = _seed(app)
        server = Server(url, uploads, tmp_path / "gunicorn.log").start(timeout=120)
        try:
            _walk(Integrator(server.base, tokens))
        finally:
            server.stop()


def _walk(it: Integrator):
    it.sync()
    assert len(it.local) >= 12  # the seeded dossiers, all of them on the first sync
    # Reference data: the year, its papers and rules, the catalogue, the appraisers.
    programs, _ = it.op("list_programs")
    year = next(p["year"] for p in programs["items"] if p["intake_open"])
    program, _ = it.op("get_program", year=year)
    codes = [rule["catalogue_code"] for rule in program["support_rules"]][:2]
    catalogue, _ = it.op("list_catalogue")
    assert set(codes) <= {item["code"] for item in catalogue["items"]}
    # The organisation, registered by the desk.
    tax_code = f"24{uuid.uuid4().int % 10**8:08d}"
    org, _ = it.op("create_organisation", expect=201, body={
        "name": "Công ty TNHH Tích hợp Một cửa", "org_type": "enterprise",
        "tax_code": tax_code, "commune": "Phường Kinh Bắc"})
    # The dossier, with the one-stop number; the POST retried with the same key.
    body = {"organisation_id": org["id"], "year": year, "channel": "counter",
            "external_ref": f"MC-{year}/{tax_code}",
            "items": [{"catalogue_code": code, "consulting_cost_vnd": 80_000_000,
                       "requested_vnd": 30_000_000} for code in codes]}
    retry = {"Idempotency-Key": f"create-{tax_code}"}
    dossier, headers = it.op("create_dossier", body=body, headers=retry, expect=201)
    again, again_headers = it.op("create_dossier", body=body, headers=retry, expect=201)
    assert again["id"] == dossier["id"] and again_headers["Idempotent-Replayed"] == "true"
    it.op("create_dossier", body=body, expect=409)  # the same one-stop number again
    # Its papers, one per checklist line.
    for line in program["checklist"]:
        it.upload(dossier["id"], line["id"], f"giay-to-{line['id']}.pdf")
    it.sync()
    assert it.local[dossier["id"]]["external_ref"] == body["external_ref"]
    # The walk to the decision and the result.
    dossier = it.act(dossier, "submit")
    dossier = it.act(dossier, "receive", {"checklist": [
        {"checklist_item_id": line["id"], "is_present": True, "copy_kind": "certified_copy"}
        for line in program["checklist"]]})
    staff, _ = it.op("list_staff", query={"role": "appraiser"}, who="head")
    # The appraiser whose token the integrator holds (thamdinh@demo.vn), by the name it knows.
    appraiser = next(s for s in staff["items"] if s["name"] == APPRAISER_NAME)
    dossier = it.act(dossier, "assign", {"appraiser_id": appraiser["id"]}, who="head")
    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m-%dT%H:%M")
    dossier = it.act(dossier, "record_visit", {
        "visited_at": now, "place": "Trụ sở công ty", "team": "Phạm Thị Dung - Chuyên viên",
        "findings": "Đã áp dụng."}, who="appraiser")
    dossier = it.act(dossier, "appraise", {
        "documents_ok": True, "recommendation": "support",
        "eligible_costs": {str(item["id"]): item["consulting_cost_vnd"]
                           for item in dossier["items"]}}, who="appraiser")
    dossier = it.act(dossier, "review", {"note": "Đồng ý"}, who="head")
    dossier = it.act(dossier, "approve", {}, who="leader")
    dossier = it.act(dossier, "issue", {}, who="records")
    dossier = it.act(dossier, "return_result", {
        "channel": "counter", "collected_by": "Nguyễn Văn An",
        "shown_document": "Giấy hẹn trả kết quả"})
    assert dossier["state"] == "returned" and dossier["result"]["outcome"] == "approved"
    # Every paper and every document, byte for byte.
    papers, _ = it.op("list_attachments", dossier_id=dossier["id"])
    assert len(papers["items"]) == len(program["checklist"])
    for paper in papers["items"]:
        assert _download(it, paper["url"], paper["sha256"]) == PDF
    assert {d["kind"] for d in dossier["documents"]} >= {"receipt", "support_decision"}
    for document in dossier["documents"]:
        assert _download(it, document["url"], document["sha256"]).startswith(b"%PDF")
    # The local copy agrees with the server.
    it.sync()
    detail, _ = it.op("get_dossier", dossier_id=dossier["id"])
    mine = it.local[dossier["id"]]
    assert (mine["state"], mine["version"], mine["updated_at"]) == (
        detail["state"], detail["version"], detail["updated_at"])
    assert datetime.fromisoformat(mine["updated_at"]) <= datetime.now(UTC)

