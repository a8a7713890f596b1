"""Applicant organisations (enterprises, cooperatives, unions of cooperatives)."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from grants.domain.enums import Verification
from grants.domain.organisations import OrgType
from grants.domain.text import search_key
from grants.extensions import db
from grants.models._types import created_at, enum_check


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        enum_check("org_type", OrgType, "org_type_known"),
        CheckConstraint("length(tax_code) IN (10, 14)", name="tax_code_length"),
        enum_check("verification", Verification, "verification_known"),
        CheckConstraint("(bank_account_no IS NULL) = (bank_name IS NULL)",
                        name="bank_account_complete"),
        # Several claims may name one tax code (a registration is a claim until the desk checks
        # the certificate); at most one organisation per tax code is verified.
        Index("uq_organisations_tax_code_verified", "tax_code", unique=True,
              sqlite_where=text("verification = 'verified'"),
              postgresql_where=text("verification = 'verified'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    # The name folded for searching (lower case, no diacritics): kept in step with ``name`` by
    # ``_fold_name`` below, so a search for "thuc pham sach" finds "Thực phẩm sạch".
    search_name: Mapped[str] = mapped_column(String(300), server_default="")
    org_type: Mapped[str] = mapped_column(String(20))
    tax_code: Mapped[str] = mapped_column(String(14), index=True)
    # Organisations registered by the desk, an admin, the CLI or an import are verified; a
    # self-registration on the portal starts "pending" (services/identity.py).
    verification: Mapped[str] = mapped_column(String(10), default=Verification.VERIFIED.value,
                                              server_default=Verification.VERIFIED.value)
    address: Mapped[str | None] = mapped_column(String(500))
    commune: Mapped[str | None] = mapped_column(String(120), index=True)
    sector: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[str | None] = mapped_column(String(50))
    representative: Mapped[str | None] = mapped_column(String(200))
    representative_title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(254))
    # Where the support is paid (grants/domain/payment_details.py): kept by the organisation in
    # its profile or by finance; copied onto each payment when it is recorded.
    bank_account_no: Mapped[str | None] = mapped_column(String(19))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bank_branch: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at()

    members = relationship("User", back_populates="organisation")
    dossiers = relationship("Dossier", back_populates="organisation")

    claims = relationship("OrganisationClaim", back_populates="organisation",
                          foreign_keys="OrganisationClaim.organisation_id",
                          order_by="OrganisationClaim.id")

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED.value

    @property
    def verification_label(self) -> str:
        return Verification.label_of(self.verification)

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.search_name = search_key(name)
        return name

    @property
    def type_label(self) -> str:
        return OrgType(self.org_type).label

    def __repr__(self) -> str:
        return f"<Organisation {self.tax_code}>"


class OrganisationClaim(db.Model):
    """A person's claim to represent an organisation (its tax code), with the business
    registration certificate they uploaded and the desk's decision (issue 13 point 7)."""

    __tablename__ = "organisation_claims"
    __table_args__ = (
        enum_check("status", Verification, "status_known"),
        CheckConstraint("certificate_size IS NULL OR certificate_size > 0",
                        name="certificate_size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    tax_code: Mapped[str] = mapped_column(String(14), index=True)
    status: Mapped[str] = mapped_column(String(10), default=Verification.PENDING.value,
                                        index=True)
    created_at: Mapped[datetime] = created_at()
    certificate_stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    certificate_original_name: Mapped[str | None] = mapped_column(String(255))
    certificate_content_type: Mapped[str | None] = mapped_column(String(50))
    certificate_size: Mapped[int | None] = mapped_column(BigInteger)
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_uploaded_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    organisation = relationship("Organisation", back_populates="claims",
                                foreign_keys=[organisation_id])
    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return Verification.label_of(self.status)
