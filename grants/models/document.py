"""Issued documents (PDF bytes kept as issued, with SHA-256) and gap-free number counters."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from grants.extensions import db
from grants.models._types import created_at, enum_check
from grants.models.enums import DocumentKind


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
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = created_at()

    dossier = relationship("Dossier", backref="documents")
    issued_by = relationship("User")

    @property
    def number_symbol(self) -> str:
        return f"{self.number}/{self.symbol}" if self.number else f"/{self.symbol}"


class Counter(db.Model):
    """Last number used per (year, symbol); locked FOR UPDATE when a number is taken."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("year", "symbol", name="uq_counters_year_symbol"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(30))
    last_number: Mapped[int] = mapped_column(Integer, default=0)
