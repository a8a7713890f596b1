"""Logins and sessions: checking a password (in the same time whether or not the account
exists), locking an account after failed attempts, ending every session of an account.

A session is revocable on the server: Flask-Login's id of a user is "<id>:<session_version>"
(``User.get_id``) and ``user_for_session_id`` refuses an id whose version is no longer the
account's, so raising the version (logout, password change or reset, disabling, "sign out
everywhere") ends every session and remember cookie of the account at once, in every browser.
A page view gets the same checks from ``account_for_session_id``, as a plain ``Account``.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import cache, lru_cache

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from grants.db import read_alone, utcnow
from grants.domain.roles import Role
from grants.domain.sessions import lockout_seconds
from grants.extensions import db
from grants.models import Organisation, User, UserRole
from grants.queue import settings
from grants.services import security_log
from grants.services.accounts import normalise_email


def _parse_session_id(session_id: str) -> tuple[int, int] | None:
    """(user id, session version) of Flask-Login's id "<id>:<version>"; None for any other
    form (the old form without a version included)."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    return int(user_id), int(version)


def user_for_session_id(session_id: str, *, with_columns: tuple = (),
                        then: Callable[[User, tuple], None] | None = None) -> User | None:
    """The active user of a Flask-Login id "<id>:<version>", or None when the version was
    rotated since (or the id has the old form without a version). The account and its roles
    are read in one statement on every call (no cache: a disabled account, a rotated session or
    a changed role applies on the very next request). ``with_columns`` (correlated to
    ``User.id``) are read in the same statement and handed to ``then(user, values)``."""
    parsed = _parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, version = parsed
    row = db.session.execute(_user_statement(with_columns),
                             {"user_id": user_id}).unique().first()
    if row is None or (row[0].session_version or 0) != version:
        return None
    if then is not None:
        then(row[0], tuple(row[1:]))
    return row[0]


#: The columns of ``users`` a page view reads (``_account_statement``), in that order.
_ACCOUNT_FIELDS = ("id", "session_version", "full_name", "email", "organisation_id",
                   "is_active_account", "totp_enabled_at", "email_confirmed_at")
#: Positions in each row of ``_account_statement``: the session version, the role.
_VERSION, _ROLE = _ACCOUNT_FIELDS.index("session_version"), len(_ACCOUNT_FIELDS)


class Account:
    """The signed-in person as a page view (GET, HEAD) knows them: read with one narrow Core
    statement (``account_for_session_id``), no ORM object and no session involved, since most
    page views read only who the viewer is (id, name, roles, organisation) and the layout's
    few facts. Whatever else a view or a service asks of it (``title``, ``organisation``, a
    method) comes from the account's ORM ``User``, loaded then from the request's session
    (``user``). It is read-only: what changes an account acts on ``user``."""

    __slots__ = (*_ACCOUNT_FIELDS, "roles", "_user")

    is_anonymous = False

    def __init__(self, values, roles: frozenset[Role]):
        for name, value in zip(_ACCOUNT_FIELDS, values, strict=False):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "roles", roles)
        object.__setattr__(self, "_user", None)

    def __setattr__(self, name, value):
        raise AttributeError(f"Account is read-only; change {name!r} on Account.user")

    def __repr__(self) -> str:
        return f"<Account {self.id}>"

    # What User offers, from the columns read (grants.models.user.User).
    is_active = property(lambda self: self.is_active_account)
    is_authenticated = property(lambda self: self.is_active_account)
    get_id = User.get_id
    two_factor_enabled = User.two_factor_enabled
    email_confirmed = User.email_confirmed
    has_role = User.has_role
    is_staff = User.is_staff

    @property
    def organisation(self) -> Organisation | None:
        """The applicant's organisation (the applicant's pages show it), without the ``User``."""
        if self.organisation_id is None:
            return None
        return db.session.get(Organisation, self.organisation_id)

    @property
    def user(self) -> User:
        """The account's ORM object, from the request's session (loaded on first use)."""
        if self._user is None:
            object.__setattr__(self, "_user", db.session.get(User, self.id))
        return self._user

    def __getattr__(self, name: str):
        if name.startswith("_"):  # Python's and libraries' probes (__html__, __len__ …)
            raise AttributeError(name)
        return getattr(self.user, name)


def account_for_session_id(session_id: str, *, with_columns: tuple = (),
                           then: Callable[[Account, tuple], None] | None = None
                           ) -> Account | None:
    """``user_for_session_id`` for a page view: the same checks, an ``Account`` instead of the
    ORM ``User``. The statement runs on a connection of its own (none of the session's, so a
    page served from its kept copy opens no session transaction at all), unless the session is
    already in a transaction, whose view of the data it then shares."""
    parsed = _parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, version = parsed
    statement, params = _account_statement(with_columns), {"user_id": user_id}
    if db.session.registry.has() and db.session().in_transaction():
        rows = db.session.connection().execute(statement, params).all()
    else:  # no session made for nothing: a page served from its kept copy needs none
        rows = read_alone(statement, params)
    if not rows or (rows[0][_VERSION] or 0) != version:
        return None
    account = Account(rows[0], frozenset(Role(row[_ROLE]) for row in rows if row[_ROLE]))
    if then is not None:
        then(account, tuple(rows[0][_ROLE + 1:]))
    return account


@lru_cache(maxsize=8)
def _account_statement(with_columns: tuple):
    """One row per role (none: one row, its role NULL), each with ``with_columns``; built
    once per set of extra columns, like ``_user_statement``."""
    return (select(*(getattr(User, name) for name in _ACCOUNT_FIELDS), UserRole.role,
                   *with_columns)
            .select_from(User.__table__.outerjoin(UserRole.__table__))
            .where(User.id == bindparam("user_id")))


@lru_cache(maxsize=8)
def _user_statement(with_columns: tuple):
    """Built once per set of extra columns (a constant of the caller): reused as it is, a
    statement skips SQLAlchemy's construction and cache-key work on every request."""
    return (select(User, *with_columns).where(User.id == bindparam("user_id"))
            .options(joinedload(User.role_rows)))


@cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password with ``method``: what an unknown account is checked against,
    so it costs the same time as a known one."""
    return generate_password_hash("not-a-password-of-anyone", method=method)


def current_method_prefix() -> str:
    """What a hash made with the current setting starts with ("scrypt:32768:8:1")."""
    return _dummy_hash(User.password_hash_method).split("$", 1)[0]


def is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def check_credentials(email: str, password: str) -> User | None:
    """The active, unlocked user with these credentials, or None (one generic message for the
    caller). Every path checks one password hash of the current method; a failure counts
    against the account (``register_failure``) and is logged. A hash of an older method is
    replaced by one of the current setting."""
    address = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        check_password_hash(_dummy_hash(User.password_hash_method), password or "")
        security_log.record("login.failed", email=address[:254],
                            detail={"reason": "unknown_account"})
        return None
    if not user.is_active or is_locked(user):
        check_password_hash(_dummy_hash(User.password_hash_method), password or "")
        reason = "locked" if user.is_active else "disabled"
        security_log.record("login.failed", user=user, detail={"reason": reason})
        return None
    if not user.check_password(password or ""):
        security_log.record("login.failed", user=user, detail={"reason": "password"})
        register_failure(user)
        return None
    if user.password_hash.split("$", 1)[0] != current_method_prefix():
        user.set_password(password)  # rehash with the current setting (policy not re-applied)
    return user


def register_failure(user: User) -> None:
    """Count one failed attempt (password or second factor); lock the account once there are
    LOCKOUT_THRESHOLD in a row, for a time that doubles with each further failure."""
    config = settings()
    # Counted in the database (failed_logins + 1), not from the value this request read: of
    # attempts racing each other, every one counts (the row lock orders them).
    failures = db.session.execute(
        update(User).where(User.id == user.id)
        .values(failed_logins=func.coalesce(User.failed_logins, 0) + 1)
        .returning(User.failed_logins).execution_options(synchronize_session=False)).scalar_one()
    set_committed_value(user, "failed_logins", failures)
    seconds = lockout_seconds(failures, threshold=config["LOCKOUT_THRESHOLD"],
                              base=config["LOCKOUT_BASE_SECONDS"],
                              cap=config["LOCKOUT_MAX_SECONDS"])
    if seconds:
        until = utcnow() + timedelta(seconds=seconds)
        # A later lock than one set meanwhile by a racing attempt is kept.
        db.session.execute(
            update(User).where(User.id == user.id,
                               or_(User.locked_until.is_(None), User.locked_until < until))
            .values(locked_until=until).execution_options(synchronize_session=False))
        db.session.expire(user, ["locked_until"])
        security_log.record("login.lockout", user=user,
                            detail={"failures": failures, "seconds": seconds})
    db.session.flush()


def logged_in(user: User, *, second_factor: str | None = None) -> None:
    """Record a complete login (password, and the second factor when there is one)."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    security_log.record("login", user=user,
                        detail={"second_factor": second_factor} if second_factor else None)
    db.session.flush()


def end_all(user: User, *, reason: str, actor=None) -> None:
    """End every session of ``user`` (all browsers, remember cookies included)."""
    user.session_version = (user.session_version or 0) + 1
    detail = {"reason": reason}
    if actor is not None and getattr(actor, "id", None) != user.id:
        detail["by"] = getattr(actor, "email", None)
    security_log.record("logout" if reason == "logout" else "sessions.ended", user=user,
                        detail=detail)
    db.session.flush()
