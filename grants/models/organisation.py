"""Applicant organisations (enterprises, cooperatives, unions of cooperatives)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.organisations import OrgType
from grants.extensions import db
from grants.models._types import created_at, enum_check


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        enum_check("org_type", OrgType, "org_type_known"),
        CheckConstraint("length(tax_code) IN (10, 14)", name="tax_code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    org_type: Mapped[str] = mapped_column(String(20))
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    address: Mapped[str | None] = mapped_column(String(500))
    commune: Mapped[str | None] = mapped_column(String(120), index=True)
    sector: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[str | None] = mapped_column(String(50))
    representative: Mapped[str | None] = mapped_column(String(200))
    representative_title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = created_at()

    members = relationship("User", back_populates="organisation")
    dossiers = relationship("Dossier", back_populates="organisation")

    @property
    def type_label(self) -> str:
        return OrgType(self.org_type).label

    def __repr__(self) -> str:
        return f"<Organisation {self.tax_code}>"
