"""A person's data under Law 91/2025/QH15 (issue 13 point 12): the export of everything the
app holds about one person, and its erasure where the law allows.

Erasure replaces the identifying values (e-mail, name, phone) of the account, of the
organisation's contact fields (and its second address) that are this person's, of the e-mails
sent to them, inside what others were told about them (every recipient's notifications and
e-mails: an applicant told the name of their appraiser), and inside the audit trail, the
security log and the domain events' payloads, whose rows stay (they are append-only: the
replacement goes through the one controlled path, see ``_redact_trails``). What is kept: the
organisation (a legal entity, not a person), its tax code and its dossiers, which record public
money (``grants.domain.privacy.KEEP_BASIS``), and every row of the trails."""

import secrets

from markupsafe import escape
from sqlalchemy import delete, func, or_, select, text, update

from grants.db import utcnow
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.policy import Permission, can
from grants.domain.privacy import (
    KEEP_BASIS,
    NOTICE_VERSION,
    REPLACEMENT,
    json_inner,
    redact_words,
)
from grants.extensions import db
from grants.models import (
    ApiToken,
    AuditEvent,
    DomainEvent,
    Dossier,
    Notification,
    OrganisationClaim,
    OrganisationContact,
    OutgoingEmail,
    PersonalDataErasure,
    SecurityEvent,
    User,
)
from grants.services import audit, security_log, uploads


def _allowed(actor: User) -> None:
    if not can(actor, Permission.MANAGE_PERSONAL_DATA):
        raise Forbidden("Chỉ quản trị viên xuất hoặc xóa dữ liệu cá nhân.")


def _when(value):
    return value.isoformat() if value is not None else None


def export_person(user: User, *, actor: User) -> dict:
    """Everything the app holds about ``user``, as JSON-ready data; recorded in the security
    log (an export of personal data). Raises Forbidden for anyone but an admin."""
    _allowed(actor)
    org = user.organisation
    data = {
        "notice_version": NOTICE_VERSION,
        "exported_at": _when(utcnow()),
        "account": {
            "id": user.id, "email": user.email, "full_name": user.full_name,
            "title": user.title, "phone": user.phone,
            "roles": sorted(r.value for r in user.roles), "active": user.is_active_account,
            "created_at": _when(user.created_at), "last_login_at": _when(user.last_login_at),
            "email_confirmed_at": _when(user.email_confirmed_at),
            "privacy_consent_at": _when(user.privacy_consent_at),
            "privacy_notice_version": user.privacy_notice_version,
            "anonymised_at": _when(user.anonymised_at),
        },
        "organisation": None if org is None else {
            "id": org.id, "name": org.name, "tax_code": org.tax_code,
            "verification": org.verification, "address": org.address,
            "representative": org.representative,
            "representative_title": org.representative_title, "phone": org.phone,
            "email": org.email,
            "dossiers": [{"code": d.code, "status": d.status,
                          "submitted_at": _when(d.submitted_at)}
                         for d in db.session.scalars(select(Dossier).where(
                             Dossier.organisation_id == org.id).order_by(Dossier.id))],
        },
        "claims": [{"id": c.id, "tax_code": c.tax_code, "status": c.status,
                    "certificate": c.certificate_original_name, "reason": c.reason,
                    "created_at": _when(c.created_at)}
                   for c in db.session.scalars(select(OrganisationClaim).where(
                       OrganisationClaim.user_id == user.id).order_by(OrganisationClaim.id))],
        "audit_trail": [{"at": _when(e.at), "action": e.action, "object": e.object_type,
                         "object_id": e.object_id, "ip": e.ip, "note": e.note}
                        for e in db.session.scalars(select(AuditEvent).where(
                            AuditEvent.actor_id == user.id).order_by(AuditEvent.id))],
        "security_log": [{"at": _when(e.at), "kind": e.kind, "ip": e.ip}
                         for e in db.session.scalars(select(SecurityEvent).where(
                             SecurityEvent.user_id == user.id).order_by(SecurityEvent.id))],
        "emails": [{"at": _when(m.created_at), "to": m.to_address, "subject": m.subject,
                    "state": m.state}
                   for m in db.session.scalars(select(OutgoingEmail).where(
                       OutgoingEmail.user_id == user.id).order_by(OutgoingEmail.id))],
        "kept_when_erased": KEEP_BASIS,
    }
    security_log.record("personal_data.export", user=actor, detail={"person": user.id})
    return data


def _identifying_values(user: User) -> list[str]:
    values = {user.email, user.full_name, user.phone}
    return sorted(v for v in values if v and len(v) >= 3)


def _redact_trails(user: User, values: list[str]) -> int:
    """Replace ``values`` in the audit trail, the security log and the domain events' payloads
    (as whole words, inside the text of notes and of the JSON: ``redact_words``); returns the
    audit rows changed. The three tables refuse UPDATE by trigger. On PostgreSQL the
    replacement is done by ``grants_redact_person``, a SECURITY DEFINER function owned by the
    tables' owner (the application role has no right to update or to disable the triggers),
    with the same rule; it works only while this erasure is recorded as in progress. On SQLite
    (one file, no roles) the trigger lets an UPDATE through only while an erasure is in
    progress."""
    if db.session.get_bind().dialect.name == "postgresql":
        return int(db.session.scalar(
            text("SELECT grants_redact_person(:user_id, CAST(:values AS text[]), :replacement)"),
            {"user_id": user.id, "values": values, "replacement": REPLACEMENT}))
    changed = len(_rewrite(AuditEvent, {"before_json": True, "after_json": True,
                                        "note": False}, values))
    _rewrite(SecurityEvent, {"detail_json": True}, values)
    # Inside the events' payloads (a note may quote the name among other words).
    _rewrite(DomainEvent, {"payload_json": True}, values)
    lowered = [value.lower() for value in values]
    db.session.execute(update(SecurityEvent).where(func.lower(SecurityEvent.email).in_(lowered))
                       .values(email=REPLACEMENT).execution_options(synchronize_session=False))
    changed += db.session.execute(
        update(AuditEvent).where(AuditEvent.actor_id == user.id, AuditEvent.ip.is_not(None))
        .values(ip=None).execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(SecurityEvent).where(SecurityEvent.user_id == user.id,
                                    SecurityEvent.ip.is_not(None))
        .values(ip=None).execution_options(synchronize_session=False))
    return changed


def _rewrite(model, columns: dict[str, bool], values: list[str]) -> set[int]:
    """Replace ``values`` as whole words in ``columns`` (name: whether it holds JSON) of every
    row of ``model`` that quotes one of them; the ids of the rows changed. Rows are picked by a
    plain substring (the database's own LIKE), then rewritten here, so a row that quotes a
    value only inside a longer word stays as it was."""
    forms = {in_json: [json_inner(value) if in_json else value for value in values]
             for in_json in set(columns.values())}
    quotes = or_(*(getattr(model, name).contains(form, autoescape=True)
                   for name, in_json in columns.items() for form in forms[in_json]))
    changed = set()
    names = list(columns)
    for row in db.session.execute(select(model.id, *(getattr(model, n) for n in names))
                                  .where(quotes)).all():
        new = {name: redact_words(getattr(row, name), values, in_json=columns[name])
               for name in names}
        if any(new[name] != getattr(row, name) for name in names):
            db.session.execute(update(model).where(model.id == row.id).values(new)
                               .execution_options(synchronize_session=False))
            changed.add(row.id)
    return changed


def _redact_copies(values: list[str]) -> None:
    """Replace ``values`` (and their HTML-escaped form) wherever a notification or an e-mail of
    any recipient quotes them, as whole words; remove an organisation's second address that is
    one of them."""
    forms = list(dict.fromkeys(form for value in values for form in (value, str(escape(value)))))
    _rewrite(Notification, {"title": False, "body": False}, forms)
    _rewrite(OutgoingEmail, {"subject": False, "text_body": False, "html_body": False}, forms)
    lowered = [value.lower() for value in values]
    db.session.execute(delete(OrganisationContact)
                       .where(func.lower(OrganisationContact.email).in_(lowered))
                       .execution_options(synchronize_session=False))


def anonymise_person(user: User, *, actor: User, confirm: str | None) -> PersonalDataErasure:
    """Erase ``user``'s identifying data where the law allows (see the module's docstring).
    ``confirm`` must repeat the person's e-mail. Raises Forbidden (not an admin, or oneself),
    InvalidInput (field "confirm"), Conflict (done already). Audited, by id only."""
    _allowed(actor)
    if user.id == actor.id:
        raise Forbidden("Không thể tự xóa dữ liệu của chính mình.")
    if user.anonymised_at is not None:
        raise Conflict("Dữ liệu của người này đã được ẩn danh trước đó.")
    if (confirm or "").strip().lower() != user.email.lower():
        raise InvalidInput("Nhập đúng thư điện tử của người này để xác nhận.", field="confirm")
    values = _identifying_values(user)
    erasure = PersonalDataErasure(user_id=user.id, actor_id=actor.id, in_progress=True,
                                  audit_rows=0)
    db.session.add(erasure)
    db.session.flush()
    db.session.expire_all()  # the trails are changed in SQL below
    user = db.session.get(User, erasure.user_id)
    erasure = db.session.get(PersonalDataErasure, erasure.id)
    rows = _redact_trails(user, values)
    _redact_copies(values)
    org = user.organisation
    if org is not None:
        for field in ("representative", "phone", "email"):
            value = getattr(org, field)
            if value and value.lower() in {v.lower() for v in values}:
                setattr(org, field, None)
        if org.representative is None:
            org.representative_title = None
    for email in db.session.scalars(select(OutgoingEmail).where(
            OutgoingEmail.user_id == user.id)):
        email.to_address = f"an-danh-{user.id}@an-danh.invalid"
        email.text_body = REPLACEMENT
        email.html_body = None
    for claim in db.session.scalars(select(OrganisationClaim).where(
            OrganisationClaim.user_id == user.id)):
        # The certificate names the legal representative: the file goes, its hash stays.
        if claim.certificate_stored_name:
            uploads.delete_after_commit(claim.certificate_stored_name)
            claim.certificate_stored_name = None
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()
    user.email = f"an-danh-{user.id}@an-danh.invalid"
    user.full_name = f"{REPLACEMENT} #{user.id}"
    user.phone = None
    user.title = None
    user.set_password(secrets.token_urlsafe(32))
    user.is_active_account = False
    user.anonymised_at = utcnow()
    erasure.audit_rows = rows
    erasure.in_progress = False
    db.session.flush()
    audit.record("person.anonymise", erasure, actor=actor,
                 after={"user": user.id, "audit_rows": rows})
    security_log.record("personal_data.erase", user=actor, detail={"person": user.id})
    return erasure
