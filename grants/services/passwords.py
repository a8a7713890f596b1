"""Passwords: the policy a new one must meet (length, and not guessable by zxcvbn's estimator),
changing one, and resetting a forgotten one with a single-use, expiring link.

A reset link carries a token signed with the app's secret (itsdangerous) that names the account
and a fingerprint of its current password hash: it expires after PASSWORD_RESET_MINUTES (sent
by e-mail) or ADMIN_RESET_HOURS (issued by an admin for someone without e-mail), and it stops
working the moment the password changes: when it is used, or by any other change or reset.
"""

import hashlib
import re
import unicodedata

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from zxcvbn import zxcvbn

from grants.db import utcnow
from grants.domain.errors import Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import User
from grants.queue import settings
from grants.services import audit, security_log, sessions
from grants.services.accounts import normalise_email
from grants.services.mail import queue_email

RESET_SALT = "password-reset"
#: zxcvbn's cost grows with the length; a longer password is judged on its first characters.
ESTIMATE_CHARACTERS = 100

WEAK_MESSAGE = ("Mật khẩu quá dễ đoán (mật khẩu phổ biến, dãy phím, ngày tháng, hoặc giống tên, "
                "thư điện tử của bạn). Hãy dùng một cụm từ dài gồm vài từ không liên quan, "
                "ví dụ «đồng hồ xanh mưa bến cảng».")
INVALID_LINK = ("Liên kết đặt lại mật khẩu không hợp lệ, đã hết hạn hoặc đã được dùng. "
                "Hãy yêu cầu một liên kết mới.")


def check_policy(password: str, *, user_inputs=()) -> None:
    """Raise InvalidInput (field "password") unless ``password`` is long enough and zxcvbn
    scores it at least PASSWORD_MIN_SCORE, knowing the person's e-mail and name."""
    config = settings()
    password = password or ""
    minimum = config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise InvalidInput(f"Mật khẩu cần ít nhất {minimum} ký tự.", field="password")
    inputs = _personal_words(user_inputs)
    if zxcvbn(password[:ESTIMATE_CHARACTERS], user_inputs=inputs)["score"] \
            < config["PASSWORD_MIN_SCORE"]:
        raise InvalidInput(WEAK_MESSAGE, field="password")


def _plain(text: str) -> str:
    """Lower case without diacritics ("Nguyễn Thị Lan" → "nguyen thi lan")."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _personal_words(values) -> list[str]:
    """What zxcvbn should treat as guessable for this person: each value, its words, and the
    words run together, with and without diacritics."""
    words: list[str] = []
    for value in values:
        if not value:
            continue
        for text in {str(value).lower(), _plain(str(value))}:
            parts = [p for p in re.split(r"[^\w]+", text) if len(p) > 2]
            words += [text, text.split("@")[0], "".join(parts), *parts]
    return words


def set_new_password(user: User, password: str) -> None:
    """Check the policy and store ``password``; every session and reset link of the account
    ends with the old one."""
    check_policy(password, user_inputs=(user.email, user.full_name))
    user.set_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None


def change_password(user: User, *, current: str, new: str) -> User:
    """The user's own change: the current password is required."""
    if not user.check_password(current or ""):
        security_log.record("password.change_failed", user=user)
        raise InvalidInput("Mật khẩu hiện tại không đúng.", field="current")
    set_new_password(user, new)
    sessions.end_all(user, reason="password_change")
    security_log.record("password.changed", user=user)
    audit.record("user.password_change", user, actor=user)
    return user


# ---------------------------------------------------------------- reset links


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings()["SECRET_KEY"], salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:32]


def reset_token(user: User, *, by_admin: bool = False) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user), "a": int(by_admin)})


def user_for_reset(token: str) -> User:
    """The account a valid reset token is for; InvalidInput when it is forged, expired or
    used (the password changed since it was made)."""
    config = settings()
    longest = max(config["PASSWORD_RESET_MINUTES"] * 60, config["ADMIN_RESET_HOURS"] * 3600)
    try:
        data, signed_at = _serializer().loads(token or "", max_age=longest,
                                              return_timestamp=True)
    except (SignatureExpired, BadSignature):
        raise InvalidInput(INVALID_LINK) from None
    if not isinstance(data, dict):
        raise InvalidInput(INVALID_LINK)
    limit = config["ADMIN_RESET_HOURS"] * 3600 if data.get("a") \
        else config["PASSWORD_RESET_MINUTES"] * 60
    age = (utcnow() - signed_at.replace(tzinfo=None)).total_seconds()
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if age > limit or user is None or not user.is_active \
            or data.get("f") != _fingerprint(user):
        raise InvalidInput(INVALID_LINK)
    return user


def request_reset(email: str, *, link_for) -> None:
    """"Quên mật khẩu": e-mail a reset link (``link_for(token)``) to the active account of
    ``email`` if there is one. Nothing tells the caller whether there was."""
    address = normalise_email(email)
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    security_log.record("password.reset_requested", user=user, email=address[:254],
                        detail=None if user is not None else {"reason": "unknown_account"})
    if user is None or not user.is_active:
        return
    minutes = settings()["PASSWORD_RESET_MINUTES"]
    link = link_for(reset_token(user))
    queue_email(
        user.email, "Đặt lại mật khẩu — Hỗ trợ NQ 43",
        f"Kính gửi {user.full_name},\n\n"
        f"Có yêu cầu đặt lại mật khẩu cho tài khoản {user.email}. Để đặt mật khẩu mới, mở "
        f"liên kết sau (dùng được một lần, trong {minutes} phút):\n\n{link}\n\n"
        "Nếu bạn không yêu cầu, hãy bỏ qua thư này: mật khẩu của bạn không thay đổi.\n",
        user=user)


def reset_password(token: str, new: str) -> User:
    """Set a new password from a reset link (which then stops working); ends every session."""
    user = user_for_reset(token)
    set_new_password(user, new)
    sessions.end_all(user, reason="password_reset")
    security_log.record("password.reset", user=user)
    audit.record("user.password_reset", user, actor=user)
    return user


def issue_reset_link(user: User, *, actor, link_for) -> str:
    """An admin's reset link for someone who cannot receive e-mail (handed over in person);
    the admin never learns or sets the password. Returns the link, shown once."""
    if actor is None or not actor.has_role(Role.ADMIN):
        raise Forbidden("Chỉ quản trị hệ thống được cấp liên kết đặt lại mật khẩu.")
    if not user.is_active:
        raise InvalidInput("Tài khoản đang bị khóa; hãy mở khóa trước khi cấp liên kết.")
    link = link_for(reset_token(user, by_admin=True))
    security_log.record("password.reset_link", user=user, detail={"by": actor.email})
    audit.record("user.reset_link", user, actor=actor)
    return link


def invite(user: User, *, actor, link_for) -> None:
    """E-mail a new account's owner a link to set their own password (``link_for(token)``,
    valid ADMIN_RESET_HOURS, the password policy applies), so whoever created the account
    never knows it; once it has expired, «Quên mật khẩu» sends a new one."""
    hours = settings()["ADMIN_RESET_HOURS"]
    link = link_for(reset_token(user, by_admin=True))
    queue_email(
        user.email, "Mời đặt mật khẩu tài khoản — Hỗ trợ NQ 43",
        f"Kính gửi {user.full_name},\n\n"
        f"{actor.full_name} đã tạo cho bạn tài khoản {user.email} trên hệ thống quản lý hỗ "
        "trợ theo Nghị quyết 43/2022/NQ-HĐND. Để đặt mật khẩu của bạn và đăng nhập, mở liên "
        f"kết sau (dùng được một lần, trong {hours} giờ):\n\n{link}\n\n"
        "Không ai khác biết mật khẩu bạn đặt. Nếu liên kết đã hết hạn, hãy dùng «Quên mật "
        "khẩu» trên trang đăng nhập.\n",
        user=user)


def tell_owner_of_registration(email: str) -> None:
    """Someone tried to register an account with ``email``, which already has one: tell its
    owner (the registration page does not say so)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        return
    security_log.record("register.email_taken", user=user)
    queue_email(
        user.email, "Có người đăng ký tài khoản bằng địa chỉ thư của bạn — Hỗ trợ NQ 43",
        f"Kính gửi {user.full_name},\n\n"
        f"Vừa có một yêu cầu đăng ký tài khoản mới bằng địa chỉ {user.email}. Địa chỉ này đã "
        "có tài khoản trên hệ thống, nên không có tài khoản mới nào được tạo.\n\n"
        "Nếu đó là bạn: hãy đăng nhập bằng tài khoản hiện có, hoặc dùng «Quên mật khẩu» ở "
        "trang đăng nhập nếu không nhớ mật khẩu. Nếu không phải bạn, hãy bỏ qua thư này.\n",
        user=user)
