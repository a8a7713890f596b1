"""The applicant's rating of the service at the return of the result (one per dossier)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.ratings import RatingChannel, RatingLevel
from grants.extensions import db
from grants.models._types import created_at, enum_check


class ServiceRating(db.Model):
    __tablename__ = "service_ratings"
    __table_args__ = (
        enum_check("level", RatingLevel, "level_known"),
        enum_check("channel", RatingChannel, "channel_known"),
        # The report counts a year's ratings by level.
        Index("ix_service_ratings_year_level", "program_year_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a dossier is rated once, whatever races (the service checks first).
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"))
    level: Mapped[str] = mapped_column(String(13))
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(6))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = created_at()

    dossier = relationship("Dossier")
    recorded_by = relationship("User")

    @property
    def level_label(self) -> str:
        return RatingLevel(self.level).label

    @property
    def channel_label(self) -> str:
        return RatingChannel(self.channel).label
