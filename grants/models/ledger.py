"""The money ledger: commitments, releases, disbursements and reversals. Append-only."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.budget import EntryKind
from grants.extensions import db
from grants.models._types import created_at, enum_check, money
from grants.models.enums import PaymentMethod


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        enum_check("kind", EntryKind, "kind_known"),
        enum_check("method", PaymentMethod, "method_known", nullable=True),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint(
            "(kind IN ('commitment_release', 'disbursement_reversal')) = (reverses_id IS NOT NULL)",
            name="reversal_iff_reverses",
        ),
        # The year's sums by kind and by month, read from the index alone.
        Index("ix_ledger_entries_year_kind_amounts", "program_year_id", "kind", "entry_on",
              "amount_vnd"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    amount_vnd: Mapped[int] = money()
    # A reversal names the entry it undoes; unique, so nothing is reversed twice.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    entry_on: Mapped[date] = mapped_column(Date)
    voucher_no: Mapped[str | None] = mapped_column(String(50))
    method: Mapped[str | None] = mapped_column(String(20))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()

    dossier = relationship("Dossier")
    created_by = relationship("User")
    reverses = relationship("LedgerEntry", remote_side=[id])
