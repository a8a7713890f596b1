"""Issue 13 points 7 and 8 from outside: a registration is a claim the desk verifies against
the business registration certificate; until then, and until the e-mail is confirmed, the
applicant prepares drafts but cannot submit; registration is rate limited."""

import io
import re

import pytest

from grants.domain.roles import Role
from tests.integration.test_uploads import png_bytes
from tests.security.test_hostile_input import _app_like, _dispose
from tests.web.test_applicant import create_draft, upload_all
from tests.web.test_auth import _register_form


def _register(client, **overrides):
    response = client.post("/auth/register", data=_register_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return response


def _me(db, email="mai@congty.vn"):
    from grants.models import User

    db.session.expire_all()
    return db.session.query(User).filter_by(email=email).one()


def _link(db, user) -> str:
    from grants.models import OutgoingEmail

    mail = db.session.query(OutgoingEmail).filter_by(user_id=user.id).order_by(
        OutgoingEmail.id.desc()).first()
    return re.search(r"http://grants\.test(/identity/confirm/\S+)", mail.text_body).group(1)


def _certificate(client, data=None, name="gcn-dkdn.png"):
    return client.post("/identity/certificate",
                       data={"file": (io.BytesIO(data or png_bytes()), name)},
                       content_type="multipart/form-data")


def _submit(client, dossier):
    return client.post(f"/portal/dossiers/{dossier.id}/submit",
                       data={"declaration": "y", "version": str(dossier.version)})


@pytest.fixture
def registered(client, db, world):
    """An organisation that registered itself (the year and catalogue of ``world``)."""
    _register(client)
    return _me(db)


def test_registration_is_a_pending_claim_with_consent_and_a_confirmation_link(
        client, db, registered):
    from grants.domain.privacy import NOTICE_VERSION
    from grants.models import AuditEvent, OrganisationClaim

    user = registered
    assert user.organisation.verification == "pending"
    assert user.email_confirmed_at is None
    assert user.privacy_consent_at is not None
    assert user.privacy_notice_version == NOTICE_VERSION
    assert db.session.query(OrganisationClaim).filter_by(user_id=user.id,
                                                         status="pending").count() == 1
    assert _link(db, user).startswith("/identity/confirm/")
    assert db.session.query(AuditEvent).filter_by(action="organisation.create").count() == 1
    page = client.get("/identity/").get_data(as_text=True)
    assert "Chờ xác minh" in page and "Gửi lại thư xác nhận" in page
    assert "chưa nộp được" in client.get("/home").get_data(as_text=True)


def test_pending_applicant_drafts_but_cannot_submit_until_verified_and_confirmed(
        client, db, registered, login, world):
    from grants.models import AuditEvent, Dossier

    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    upload_all(client, dossier)
    refused = _submit(client, dossier)
    assert refused.status_code == 302
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "chưa được Bộ phận một cửa xác minh" in page and "Xác minh tổ chức" in page
    assert db.session.get(Dossier, dossier.id).status == "draft"

    # The applicant uploads the certificate; the clerk sees it in the queue and verifies.
    assert _certificate(client).status_code == 302
    login(world[Role.CLERK])
    queue = client.get("/verification/").get_data(as_text=True)
    assert "2300123456" in queue and "Đã tải lên" in queue
    claim = registered.organisation.claims[0]
    shown = client.get(f"/verification/{claim.id}")
    assert "gcn-dkdn.png" in shown.get_data(as_text=True)
    file = client.get(f"/verification/{claim.id}/certificate")
    assert file.status_code == 200 and file.data == png_bytes()
    assert file.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in file.headers["Content-Security-Policy"]
    file.close()
    assert client.post(f"/verification/{claim.id}/verify", data={"note": "Đã đối chiếu"}
                       ).status_code == 302
    assert db.session.query(AuditEvent).filter_by(action="organisation.verify").count() == 1

    # Verified, but the e-mail is still unconfirmed: refused with what to do.
    login(_me(db), password="matkhau-dai-123")
    dossier = db.session.get(Dossier, dossier.id)
    refused = _submit(client, dossier)
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "xác nhận địa chỉ thư điện tử" in page
    # The link: GET shows a button (mail scanners open links), POST uses it, once.
    link = _link(db, _me(db))
    assert "Xác nhận" in client.get(link).get_data(as_text=True)
    assert _me(db).email_confirmed_at is None
    assert client.post(link).status_code == 302
    assert _me(db).email_confirmed_at is not None
    again = client.post(link)
    assert again.status_code == 400
    assert "đã được dùng" in again.get_data(as_text=True)
    # Now it files.
    dossier = db.session.get(Dossier, dossier.id)
    assert _submit(client, dossier).status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == "submitted"


def test_submit_refusal_is_a_clear_409_on_the_api(client, db, registered):
    from grants.domain.errors import Conflict
    from grants.models import Dossier
    from grants.services import dossiers as svc

    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    upload_all(client, dossier)
    with pytest.raises(Conflict, match="chưa được Bộ phận một cửa xác minh"):
        svc.submit(db.session.get(Dossier, dossier.id), actor=_me(db), declaration=True)
    db.session.rollback()


def test_tampered_or_foreign_tokens_are_refused(client, db, registered, app):
    link = _link(db, registered)
    assert client.get(link[:-3] + "abc").status_code == 400
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("not-the-secret", salt="grants.confirm-email").dumps(
        {"user": registered.id, "email": registered.email})
    assert client.post(f"/identity/confirm/{forged}").status_code == 400
    app.config["EMAIL_CONFIRM_MAX_AGE"] = -1  # expired
    assert client.post(link).status_code == 400
    assert _me(db).email_confirmed_at is None


def test_clerk_rejects_with_a_reason_the_applicant_sees(client, db, registered, login, world):
    from grants.models import AuditEvent

    _certificate(client)
    claim = registered.organisation.claims[0]
    login(world[Role.CLERK])
    empty = client.post(f"/verification/{claim.id}/reject", data={"reason": ""})
    assert empty.status_code == 422
    assert client.post(f"/verification/{claim.id}/reject",
                       data={"reason": "Giấy chứng nhận mang tên tổ chức khác"}).status_code == 302
    assert db.session.query(AuditEvent).filter_by(action="organisation.reject").count() == 1
    again = client.post(f"/verification/{claim.id}/verify", data={})
    assert again.status_code == 409
    assert "đã được xử lý" in again.get_data(as_text=True)
    login(_me(db), password="matkhau-dai-123")
    page = client.get("/identity/").get_data(as_text=True)
    assert "Giấy chứng nhận mang tên tổ chức khác" in page
    assert "Không được xác minh" in page
    # A new certificate is a new claim, pending again.
    assert _certificate(client).status_code == 302
    assert _me(db).organisation.verification == "pending"


def test_second_claim_on_a_verified_tax_code_joins_it_when_the_desk_verifies(
        client, db, world, login):
    """The throwaway-account attack: someone registers the real company's tax code first. The
    real company's registration is not refused; the desk verifies the one whose certificate
    holds, and only a verified organisation files."""
    from grants.models import Organisation

    _register(client, email="ke-gia-mao@tam.vn", tax_code="0100109106")
    client.post("/auth/logout")
    _register(client, email="ketoan@vinamilk.vn", tax_code="0100109106")
    _certificate(client)
    real = _me(db, "ketoan@vinamilk.vn")
    login(world[Role.CLERK])
    claims = [c for c in client.get("/verification/").get_data(as_text=True).split("\n")
              if "0100109106" in c]
    assert len(claims) == 2  # both wait for the desk
    claim = real.organisation.claims[0]
    page = client.get(f"/verification/{claim.id}").get_data(as_text=True)
    assert "ke-gia-mao@tam.vn" in page  # the other claim on the tax code is shown
    assert client.post(f"/verification/{claim.id}/verify", data={}).status_code == 302
    rows = db.session.query(Organisation).filter_by(tax_code="0100109106").all()
    assert sorted(o.verification for o in rows) == ["pending", "verified"]
    # A later colleague of the real company: verified into the same organisation.
    client.post("/auth/logout")
    _register(client, email="giamdoc@vinamilk.vn", tax_code="0100109106")
    draft = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    _certificate(client)
    colleague = _me(db, "giamdoc@vinamilk.vn")
    login(world[Role.CLERK])
    assert client.post(f"/verification/{colleague.organisation.claims[0].id}/verify",
                       data={}).status_code == 302
    colleague = _me(db, "giamdoc@vinamilk.vn")
    assert colleague.organisation_id == _me(db, "ketoan@vinamilk.vn").organisation_id
    assert db.session.get(type(draft), draft.id).organisation_id == colleague.organisation_id


def test_staff_and_demo_accounts_count_as_verified_and_confirmed(db, world):
    applicant = world["applicant"]
    assert applicant.organisation.verification == "verified"
    assert applicant.email_confirmed_at is not None


@pytest.fixture
def limited_app(app):
    other = _app_like(app, RATELIMIT_ENABLED=True, REGISTER_RATE_LIMIT="3 per hour")
    yield other
    _dispose(other)


def test_registration_is_rate_limited(limited_app, db, world):
    client = limited_app.test_client()
    db.session.rollback()
    for n in range(3):
        response = client.post("/auth/register",
                               data=_register_form(email=f"a{n}@x.vn", consent=""))
        assert response.status_code == 422
    blocked = client.post("/auth/register", data=_register_form(email="a9@x.vn"))
    assert blocked.status_code == 429
    assert "thử lại sau" in blocked.get_data(as_text=True)


def test_a_missing_or_wrongly_typed_certificate_is_said_beside_the_field(client, db, registered):
    from tests.integration.test_uploads import EXE

    empty = client.post("/identity/certificate", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422
    assert "Chọn tệp giấy chứng nhận" in empty.get_data(as_text=True)
    wrong = _certificate(client, EXE, "gcn.pdf")
    assert wrong.status_code == 422
    assert "không phải PDF, JPEG hoặc PNG" in wrong.get_data(as_text=True)
    assert registered.organisation.claims[0].certificate_stored_name is None


def test_a_reason_ending_with_a_full_stop_is_not_given_two(client, db, registered, login,
                                                           world):
    _certificate(client)
    claim = registered.organisation.claims[0]
    login(world[Role.CLERK])
    assert client.post(f"/verification/{claim.id}/reject",
                       data={"reason": "Mã số thuế không khớp."}).status_code == 302
    login(_me(db), password="matkhau-dai-123")
    page = client.get("/identity/").get_data(as_text=True)
    assert re.search(r"không xác minh được: Mã số thuế không khớp\.\s+Bạn có thể", page)


def test_the_desk_s_queue_is_paged_and_an_unreadable_page_number_is_the_first_page(
        app, client, db, login, world):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        _register(client, email=f"dk{n}@congty{n}.vn", tax_code=f"01001091{n:02d}")
        client.post("/auth/logout")
    login(world[Role.CLERK])

    def codes(url):
        response = client.get(url)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    first, last = codes("/verification/"), codes("/verification/?page=3")
    assert sum(f"01001091{n:02d}" in first for n in range(5)) == 2
    assert sum(f"01001091{n:02d}" in last for n in range(5)) == 1
    assert "5 yêu cầu đang chờ" in first and "Trang 1/3" in first and "Trang 3/3" in last
    for bad in ("abc", "-1", "0"):
        assert "Trang 1/3" in codes(f"/verification/?page={bad}")
    huge = client.get("/verification/?page=99999999999999999999")  # as on every list
    assert huge.status_code == 400 and "Số trang phải là số nguyên" in huge.get_data(as_text=True)
