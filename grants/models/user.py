"""Users (staff and applicants), their roles, and API tokens."""

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from grants.db import utcnow
from grants.domain.roles import Role
from grants.extensions import db
from grants.models._types import created_at, enum_check


class User(db.Model):
    __tablename__ = "users"

    #: The werkzeug method that hashes new passwords; create_app sets it from the
    #: PASSWORD_HASH_METHOD setting (the model reads no Flask configuration).
    password_hash_method: ClassVar[str] = "scrypt"  # noqa: S105 - a method name

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at()
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Sessions, passwords, lockout and two-factor (grants/services/sessions.py, passwords.py,
    # two_factor.py). ``session_version`` is part of Flask-Login's id of the user: raising it
    # ends every session (and remember cookie) of the account at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Encrypted (Fernet, grants.services.secrets_box): a copy of the database gives no codes.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Issue 13 points 8 and 12. Accounts made by staff, the CLI or the demo count as confirmed
    # (the column default); a self-registration sets None until its link is followed.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, default=utcnow)
    privacy_consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    privacy_notice_version: Mapped[str | None] = mapped_column(String(20))
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation = relationship("Organisation", back_populates="members")
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The interface Flask-Login expects of a user (grants.app wires the login manager); written
    # here so that models import nothing from Flask. Deactivated accounts cannot log in.
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_authenticated(self) -> bool:
        return self.is_active

    def get_id(self) -> str:
        # Flask-Login's alternative id: "<id>:<session version>" (grants.app's user loader
        # refuses a cookie whose version is no longer the account's).
        return f"{self.id}:{self.session_version or 0}"

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles - {Role.APPLICANT})

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [r for r in self.role_rows if Role(r.role) in wanted]
        have = {Role(r.role) for r in self.role_rows}
        for role in sorted(wanted - have):
            self.role_rows.append(UserRole(role=role.value))

    def set_password(self, password: str, method: str | None = None) -> None:
        """Hash ``password`` with ``method`` (default: ``password_hash_method``)."""
        self.password_hash = generate_password_hash(password,
                                                    method=method or self.password_hash_method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),
        enum_check("role", Role, "role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token for the one-stop software; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()
