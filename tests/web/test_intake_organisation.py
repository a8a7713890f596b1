"""The desk registers an organisation that has no account, then takes its paper dossier in."""

from sqlalchemy import select

from grants.domain.roles import Role


def test_clerk_registers_a_new_organisation(client, db, login_as):
    from grants.models import AuditEvent, Organisation

    login_as(Role.CLERK)
    lookup = client.post("/intake/take-in", data={"op": "lookup", "tax_code": "2300999888"})
    assert "Đăng ký tổ chức mới" in lookup.get_data(as_text=True)
    response = client.post("/intake/organisations/new", data={
        "name": "Hợp tác xã Chè Xanh <b>Tân Yên</b>", "org_type": "cooperative",
        "tax_code": "2300999888", "commune": "Xã Tân Yên"})
    assert response.status_code == 302 and "tax_code=2300999888" in response.headers["Location"]
    org = db.session.scalar(select(Organisation).where(Organisation.tax_code == "2300999888"))
    assert org.org_type == "cooperative"
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "organisation.create", AuditEvent.object_id == org.id))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hợp tác xã Chè Xanh &lt;b&gt;Tân Yên&lt;/b&gt;" in page


def test_duplicate_or_bad_tax_code_keeps_the_form(client, make_org, login_as):
    make_org(tax_code="2300999777")
    login_as(Role.CLERK)
    for tax_code, message in (("2300999777", "đã được đăng ký"), ("12345", "")):
        response = client.post("/intake/organisations/new", data={
            "name": "Công ty Mới", "org_type": "enterprise", "tax_code": tax_code,
            "commune": "Phường Kinh Bắc"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'value="Công ty Mới"' in page
        assert message in page


def test_only_desk_and_admin_register_organisations(client, login_as):
    login_as(Role.APPRAISER)
    assert client.get("/intake/organisations/new").status_code == 403
