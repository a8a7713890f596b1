"""Background jobs (exports, the legacy import, the year close) with their progress and file."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants.domain.jobs import JobKind, JobState
from grants.extensions import db
from grants.models._types import EnumString, created_at, enum_check


class Job(db.Model):
    """One piece of long work started by ``owner``: what it is (``kind``, ``parameters`` as
    JSON), where it stands (``state``, ``done`` of ``total`` units), what it says (``message``:
    the result or, when failed, the reason, in Vietnamese) and the file it made (``file_path``
    relative to the exports folder, offered as ``file_name`` until ``expires_at``)."""

    __tablename__ = "jobs"
    __table_args__ = (
        enum_check("state", JobState, "state_known"),
        enum_check("kind", JobKind, "kind_known"),
        CheckConstraint("done >= 0 AND (total IS NULL OR total >= 0)", name="progress_positive"),
        Index("ix_jobs_owner", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(EnumString(JobKind))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parameters_json: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[JobState] = mapped_column(EnumString(JobState), default=JobState.QUEUED,
                                            index=True)
    total: Mapped[int | None] = mapped_column()
    done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_path: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
