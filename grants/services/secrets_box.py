"""Secrets kept in the database, unreadable to whoever holds only a copy of it.

A secret the app must read back (a webhook's signing secret, a two-factor TOTP seed) is
encrypted with Fernet; one it only checks (a recovery code) is kept as an HMAC-SHA256. Both keys
are derived from the app's SECRET_KEY with HKDF, one key per ``purpose`` (the HKDF info
"grants <purpose>"), so a key serves one use only. A change of SECRET_KEY makes what was stored
unreadable: decrypt then raises ``InvalidToken`` and keyed hashes no longer match.

``secret_key`` defaults to the running app's SECRET_KEY; the migration that encrypted the values
stored before passes it explicitly.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from grants import queue

__all__ = ["InvalidToken", "decrypt", "encrypt", "keyed_hash"]


def _key(purpose: str, secret_key: str | None) -> bytes:
    if secret_key is None:
        secret_key = queue.settings()["SECRET_KEY"]
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"grants {purpose}".encode()).derive(secret_key.encode("utf-8"))


def _fernet(purpose: str, secret_key: str | None) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_key(purpose, secret_key)))


def encrypt(text: str, *, purpose: str, secret_key: str | None = None) -> str:
    return _fernet(purpose, secret_key).encrypt(text.encode()).decode("ascii")


def decrypt(token: str, *, purpose: str, secret_key: str | None = None) -> str:
    """The text of ``token``; raises InvalidToken when it was not made with this key."""
    return _fernet(purpose, secret_key).decrypt(token.encode("ascii")).decode()


def keyed_hash(text: str, *, purpose: str, secret_key: str | None = None) -> str:
    """HMAC-SHA256 of ``text`` (64 hex digits): without the key, no offline guessing."""
    return hmac.new(_key(purpose, secret_key), text.encode(), hashlib.sha256).hexdigest()
