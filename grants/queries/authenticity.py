"""The public verification of an issued paper (issue 14 point 8): what the page /xac-thuc/<code>
shows, which is only what the paper itself prints (number, date, kind, organisation)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from grants.domain.errors import NotFound
from grants.domain.verification_codes import is_well_formed, normalise_code
from grants.extensions import db
from grants.models import Document


@dataclass(frozen=True)
class IssuedPaper:
    code: str
    reference: str | None  # "12/QĐ-SKHCN"; None for the desk's unnumbered slips
    issued_on: date
    kind: str
    organisation: str
    sha256: str


def paper(code: str) -> IssuedPaper:
    """The issued paper whose verification code is ``code`` (as typed). Raises NotFound."""
    code = normalise_code(code)
    document = None
    if is_well_formed(code):
        document = db.session.scalar(select(Document).where(Document.verification_code == code))
    if document is None:
        raise NotFound("Không có văn bản nào mang mã xác thực này. Kiểm tra lại mã in trên "
                       "văn bản (bên cạnh mã QR).")
    return IssuedPaper(code=code, reference=document.number_symbol if document.number else None,
                       issued_on=document.issued_on, kind=document.kind,
                       organisation=document.dossier.organisation.name, sha256=document.sha256)
