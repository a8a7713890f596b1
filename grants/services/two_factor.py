"""Two-factor authentication: TOTP (RFC 6238, pyotp) with ten single-use recovery codes.

Required of the money roles (leader, finance, chief accountant) and of admin accounts when
TWO_FACTOR_REQUIRED is on (they enrol right after their password, before any page), optional for
the other roles. A code is accepted once (the time step is remembered) and a failed code counts
against the account like a failed password. API tokens do not use it.

Nothing in the database lets its reader log in: the TOTP secret is stored encrypted and the
recovery codes (64 random bits each, shown once) as an HMAC keyed by the server
(grants.services.secrets_box, keys derived from SECRET_KEY). "Used once" is a conditional UPDATE
whose row count decides, so two logins racing with the same code cannot both pass.
"""

import hashlib
import secrets
import time

import pyotp
from sqlalchemy import or_, select, update

from grants.db import utcnow
from grants.domain.errors import InvalidInput
from grants.domain.sessions import TWO_FACTOR_ROLES
from grants.extensions import db
from grants.models import RecoveryCode, User
from grants.queue import settings
from grants.services import audit, secrets_box, security_log, sessions

RECOVERY_CODES = 10
#: Hex digits of a recovery code (64 bits), shown in groups of four: xxxx-xxxx-xxxx-xxxx.
RECOVERY_DIGITS = 16
#: Recovery codes made before (10 hex digits) still work until they are used or renewed.
RECOVERY_LENGTHS = (10, RECOVERY_DIGITS)
TOTP_KEY_PURPOSE = "totp secrets"
CODE_KEY_PURPOSE = "recovery codes"
#: Codes of the step before and after the current one are accepted (clocks drift).
VALID_WINDOW = 1
BAD_CODE = "Mã xác thực không đúng hoặc đã được dùng. Hãy nhập mã mới trong ứng dụng."


def required_for(user: User, *, enforced: bool) -> bool:
    """Whether ``user`` must use a second factor: by role, when ``enforced`` (the edge passes
    the app's TWO_FACTOR_REQUIRED setting)."""
    return bool(enforced) and user.has_role(*TWO_FACTOR_ROLES)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email,
                                               issuer_name=settings()["TWO_FACTOR_ISSUER"])


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _hash_code(code: str, *, secret_key: str | None = None) -> str:
    """The stored form of a recovery code: an HMAC (keyed by the server) of its SHA-256, the
    form kept before, so that migration 0017 could turn the stored hashes into this one."""
    digest = hashlib.sha256(_clean(code).encode()).hexdigest()
    return rehash_legacy(digest, secret_key=secret_key)


def rehash_legacy(digest: str, *, secret_key: str | None = None) -> str:
    """The stored form of a recovery code whose unkeyed SHA-256 is ``digest``."""
    return secrets_box.keyed_hash(digest, purpose=CODE_KEY_PURPOSE, secret_key=secret_key)


def encrypt_secret(secret: str, *, secret_key: str | None = None) -> str:
    return secrets_box.encrypt(secret, purpose=TOTP_KEY_PURPOSE, secret_key=secret_key)


def _secret(user: User) -> str | None:
    """The user's TOTP secret in clear, or None (none, or unreadable: SECRET_KEY changed)."""
    if not user.totp_secret:
        return None
    try:
        return secrets_box.decrypt(user.totp_secret, purpose=TOTP_KEY_PURPOSE)
    except secrets_box.InvalidToken:
        return None


def _totp_step(secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to (within the window), or None."""
    code = _clean(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_codes(user: User) -> list[str]:
    for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(row)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(RECOVERY_DIGITS // 2)
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_DIGITS, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(raw)))
    db.session.flush()
    return codes


def start_enrolment(user: User) -> str:
    """The secret being enrolled: kept on the account (not yet in force) so that reloading the
    page shows the same QR code. Raises InvalidInput when two-factor is already on."""
    if user.two_factor_enabled:
        raise InvalidInput("Xác thực hai lớp đã bật cho tài khoản này.")
    secret = _secret(user)
    if secret is None:
        secret = new_secret()
        user.totp_secret = encrypt_secret(secret)
        db.session.flush()
    return secret


def enable(user: User, *, code: str) -> list[str]:
    """Turn two-factor on once ``code`` from the app proves the enrolling secret was saved;
    returns the ten recovery codes (shown once; only their hashes are kept)."""
    if user.two_factor_enabled:
        raise InvalidInput("Xác thực hai lớp đã bật cho tài khoản này.")
    secret = _secret(user)
    step = _totp_step(secret, code) if secret else None
    if step is None:
        raise InvalidInput("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại và nhập mã "
                           "đang hiện trong ứng dụng.", field="code")
    user.totp_enabled_at, user.totp_last_step = utcnow(), step
    codes = _new_recovery_codes(user)
    security_log.record("2fa.enabled", user=user)
    audit.record("user.2fa_enable", user, actor=user)
    return codes


def verify(user: User, code: str) -> str | None:
    """Check a code at login: a TOTP code not used before, or an unused recovery code (which
    is then spent). Returns "totp" or "recovery"; None for a wrong code, which is logged and
    counts against the account like a wrong password (lockout)."""
    if user.is_active and not sessions.is_locked(user) and user.totp_secret:
        secret = _secret(user)
        step = _totp_step(secret, code) if secret else None
        if step is not None and _spend_step(user, step):
            return "totp"
        if len(_clean(code)) in RECOVERY_LENGTHS and _spend_recovery_code(user, code):
            security_log.record("2fa.recovery_used", user=user,
                                detail={"left": remaining_codes(user)})
            return "recovery"
        security_log.record("2fa.failed", user=user)
        sessions.register_failure(user)
    else:
        security_log.record("2fa.failed", user=user, detail={"reason": "locked"})
    return None


def _spend_step(user: User, step: int) -> bool:
    """Remember ``step`` as used, unless it (or a later one) already was: one conditional
    UPDATE, so of two logins racing with the same code only one changes the row."""
    spent = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return False
    db.session.expire(user, ["totp_last_step"])
    return True


def _spend_recovery_code(user: User, code: str) -> bool:
    """Mark the user's unused recovery code ``code`` used: a conditional UPDATE, so a code
    raced by two logins is spent by one of them only."""
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _hash_code(code),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return spent.rowcount == 1


def remaining_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def regenerate_codes(user: User, *, password: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working); the password is required."""
    if not user.two_factor_enabled:
        raise InvalidInput("Xác thực hai lớp chưa bật.")
    if not user.check_password(password or ""):
        raise InvalidInput("Mật khẩu không đúng.", field="password")
    codes = _new_recovery_codes(user)
    security_log.record("2fa.recovery_renewed", user=user)
    audit.record("user.2fa_recovery_renew", user, actor=user)
    return codes


def disable(user: User, *, password: str, enforced: bool) -> None:
    """Turn two-factor off (only where the role does not require it, ``enforced`` being the
    TWO_FACTOR_REQUIRED setting); the password is required."""
    if required_for(user, enforced=enforced):
        raise InvalidInput("Vai trò của bạn bắt buộc dùng xác thực hai lớp; không thể tắt.")
    if not user.check_password(password or ""):
        raise InvalidInput("Mật khẩu không đúng.", field="password")
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(row)
    security_log.record("2fa.disabled", user=user)
    audit.record("user.2fa_disable", user, actor=user)
    db.session.flush()
