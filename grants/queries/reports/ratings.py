"""The ratings of a program year's returned dossiers, for the processing report (issue 14.6):
counts and shares by level, how many returned dossiers were not rated, and the comments."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from grants.domain.ratings import RatingChannel, RatingLevel
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import Dossier, Organisation, ProgramYear, ServiceRating

COMMENTS_SHOWN = 200


@dataclass(frozen=True)
class LevelRow:
    level: RatingLevel
    count: int
    share_percent: float | None  # of the ratings given


@dataclass(frozen=True)
class CommentRow:
    dossier_id: int
    code: str
    organisation: str
    level: RatingLevel
    channel: RatingChannel
    rated_at: datetime
    comment: str


@dataclass(frozen=True)
class RatingSummary:
    levels: list[LevelRow]
    rated: int
    returned: int  # returned dossiers of the year, rated or not
    comments: list[CommentRow]  # latest first, at most COMMENTS_SHOWN
    comment_count: int

    @property
    def not_rated(self) -> int:
        return max(self.returned - self.rated, 0)


def rating_summary(year: ProgramYear) -> RatingSummary:
    """The year's ratings: one row per level (every level, zero included) with its share of the
    ratings given, the number of returned dossiers, and the comments, latest first."""
    counts = dict(db.session.execute(
        select(ServiceRating.level, func.count(ServiceRating.id))
        .where(ServiceRating.program_year_id == year.id).group_by(ServiceRating.level)).all())
    rated = sum(counts.values())
    levels = [LevelRow(level, counts.get(level.value, 0),
                       round(100 * counts.get(level.value, 0) / rated, 1) if rated else None)
              for level in RatingLevel]
    returned = db.session.scalar(select(func.count(Dossier.id)).where(
        Dossier.program_year_id == year.id, Dossier.status == Status.RETURNED.value)) or 0
    with_comment = (ServiceRating.program_year_id == year.id) & ServiceRating.comment.is_not(None)
    rows = db.session.execute(
        select(Dossier.id, Dossier.code, Organisation.name, ServiceRating.level,
               ServiceRating.channel, ServiceRating.rated_at, ServiceRating.comment)
        .join(Dossier, ServiceRating.dossier_id == Dossier.id)
        .join(Organisation, Dossier.organisation_id == Organisation.id)
        .where(with_comment)
        .order_by(ServiceRating.rated_at.desc(), ServiceRating.id.desc())
        .limit(COMMENTS_SHOWN)).all()
    comments = [CommentRow(r[0], r[1], r[2], RatingLevel(r[3]), RatingChannel(r[4]), r[5], r[6])
                for r in rows]
    comment_count = db.session.scalar(select(func.count(ServiceRating.id))
                                      .where(with_comment)) or 0
    return RatingSummary(levels=levels, rated=rated, returned=returned, comments=comments,
                         comment_count=comment_count)
