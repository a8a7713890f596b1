"""The officers' text of the annual report, one row per year or range of years."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._types import created_at


class AnnualReportText(db.Model):
    """The introduction, assessment and proposals written for the report on ``first_year`` to
    ``last_year`` (equal for one year). ``version`` guards against two officers saving over
    each other; every save is in the audit trail."""

    __tablename__ = "annual_report_texts"
    __table_args__ = (
        UniqueConstraint("first_year", "last_year", name="uq_annual_report_texts_period"),
        CheckConstraint("last_year >= first_year", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    introduction: Mapped[str] = mapped_column(Text)
    assessment: Mapped[str] = mapped_column(Text)
    proposals: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    created_at: Mapped[datetime] = created_at()

    __mapper_args__ = {"version_id_col": version}
