"""The public verification page of issued papers /xac-thuc/<code> (issue 14 point 8): no login,
what the paper prints about itself, an uploaded copy matched by SHA-256 (a tampered copy does
not match and its signature shows broken), bad files answered with a message, rate-limited."""

import io

import pytest

from grants.domain.roles import Role
from grants.services import documents
from grants.services import dossiers as svc
from tests.walk import act as _act
from tests.walk import draft as _draft
from tests.walk import to_reviewed as _to_reviewed


@pytest.fixture
def decision(db, world):
    """The issued support decision of the world's organisation (signed, with its code)."""
    dossier = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.approve, dossier, actor=world[Role.LEADER])
    return _act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])


def _upload(client, code, data: bytes, name="van-ban.pdf"):
    return client.post(f"/xac-thuc/{code}", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _tampered(pdf: bytes) -> bytes:
    """The same file with one figure of the page size changed inside the signed bytes."""
    at = pdf.index(b"/MediaBox [ 0 0 595.2756")
    return pdf[:at] + pdf[at:].replace(b"595.2756", b"595.2757", 1)


def test_page_shows_what_the_paper_prints_and_nothing_more(client, world, decision):
    response = client.get(f"/xac-thuc/{decision.verification_code}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert decision.number_symbol in text and decision.issued_on.strftime("%d/%m/%Y") in text
    assert "Quyết định" in text and world["org"].name in text
    org = world["org"]
    for private in (org.tax_code, org.email, org.phone, decision.dossier.code):
        if private:
            assert private not in text
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_the_issued_file_matches(client, decision):
    text = _upload(client, decision.verification_code, decision.pdf).get_data(as_text=True)
    assert 'data-match="yes"' in text and "Khớp" in text
    assert 'data-signature="trusted"' in text  # signed with this app's certificate


def test_a_tampered_copy_does_not_match_and_its_signature_is_broken(client, decision):
    response = _upload(client, decision.verification_code, _tampered(decision.pdf))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'data-match="no"' in text and "Không khớp" in text
    assert 'data-signature="broken"' in text


def test_an_unsigned_pdf_is_reported_as_unsigned(client, decision):
    from grants import letters

    sample = letters.spec_of("receipt").sample()
    unsigned = letters.spec_of("receipt").build(sample.data, header=sample.header,
                                                issuer=sample.issuer)
    text = _upload(client, decision.verification_code, unsigned).get_data(as_text=True)
    assert 'data-match="no"' in text and 'data-signature="none"' in text


def test_codes_are_read_as_typed(client, decision):
    code = decision.verification_code
    typed = f"{code[:5].lower()}-{code[5:]}"
    response = client.get("/xac-thuc/", query_string={"code": typed})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{code}")
    assert client.get(f"/xac-thuc/{typed}").status_code == 200


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"PK\x03\x04 a zip, not a PDF", "van-ban.pdf", "không phải là PDF"),
    (b"", "van-ban.pdf", "Chọn tệp PDF"),
    (b"%PDF-1.4 " + b"x" * 2048, "lon.pdf", "vượt quá dung lượng"),
])
def test_bad_files_get_a_message_not_a_500(app, client, decision, data, name, message):
    app.config["MAX_UPLOAD_BYTES"] = 1024
    response = _upload(client, decision.verification_code, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_no_file_at_all_gets_a_message(client, decision):
    response = client.post(f"/xac-thuc/{decision.verification_code}", data={})
    assert response.status_code == 422 and "Chọn tệp PDF" in response.get_data(as_text=True)


def test_a_body_over_the_server_limit_gets_a_message(app, client, decision):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = _upload(client, decision.verification_code, b"%PDF-" + b"x" * 10_000)
    assert response.status_code == 413
    assert "vượt quá dung lượng" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["KHONGCOMA1", "<script>", "x" * 40])
def test_an_unknown_code_is_a_404_with_a_message(client, decision, code):
    response = client.get(f"/xac-thuc/{code}")
    assert response.status_code == 404
    assert "Không có văn bản nào mang mã xác thực này" in response.get_data(as_text=True)
    assert _upload(client, code, decision.pdf).status_code == 404


def test_verification_is_rate_limited(app, db, decision):
    from config import TestConfig
    from grants.app import create_app

    code = decision.verification_code
    db.session.close()  # SQLite: release this session's lock for the second app

    class Limited(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        RATELIMIT_ENABLED = True
        VERIFY_RATE_LIMIT = "3 per minute"

    limited = create_app(Limited)
    try:
        client = limited.test_client()
        codes = [client.get(f"/xac-thuc/{code}").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert "thử lại" in client.get(f"/xac-thuc/{code}").get_data(as_text=True)
        assert client.get("/xac-thuc/").status_code == 200  # the empty form is not counted
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_staff_and_applicant_see_the_code_of_each_paper(client, world, login, decision):
    link = f'href="/xac-thuc/{decision.verification_code}"'
    login(world[Role.CLERK])
    assert link in client.get(f"/dossiers/{decision.dossier_id}").get_data(as_text=True)
    login(world["applicant"])
    assert link in client.get(f"/portal/dossiers/{decision.dossier_id}").get_data(as_text=True)
