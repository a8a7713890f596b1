"""The record of each erasure of a person's data (Law 91/2025; issue 13 point 12)."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._types import created_at


class PersonalDataErasure(db.Model):
    """One anonymisation of a person: who asked for it, when, and how many audit rows had the
    person's identifying values replaced. ``in_progress`` is true only inside the transaction
    that does it: on SQLite the audit trail's append-only trigger lets an UPDATE through only
    then (on PostgreSQL the owner's SECURITY DEFINER function ``grants_redact_audit`` does the
    replacement; see migration 0010_identity)."""

    __tablename__ = "personal_data_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    audit_rows: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[bool] = mapped_column(Boolean, default=False)
