"""Verification codes of issued papers (issue 14 point 8): the short code printed beside the QR
code, which opens the paper's public page VERIFY_PATH + code."""

import secrets

#: The public verification page of a paper is VERIFY_PATH + its code.
VERIFY_PATH = "/xac-thuc/"
#: Crockford's base 32 without I, L, O, U: read aloud or typed without ambiguity.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: not guessable at the verification page's rate limit


def new_code() -> str:
    """A fresh random verification code (10 characters of :data:`CODE_ALPHABET`)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed ("k7qp3-mzdx1", with O for 0, I/L for 1) in its stored form."""
    cleaned = (text or "").upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def is_well_formed(code: str) -> bool:
    """Whether ``code`` (normalised) could be a verification code at all."""
    return 0 < len(code) <= 16 and set(code) <= set(CODE_ALPHABET)
