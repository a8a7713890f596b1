"""Appraisals (one per round of rework) and on-site visits."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.enums import Recommendation
from grants.extensions import db
from grants.models._types import created_at, enum_check


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
    __table_args__ = (
        CheckConstraint("(voided_at IS NULL) = (void_reason IS NULL)", name="void_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    # Vietnam local time, as the appraisal team wrote it in the minutes (not UTC, unlike the
    # ``*_at`` columns): the letters and pages print it as it is.
    visited_local: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(500))
    team: Mapped[str] = mapped_column(Text)  # one member per line: name - title
    org_representatives: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()
    # A voided visit stays on record (struck, with its reason) but no longer counts.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)

    dossier = relationship("Dossier")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    voided_by = relationship("User", foreign_keys=[voided_by_id])
    # Its minutes as issued, oldest first: the last is current, earlier ones were superseded.
    minutes = relationship("Document", primaryjoin="Document.site_visit_id == SiteVisit.id",
                           order_by="Document.id", viewonly=True)

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
