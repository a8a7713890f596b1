"""Read-side queries for dashboards and lists (no writes)."""

from sqlalchemy import func, select

from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import Dossier, ProgramYear

# What each staff role works on: the states waiting for it.
WAITING_FOR = {
    Role.CLERK: (Status.SUBMITTED, Status.ISSUED),
    Role.HEAD: (Status.RECEIVED, Status.APPRAISED),
    Role.APPRAISER: (Status.ASSIGNED,),
    Role.LEADER: (Status.REVIEWED,),
    Role.RECORDS: (Status.APPROVED, Status.REJECTED),
}


def status_counts(year_id: int | None = None) -> dict[str, int]:
    """Number of dossiers per status (optionally for one program year)."""
    stmt = select(Dossier.status, func.count()).group_by(Dossier.status)
    if year_id:
        stmt = stmt.where(Dossier.program_year_id == year_id)
    return dict(db.session.execute(stmt).all())


def current_year() -> ProgramYear | None:
    """The newest program year that is not closed (else the newest)."""
    open_year = db.session.scalar(select(ProgramYear).where(ProgramYear.is_closed.is_(False))
                                  .order_by(ProgramYear.year.desc()).limit(1))
    return open_year or db.session.scalar(select(ProgramYear).order_by(ProgramYear.year.desc())
                                          .limit(1))


def organisation_dossiers(organisation_id: int) -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).where(Dossier.organisation_id ==
                                                         organisation_id)
                                   .order_by(Dossier.created_at.desc())))
