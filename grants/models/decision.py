"""Decisions (approval with amounts) and written replies (rejection with reasons)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.enums import Authority, Outcome
from grants.extensions import db
from grants.models._types import created_at, enum_check, money


class Decision(db.Model):
    __tablename__ = "decisions"
    __table_args__ = (
        enum_check("outcome", Outcome, "outcome_known"),
        enum_check("authority", Authority, "authority_known"),
        CheckConstraint("(outcome = 'rejected') = (reasons_json IS NOT NULL)",
                        name="reasons_iff_rejected"),
        CheckConstraint("total_vnd >= 0", name="total_non_negative"),
        CheckConstraint("outcome = 'approved' OR total_vnd = 0", name="rejected_has_no_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(10))
    authority: Mapped[str] = mapped_column(String(20))
    total_vnd: Mapped[int] = money(default=0)
    reasons_json: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = created_at()
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    signer_name: Mapped[str | None] = mapped_column(String(200))
    # Where the provincial Chairman decides (issue 14.3): the People's Committee's own decision,
    # N/QĐ-UBND and its date, recorded when it comes back; the paper filed carries them.
    committee_number: Mapped[int | None] = mapped_column(Integer)
    committee_decided_on: Mapped[date | None] = mapped_column(Date)

    dossier = relationship("Dossier", backref="decision_rows")
    decided_by = relationship("User")
