"""Login, logout, registration, role homes and the 403/404 pages."""

import pytest

from grants.domain.roles import Role


def test_login_page_is_vietnamese(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Đăng nhập" in page and "Mật khẩu" in page
    assert 'lang="vi"' in page


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/home")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_wrong_login_gives_one_generic_message(client, make_user):
    user = make_user(Role.CLERK)
    wrong_password = client.post("/auth/login", data={"email": user.email, "password": "sai"})
    unknown_user = client.post("/auth/login", data={"email": "khong@co.vn", "password": "sai"})
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "Thư điện tử hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user(Role.CLERK, is_active_account=False)
    response = client.post("/auth/login", data={"email": user.email, "password": "matkhau123"})
    assert response.status_code == 401


def test_each_role_lands_on_home(client, make_user, login, make_year):
    make_year()
    for role in Role:
        user = login(make_user(role))
        page = client.get("/home").get_data(as_text=True)
        assert user.full_name in page
        assert role.label in page


@pytest.mark.parametrize("target", [
    "https://evil.example/x", "//evil.example/x", "/%5Cevil.example", "/%5C%5Cevil.example",
    "/%09/evil.example", "%2F%2Fevil.example"])
def test_login_redirect_ignores_foreign_next(client, make_user, target):
    """Browsers read "/\\evil.example" as "//evil.example" (a reviewer's finding)."""
    user = make_user(Role.CLERK)
    response = client.post(f"/auth/login?next={target}",
                           data={"email": user.email, "password": "matkhau123"})
    assert response.headers["Location"].endswith("/home")


def test_login_redirect_follows_a_path_of_the_site(client, make_user):
    user = make_user(Role.CLERK)
    response = client.post("/auth/login?next=/intake/%3Fq%3Dx",
                           data={"email": user.email, "password": "matkhau123"})
    assert response.headers["Location"].endswith("/intake/?q=x")


def _register_form(**overrides):
    data = dict(full_name="Nguyễn Thị Mai", email="mai@congty.vn", phone="0912345678",
                password="matkhau-dai-123", confirm="matkhau-dai-123", tax_code="2300123456",
                org_name="Công ty TNHH Hoa Mai", org_type="enterprise",
                address="Số 5 Trần Hưng Đạo", commune="Phường Võ Cường", consent="y")
    data.update(overrides)
    return data


def test_register_creates_org_and_applicant(client, db):
    from grants.models import AuditEvent, Organisation, User

    response = client.post("/auth/register", data=_register_form())
    assert response.status_code == 302
    user = db.session.query(User).filter_by(email="mai@congty.vn").one()
    assert user.roles == {Role.APPLICANT}
    assert user.organisation.tax_code == "2300123456"
    assert db.session.query(Organisation).count() == 1
    assert db.session.query(AuditEvent).filter_by(action="user.register").count() == 1


def test_register_branch_tax_code(client, db):
    response = client.post("/auth/register", data=_register_form(tax_code="2300123456-001"))
    assert response.status_code == 302


def test_register_an_existing_tax_code_is_a_claim_for_the_desk(client, db, make_org):
    """Issue 13 point 7: a tax code already registered is not refused (nor said to be taken):
    the registration is a pending claim the desk resolves."""
    from grants.models import Organisation, OrganisationClaim

    make_org(tax_code="2300123456")
    response = client.post("/auth/register", data=_register_form())
    assert response.status_code == 302
    assert "đã được đăng ký" not in response.get_data(as_text=True)
    rows = db.session.query(Organisation).filter_by(tax_code="2300123456").all()
    assert sorted(o.verification for o in rows) == ["pending", "verified"]
    assert db.session.query(OrganisationClaim).filter_by(tax_code="2300123456",
                                                         status="pending").count() == 1


def test_register_needs_consent_and_keeps_input(client, db):
    from grants.models import User

    response = client.post("/auth/register", data=_register_form(consent=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Thông báo xử lý dữ liệu cá nhân" in page and "đồng ý" in page
    assert 'value="Công ty TNHH Hoa Mai"' in page
    assert 'value="mai@congty.vn"' in page
    assert db.session.query(User).count() == 0


def test_register_duplicate_email_is_not_revealed_and_owner_is_told(client, db, make_user):
    from grants.models import OutgoingEmail, User

    owner = make_user(Role.CLERK, email="mai@congty.vn")
    response = client.post("/auth/register", data=_register_form(email="MAI@congty.vn"))
    assert response.status_code == 302  # no "already used" message on the page
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "đã được dùng" not in page and "kiểm tra hộp thư" in page
    assert db.session.query(User).count() == 1
    mail = db.session.query(OutgoingEmail).one()
    assert mail.to_address == owner.email and "Quên mật khẩu" in mail.text_body


def test_register_bad_tax_code(client, db):
    from grants.models import User

    for bad in ("12345", "2300123456-1", "abcdefghij", "2300123456-0011"):
        response = client.post("/auth/register", data=_register_form(tax_code=bad))
        assert response.status_code == 422, bad
    assert db.session.query(User).count() == 0


def test_admin_area_forbidden_to_other_roles(client, login_as):
    login_as(Role.CLERK)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.get_data(as_text=True)


def test_unknown_page_is_vietnamese_404(client):
    response = client.get("/khong-co")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(client, make_user):
    user = make_user(Role.CLERK)
    response = client.post("/auth/login", data={"email": user.email, "password": "matkhau123"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
