"""Dossiers, their requested items, checklist lines, attachments and supplement requests."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from grants.db import utcnow
from grants.domain.enums import Channel, CopyKind, Outcome, SignatureState
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models._types import EnumString, created_at, enum_check, money

LIVE_APPROVAL_SQL = f"outcome = '{Outcome.APPROVED.value}' AND approved_vnd > 0"


class Dossier(db.Model):
    __tablename__ = "dossiers"
    __table_args__ = (
        enum_check("status", Status, "status_known"),
        enum_check("channel", Channel, "channel_known"),
        enum_check("return_channel", Channel, "return_channel_known"),
        enum_check("outcome", Outcome, "outcome_known", nullable=True),
        CheckConstraint("approved_vnd >= 0", name="approved_non_negative"),
        CheckConstraint("paid_vnd >= 0 AND paid_vnd <= approved_vnd", name="paid_within_approved"),
        # What recovery decisions claim back is repaid at most in full, and what is still owed
        # was paid (repayments lower ``paid_vnd`` as they lower ``owed``).
        CheckConstraint("repaid_vnd >= 0 AND repaid_vnd <= recovered_vnd "
                        "AND recovered_vnd - repaid_vnd <= paid_vnd", name="recovery_within_paid"),
        # Year reports and overdue lists: (year, state) then the due moment; the finish and
        # decision moments make it cover the on-time counts, the id the overdue list's count
        # and its page of ids (sorted by due moment and id) without touching the table.
        Index("ix_dossiers_year_status_done", "program_year_id", "status", "due_at",
              "finished_at", "decided_at", "id"),
        Index("ix_dossiers_status_due", "status", "due_at"),
        # Work queues sort the waiting states by step deadline, due date, filing time and id:
        # every sort key is in the index, so a page's keys come without touching the table.
        Index("ix_dossiers_queue", "status", "step_due_at", "due_at", "submitted_at",
              "created_at", "id"),
        # Demand and target reports read these without touching the table.
        Index("ix_dossiers_year_status_org", "program_year_id", "status", "organisation_id",
              "outcome", "approved_vnd", "item_count", "items_cost_vnd", "items_requested_vnd"),
        # Approved dossiers with a live commitment (queries.sql.live_approval): few per year
        # (the budget caps them), read by the dashboard and the reports without a scan.
        # Sync by change (the API's updated_since): the stable order (updated_at, id).
        Index("ix_dossiers_updated", "updated_at", "id"),
        Index("ix_dossiers_live_approval", "program_year_id", "organisation_id", "approved_vnd",
              "paid_vnd", "outcome", sqlite_where=text(LIVE_APPROVAL_SQL),
              postgresql_where=text(LIVE_APPROVAL_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"))
    channel: Mapped[str] = mapped_column(String(10), default=Channel.ONLINE.value)
    return_channel: Mapped[str] = mapped_column(String(10), default=Channel.ONLINE.value)
    # The workflow state, always a ``Status`` member (loaded, assigned or defaulted); being a
    # StrEnum it compares equal to its stored string. Only services.dossiers.transition sets it.
    status: Mapped[Status] = mapped_column(EnumString(Status, 30), default=Status.DRAFT)
    outcome: Mapped[str | None] = mapped_column(String(10))
    submitter_name: Mapped[str | None] = mapped_column(String(200))
    submitter_phone: Mapped[str | None] = mapped_column(String(30))
    submitter_email: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    clock_started_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    step_key: Mapped[str | None] = mapped_column(String(30))
    step_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    approved_vnd: Mapped[int] = money(default=0)
    paid_vnd: Mapped[int] = money(default=0)
    # Recovery of undue support (thu hồi): what the recovery decisions claim back and what has
    # been repaid, kept equal to the ledger's recovery entries (grants/services/ledger.py).
    recovered_vnd: Mapped[int] = money(default=0)
    repaid_vnd: Mapped[int] = money(default=0)
    # Count and sums of the dossier's items (requested cost and support), kept equal to its
    # items by ``_sum_items`` below whenever items are written through the ORM, and by the
    # bulk seeder for its own rows: the demand report's breakdowns by place read dossiers only.
    item_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                            server_default="0")
    items_cost_vnd: Mapped[int] = money(default=0, server_default="0")
    items_requested_vnd: Mapped[int] = money(default=0, server_default="0")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at()
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The one-stop software's own number for the dossier (set through the API; unique).
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    # When anything about the dossier last changed: its row, or any row that names it (items,
    # papers, documents, payments, the audit trail …), kept by ``_touch`` below.
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    organisation = relationship("Organisation", back_populates="dossiers", lazy="joined")
    program_year = relationship("ProgramYear", lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    items: Mapped[list["DossierItem"]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", order_by="DossierItem.id"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="dossier", order_by="Attachment.id"
    )
    checklist_results: Mapped[list["ChecklistResult"]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan"
    )

    @validates("status")
    def _as_status(self, _key, value) -> Status:
        # An unknown value is left as it is, for the database's CHECK to refuse.
        return Status._value2member_map_.get(value, value)

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def requested_vnd(self) -> int:
        return sum(i.requested_vnd for i in self.items)

    def __repr__(self) -> str:
        return f"<Dossier {self.code} {self.status}>"


class DossierItem(db.Model):
    """A requested catalogue item, with appraisal and decision amounts filled in later."""

    __tablename__ = "dossier_items"
    __table_args__ = (
        UniqueConstraint("dossier_id", "catalogue_item_id", name="uq_dossier_items_dossier_item"),
        CheckConstraint("consulting_cost_vnd >= 0", name="cost_non_negative"),
        CheckConstraint("requested_vnd >= 0", name="requested_non_negative"),
        CheckConstraint("eligible_cost_vnd IS NULL OR eligible_cost_vnd >= 0",
                        name="eligible_non_negative"),
        CheckConstraint("proposed_vnd IS NULL OR (proposed_vnd >= 0 "
                        "AND proposed_vnd <= requested_vnd)", name="proposed_within_requested"),
        CheckConstraint("approved_vnd IS NULL OR (approved_vnd >= 0 "
                        "AND approved_vnd <= requested_vnd)", name="approved_within_requested"),
        Index("ix_dossier_items_amounts", "dossier_id", "catalogue_item_id",
              "consulting_cost_vnd", "requested_vnd", "approved_vnd"),
        # Items granted an amount (queries.sql.approved_item).
        Index("ix_dossier_items_approved", "dossier_id", "catalogue_item_id", "approved_vnd",
              sqlite_where=text("approved_vnd > 0"), postgresql_where=text("approved_vnd > 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"),
                                            index=True)
    catalogue_item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_items.id"), index=True)
    evidence: Mapped[str | None] = mapped_column(String(500))
    consulting_cost_vnd: Mapped[int] = money()
    requested_vnd: Mapped[int] = money()
    eligible_cost_vnd: Mapped[int | None] = money(nullable=True)
    proposed_vnd: Mapped[int | None] = money(nullable=True)
    approved_vnd: Mapped[int | None] = money(nullable=True)
    double_support_override: Mapped[str | None] = mapped_column(Text)

    dossier: Mapped[Dossier] = relationship(back_populates="items")
    catalogue_item = relationship("CatalogueItem", lazy="joined")


class ChecklistResult(db.Model):
    """The desk's completeness check of one checklist line (certified copy / original sighted)."""

    __tablename__ = "checklist_results"
    __table_args__ = (
        UniqueConstraint("dossier_id", "checklist_item_id",
                         name="uq_checklist_results_dossier_item"),
        enum_check("copy_kind", CopyKind, "copy_kind_known", nullable=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"),
                                            index=True)
    checklist_item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    is_present: Mapped[bool] = mapped_column(Boolean, default=False)
    copy_kind: Mapped[str | None] = mapped_column(String(20))
    sighted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sighted_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(500))

    dossier: Mapped[Dossier] = relationship(back_populates="checklist_results")
    checklist_item = relationship("ChecklistItem", lazy="joined")
    sighted_by = relationship("User")


class Attachment(db.Model):
    """An uploaded file, stored outside static/ under a generated name."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),
                      enum_check("signature_state", SignatureState, "signature_state_known",
                                 nullable=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    checklist_item_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_items.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = created_at()
    is_removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Active content found in a PDF at upload (e.g. "/JavaScript, /EmbeddedFiles"), shown to
    # staff as a warning; None for a plain file (issue 13 point 9).
    active_content: Mapped[str | None] = mapped_column(String(200))
    # A signed PDF's signature as checked at upload (issue 14 point 9): the state of its last
    # signature and one line per signature (signer, state, date) for the desk; NULL: unsigned.
    signature_state: Mapped[str | None] = mapped_column(String(10))
    signature_summary: Mapped[str | None] = mapped_column(String(500))

    dossier: Mapped[Dossier] = relationship(back_populates="attachments")
    checklist_item = relationship("ChecklistItem")


class SupplementRequest(db.Model):
    __tablename__ = "supplement_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    items_json: Mapped[str] = mapped_column(Text)  # [{"label": ..., "note": ...}, ...]
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = created_at()
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer_note: Mapped[str | None] = mapped_column(Text)


ITEM_SUMS = ("item_count", "items_cost_vnd", "items_requested_vnd")
_TOUCHED = "grants.dossier_items_touched"


@event.listens_for(Session, "after_flush")
def _note_items(session, _flush_context) -> None:
    """Remember the dossiers whose items this flush inserted, changed or deleted."""
    touched = {obj.dossier_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, DossierItem) and obj.dossier_id is not None}
    if touched:
        session.info.setdefault(_TOUCHED, set()).update(touched)


@event.listens_for(Session, "after_flush_postexec")
def _sum_items(session, _flush_context) -> None:
    """Recompute the item sums of those dossiers in the same transaction, from the rows just
    written (one UPDATE), and expire the loaded copies of the sums."""
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    dossiers, items = Dossier.__table__, DossierItem.__table__
    mine = items.c.dossier_id == dossiers.c.id

    def total(column):
        return select(func.coalesce(func.sum(column), 0)).where(mine).scalar_subquery()

    session.execute(update(dossiers).where(dossiers.c.id.in_(sorted(touched))).values(
        item_count=select(func.count()).where(mine).scalar_subquery(),
        items_cost_vnd=total(items.c.consulting_cost_vnd),
        items_requested_vnd=total(items.c.requested_vnd)))
    for dossier_id in touched:
        loaded = session.identity_map.get(identity_key(Dossier, dossier_id))
        if loaded is not None:
            session.expire(loaded, list(ITEM_SUMS))


_CHANGED = "grants.dossiers_changed"


@event.listens_for(Session, "after_flush")
def _note_changes(session, _flush_context) -> None:
    """Remember the dossiers this flush changed: their own row, or a row that names them."""
    changed = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Dossier):
            if obj.id is not None and (obj in session.new or session.is_modified(obj)):
                changed.add(obj.id)
        else:
            dossier_id = getattr(obj, "dossier_id", None)
            if isinstance(dossier_id, int):
                changed.add(dossier_id)
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "after_flush_postexec")
def _touch(session, _flush_context) -> None:
    """Stamp ``updated_at`` on those dossiers in the same transaction (one UPDATE that leaves
    the optimistic-lock ``version`` alone: a payment or a paper changes the dossier's
    ``updated_at`` for the sync, not the version a client is editing against). The stamp is
    set again as the transaction commits, under the commit-order lock (``events.publish``), so
    that stamps follow the order in which changes become visible."""
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    session.info.setdefault(_CHANGED_IN_TRANSACTION, set()).update(changed)
    stamp(session, changed, utcnow())


_CHANGED_IN_TRANSACTION = "grants.dossiers_changed_in_transaction"


def stamp(session: Session, dossier_ids, now: datetime) -> None:
    """Set ``updated_at`` of those dossiers to ``now``, in the database and on their loaded
    copies."""
    table, ids = Dossier.__table__, sorted(dossier_ids)
    for start in range(0, len(ids), 10_000):  # under PostgreSQL's 65,535 parameters
        session.execute(update(table).where(table.c.id.in_(ids[start:start + 10_000]))
                        .values(updated_at=now))
    for dossier_id in dossier_ids:
        loaded = session.identity_map.get(identity_key(Dossier, dossier_id))
        if loaded is not None:
            set_committed_value(loaded, "updated_at", now)


def changed_in_transaction(session: Session) -> set[int]:
    """The dossiers the session's transaction has changed so far (their ids)."""
    return session.info.get(_CHANGED_IN_TRANSACTION, set())


@event.listens_for(Session, "after_transaction_end")
def _forget_changed(session, transaction) -> None:
    if transaction.parent is None:  # the outermost: committed or rolled back
        session.info.pop(_CHANGED_IN_TRANSACTION, None)
