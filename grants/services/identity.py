"""Who an applicant is (issue 13 points 7 and 8): the claim to represent an organisation,
checked by the desk against the business registration certificate, and the confirmed e-mail
address. Until both hold, the applicant may prepare drafts but not submit them."""

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from grants.db import lock_for_update, utcnow
from grants.domain.enums import Verification
from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.policy import Permission, can
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import Dossier, Organisation, OrganisationClaim, User
from grants.queries import identity as identity_queries
from grants.services import audit, summaries, uploads

NOT_VERIFIED = ("Tổ chức «{name}» (mã số thuế {tax_code}) chưa được Bộ phận một cửa xác minh, "
                "nên hồ sơ chưa nộp được. Hãy tải lên Giấy chứng nhận đăng ký doanh nghiệp / "
                "hợp tác xã ở trang «Xác minh tổ chức»; khi được xác minh, bạn nộp hồ sơ này. "
                "Trong lúc chờ, bạn vẫn soạn và lưu hồ sơ nháp bình thường.")
REJECTED = ("Bộ phận một cửa không xác minh được tổ chức «{name}» (mã số thuế {tax_code})"
            "{reason}. Hãy tải lên giấy chứng nhận đúng ở trang «Xác minh tổ chức» hoặc liên hệ "
            "Bộ phận một cửa.")
NOT_CONFIRMED = ("Bạn cần xác nhận địa chỉ thư điện tử {email} trước khi nộp hồ sơ: mở liên kết "
                 "trong thư chúng tôi đã gửi (hoặc gửi lại thư ở trang «Xác minh tổ chức»).")


def check_may_submit(dossier: Dossier, actor: User) -> None:
    """Refuse (Conflict, with what to do) to file a dossier of an organisation whose identity
    the desk has not verified, or for an applicant whose e-mail is not confirmed. The desk
    filing a paper dossier is not asked for the applicant's e-mail."""
    org = dossier.organisation
    if org.verification == Verification.REJECTED.value:
        claim = identity_queries.latest_claim(actor.id, org.id)
        reason = f": {claim.reason}" if claim is not None and claim.reason else ""
        raise Conflict(REJECTED.format(name=org.name, tax_code=org.tax_code, reason=reason))
    if not org.is_verified:
        raise Conflict(NOT_VERIFIED.format(name=org.name, tax_code=org.tax_code))
    own = actor.organisation_id is not None and actor.organisation_id == dossier.organisation_id
    if own and not actor.email_confirmed:
        raise Conflict(NOT_CONFIRMED.format(email=actor.email))


def open_claim(user: User, organisation: Organisation) -> OrganisationClaim:
    """A pending claim of ``user`` on ``organisation`` (at registration). Flushes."""
    claim = OrganisationClaim(organisation=organisation, user=user,
                              tax_code=organisation.tax_code,
                              status=Verification.PENDING.value)
    db.session.add(claim)
    db.session.flush()
    return claim


def upload_certificate(actor: User, *, stream, original_name: str | None, upload_dir,
                       max_bytes: int) -> OrganisationClaim:
    """Store the business registration certificate for the actor's claim (a new claim after a
    rejection; a replaced file while pending). Raises Forbidden for anyone but the claiming
    applicant, Conflict once verified, InvalidInput (field "file") for a refused file."""
    org = actor.organisation
    if Role.APPLICANT not in actor.roles or org is None:
        raise Forbidden("Chỉ người đại diện tổ chức tải lên giấy chứng nhận.", field="file")
    if org.is_verified:
        raise Conflict("Tổ chức đã được xác minh; không cần tải lên giấy chứng nhận nữa.")
    stored = uploads.store_file(stream, original_name, upload_dir=upload_dir,
                                max_bytes=max_bytes, organisation_id=org.id)
    claim = identity_queries.latest_claim(actor.id, org.id)
    if claim is None or claim.status != Verification.PENDING.value:
        claim = open_claim(actor, org)
        org.verification = Verification.PENDING.value
    elif claim.certificate_stored_name:
        uploads.delete_after_commit(claim.certificate_stored_name, upload_dir)
    claim.certificate_stored_name = stored.stored_name
    claim.certificate_original_name = stored.original_name
    claim.certificate_content_type = stored.content_type
    claim.certificate_size = stored.size
    claim.certificate_sha256 = stored.sha256
    claim.certificate_uploaded_at = utcnow()
    db.session.flush()
    audit.record("organisation.certificate", org, actor=actor,
                 after={"claim": claim.id, "file": stored.original_name,
                        "size_bytes": stored.size, "sha256": stored.sha256})
    return claim


def _pending(claim: OrganisationClaim, actor: User) -> OrganisationClaim:
    """The claim locked and fresh, still waiting for the desk: of two clerks deciding it at
    once, the second is told it was decided (Conflict)."""
    if not can(actor, Permission.VERIFY_ORGANISATION):
        raise Forbidden("Chỉ Bộ phận một cửa xác minh tổ chức.")
    claim = db.session.execute(
        lock_for_update(select(OrganisationClaim).where(OrganisationClaim.id == claim.id))
        .execution_options(populate_existing=True)).scalar_one()
    if claim.status != Verification.PENDING.value:
        raise Conflict(f"Yêu cầu này đã được xử lý ({claim.status_label}).")
    return claim


def verify_claim(claim: OrganisationClaim, *, actor: User, note: str | None = None) -> Organisation:
    """The desk has seen the certificate: the claim is verified. If another organisation with
    this tax code is verified already, the claimant (and their drafts) join it; otherwise the
    claimed organisation becomes the verified one. Other claims on the tax code stay pending
    for the desk. Raises Forbidden, Conflict (decided already, no certificate, another
    organisation with this tax code verified at the same moment). Audited."""
    claim = _pending(claim, actor)
    if not claim.certificate_stored_name:
        raise Conflict("Người đăng ký chưa tải lên giấy chứng nhận đăng ký doanh nghiệp; chưa "
                       "xác minh được.")
    org = claim.organisation
    existing = identity_queries.verified_organisation(claim.tax_code)
    target = org
    if existing is not None and existing.id != org.id:
        target = existing
        user = claim.user
        user.organisation_id = existing.id
        moved = db.session.scalars(select(Dossier.id).where(Dossier.organisation_id == org.id))
        with summaries.moving_dossiers(db.session, moved):
            db.session.execute(update(Dossier).where(Dossier.organisation_id == org.id)
                               .values(organisation_id=existing.id))
        org.verification = Verification.REJECTED.value
    else:
        org.verification = Verification.VERIFIED.value
    claim.status = Verification.VERIFIED.value
    claim.decided_at = utcnow()
    claim.decided_by_id = actor.id
    claim.reason = (note or "").strip() or None
    tax_code = claim.tax_code
    try:
        db.session.flush()
    except IntegrityError:  # one verified organisation per tax code (a partial unique index)
        raise Conflict(f"Một tổ chức khác mang mã số thuế {tax_code} vừa được xác minh. "
                       "Hãy tải lại trang rồi xác minh lại: người đăng ký sẽ được gắn vào tổ "
                       "chức đó.") from None
    audit.record("organisation.verify", target, actor=actor, note=claim.reason,
                 after={"claim": claim.id, "tax_code": claim.tax_code,
                        "claimant": claim.user_id, "joined": target.id != org.id,
                        "certificate_sha256": claim.certificate_sha256})
    return target


def reject_claim(claim: OrganisationClaim, *, actor: User, reason: str | None) -> None:
    """The certificate does not prove the claim: rejected with a reason the applicant sees.
    Raises Forbidden, Conflict, InvalidInput (field "reason") without a reason. Audited."""
    claim = _pending(claim, actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Nêu lý do không xác minh (người đăng ký sẽ đọc lý do này).",
                           field="reason")
    if len(reason) > 1000:
        raise InvalidInput("Lý do tối đa 1000 ký tự.", field="reason")
    claim.status = Verification.REJECTED.value
    claim.decided_at = utcnow()
    claim.decided_by_id = actor.id
    claim.reason = reason
    if not claim.organisation.is_verified:
        claim.organisation.verification = Verification.REJECTED.value
    db.session.flush()
    audit.record("organisation.reject", claim.organisation, actor=actor, note=reason,
                 after={"claim": claim.id, "tax_code": claim.tax_code,
                        "claimant": claim.user_id})


def claim_or_404(claim_id: int) -> OrganisationClaim:
    claim = db.session.get(OrganisationClaim, claim_id)
    if claim is None:
        raise NotFound("Không tìm thấy yêu cầu xác minh.")
    return claim


# ---------------------------------------------------------------- e-mail confirmation


def send_confirmation(user: User, link: str) -> None:
    """Queue the message with the confirmation link (made at the edge, which holds the
    secret). Flushes; sent after the commit."""
    from grants.services.mail import queue_email

    queue_email(
        user.email, "Xác nhận địa chỉ thư điện tử — Hỗ trợ NQ 43/2022",
        f"Kính gửi {user.full_name},\n\n"
        "Tài khoản của bạn trên hệ thống Hỗ trợ áp dụng tiêu chuẩn, công cụ quản lý (Nghị quyết "
        "43/2022/NQ-HĐND) vừa được đăng ký với địa chỉ thư này. Để nộp được hồ sơ, hãy xác "
        f"nhận địa chỉ bằng cách mở liên kết sau (dùng được một lần):\n\n{link}\n\n"
        "Nếu bạn không đăng ký, hãy bỏ qua thư này.\n\n"
        "Sở Khoa học và Công nghệ tỉnh Bắc Ninh", user=user)


def confirm_email(user_id: int, email: str) -> User:
    """Mark the address confirmed. The token names the address; once confirmed (or if the
    address changed since), the same link is refused: it works once. Raises InvalidInput."""
    user = db.session.scalar(select(User).where(User.id == user_id))
    if user is None or user.email != email or user.email_confirmed_at is not None:
        raise InvalidInput("Liên kết xác nhận đã được dùng hoặc không còn hiệu lực.",
                           field="token")
    user.email_confirmed_at = utcnow()
    db.session.flush()
    audit.record("user.confirm_email", user, actor=user, after={"email": user.email})
    return user
