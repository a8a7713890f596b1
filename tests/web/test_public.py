"""Public dossier lookup: code plus tax code, one answer for any mismatch, state and due date
only, rate-limited."""

from datetime import datetime

import pytest

from grants.domain.roles import Role
from grants.services import dossiers as svc
from grants.services.dossiers import ChecklistLine, ItemInput
from grants.web.public import NOT_FOUND


@pytest.fixture
def received(db, make_year, make_user, make_org):
    from grants.models import CatalogueItem, SupportRule

    item = CatalogueItem(code="ISO9001", name="ISO 9001", kind="standard")
    db.session.add(item)
    year = make_year()
    year.rules.append(SupportRule(catalogue_item=item, share_percent=50, cap_vnd=50_000_000))
    db.session.commit()
    org = make_org(name="Công ty TNHH Bí Mật Kinh Doanh", tax_code="2300123456")
    clerk = make_user(Role.CLERK)
    dossier = svc.create_draft(org, year, actor=clerk, channel="counter",
                               items=[ItemInput("ISO9001", 120_000_000, 48_500_000)])
    svc.submit(dossier, actor=clerk)
    svc.receive(dossier, actor=clerk,
                lines=[ChecklistLine(c.id, True, "certified_copy") for c in year.checklist],
                received_at=datetime(2026, 3, 2, 2, 0))
    db.session.commit()
    return dossier


def lookup(client, code, tax_code):
    return client.get("/tra-cuu/", query_string={"code": code, "tax_code": tax_code})


def result_section(response) -> str:
    text = response.get_data(as_text=True)
    return text[text.index('id="ket-qua"'):text.index("</main>")]


def test_found_shows_state_and_due_date_only(client, received):
    response = lookup(client, received.code.lower(), " 2300123456 ")
    assert response.status_code == 200
    text = result_section(response)
    assert "Được tiếp nhận" in text
    assert received.due_at is not None
    assert f"{received.due_at:%Y}" in text and "Hạn trả kết quả" in text
    page = response.get_data(as_text=True)
    for secret in ("Bí Mật", "48.500.000", "120.000.000", "ISO 9001"):
        assert secret not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_wrong_code_and_wrong_tax_code_get_the_same_answer(client, received):
    wrong_code = lookup(client, "HS-2026-99999", "2300123456")
    wrong_tax = lookup(client, received.code, "2300654321")
    both_wrong = lookup(client, "HS-2026-99999", "2300654321")
    answers = {result_section(r) for r in (wrong_code, wrong_tax, both_wrong)}
    assert len(answers) == 1
    assert NOT_FOUND in answers.pop()
    assert {r.status_code for r in (wrong_code, wrong_tax, both_wrong)} == {200}
    malformed = lookup(client, received.code, "abc")
    assert NOT_FOUND in malformed.get_data(as_text=True)
    assert "Được tiếp nhận" not in malformed.get_data(as_text=True)


def test_drafts_are_not_found(client, db, received, make_user):
    clerk = make_user(Role.CLERK)
    draft = svc.create_draft(received.organisation, received.program_year, actor=clerk,
                             channel="counter", items=[ItemInput("ISO9001", 10_000_000,
                                                                 5_000_000)])
    db.session.commit()
    assert NOT_FOUND in lookup(client, draft.code, "2300123456").get_data(as_text=True)


def test_empty_form_and_missing_fields(client):
    page = client.get("/tra-cuu/")
    assert page.status_code == 200 and "Tra cứu tình trạng hồ sơ" in page.get_data(as_text=True)
    assert NOT_FOUND not in page.get_data(as_text=True)
    missing = client.get("/tra-cuu/", query_string={"code": "HS-2026-00001"})
    assert missing.status_code == 422
    assert "Vui lòng nhập thông tin này." in missing.get_data(as_text=True)


def test_login_page_links_to_lookup(client):
    assert "/tra-cuu/" in client.get("/auth/login").get_data(as_text=True)


def test_lookup_is_rate_limited(app, db, received):
    from config import TestConfig
    from grants.app import create_app

    code = received.code
    db.session.close()  # SQLite: release this session's lock for the second app

    class Limited(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        RATELIMIT_ENABLED = True
        LOOKUP_RATE_LIMIT = "3 per minute"

    limited = create_app(Limited)
    try:
        client = limited.test_client()
        codes = [lookup(client, code, "2300123456").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert "thử lại" in lookup(client, "x", "y").get_data(as_text=True)
        assert client.get("/tra-cuu/").status_code == 200  # the empty form is not counted
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
