"""Issue 13 point 12 (Law 91/2025) from outside: the privacy notice and consent, the admin's
export of one person's data, and its anonymisation: the audit trail keeps its rows with the
person's identifying values replaced, through the one controlled path past its append-only
trigger."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from grants.domain.roles import Role
from tests.web.test_auth import _register_form


def test_notice_is_public_and_linked_from_registration(client, app):
    notice = client.get("/privacy/")
    page = notice.get_data(as_text=True)
    assert notice.status_code == 200
    for words in ("Dữ liệu được thu thập", "Mục đích", "Thời gian lưu trữ", "Quyền của bạn",
                  "Liên hệ", "91/2025/QH15",
                  f"{app.config['PERSONAL_DATA_RETENTION_YEARS']} năm"):
        assert words in page
    register = client.get("/auth/register").get_data(as_text=True)
    assert 'href="/privacy/"' in register and 'name="consent"' in register


@pytest.fixture
def person(client, db, world, login):
    """A self-registered applicant with some history (audit rows carrying their e-mail and
    name, a security event), and the admin logged in."""
    from grants.models import User
    from grants.services import security_log

    assert client.post("/auth/register", data=_register_form()).status_code == 302
    client.post("/auth/logout")
    user = db.session.query(User).filter_by(email="mai@congty.vn").one()
    security_log.record("login.failed", email=user.email, detail={"email": user.email})
    db.session.commit()
    login(world[Role.ADMIN])
    return user


def test_admin_exports_one_persons_data_as_json(client, db, person, login, world):
    from grants.models import SecurityEvent

    response = client.post(f"/privacy/people/{person.id}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["account"]["email"] == "mai@congty.vn"
    assert data["account"]["privacy_consent_at"]
    assert data["organisation"]["tax_code"] == "2300123456"
    assert {e["action"] for e in data["audit_trail"]} >= {"user.register"}
    assert db.session.query(SecurityEvent).filter_by(kind="personal_data.export").count() == 1
    search = client.get("/privacy/people?email=mai@").get_data(as_text=True)
    assert f"/privacy/people/{person.id}" in search
    login(world[Role.CLERK])
    assert client.post(f"/privacy/people/{person.id}/export").status_code == 403


def _trail_text(db) -> str:
    rows = db.session.execute(text(
        "SELECT coalesce(before_json, '') || coalesce(after_json, '') || coalesce(note, '') "
        "|| coalesce(ip, '') FROM audit_events")).scalars()
    security = db.session.execute(text(
        "SELECT coalesce(email, '') || coalesce(detail_json, '') FROM security_events")).scalars()
    return "\n".join(list(rows) + list(security))


def test_anonymise_replaces_identifying_values_and_keeps_every_audit_row(client, db, person):
    from grants.models import AuditEvent, Organisation, PersonalDataErasure, User

    rows_before = db.session.query(AuditEvent).count()
    assert "mai@congty.vn" in _trail_text(db)
    wrong = client.post(f"/privacy/people/{person.id}/anonymise", data={"confirm": "x@y.vn"})
    assert wrong.status_code == 422
    done = client.post(f"/privacy/people/{person.id}/anonymise",
                       data={"confirm": "mai@congty.vn"})
    assert done.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, person.id)
    assert user.email.endswith("@an-danh.invalid") and "Nguyễn Thị Mai" not in user.full_name
    assert user.phone is None and not user.is_active
    org = db.session.query(Organisation).filter_by(tax_code="2300123456").one()
    assert org.email is None and org.phone is None and org.representative is None
    assert org.name == "Công ty TNHH Hoa Mai"  # the legal entity and its tax code are kept
    trail = _trail_text(db)
    assert "mai@congty.vn" not in trail and "Nguyễn Thị Mai" not in trail
    assert "[đã ẩn danh]" in trail
    # Every row is still there (plus the erasure's own record).
    assert db.session.query(AuditEvent).count() == rows_before + 1
    erasure = db.session.query(PersonalDataErasure).one()
    assert erasure.audit_rows > 0 and not erasure.in_progress
    # The account cannot sign in any more.
    client.post("/auth/logout")
    login = client.post("/auth/login",
                        data={"email": "mai@congty.vn", "password": "matkhau-dai-123"})
    assert login.status_code != 302
    # And a plain UPDATE of the audit trail is still refused by its trigger.
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE audit_events SET note = 'x'"))
        db.session.flush()
    db.session.rollback()


def test_admin_cannot_anonymise_themself(client, db, world, login):
    from grants.models import User

    admin = login(world[Role.ADMIN])
    response = client.post(f"/privacy/people/{admin.id}/anonymise",
                           data={"confirm": admin.email})
    assert response.status_code in (403, 422)
    assert "Không thể tự xóa" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).anonymised_at is None


def test_anonymise_reaches_what_others_were_told(client, db, world, person, make_user):
    """A head of department was told, in the app and by e-mail, the name of the appraiser
    given a dossier; once the appraiser's data is erased, those copies no longer name them.
    An organisation's second address that is the person's goes too."""
    from grants.db import atomic
    from grants.domain.enums import EventKind
    from grants.domain.notifications import NotificationKind
    from grants.models import (
        DomainEvent,
        Notification,
        NotificationPreference,
        OrganisationContact,
        OutgoingEmail,
    )
    from grants.services import events, privacy
    from tests.walk import draft, to_assigned

    appraiser, head = world[Role.APPRAISER], make_user(Role.HEAD)  # not the one who assigns
    name = appraiser.full_name
    db.session.add(NotificationPreference(user_id=head.id, kind=NotificationKind.WORK_ASSIGNED,
                                          email_enabled=True))
    to_assigned(db, world, draft(db, world))
    told = db.session.query(Notification).filter_by(user_id=head.id).all()
    assert any(name in n.body for n in told)
    mails = db.session.query(OutgoingEmail).filter_by(user_id=head.id).all()
    assert any(name in m.text_body for m in mails)
    db.session.add(OrganisationContact(organisation_id=person.organisation_id,
                                       email="MAI@congty.vn"))
    db.session.commit()
    with atomic():  # an officer's note that quotes the appraiser, in the outbox
        events.emit(EventKind.STATUS_CHANGED, actor=head,
                    payload={"note": f"Đề nghị {name} thẩm định lại, gọi {appraiser.email}"})
    with atomic():
        privacy.anonymise_person(appraiser, actor=world[Role.ADMIN], confirm=appraiser.email)
        privacy.anonymise_person(person, actor=world[Role.ADMIN], confirm=person.email)
    db.session.expire_all()
    for notice in db.session.query(Notification).filter_by(user_id=head.id):
        assert name not in notice.title + notice.body
    assert any("[đã ẩn danh]" in n.body for n in
               db.session.query(Notification).filter_by(user_id=head.id))
    for mail in db.session.query(OutgoingEmail).filter_by(user_id=head.id):
        assert name not in mail.subject + mail.text_body + (mail.html_body or "")
    assert db.session.query(OrganisationContact).count() == 0
    payloads = [e.payload_json for e in db.session.query(DomainEvent)]
    assert not any(name in p or appraiser.email in p for p in payloads)
    assert any("Đề nghị [đã ẩn danh] thẩm định lại, gọi [đã ẩn danh]" in p for p in payloads)
    with pytest.raises(DBAPIError):  # and the outbox is append-only again
        db.session.execute(text("UPDATE domain_events SET payload_json = '{}'"))
        db.session.flush()
    db.session.rollback()


def test_anonymise_replaces_the_person_as_a_whole_word_wherever_they_are_quoted(
        db, world, make_user):
    """Erasing "Trần Văn An" replaces that name (and the e-mail, the phone) as whole words,
    wherever it is quoted: inside a longer text of the audit trail's JSON, after a line break,
    next to punctuation. It never cuts into another person's name that merely starts with it
    ("Trần Văn Anh") or an e-mail that ends with it."""
    from grants.db import atomic
    from grants.domain.enums import EventKind
    from grants.models import AuditEvent, DomainEvent, Notification, SecurityEvent
    from grants.services import audit, events, privacy, security_log

    erased = make_user(Role.APPRAISER, full_name="Trần Văn An", email="an@sokhcn.vn",
                       phone="0912345678")
    other = make_user(Role.APPRAISER, full_name="Trần Văn Anh", email="hoan@sokhcn.vn",
                      phone="09123456789")
    head = world[Role.HEAD]
    quote = ("Giao Trần Văn Anh (hoan@sokhcn.vn, 09123456789) thay Trần Văn An, "
             "số 0912345678;\nTrần Văn An.")
    kept = ("Giao Trần Văn Anh (hoan@sokhcn.vn, 09123456789) thay [đã ẩn danh], "
            "số [đã ẩn danh];\n[đã ẩn danh].")
    with atomic():
        audit.record("test.quote", other, actor=head, note=quote,
                     after={"note": quote, "assignee": "Trần Văn An"})
        security_log.record("login.failed", user=head, detail={"note": quote})
        db.session.add(Notification(user_id=head.id, kind="work_assigned",
                                    title="Phân công thẩm định", body=quote))
        events.emit(EventKind.STATUS_CHANGED, actor=head, payload={"note": quote})
    with atomic():
        privacy.anonymise_person(erased, actor=world[Role.ADMIN], confirm=erased.email)
    db.session.expire_all()
    row = db.session.query(AuditEvent).filter_by(action="test.quote").one()
    assert row.note == kept
    assert json.loads(row.after_json) == {"note": kept, "assignee": "[đã ẩn danh]"}
    logged = db.session.query(SecurityEvent).filter_by(kind="login.failed",
                                                       user_id=head.id).one()
    assert json.loads(logged.detail_json) == {"note": kept}
    told = db.session.query(Notification).filter_by(user_id=head.id,
                                                    title="Phân công thẩm định").one()
    assert told.body == kept
    payloads = [json.loads(e.payload_json) for e in db.session.query(DomainEvent)]
    assert {"note": kept} in payloads
