"""Accounts: applicant self-registration, staff user management, API tokens."""

import hashlib
import secrets

from sqlalchemy import func, select

from grants.db import utcnow
from grants.domain.errors import InvalidInput
from grants.domain.organisations import OrgType, validate_tax_code
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import ApiToken, Organisation, User
from grants.services import audit


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def email_taken(email: str, *, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if exclude_id:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


def tax_code_taken(tax_code: str, *, exclude_id: int | None = None) -> bool:
    stmt = select(Organisation.id).where(Organisation.tax_code == tax_code)
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
    return roles


def register_applicant(*, email: str, password: str, full_name: str, phone: str | None,
                       tax_code: str, org_name: str, org_type: str, address: str | None,
                       commune: str | None) -> User:
    """Create an organisation and its representative's applicant account.

    Raises InvalidInput (with the field) for a bad or taken tax code or a taken e-mail.
    """
    tax_code = validate_tax_code(tax_code)
    if tax_code_taken(tax_code):
        raise InvalidInput("Mã số thuế này đã được đăng ký. Nếu bạn là người đại diện của tổ "
                           "chức, hãy liên hệ Bộ phận một cửa để được cấp quyền.",
                           field="tax_code")
    if email_taken(email):
        raise InvalidInput("Thư điện tử này đã được dùng cho một tài khoản khác.", field="email")
    OrgType(org_type)
    org = Organisation(name=org_name, org_type=org_type, tax_code=tax_code, address=address,
                       commune=commune, representative=full_name, phone=phone,
                       email=normalise_email(email))
    user = User(email=normalise_email(email), full_name=full_name, phone=phone, organisation=org)
    user.set_password(password)
    user.set_roles([Role.APPLICANT])
    db.session.add_all([org, user])
    db.session.flush()
    audit.record("organisation.create", org, actor=user,
                 after={"tax_code": tax_code, "name": org_name})
    audit.record("user.register", user, actor=user, after={"email": user.email,
                                                            "roles": ["applicant"]})
    return user


def create_user(*, email: str, password: str, full_name: str, roles, tax_code: str | None = None,
                title: str | None = None, actor=None) -> User:
    """Create a user with ``roles``; an applicant must name its organisation's tax code."""
    roles = parse_roles(roles)
    if email_taken(email):
        raise InvalidInput("Thư điện tử này đã được dùng cho một tài khoản khác.", field="email")
    org = None
    if tax_code:
        tax_code = validate_tax_code(tax_code)
        org = db.session.scalar(select(Organisation).where(Organisation.tax_code == tax_code))
        if org is None:
            raise InvalidInput(f"Không có tổ chức nào có mã số thuế {tax_code}.",
                               field="tax_code")
    if Role.APPLICANT in roles and org is None:
        raise InvalidInput("Tài khoản đại diện tổ chức cần mã số thuế của tổ chức.",
                           field="tax_code")
    if len(password or "") < 8:
        raise InvalidInput("Mật khẩu cần ít nhất 8 ký tự.", field="password")
    user = User(email=normalise_email(email), full_name=full_name, title=title, organisation=org)
    user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=actor or user,
                 after={"email": user.email, "roles": sorted(r.value for r in roles),
                        "tax_code": tax_code})
    return user


def update_user(user: User, *, actor, full_name: str, title: str | None, roles,
                is_active: bool) -> User:
    """Change a user's name, title, roles and active flag (admin only; audited)."""
    roles = parse_roles(roles)
    if Role.APPLICANT in roles and user.organisation_id is None:
        raise InvalidInput("Tài khoản đại diện tổ chức phải gắn với một tổ chức.", field="roles")
    if user.id == actor.id and (Role.ADMIN not in roles or not is_active):
        raise InvalidInput("Bạn không thể tự bỏ quyền quản trị hoặc tự khoá tài khoản của mình.",
                           field="roles")
    before = {"full_name": user.full_name, "title": user.title, "is_active": user.is_active,
              "roles": sorted(r.value for r in user.roles)}
    user.full_name, user.title, user.is_active_account = full_name, title, is_active
    user.set_roles(roles)
    db.session.flush()
    audit.record("user.update", user, actor=actor, before=before,
                 after={"full_name": full_name, "title": title, "is_active": is_active,
                        "roles": sorted(r.value for r in roles)})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (callers show one generic message)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, *, actor=None, label: str | None = None) -> str:
    """Create a bearer token for ``user``; returns the clear token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token), label=label)
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.issue", row, actor=actor or user, after={"user": user.email})
    return token


def user_for_token(token: str) -> User | None:
    """The active user owning a non-revoked token, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                   ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user
