"""Issued documents (PDF bytes kept as issued, with SHA-256) and gap-free number counters."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.domain.enums import DocumentKind
from grants.domain.text import number_symbol
from grants.extensions import db
from grants.models._types import created_at, enum_check


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("year", "symbol", "number", name="uq_documents_year_symbol_number"),
        enum_check("kind", DocumentKind, "kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(30))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The visit a set of appraisal minutes records (NULL for every other kind). A visit's
    # minutes issued again after a correction are a new row; the older rows are superseded.
    site_visit_id: Mapped[int | None] = mapped_column(ForeignKey("site_visits.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # The short code printed with the QR code on the paper (issue 14 point 8), which opens its
    # public verification page /xac-thuc/<code>; NULL on papers issued before codes existed.
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = created_at()

    dossier = relationship("Dossier", backref="documents")
    issued_by = relationship("User")
    site_visit = relationship("SiteVisit")

    @property
    def number_symbol(self) -> str:
        return number_symbol(self.number, self.symbol)


class Counter(db.Model):
    """Last number used per (year, symbol); locked FOR UPDATE when a number is taken."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("year", "symbol", name="uq_counters_year_symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(30))
    last_number: Mapped[int] = mapped_column(Integer, default=0)
