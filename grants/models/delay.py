"""Apologies for a late dossier (phiếu xin lỗi và hẹn lại ngày trả kết quả): who apologised,
for which step, why, and the new return date promised (issue 14, path 2)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._types import created_at


class DelayApology(db.Model):
    """One apology; the latest of a dossier carries the return date now promised. Append-only:
    a later apology supersedes an earlier one, nothing is edited."""

    __tablename__ = "delay_apologies"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    due_before: Mapped[datetime] = mapped_column(DateTime)
    new_return_on: Mapped[date] = mapped_column(Date)
    apologised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    apologised_at: Mapped[datetime] = created_at()
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    apologised_by = relationship("User")
