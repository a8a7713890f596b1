"""Appraisals (one per round of rework) and on-site visits."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.extensions import db
from grants.models._types import created_at, enum_check
from grants.models.enums import Recommendation


class Appraisal(db.Model):
    __tablename__ = "appraisals"
    __table_args__ = (
        UniqueConstraint("dossier_id", "round", name="uq_appraisals_dossier_round"),
        enum_check("recommendation", Recommendation, "recommendation_known", nullable=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    appraiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    documents_ok: Mapped[bool | None] = mapped_column(Boolean)
    documents_note: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(String(10))
    reasons_json: Mapped[str | None] = mapped_column(Text)  # list of reason texts
    conclusion: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = created_at()

    dossier = relationship("Dossier")
    appraiser = relationship("User", foreign_keys=[appraiser_id])


class SiteVisit(db.Model):
    __tablename__ = "site_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime)  # local time of the visit
    place: Mapped[str] = mapped_column(String(500))
    team: Mapped[str] = mapped_column(Text)  # one member per line: name - title
    org_representatives: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()

    dossier = relationship("Dossier")
    recorded_by = relationship("User")
