"""The money ledger: commitments, releases, disbursements and reversals. Append-only."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.budget import EntryKind, PendingStatus
from grants.domain.enums import PaymentMethod
from grants.extensions import db
from grants.models._types import created_at, enum_check, money


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
        # A payment waiting for confirmation becomes at most one ledger entry, whatever races.
        Index("ix_ledger_entries_pending_payment_id", "pending_payment_id", unique=True),
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
    # The payment recorded by one officer and confirmed by a second person (above the year's
    # threshold); the entry is written at confirmation, by the confirmer.
    pending_payment_id: Mapped[int | None] = mapped_column(ForeignKey("pending_payments.id"))
    # The organisation's bank account when the payment was written (a later change of account
    # does not change where this payment went, nor its payment order).
    payee_account_no: Mapped[str | None] = mapped_column(String(19))
    payee_bank: Mapped[str | None] = mapped_column(String(200))
    payee_branch: Mapped[str | None] = mapped_column(String(200))

    dossier = relationship("Dossier")
    created_by = relationship("User")
    reverses = relationship("LedgerEntry", remote_side=[id])
    pending_payment = relationship("PendingPayment")


class PendingPayment(db.Model):
    """A payment recorded by a finance officer that needs a second person (the dossier's
    payments would exceed the year's ``payment_threshold_vnd``). It is not money yet: the
    ledger's disbursement entry is written only when a second finance officer or the chief
    accountant confirms it, so the ledger stays append-only and its sums stay what was paid.
    Until then it counts as pending on the dashboard and is held against the dossier's approved
    amount. Its one change of state (pending → confirmed or cancelled) is made under the year
    and dossier locks, and the unique ``ledger_entries.pending_payment_id`` makes a double
    confirmation impossible even so."""

    __tablename__ = "pending_payments"
    __table_args__ = (
        enum_check("status", PendingStatus, "status_known"),
        enum_check("method", PaymentMethod, "method_known"),
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("(status = 'pending') = (decided_by_id IS NULL)",
                        name="decided_iff_not_pending"),
        CheckConstraint("status != 'confirmed' OR decided_by_id != recorded_by_id",
                        name="confirmed_by_second_person"),
        Index("ix_pending_payments_year_status", "program_year_id", "status", "amount_vnd"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    amount_vnd: Mapped[int] = money()
    paid_on: Mapped[date] = mapped_column(Date)
    voucher_no: Mapped[str] = mapped_column(String(50))
    method: Mapped[str] = mapped_column(String(20))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default=PendingStatus.PENDING.value)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = created_at()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    dossier = relationship("Dossier")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return PendingStatus(self.status).label
