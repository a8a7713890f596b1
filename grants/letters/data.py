"""Plain, frozen data every letter shares (who issues it, its number, the organisation); each
kind's own record lives in its module under grants/letters/kinds/. No ORM objects, no Flask."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from grants.domain.text import number_symbol

from .verification_mark import VerificationMark

__all__ = [
    "DEFAULT_LETTERHEAD",
    "DEFAULT_PROCEDURE",
    "DocumentHeader",
    "DossierRecord",
    "Frozen",
    "Issuer",
    "Letterhead",
    "Organisation",
    "Person",
]

DEFAULT_PROCEDURE = (
    "Hỗ trợ tổ chức áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên tiến "
    "theo Nghị quyết số 43/2022/NQ-HĐND"
)


class Frozen:
    """Turn list arguments into tuples so a frozen record is really immutable."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))


@dataclass(frozen=True, kw_only=True)
class Letterhead(Frozen):
    """The deployment's issuing body (parent first) and the place written before the date.

    The web edge builds it from the app's config (:meth:`from_config`) and passes it to the
    documents service; the defaults are the settings' defaults.
    """

    body_lines: tuple[str, ...] = ("UBND TỈNH BẮC NINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    place: str = "Bắc Ninh"
    # The body's signing certificate (letters.signing.Seal; None: the demo seal) and the app's
    # address the verification QR code points to.
    seal: Any = None
    base_url: str = "http://127.0.0.1:5000"

    @classmethod
    def from_config(cls, config: Mapping) -> Letterhead:
        """From ``ISSUING_BODY`` and ``PLACE_NAME`` of a config mapping (the Flask config),
        with the seal loaded at start (``DOCUMENT_SEAL``) and ``BASE_URL``."""
        return cls(body_lines=tuple(config["ISSUING_BODY"]), place=config["PLACE_NAME"],
                   seal=config.get("DOCUMENT_SEAL"),
                   base_url=config.get("BASE_URL") or cls.base_url)


DEFAULT_LETTERHEAD = Letterhead()


@dataclass(frozen=True, kw_only=True)
class Issuer(Frozen):
    """Who issues and signs: the header's body lines (parent first) and the signer block.

    ``signer_title_lines`` e.g. ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"); on one-stop-desk slips
    ("NGƯỜI TIẾP NHẬN HỒ SƠ",); on appraisal minutes ("TRƯỞNG ĐOÀN THẨM ĐỊNH",).
    """

    body_lines: tuple[str, ...]
    place: str = "Bắc Ninh"
    signer_title_lines: tuple[str, ...] = ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    signer_name: str = ""


@dataclass(frozen=True, kw_only=True)
class DocumentHeader:
    """Number/symbol and date of an outgoing document.

    ``symbol`` None: the document carries no "Số:" line (one-stop-desk slips).
    ``number`` None with a symbol: an unnumbered draft ("Số:      /QĐ-SKHCN", marked DỰ THẢO).
    ``issued_on`` None: the date is left blank for the records clerk.
    ``verification``: the QR code and short code of an issued paper (None on drafts).
    """

    number: int | None = None
    symbol: str | None = None
    issued_on: date | None = None
    verification: VerificationMark | None = None

    @property
    def is_draft(self) -> bool:
        return bool(self.symbol) and self.number is None

    @property
    def reference(self) -> str | None:
        """ "12/QĐ-SKHCN" ("01/QĐ-SKHCN" below 10), or None when unnumbered or without a
        symbol."""
        if not self.symbol or self.number is None:
            return None
        return number_symbol(self.number, self.symbol)


@dataclass(frozen=True, kw_only=True)
class Organisation:
    name: str
    address: str = ""
    tax_code: str = ""
    phone: str = ""
    email: str = ""
    representative: str = ""


@dataclass(frozen=True, kw_only=True)
class Person:
    name: str
    title: str = ""


@dataclass(frozen=True, kw_only=True)
class DossierRecord(Frozen):
    """What every document of a dossier names: the organisation and the dossier's code. Each
    kind's record extends it."""

    organisation: Organisation
    dossier_code: str
