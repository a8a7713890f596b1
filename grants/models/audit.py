"""The audit trail: every change of state or money, append-only (a trigger on PostgreSQL)."""

from datetime import datetime

from sqlalchemy import (
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    event,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from grants.db import utcnow
from grants.domain.office_time import office_days_between
from grants.extensions import db
from grants.models._types import created_at


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_at", "at"),
        # The processing report's step times: one range of this index per program year,
        # already in (step, officer) order, read without touching the table.
        Index("ix_audit_events_step_times", "program_year_id", "from_status", "actor_id",
              "to_status", "step_days", sqlite_where=text("step_days IS NOT NULL"),
              postgresql_where=text("step_days IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column()
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    # The dossier's program year (a dossier never changes year), so that a year's events are
    # one index range.
    program_year_id: Mapped[int | None] = mapped_column(ForeignKey("program_years.id"))
    # For a change of state (to_status set and different from from_status): the office time in
    # working days since the dossier's previous change of state (grants.domain.office_time),
    # i.e. how long the step that this change ends took. None for the first change and for
    # events that change no state. Filled when the event is first flushed
    # (``_fill_year_and_step``), never updated.
    step_days: Mapped[float | None] = mapped_column(Double)

    actor = relationship("User")

    @property
    def changes_state(self) -> bool:
        return self.to_status is not None and self.from_status != self.to_status


def state_change():
    """SQL test for an event that changed the dossier's state (the Python
    ``AuditEvent.changes_state``)."""
    return and_(AuditEvent.to_status.is_not(None),
                or_(AuditEvent.from_status.is_(None),
                    AuditEvent.from_status != AuditEvent.to_status))


@event.listens_for(Session, "before_flush")
def _fill_year_and_step(session, _flush_context, _instances) -> None:
    """Complete new audit events of a dossier before they are inserted: the dossier's program
    year, and for a change of state the office time since the dossier's previous change of
    state (earlier in this flush, else the latest one stored). Whoever writes the event (the
    audit helper, an import, a test building the trail by hand) gets the same figures."""
    new = [obj for obj in session.new
           if isinstance(obj, AuditEvent) and obj.dossier_id is not None]
    if not new:
        return
    from grants.models.dossier import Dossier

    new.sort(key=lambda obj: inspect(obj).insert_order)  # the order of their ids
    last_change: dict[int, datetime | None] = {}
    with session.no_autoflush:
        for obj in new:
            if obj.program_year_id is None:
                dossier = session.get(Dossier, obj.dossier_id)
                obj.program_year_id = dossier.program_year_id if dossier else None
            if not obj.changes_state:
                continue
            if obj.at is None:
                obj.at = utcnow()
            if obj.dossier_id not in last_change:
                last_change[obj.dossier_id] = session.scalar(
                    select(AuditEvent.at)
                    .where(AuditEvent.dossier_id == obj.dossier_id, state_change())
                    .order_by(AuditEvent.id.desc()).limit(1))
            previous = last_change[obj.dossier_id]
            if obj.step_days is None and previous is not None:
                obj.step_days = office_days_between(previous, obj.at)
            last_change[obj.dossier_id] = obj.at
