"""The links e-mails carry (not a blueprint), always from BASE_URL, never from the request's
Host header (which a client chooses). An e-mail confirmation link: a token signed with the app's
secret (itsdangerous), naming the account and its address, valid EMAIL_CONFIRM_MAX_AGE seconds
and used once (services/identity.confirm_email refuses an address already confirmed). A
password link: the page that sets a password from a reset or invitation token
(services/passwords)."""

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "grants.confirm-email"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def confirmation_link(user) -> str:
    token = _serializer().dumps({"user": user.id, "email": user.email})
    # BASE_URL, not the request's Host header (which a client chooses).
    return current_app.config["BASE_URL"].rstrip("/") + url_for("identity.confirm", token=token)


def read_token(token: str) -> tuple[int, str] | None:
    """(user id, e-mail) of a valid, unexpired token; None otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int) \
            or not isinstance(data.get("email"), str):
        return None
    return data["user"], data["email"]


def password_link(token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset_password",
                                                                 token=token)
