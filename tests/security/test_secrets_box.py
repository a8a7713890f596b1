"""The shared helper that keeps secrets in the database (grants.services.secrets_box): one key
per purpose, and the webhook secrets stored before it existed still read."""

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from grants.services import secrets_box

KEY = "a-server-key"


def test_webhook_secrets_stored_before_still_decrypt():
    """What grants.services.webhooks stored with its own Fernet key before the helper."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"grants webhook secrets").derive(KEY.encode())
    token = Fernet(base64.urlsafe_b64encode(key)).encrypt(b"whsec-old").decode()
    assert secrets_box.decrypt(token, purpose="webhook secrets", secret_key=KEY) == "whsec-old"


def test_one_key_per_purpose_and_per_server():
    token = secrets_box.encrypt("JBSWY3DPEHPK3PXP", purpose="totp secrets", secret_key=KEY)
    assert "JBSWY3DPEHPK3PXP" not in token
    assert secrets_box.decrypt(token, purpose="totp secrets", secret_key=KEY) == \
        "JBSWY3DPEHPK3PXP"
    for purpose, key in (("webhook secrets", KEY), ("totp secrets", "another-key")):
        with pytest.raises(secrets_box.InvalidToken):
            secrets_box.decrypt(token, purpose=purpose, secret_key=key)
    digest = secrets_box.keyed_hash("abcd", purpose="recovery codes", secret_key=KEY)
    assert len(digest) == 64
    assert digest != secrets_box.keyed_hash("abcd", purpose="recovery codes",
                                            secret_key="another-key")
    assert digest != secrets_box.keyed_hash("abcd", purpose="totp secrets", secret_key=KEY)
