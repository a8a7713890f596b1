"""Digital signatures on PDFs (issue 14 points 7 and 9), with pyHanko; no Flask, no database.

The agency signs every issued document with its certificate (a PKCS#12 file and its password,
settings ``SIGNING_P12_PATH`` / ``SIGNING_P12_PASSWORD``) as PAdES (SubFilter
``ETSI.CAdES.detached``): :func:`load_seal` reads the certificate, :func:`sign_pdf` signs bytes.
A self-signed certificate is a demo one (:func:`make_demo_pkcs12`, made by ``flask seed-demo``;
:func:`demo_seal` in development and tests when no usable certificate is configured): papers
signed with it say so.

:func:`check_signatures` reads the signatures of any PDF (an applicant's upload, a copy given to
the public verification page) and says who signed it and whether the signature holds. A broken
or unknown signature is a finding, never an exception.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

from grants.domain.enums import SignatureState
from grants.domain.errors import InvalidInput

T = TypeVar("T")

__all__ = [
    "DEMO_MARK",
    "Seal",
    "SealUnusable",
    "CopyCheck",
    "SignatureCheck",
    "check_copy",
    "check_signatures",
    "demo_seal",
    "load_seal",
    "load_trust_roots",
    "make_demo_pkcs12",
    "outside_event_loop",
    "sign_pdf",
]

#: Printed on every paper signed with a demo (self-signed) certificate.
DEMO_MARK = "Ký bằng chứng thư số thử nghiệm (tự ký) - không có giá trị pháp lý."
DEMO_COMMON_NAME = "SỞ KHCN TỈNH BẮC NINH (CHỨNG THƯ THỬ NGHIỆM)"  # at most 64 bytes
FIELD_NAME = "ChuKySo"

log = logging.getLogger(__name__)
# pyHanko imports cryptography's DSA types at import time (we sign with RSA): that warning is
# noise on the one line a misconfigured production start prints.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")


class SealUnusable(ValueError):
    """The configured certificate cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class Seal:
    """The agency's signing key and certificate (a pyHanko ``SimpleSigner``).

    ``is_demo``: the certificate is self-signed (made for trying the app out), so papers say
    they carry no legal value."""

    signer: Any
    is_demo: bool

    @property
    def certificate(self):
        """The signing certificate (asn1crypto), e.g. to trust it when validating."""
        return self.signer.signing_cert

    @property
    def subject(self) -> str:
        return _common_name(self.certificate)


def _common_name(certificate) -> str:
    try:
        return certificate.subject.native.get("common_name") or \
            certificate.subject.human_friendly
    except Exception:  # noqa: BLE001 - a certificate whose name does not decode
        return "(không đọc được tên)"


def _seal_from_pkcs12(data: bytes, password: str | None) -> Seal:
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers

    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None)
    except ValueError as err:
        raise SealUnusable("không mở được tệp PKCS#12: sai mật khẩu hoặc tệp hỏng") from err
    if key is None or cert is None:
        raise SealUnusable("tệp PKCS#12 không chứa khóa bí mật và chứng thư ký")
    now = datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SealUnusable(f"chứng thư ký hết hiệu lực hoặc chưa có hiệu lực (từ "
                           f"{cert.not_valid_before_utc:%d/%m/%Y} đến "
                           f"{cert.not_valid_after_utc:%d/%m/%Y})")
    signer = signers.SimpleSigner.load_pkcs12_data(
        data, other_certs=(), passphrase=password.encode() if password else None)
    return Seal(signer=signer, is_demo=cert.issuer == cert.subject)


def load_seal(path: str | Path | None, password: str | None) -> Seal:
    """The seal of the PKCS#12 file at ``path``. Raises SealUnusable (path not set, missing,
    unreadable, wrong password, no key, expired certificate)."""
    if not path:
        raise SealUnusable("chưa đặt GRANTS_SIGNING_P12_PATH (tệp chứng thư số của cơ quan)")
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise SealUnusable(f"không đọc được tệp chứng thư số {path}: "
                           f"{err.strerror or err}") from err
    try:
        return _seal_from_pkcs12(data, password)
    except SealUnusable as err:
        raise SealUnusable(f"{err} ({path})") from err


def load_trust_roots(path: str | Path | None) -> list:
    """The certificates (asn1crypto) of a PEM bundle at ``path`` (none when unset): the
    certification authorities whose signatures on uploaded PDFs are trusted. Raises
    SealUnusable when the file cannot be read or holds no certificate."""
    from asn1crypto import pem, x509

    if not path:
        return []
    try:
        data = Path(path).read_bytes()
        certificates = [x509.Certificate.load(der)
                        for _kind, _headers, der in pem.unarmor(data, multiple=True)]
        for certificate in certificates:
            certificate.native  # noqa: B018 - parse now, not at the first upload
    except (OSError, ValueError) as err:
        raise SealUnusable(f"không đọc được danh sách chứng thư tin cậy {path}") from err
    if not certificates:
        raise SealUnusable(f"danh sách chứng thư tin cậy {path} không có chứng thư nào")
    return certificates


def make_demo_pkcs12(password: str, *, common_name: str = DEMO_COMMON_NAME) -> bytes:
    """A self-signed certificate and its RSA key as PKCS#12 bytes protected by ``password``:
    for trying the app out only (papers signed with it say so)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND TỈNH BẮC NINH"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"demo-signing", key, cert, None,
        serialization.BestAvailableEncryption(password.encode()))


@functools.cache
def demo_seal() -> Seal:
    """A demo seal made once per process (development and tests without a certificate)."""
    return _seal_from_pkcs12(make_demo_pkcs12("demo"), "demo")


def outside_event_loop(call: Callable[[], T]) -> T:
    """``call()``, from a thread that runs no asyncio event loop. pyHanko's synchronous API
    wraps its coroutines in ``asyncio.run``, which refuses to start inside a running loop (an
    async server, or Playwright's synchronous API in the same process): there the call runs in
    a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(call).result()


def sign_pdf(pdf: bytes, seal: Seal, *, reason: str, location: str) -> bytes:
    """``pdf`` signed by ``seal`` (PAdES baseline B, SubFilter ETSI.CAdES.detached, SHA-256),
    as an incremental update: the bytes before it are the document as rendered."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=reason, location=location,
        name=seal.subject)
    out = outside_event_loop(lambda: signers.PdfSigner(meta, signer=seal.signer).sign_pdf(writer))
    return out.getvalue()


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of a PDF, as the desk and the public see it.

    ``state``: TRUSTED (intact, the certificate chains to a trusted one), UNTRUSTED (intact and
    covering the file, but the certificate is not one we trust: a foreign signature), BROKEN
    (the signed bytes were changed, the file was edited after signing, or the signature cannot
    be read)."""

    state: SignatureState
    signer: str
    signed_at: datetime | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return self.state.label

    @property
    def summary(self) -> str:
        """One line: "<label>: <signer>[, ký ngày dd/mm/yyyy]"."""
        when = f", ký ngày {self.signed_at:%d/%m/%Y}" if self.signed_at else ""
        return f"{self.label}: {self.signer}{when}"


def _check_one(embedded, context) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature

    signer = "(không rõ người ký)"
    try:
        signer = _common_name(embedded.signer_cert)
        status = outside_event_loop(
            lambda: validate_pdf_signature(embedded, signer_validation_context=context))
    except Exception as err:  # noqa: BLE001 - a malformed signature is a finding, not a crash
        return SignatureCheck(state=SignatureState.BROKEN, signer=signer, detail=str(err)[:200])
    signed_at = status.signer_reported_dt
    if not (status.intact and status.valid):
        return SignatureCheck(state=SignatureState.BROKEN, signer=signer, signed_at=signed_at,
                              detail="nội dung đã ký bị thay đổi")
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    # Later incremental updates are fine when they only add signatures or form filling (a
    # countersignature); anything else edited the signed document.
    if (status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION
            or status.modification_level == ModificationLevel.OTHER):
        return SignatureCheck(state=SignatureState.BROKEN, signer=signer, signed_at=signed_at,
                              detail="tệp đã bị sửa sau khi ký")
    return SignatureCheck(state=SignatureState.TRUSTED if status.trusted
                          else SignatureState.UNTRUSTED, signer=signer,
                          signed_at=signed_at)


def check_signatures(pdf: bytes, *, trusted=()) -> list[SignatureCheck] | None:
    """The signatures of ``pdf``, in file order; ``[]`` for a PDF without any, None for bytes
    that are not a readable PDF. ``trusted``: certificates (asn1crypto) taken as trust anchors
    (e.g. the agency's own); nothing is fetched from the network."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - not a PDF pyHanko can read
        log.info("signatures: unreadable PDF", exc_info=True)
        return None
    context = ValidationContext(trust_roots=list(trusted), allow_fetching=False,
                                revocation_mode="soft-fail")
    return [_check_one(sig, context) for sig in embedded]


# ---------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class CopyCheck:
    """A copy of an issued paper against the issued file: ``matches`` when the bytes are
    identical; ``signatures`` as read from the copy (None: not readable as a PDF)."""

    matches: bool
    sha256: str
    size: int
    signatures: list[SignatureCheck] | None


CHUNK_BYTES = 64 * 1024


def check_copy(stream, *, issued_sha256: str, max_bytes: int, trusted=()) -> CopyCheck:
    """Compare the uploaded ``stream`` with the issued file whose SHA-256 is ``issued_sha256``
    and read the copy's signatures. Raises InvalidInput (field "file") for no file, a file over
    ``max_bytes`` (never read past the limit) or one that is not a PDF."""
    if stream is None:
        raise InvalidInput("Chọn tệp PDF của văn bản cần kiểm tra.", field="file")
    digest, size, chunks = hashlib.sha256(), 0, []
    while chunk := stream.read(min(CHUNK_BYTES, max_bytes + 1 - size)):
        size += len(chunk)
        if size > max_bytes:
            limit = f"{max_bytes / 1048576:.1f}".replace(".", ",")  # 10,0 MB
            raise InvalidInput(f"Tệp vượt quá dung lượng cho phép ({limit} MB).", field="file")
        digest.update(chunk)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise InvalidInput("Chọn tệp PDF của văn bản cần kiểm tra.", field="file")
    if data.lstrip()[:5] != b"%PDF-":
        raise InvalidInput("Tệp tải lên không phải là PDF. Chỉ so khớp được tệp PDF của văn bản.",
                           field="file")
    sha256 = digest.hexdigest()
    return CopyCheck(matches=sha256 == issued_sha256, sha256=sha256, size=size,
                     signatures=check_signatures(data, trusted=trusted))
