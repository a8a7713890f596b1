"""Hostile input: forged forms (CSRF), disguised and oversized uploads, HTML/JS in every free
text, login brute force, security headers, and the JSON API fuzzed from its OpenAPI document."""

import gzip
import io
import re
import zipfile
from pathlib import Path

import pytest

from config import TestConfig
from grants.domain.roles import Role
from tests.factories import PASSWORD
from tests.security import scene as scenes
from tests.security.conftest import changed_tables, header_problems, row_counts, who_id
from tests.security.scene import IMG, PDF, SCRIPT, build_url, page_rules
from tests.security.test_access_matrix import OPEN, roles_for

ESCAPED = {SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;",
           IMG: "&lt;img src=x onerror=alert(1)&gt;"}
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")


def _app_like(app, **overrides):
    """A second app on the same database and upload folder with some settings changed (the
    app is created with them, as production would be)."""
    from grants.app import create_app

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    for name, value in overrides.items():
        setattr(Config, name, value)
    return create_app(Config)


def _dispose(other_app):
    from grants.extensions import db

    with other_app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- CSRF

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", re.S | re.I)


def _csrf_token(html: str) -> str:
    field = CSRF_INPUT.search(html)
    assert field, "no csrf_token field on the page"
    return re.search(r'value="([^"]+)"', field.group(0)).group(1)


def _login_with_csrf(client, user):
    token = _csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return token


@pytest.fixture
def csrf_app(app):
    other = _app_like(app, WTF_CSRF_ENABLED=True)
    yield other
    _dispose(other)


class Person:
    """A user's e-mail, read once: the test must not hold the SQLite write lock while the
    other app answers (every SQLite transaction here begins IMMEDIATE)."""

    def __init__(self, user):
        self.email = user.email


@pytest.mark.slow
def test_forms_without_a_valid_csrf_token_are_refused(app, db, scene, csrf_app):
    """Every POST form route, as a user the route is for: no token, a forged token and another
    session's token → 400 with the CSRF message, nothing written. Every page's POST forms carry
    the token, and the real token is accepted (so the refusals are about the token)."""
    failures = []
    people = {who: Person(user) for who, user in scene.users.items()}
    posts: dict = {}
    pages: dict = {}
    for rule, method in page_rules(csrf_app):
        allowed = roles_for(rule.endpoint)
        url = build_url(csrf_app, rule, scene)
        if method == "POST":
            who = None if allowed is OPEN and rule.endpoint != "auth.logout" else (
                Role.CLERK if allowed is OPEN else sorted(allowed)[0])
            posts.setdefault(who, []).append(url)
        elif "static" not in rule.endpoint:
            for who in [*Role, None]:
                if allowed is OPEN or who in allowed:
                    pages.setdefault(who, []).append(url)
    db.session.rollback()
    stranger = csrf_app.test_client()
    foreign_token = _csrf_token(stranger.get("/auth/login").get_data(as_text=True))
    for who in [*Role, None]:
        client = csrf_app.test_client()
        if who is not None:
            _login_with_csrf(client, people[who])
        for url in posts.get(who, []):
            for name, data in (("no token", {"note": "x"}),
                               ("forged token", {"csrf_token": "forged.token.value"}),
                               ("another session's token", {"csrf_token": foreign_token})):
                before = row_counts(db)
                response = client.post(url, data=data)
                body = response.get_data(as_text=True)
                label = f"POST {url} as {who_id(who)} with {name}"
                if response.status_code != 400 or "CSRF" not in body:
                    failures.append(f"{label}: got {response.status_code}")
                if changed := changed_tables(before, row_counts(db)):
                    failures.append(f"{label}: wrote {changed}")
        # Every POST form on the pages this user sees carries the token.
        for url in pages.get(who, []):
            response = client.get(url)
            response.close()
            if response.mimetype != "text/html":
                continue
            for form in POST_FORM.findall(response.get_data(as_text=True)):
                if not CSRF_INPUT.search(form):
                    failures.append(f"{url} as {who_id(who)}: a POST form without csrf_token: "
                                    f"{form[:120]!r}")
    assert sum(map(len, posts.values())) >= 30
    assert not failures, "\n".join(failures)

    # The real token works: the refusals above were about the token, nothing else.
    client = csrf_app.test_client()
    token = _login_with_csrf(client, people[Role.APPLICANT])
    response = client.post("/portal/profile", data={
        "csrf_token": token, "name": "Công ty TNHH Đổi Tên", "commune": "Phường Kinh Bắc"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


# ---------------------------------------------------------------- uploads


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("hop-dong.pdf", b"\0" * (64 * 1024 * 1024))  # 64 MB of zeros
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 48 + \
    b"PE\0\0" + b"\0" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00" \
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
LIMIT = 64 * 1024

BAD_UPLOADS = [
    ("program.exe renamed .pdf", "ho-so.pdf", EXE),
    ("HTML renamed .png", "anh-chup.png", HTML),
    ("HTML renamed .pdf", "giay-phep.pdf", HTML),
    ("SVG with script renamed .png", "logo.png", SVG),
    ("shell script renamed .pdf", "bien-ban.pdf", b"#!/bin/sh\nrm -rf /\n"),
    ("GIF renamed .png", "anh.png", GIF),
    ("zip bomb renamed .pdf", "chung-chi.pdf", None),  # built lazily, 64 MB → ~64 KB
    ("gzip bomb renamed .pdf", "quyet-dinh.pdf", gzip.compress(b"\0" * (8 * 1024 * 1024))),
    ("empty file", "trong.pdf", b""),
    ("over the per-file limit", "lon.pdf", PDF + b"0" * LIMIT),
    ("path traversal name, HTML inside", "../../../../tmp/evil.pdf", HTML),
    ("Windows path traversal, program inside", "..\\..\\..\\evil.pdf", EXE),
    ("absolute path name, script inside", "/etc/cron.d/evil.pdf", b"* * * * * root sh\n"),
]


def _files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def upload_case(app, db, world, login):
    from tests.walk import draft

    dossier = draft(db, world, channel="online")
    login(world["applicant"])
    app.config["MAX_UPLOAD_BYTES"] = LIMIT
    root = Path(app.config["UPLOAD_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return dossier, root


def _count(db, model) -> int:
    db.session.rollback()
    count = db.session.scalar(db.select(db.func.count()).select_from(model))
    db.session.rollback()
    return count


@pytest.mark.parametrize(("case", "name", "content"), BAD_UPLOADS, ids=[c[0] for c in BAD_UPLOADS])
def test_bad_uploads_are_refused_and_nothing_is_stored(app, db, client, world, upload_case,
                                                       token_for, case, name, content):
    from grants.models import Attachment

    dossier, root = upload_case
    content = _zip_bomb() if content is None else content
    outside = _files_under(root.parent)
    before = row_counts(db)
    web = client.post(f"/portal/dossiers/{dossier.id}/attachments", data={
        "files": [(io.BytesIO(content), name)], "checklist_item_id": "", "version": ""},
        content_type="multipart/form-data")
    assert web.status_code == 422, web.status_code
    page = web.get_data(as_text=True)
    assert "không phải PDF, JPEG hoặc PNG" in page or "rỗng" in page or "vượt quá" in page
    api = client.post(f"/api/v1/dossiers/{dossier.id}/attachments",
                      data={"file": (io.BytesIO(content), name)},
                      headers={"Authorization": f"Bearer {token_for(world['applicant'])}"},
                      content_type="multipart/form-data")
    assert api.status_code == 422 and api.json["error"]["fields"]["file"], api.json
    assert _count(db, Attachment) == 0
    assert _files_under(root) == set(), "a refused upload left a file behind"
    assert _files_under(root.parent) == outside
    changed = changed_tables(before, row_counts(db))
    assert set(changed) <= {"api_tokens", "audit_events"}, changed  # the token issued above


def test_a_bad_file_among_good_ones_stores_none_of_them(app, db, client, upload_case):
    from grants.models import Attachment

    dossier, root = upload_case
    response = client.post(f"/portal/dossiers/{dossier.id}/attachments", data={
        "files": [(io.BytesIO(PDF), "tot.pdf"), (io.BytesIO(HTML), "xau.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert _count(db, Attachment) == 0 and _files_under(root) == set()


def test_a_request_body_over_the_limit_is_refused_before_the_view(app, db, client,
                                                                  upload_case):
    from grants.models import Attachment

    dossier, root = upload_case
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = client.post(f"/portal/dossiers/{dossier.id}/attachments", data={
        "files": [(io.BytesIO(PDF + b"0" * (128 * 1024)), "rat-lon.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "vượt quá dung lượng" in response.get_data(as_text=True)
    assert _count(db, Attachment) == 0 and _files_under(root) == set()


@pytest.mark.parametrize("name", ["../../../../tmp/evil.pdf", "..\\..\\evil.pdf",
                                  "/etc/passwd.pdf", "C:\\Windows\\evil.pdf", "..", "../"])
def test_path_names_only_ever_name_the_file_never_place_it(app, db, client, upload_case, name):
    """A real PDF sent under a path-like name is kept under a generated name inside UPLOAD_DIR;
    the name shown is its last component, without any path."""
    from grants.models import Attachment

    dossier, root = upload_case
    outside = _files_under(root.parent)
    response = client.post(f"/portal/dossiers/{dossier.id}/attachments", data={
        "files": [(io.BytesIO(PDF), name)]}, content_type="multipart/form-data")
    assert response.status_code in {302, 422}
    stored = _files_under(root)
    rows = db.session.scalars(db.select(Attachment)).all()
    assert len(stored) == len(rows) <= 1
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", row.stored_name) and stored == {row.stored_name}
        assert "/" not in row.original_name and "\\" not in row.original_name
        assert not row.original_name.startswith("..")
    assert _files_under(root.parent) - outside <= {f"uploads/{s}" for s in stored}


@pytest.fixture
def token_for(db):
    from grants.services import accounts

    def issue(user):
        token = accounts.issue_api_token(user, label="test")
        db.session.commit()
        return token

    return issue


# ---------------------------------------------------------------- HTML/JS in every free text


@pytest.fixture
def hostile_scene(db, world, make_user):
    return scenes.build(db, world, make_user, texts=scenes.hostile)


#: Free texts that no page shows (kept to prove the list is deliberate).
NOT_SHOWN: set[str] = set()


def _escaped(value: str) -> str:
    for raw, escaped in ESCAPED.items():
        value = value.replace(raw, escaped)
    return value


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.slow
def test_html_in_every_free_text_is_shown_as_text(app, db, hostile_scene, as_user):
    """Every free text of the scene (organisation profile, dossier note, evidence, site visit,
    appraisal, reasons, supplement items and answer, payment voucher and reference, reversal
    reason, audit notes, names, admin lists …) holds a <script> or <img onerror> payload. On
    every GET page of the matrix, for every role: the raw tag never appears, and each text is
    found escaped on some page. Every page also sends the security headers."""
    scene = hostile_scene
    failures = []
    seen = []
    for who in [*Role, None]:
        client = as_user(scene.users[who] if who is not None else None)
        for rule, method in page_rules(app):
            if method != "GET":
                continue
            allowed = roles_for(rule.endpoint)
            if who is not None and allowed is not OPEN and who not in allowed:
                continue
            # A dossier page is read for every dossier of the scene, whatever its state.
            labels = [label for label in scene.dossiers if not label.startswith("b_")] \
                if rule.arguments == {"dossier_id"} else [None]
            for label in labels:
                url = build_url(app, rule, scene, label, who=who)
                response = client.get(url)
                response.close()
                failures += [f"{url} as {who_id(who)}: {p}" for p in header_problems(response)]
                if response.status_code >= 500:
                    failures.append(f"{url} as {who_id(who)}: {response.status_code}")
                if response.mimetype in {"text/html", "image/svg+xml", "text/plain"}:
                    body = response.get_data(as_text=True)
                    for marker in RAW_MARKERS:
                        if marker in body:
                            at = body.index(marker)
                            failures.append(f"{url} as {who_id(who)}: raw {marker!r} in "
                                            f"…{body[max(0, at - 80):at + 40]!r}")
                    seen.append(body)
    # A flash message quoting user input (the removed file's name) is escaped too.
    client = as_user(scene.users[Role.APPLICANT])
    response = client.post(f"/portal/dossiers/{scene.dossiers['draft']}/attachments/"
                           f"{scene.ids['attachment']}/remove", data={}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<img src=x" not in body
    assert _escaped(scene.tags["file_name"]) in body
    assert not failures, "\n".join(failures)

    seen = "".join(seen)
    missing = sorted(tag for tag, text in scene.tags.items()
                     if _escaped(text) not in seen and tag not in NOT_SHOWN)
    assert not missing, f"free texts never shown on any page: {missing}"


@pytest.mark.slow
def test_html_in_free_texts_is_printed_literally_in_pdfs(app, db, hostile_scene):
    """The letters print the payloads as text: ReportLab markup is escaped, so "<script>…"
    appears literally instead of being interpreted (or breaking the PDF)."""
    from grants.models import Document

    scene = hostile_scene
    rows = db.session.scalars(db.select(Document)).all()
    kinds = sorted({row.kind for row in rows})
    everything = "".join(_pdf_text(row.pdf) for row in rows)
    assert "<script>alert(1)</script>" in everything and "<imgsrc=xonerror=alert(1)>" in \
        everything
    expected = ["org_name", "org_address", "visit_findings", "visit_place", "visit_team",
                "visit_org_reps", "reject_reason", "reject_next_steps", "refuse_reason",
                "supplement_label", "supplement_note", "signer_name", "name_clerk"]
    missing = [tag for tag in expected
               if "".join(scene.tags[tag].split()) not in everything]
    assert not missing, f"not printed literally in any PDF: {missing}; kinds: {kinds}"


# ---------------------------------------------------------------- brute force


@pytest.fixture
def limited_app(app):
    other = _app_like(app, RATELIMIT_ENABLED=True)
    yield other
    _dispose(other)


def test_login_brute_force_is_rate_limited_in_vietnamese(limited_app, db, world):
    client = limited_app.test_client()
    email = world[Role.CLERK].email
    db.session.rollback()  # SQLite: release the read so the other app's requests can write
    for attempt in range(10):  # spread over accounts (one account alone locks after five)
        response = client.post("/auth/login", data={"email": f"thu{attempt}@vi.du",
                                                    "password": f"sai{attempt}"})
        assert response.status_code == 401, attempt
    response = client.post("/auth/login", data={"email": email, "password": "sai-nua"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Bạn thao tác quá nhiều lần" in page
    assert "per 1 minute" not in page and "Too Many Requests" not in page
    # The right password does not get through either while the limit holds…
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    # …but someone at another address can still log in.
    other = limited_app.test_client()
    response = other.post("/auth/login", data={"email": email, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.status_code == 302


def test_public_lookups_are_rate_limited(limited_app, db, world):
    db.session.rollback()
    client = limited_app.test_client()
    for _ in range(20):
        assert client.get("/tra-cuu/?code=HS-2026-00001&tax_code=0100000001").status_code \
            in {200, 422}
    page = client.get("/tra-cuu/?code=HS-2026-00001&tax_code=0100000001")
    assert page.status_code == 429 and "tra cứu quá nhiều lần" in page.get_data(as_text=True)
    for _ in range(20):
        client.get("/api/v1/lookup?code=HS-2026-00001&tax_code=0100000001")
    api = client.get("/api/v1/lookup?code=HS-2026-00001&tax_code=0100000001")
    assert api.status_code == 429 and api.is_json
    assert api.json["error"]["code"] == "rate_limited"
    assert "tra cứu quá nhiều lần" in api.json["error"]["message"] or \
        "thao tác quá nhiều lần" in api.json["error"]["message"]


# ---------------------------------------------------------------- open redirects


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example",
                                    "/\t/evil.example", "/\\/evil.example", "///evil.example",
                                    "javascript:alert(1)", "\\\\evil.example"])
def test_login_never_redirects_off_site(client, world, target):
    from urllib.parse import urlsplit

    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": world[Role.CLERK].email, "password": PASSWORD})
    location = response.headers["Location"]
    assert response.status_code == 302 and location.startswith("/")
    assert not location.startswith("//") and "\\" not in location
    assert not urlsplit(location).netloc and not urlsplit(location).scheme


# ---------------------------------------------------------------- headers off the beaten path


def test_error_pages_files_and_api_answers_carry_the_security_headers(app, world, client,
                                                                      login):
    login(world[Role.CLERK])
    responses = [client.get("/khong-co-trang-nay"), client.get("/dossiers/999999"),
                 client.delete("/dossiers/"), client.get("/admin/"),
                 client.get("/static/css/app.css"), client.get("/api/v1/openapi.json"),
                 client.get("/api/v1/dossiers"), client.get("/healthz")]
    for response in responses:
        response.close()
        assert not header_problems(response), (response.request.path, response.status_code)


# ---------------------------------------------------------------- the API, fuzzed


FUZZ_EXAMPLES = 25


FILE_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.",
              "application/octet-stream", "image/")
"""What a 200 may be besides JSON: an issued PDF, an export (.xlsx), an uploaded paper."""


@pytest.mark.slow
# schemathesis's in-process WSGI transport reads a file answer (an export, a paper) without
# closing werkzeug's file wrapper: the unclosed-file warning is the harness's, not the app's
# (the access matrix closes its own responses and checks the same routes with warnings on).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_api_fuzzed_from_its_openapi_document_never_fails(app, db, scene, token_for):
    """schemathesis generates requests for every operation of /api/v1/openapi.json (valid and
    invalid bodies, parameters and ids; real dossier ids half of the time; tokens of several
    roles). No answer is a 5xx, and every answer is JSON except a document's PDF."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    tokens = [token_for(scene.users[who]) for who in (Role.CLERK, Role.HEAD, Role.LEADER,
                                                      Role.APPLICANT, Role.FINANCE)]
    dossier_ids = sorted(scene.dossiers.values())
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures = []

    def fuzz(operation):
        @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), token=st.sampled_from(tokens),
               real_id=st.one_of(st.none(), st.sampled_from(dossier_ids)))
        def probe(case, token, real_id):
            if real_id is not None and "dossier_id" in (case.path_parameters or {}):
                case.path_parameters["dossier_id"] = real_id
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            content_type = (response.headers.get("content-type") or [""])[0]  # lowercase keys
            file = content_type.startswith(FILE_TYPES) and response.status_code == 200
            if response.status_code >= 500 or not (file or content_type.startswith(
                    "application/json")):
                failures.append(f"{case.method} {case.formatted_path} → "
                                f"{response.status_code} {content_type}: "
                                f"{response.content[:200]!r}")

        return probe

    for operation in operations:
        fuzz(operation)()
        db.session.rollback()
    assert not failures, "\n".join(failures[:20])


# ---------------------------------------------------------------- NUL characters, huge pages

NUL = "\x00"
NUL_MESSAGE = "ký tự không hợp lệ"


def _nul_cases(world):
    """(label, who, method, url, form data / JSON body / query string) with a NUL in one value:
    PostgreSQL refuses NUL in text, so each of these was a 500 there (SQLite stored it)."""
    year = world["year"].year
    org = world["org"]
    return [
        ("login e-mail", None, "POST", "/auth/login",
         {"data": {"email": f"a{NUL}@demo.vn", "password": "x"}}),
        ("login password", None, "POST", "/auth/login",
         {"data": {"email": world[Role.CLERK].email, "password": f"{PASSWORD}{NUL}"}}),
        ("public lookup code", None, "GET", "/tra-cuu/",
         {"query_string": {"code": f"HS-{year}-00001{NUL}", "tax_code": org.tax_code}}),
        ("public lookup tax code", None, "GET", "/tra-cuu/",
         {"query_string": {"code": f"HS-{year}-00001", "tax_code": f"{NUL}0100000001"}}),
        ("dossier search", Role.CLERK, "GET", "/dossiers/", {"query_string": {"q": f"abc{NUL}"}}),
        ("registration organisation name", None, "POST", "/auth/register",
         {"data": {"full_name": "Nguyễn Văn A", "email": "moi@vidu.vn", "phone": "0912345678",
                   "password": "matkhau-dai-123", "confirm": "matkhau-dai-123",
                   "tax_code": "0109999999", "org_name": f"Công ty {NUL}Mới",
                   "org_type": "enterprise", "commune": "Phường Kinh Bắc"}}),
        ("a form field name", Role.APPLICANT, "POST", "/portal/profile",
         {"data": {f"name{NUL}": "x", "name": "Công ty", "commune": "Phường Kinh Bắc"}}),
        ("API lookup", None, "GET", "/api/v1/lookup",
         {"query_string": {"code": f"HS-{year}-00001", "tax_code": f"01000{NUL}00001"}}),
        ("API organisation name", Role.CLERK, "POST", "/api/v1/organisations",
         {"json": {"name": f"Hợp tác xã {NUL}", "org_type": "cooperative",
                   "tax_code": "0108888888", "commune": "Phường Kinh Bắc"}}),
        ("API dossier evidence", Role.CLERK, "POST", "/api/v1/dossiers",
         {"json": {"organisation_id": org.id, "year": year, "channel": "counter",
                   "items": [{"catalogue_code": "ISO9001", "consulting_cost_vnd": 120_000_000,
                              "requested_vnd": 50_000_000, "evidence": f"Chứng chỉ {NUL}"}]}}),
        ("API dossier list filter", Role.CLERK, "GET", "/api/v1/dossiers",
         {"query_string": {"q": f"x{NUL}"}}),
    ]


def test_a_nul_character_anywhere_is_refused_with_a_message(app, db, client, world, login,
                                                           token_for):
    """A NUL byte in a form, a query string or a JSON body: 400 on a page, 422 in the JSON
    error shape naming the field on the API, in Vietnamese; nothing is written. (SQLite stores
    NUL silently, so the answer and the unchanged rows are what is checked.)"""
    from grants.models import Dossier

    failures = []
    tokens = {who: token_for(world[who]) for who in (Role.CLERK,)}
    dossiers_before = db.session.scalar(db.select(db.func.count(Dossier.id)))
    for label, who, method, url, kw in _nul_cases(world):
        client.post("/auth/logout")
        headers = {}
        if url.startswith("/api/") and who is not None:
            headers["Authorization"] = f"Bearer {tokens[who]}"
        elif who is not None:
            login(world[who] if who != Role.APPLICANT else world["applicant"])
        before = row_counts(db)
        response = client.open(url, method=method, headers=headers, **kw)
        changed = changed_tables(before, row_counts(db))
        if url.startswith("/api/"):
            error = (response.json or {}).get("error", {}) if response.is_json else {}
            if response.status_code != 422 or NUL_MESSAGE not in error.get("message", "") \
                    or not error.get("fields"):
                failures.append(f"{label}: {response.status_code} {response.data[:200]!r}")
        elif response.status_code != 400 or \
                NUL_MESSAGE not in response.get_data(as_text=True):
            failures.append(f"{label}: {response.status_code}")
        if set(changed) - {"audit_events", "login_attempts"}:
            failures.append(f"{label}: wrote {changed}")
    assert not failures, "\n".join(failures)
    assert db.session.scalar(db.select(db.func.count(Dossier.id))) == dossiers_before


def test_the_api_names_the_field_that_holds_a_nul(app, db, client, world, token_for):
    response = client.post("/api/v1/organisations", json={
        "name": f"Hợp tác xã {NUL}", "org_type": "cooperative", "tax_code": "0108888888",
        "commune": "Phường Kinh Bắc"},
        headers={"Authorization": f"Bearer {token_for(world[Role.CLERK])}"})
    assert response.status_code == 422
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert list(response.json["error"]["fields"]) == ["name"]


HUGE_PAGE = "99999999999999999999"


@pytest.mark.slow
def test_a_huge_page_number_never_fails(app, db, scene, as_user):
    """``?page=99999999999999999999`` on every page of the app (each role): a 400 with the
    message, never a 5xx; a page number past the end is an empty page, not an error."""
    failures = []
    for who in [*Role, None]:
        client = as_user(scene.users[who] if who is not None else None)
        for rule, method in page_rules(app):
            allowed = roles_for(rule.endpoint)
            if method != "GET" or "static" in rule.endpoint or \
                    (allowed is not OPEN and who not in allowed):
                continue
            url = build_url(app, rule, scene, who=who)
            response = client.get(url, query_string={"page": HUGE_PAGE})
            response.close()
            if response.status_code != 400 or \
                    "Số trang phải là số nguyên" not in response.get_data(as_text=True):
                failures.append(f"{url} as {who_id(who)}: {response.status_code}")
    client = as_user(scene.users[Role.CLERK])
    api = client.get("/api/v1/lookup", query_string={"page": HUGE_PAGE, "code": "x"})
    assert api.status_code == 422 and api.json["error"]["fields"] == {
        "page": [api.json["error"]["message"]]}
    last = client.get("/dossiers/", query_string={"page": "999", "q": scene.tags["org_name"]})
    assert last.status_code == 200
    assert not failures, "\n".join(failures)
