"""Rating the service at the return of the result (issue 14.6): the applicant on the portal, or
the one-stop clerk recording what the person said at the desk; one rating per dossier."""

from sqlalchemy import select

from grants.domain.enums import EventKind
from grants.domain.errors import Forbidden, NotFound
from grants.domain.policy import Permission, acts_for, can
from grants.domain.ratings import RatingChannel, check_rating
from grants.extensions import db
from grants.models import Dossier, ServiceRating, User
from grants.services import audit, events
from grants.services.dossiers import lock_dossier


def rating_of(dossier_id: int) -> ServiceRating | None:
    """The dossier's rating, or None."""
    return db.session.scalar(select(ServiceRating).where(ServiceRating.dossier_id == dossier_id))


def rate_service(dossier: Dossier, *, actor: User, level: str, comment: str | None = None
                 ) -> ServiceRating:
    """Record the rating of ``dossier`` (satisfied / acceptable / not satisfied, with a comment).

    The organisation's applicant rates on the portal; a one-stop clerk records it at the desk
    (an applicant who is also a clerk rates its own dossier as the applicant). Locks the
    dossier, then raises NotFound (not visible), Forbidden (another role), RatingNotAllowed (a
    Conflict: not returned yet, with its state, or already rated) and InvalidInput (level,
    comment). Writes the rating, its audit row and a ``dossier.rated`` event; flushes.
    """
    if not can(actor, Permission.VIEW_DOSSIER, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")
    if not can(actor, Permission.RATE_SERVICE, dossier):
        raise Forbidden("Chỉ tổ chức nộp hồ sơ hoặc Bộ phận một cửa được ghi nhận đánh giá.")
    db.session.flush()
    dossier = lock_dossier(dossier.id)
    level, comment = check_rating(dossier.status, already_rated=rating_of(dossier.id) is not None,
                                  level=level, comment=comment)
    channel = (RatingChannel.PORTAL if acts_for(actor, dossier.organisation_id)
               else RatingChannel.DESK)
    rating = ServiceRating(dossier_id=dossier.id, program_year_id=dossier.program_year_id,
                           level=level.value, comment=comment, channel=channel.value,
                           recorded_by_id=actor.id)
    db.session.add(rating)
    db.session.flush()
    facts = {"level": level.value, "channel": channel.value, "comment": comment}
    audit.record("dossier.rate", rating, actor=actor, dossier=dossier, after=facts)
    events.emit(EventKind.SERVICE_RATED, dossier=dossier, actor=actor, payload=facts)
    return rating
