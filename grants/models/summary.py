"""Report summaries (issue 15.2): the figures the year reports show, kept as a few grouped rows
that every change moves in its own transaction, so that a report reads rows, not the year.

Each table is a sum over source rows, grouped by its primary key (see
``grants.queries.summaries`` for the definitions and ``grants.services.summaries`` for how the
rows are kept): ``flask check-summaries`` recomputes them from the source rows. Derived data:
no foreign keys (a row may stay at zero after its dossiers moved away; readers skip those).
"""

from sqlalchemy import BigInteger, Boolean, Double, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, nullable=False, default=0)


class SummaryDossiers(db.Model):
    """Dossiers per (year, commune, organisation type, state): how many, their item counts and
    sums, how many were finished with a due moment (judged) and by it (on time), and the
    amounts granted to their items when approved with a live commitment."""

    __tablename__ = "summary_dossiers"

    program_year_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune: Mapped[str] = mapped_column(String(120), primary_key=True)
    org_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    dossiers: Mapped[int] = _count()
    item_count: Mapped[int] = _count()
    items_cost_vnd: Mapped[int] = _count()
    items_requested_vnd: Mapped[int] = _count()
    judged: Mapped[int] = _count()
    on_time: Mapped[int] = _count()
    approved_items_vnd: Mapped[int] = _count()


class SummaryItems(db.Model):
    """Dossier items per (year, catalogue item, dossier state, approved): ``approved`` is true
    for an item granted an amount in a dossier approved with a live commitment
    (``queries.sql.live_approval`` and ``approved_item``). Not by place: that multiplies the
    rows by the communes and types (10,000 rows for a year of 64,000 items), and the demand
    summary's approved amounts by place come from ``SummaryDossiers.approved_items_vnd``."""

    __tablename__ = "summary_items"

    program_year_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    catalogue_item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    approved: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    items: Mapped[int] = _count()
    consulting_cost_vnd: Mapped[int] = _count()
    requested_vnd: Mapped[int] = _count()
    approved_vnd: Mapped[int] = _count()


class SummarySteps(db.Model):
    """Measured procedure steps per (year, state the step started from, officer; 0 = the
    system): steps done, summed working days, and how many took longer than the year's
    allotment for the step (re-counted when the allotments change)."""

    __tablename__ = "summary_steps"

    program_year_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_status: Mapped[str] = mapped_column(String(30), primary_key=True)
    actor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    done: Mapped[int] = _count()
    spans: Mapped[int] = _count()
    span_days: Mapped[float] = mapped_column(Double, nullable=False, default=0.0)
    over_allotment: Mapped[int] = _count()


class SummaryLedger(db.Model):
    """Ledger amounts per (year, entry kind, calendar month of ``entry_on``), unsigned."""

    __tablename__ = "summary_ledger"

    program_year_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    entry_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_month: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = _count()
    amount_vnd: Mapped[int] = _count()
