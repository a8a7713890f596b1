"""Accounts: applicant self-registration, staff user management, API tokens."""

import hashlib
import secrets

from sqlalchemy import func, select

from grants.db import utcnow
from grants.domain.errors import Forbidden, InvalidInput
from grants.domain.organisations import OrgType, validate_tax_code
from grants.domain.roles import MONEY_ROLES, Role, role_conflict
from grants.extensions import db
from grants.models import ApiToken, Organisation, User
from grants.services import audit, security_log


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def email_taken(email: str, *, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if exclude_id:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


def tax_code_taken(tax_code: str, *, exclude_id: int | None = None) -> bool:
    """A verified organisation holds ``tax_code`` (pending claims do not take it: issue 13)."""
    stmt = select(Organisation.id).where(Organisation.tax_code == tax_code,
                                         Organisation.verification == "verified")
    if exclude_id:
        stmt = stmt.where(Organisation.id != exclude_id)
    return db.session.scalar(stmt) is not None


def parse_roles(values) -> list[Role]:
    """Role names to Role members; InvalidInput naming the unknown one."""
    roles = []
    for value in values:
        try:
            roles.append(Role(value))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"Vai trò không tồn tại: {value!r} (có: {known}).",
                               field="roles") from None
    if not roles:
        raise InvalidInput("Cần ít nhất một vai trò.", field="roles")
    conflict = role_conflict(roles)
    if conflict:
        raise InvalidInput(conflict, field="roles")
    return roles


def _passwords():
    from grants.services import passwords  # (imports accounts)

    return passwords


def _record_role_changes(user: User, before, after, *, actor) -> None:
    """One security-log line per role granted or withdrawn, naming who did it; a granted role
    that decides or moves money (MONEY_ROLES) also gets its own audit row."""
    before, after = set(before), set(after)
    granted_by = {"by_id": getattr(actor, "id", None), "by": getattr(actor, "email", None)}
    for role in sorted(after - before):
        security_log.record("role.grant", user=user,
                            detail={"role": role.value, **granted_by})
        if role in MONEY_ROLES:
            audit.record("user.grant_role", user, actor=actor,
                         after={"email": user.email, "role": role.value, **granted_by},
                         note=f"Cấp vai trò {role.label} cho {user.email}")
    for role in sorted(before - after):
        security_log.record("role.revoke", user=user,
                            detail={"role": role.value, **granted_by})


def register_applicant(*, email: str, password: str, full_name: str, phone: str | None,
                       tax_code: str, org_name: str, org_type: str, address: str | None,
                       commune: str | None, consent: bool = False,
                       notice_version: str | None = None) -> User | None:
    """Create an organisation claim and its representative's applicant account.

    The organisation starts "pending" with a claim the desk verifies against the business
    registration certificate (services/identity.py); a tax code that is already registered is
    not refused: the desk resolves the claims. The e-mail address is unconfirmed until the
    link sent to it is followed. ``consent`` to the privacy notice ``notice_version`` is
    required (Law 91/2025) and stored with its time.

    Raises InvalidInput (with the field) for a bad tax code, a weak password or no consent. An
    e-mail that already has an account gets a message to its owner, and None is returned.
    """
    from grants.domain.enums import Verification
    from grants.services import identity

    tax_code = validate_tax_code(tax_code)
    if not consent or not notice_version:
        raise InvalidInput("Hãy đọc Thông báo xử lý dữ liệu cá nhân và đánh dấu ô đồng ý để "
                           "đăng ký.", field="consent")
    _passwords().check_policy(password, user_inputs=(email, full_name, org_name, tax_code))
    if email_taken(email):
        # Not said on the page (it would tell anyone which addresses have accounts): the
        # owner of the address is told by e-mail, and the caller gets None.
        _passwords().tell_owner_of_registration(normalise_email(email))
        return None
    OrgType(org_type)
    org = Organisation(name=org_name, org_type=org_type, tax_code=tax_code, address=address,
                       commune=commune, representative=full_name, phone=phone,
                       email=normalise_email(email), verification=Verification.PENDING.value)
    user = User(email=normalise_email(email), full_name=full_name, phone=phone, organisation=org,
                privacy_consent_at=utcnow(), privacy_notice_version=notice_version)
    user.set_password(password)
    user.set_roles([Role.APPLICANT])
    db.session.add_all([org, user])
    db.session.flush()
    # The column's default (confirmed) is for accounts made by staff; a self-registration is
    # unconfirmed until its link is followed (the default fills a None given at creation).
    user.email_confirmed_at = None
    db.session.flush()
    claim = identity.open_claim(user, org)
    audit.record("organisation.create", org, actor=user,
                 after={"tax_code": tax_code, "name": org_name, "verification": "pending",
                        "claim": claim.id})
    audit.record("user.register", user, actor=user, after={
        "email": user.email, "roles": ["applicant"],
        "privacy_notice_version": notice_version})
    return user


def create_user(*, email: str, password: str | None, full_name: str, roles,
                tax_code: str | None = None, title: str | None = None, actor=None) -> User:
    """Create a user with ``roles``; an applicant must name its organisation's tax code.
    Without a ``password`` the account gets one nobody knows: its owner sets theirs from the
    invitation (``passwords.invite``)."""
    roles = parse_roles(roles)
    if email_taken(email):
        raise InvalidInput("Thư điện tử này đã được dùng cho một tài khoản khác.", field="email")
    org = None
    if tax_code:
        tax_code = validate_tax_code(tax_code)
        org = db.session.scalar(select(Organisation).where(
            Organisation.tax_code == tax_code, Organisation.verification == "verified"))
        if org is None:
            raise InvalidInput(f"Không có tổ chức nào có mã số thuế {tax_code}.",
                               field="tax_code")
    if Role.APPLICANT in roles and org is None:
        raise InvalidInput("Tài khoản đại diện tổ chức cần mã số thuế của tổ chức.",
                           field="tax_code")
    if password is not None:
        _passwords().check_policy(password, user_inputs=(email, full_name))
    user = User(email=normalise_email(email), full_name=full_name, title=title, organisation=org)
    user.set_password(password if password is not None else secrets.token_urlsafe(32))
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    # No actor (the CLI run by the server's operator): the row names no one rather than
    # pretending the new account created itself.
    audit.record("user.create", user, actor=actor,
                 after={"email": user.email, "roles": sorted(r.value for r in roles),
                        "tax_code": tax_code})
    _record_role_changes(user, (), roles, actor=actor)
    return user


def update_user(user: User, *, actor, full_name: str, title: str | None, roles,
                is_active: bool) -> User:
    """Change a user's name, title, roles and active flag (admin only; audited)."""
    roles = parse_roles(roles)
    if Role.APPLICANT in roles and user.organisation_id is None:
        raise InvalidInput("Tài khoản đại diện tổ chức phải gắn với một tổ chức.", field="roles")
    if user.id == actor.id and set(roles) != set(user.roles):
        raise InvalidInput("Không ai được tự thay đổi vai trò của chính mình (kể cả tự bỏ quyền "
                           "quản trị); hãy nhờ một quản trị viên khác.", field="roles")
    if user.id == actor.id and not is_active:
        raise InvalidInput("Bạn không thể tự khóa tài khoản của mình.", field="is_active")
    old_roles = set(user.roles)
    before = {"full_name": user.full_name, "title": user.title, "is_active": user.is_active,
              "roles": sorted(r.value for r in user.roles)}
    was_active = user.is_active_account
    user.full_name, user.title, user.is_active_account = full_name, title, is_active
    if was_active and not is_active:
        from grants.services import sessions

        sessions.end_all(user, reason="disabled", actor=actor)
    user.set_roles(roles)
    db.session.flush()
    audit.record("user.update", user, actor=actor, before=before,
                 after={"full_name": full_name, "title": title, "is_active": is_active,
                        "roles": sorted(r.value for r in roles)})
    _record_role_changes(user, old_roles, roles, actor=actor)
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, *, actor=None, label: str | None = None) -> str:
    """Create a bearer token for ``user``; returns the clear token (only its hash is stored).

    A token is issued only to its own user (``actor`` None means the user itself, e.g. the CLI
    after checking the account's password): whoever holds a token acts as its owner, so a
    token read by someone else would let them act, and be audited, as that person. Raises
    Forbidden when ``actor`` is someone else, even an admin (who may revoke, never issue)."""
    if actor is not None and getattr(actor, "id", None) != user.id:
        raise Forbidden("Mã truy cập API chỉ được cấp cho chính chủ tài khoản; quản trị viên "
                        "chỉ có thể thu hồi mã của người khác.")
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token), label=label)
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.issue", row, actor=user, after={"user": user.email})
    security_log.record("token.issue", user=user, detail={"token_id": row.id, "label": label})
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning a non-revoked token, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                   ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user
