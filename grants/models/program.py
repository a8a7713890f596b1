"""Program years and what varies by year: steps, checklist, catalogue rules, reasons."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.domain.budget import DEFAULT_PAYMENT_THRESHOLD_VND
from grants.domain.enums import Authority, CatalogueKind
from grants.domain.roles import Role
from grants.extensions import db
from grants.models._types import created_at, enum_check, money

MINUTES_PER_DAY = 480  # allotments are stored in office minutes: 1 working day = 8 hours


class ProgramYear(db.Model):
    """One year of the program. ``committed_vnd``/``disbursed_vnd`` mirror the ledger and are
    updated in the same transaction as each ledger entry; this row is what approvals lock."""

    __tablename__ = "program_years"
    __table_args__ = (
        CheckConstraint("budget_vnd >= 0", name="budget_non_negative"),
        CheckConstraint("target_min >= 0 AND target_max >= target_min", name="target_range"),
        CheckConstraint("committed_vnd >= 0 AND committed_vnd <= budget_vnd",
                        name="committed_within_budget"),
        CheckConstraint("disbursed_vnd >= 0 AND disbursed_vnd <= committed_vnd",
                        name="disbursed_within_committed"),
        CheckConstraint("statutory_days > 0", name="statutory_positive"),
        CheckConstraint("payment_threshold_vnd >= 0", name="payment_threshold_non_negative"),
        enum_check("authority", Authority, "authority_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    budget_vnd: Mapped[int] = money()
    committed_vnd: Mapped[int] = money(default=0)
    disbursed_vnd: Mapped[int] = money(default=0)
    target_min: Mapped[int] = mapped_column(Integer, default=16)
    target_max: Mapped[int] = mapped_column(Integer, default=50)
    authority: Mapped[str] = mapped_column(String(20), default=Authority.DIRECTOR.value)
    signer_title: Mapped[str] = mapped_column(String(200), default="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    signer_name: Mapped[str | None] = mapped_column(String(200))
    plan_reference: Mapped[str | None] = mapped_column(String(300))
    # The "Căn cứ" of the year's decisions: the decision on the Department's functions and the
    # number ("05/KH-SKHCN") and date of the year's plan implementing the resolution.
    functions_decision: Mapped[str | None] = mapped_column(String(500))
    plan_number: Mapped[str | None] = mapped_column(String(50))
    plan_date: Mapped[date | None] = mapped_column(Date)
    statutory_days: Mapped[int] = mapped_column(Integer, default=16)
    # Payments taking a dossier's total above this need a second person (services/ledger.py).
    payment_threshold_vnd: Mapped[int] = money(default=DEFAULT_PAYMENT_THRESHOLD_VND)
    intake_open: Mapped[bool] = mapped_column(Boolean, default=True)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closing_report: Mapped[str | None] = mapped_column(Text)  # frozen figures as JSON
    created_at: Mapped[datetime] = created_at()

    steps: Mapped[list["ProcedureStep"]] = relationship(
        back_populates="program_year", order_by="ProcedureStep.position",
        cascade="all, delete-orphan",
    )
    checklist: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="program_year", order_by="ChecklistItem.position",
        cascade="all, delete-orphan",
    )
    rules: Mapped[list["SupportRule"]] = relationship(
        back_populates="program_year", cascade="all, delete-orphan"
    )
    reasons: Mapped[list["RejectionReason"]] = relationship(
        back_populates="program_year", order_by="RejectionReason.position",
        cascade="all, delete-orphan",
    )

    @property
    def remaining_vnd(self) -> int:
        return self.budget_vnd - self.committed_vnd

    @property
    def authority_label(self) -> str:
        return Authority(self.authority).label

    def __repr__(self) -> str:
        return f"<ProgramYear {self.year}>"


class ProcedureStep(db.Model):
    __tablename__ = "procedure_steps"
    __table_args__ = (
        UniqueConstraint("program_year_id", "key", name="uq_procedure_steps_year_key"),
        CheckConstraint("allotment_minutes >= 0", name="allotment_non_negative"),
        enum_check("role", Role, "role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    allotment_minutes: Mapped[int] = mapped_column(Integer)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)

    program_year: Mapped[ProgramYear] = relationship(back_populates="steps")

    @property
    def allotment_days(self):
        from fractions import Fraction

        return Fraction(self.allotment_minutes, MINUTES_PER_DAY)


class ChecklistItem(db.Model):
    """One line of the year's dossier checklist (application form, certificate, invoices …)."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        UniqueConstraint("program_year_id", "code", name="uq_checklist_items_year_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(300))
    is_required: Mapped[bool] = mapped_column(Boolean, default=True)

    program_year: Mapped[ProgramYear] = relationship(back_populates="checklist")


class RejectionReason(db.Model):
    """The year's catalogue of reasons an appraiser/leader can pick from."""

    __tablename__ = "rejection_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(500))

    program_year: Mapped[ProgramYear] = relationship(back_populates="reasons")


class CatalogueItem(db.Model):
    __tablename__ = "catalogue_items"
    __table_args__ = (enum_check("kind", CatalogueKind, "kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def kind_label(self) -> str:
        return CatalogueKind(self.kind).label

    def __repr__(self) -> str:
        return f"<CatalogueItem {self.code}>"


class SupportRule(db.Model):
    """Per year and item: support = min(share × eligible cost, cap, requested)."""

    __tablename__ = "support_rules"
    __table_args__ = (
        UniqueConstraint("program_year_id", "catalogue_item_id",
                         name="uq_support_rules_year_item"),
        CheckConstraint("share_percent > 0 AND share_percent <= 100", name="share_range"),
        CheckConstraint("cap_vnd >= 0", name="cap_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(ForeignKey("program_years.id"), index=True)
    catalogue_item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_items.id"), index=True)
    share_percent: Mapped[int] = mapped_column(Integer)
    cap_vnd: Mapped[int] = mapped_column(BigInteger)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(300))

    program_year: Mapped[ProgramYear] = relationship(back_populates="rules")
    catalogue_item: Mapped[CatalogueItem] = relationship(lazy="joined")


class HolidayOverride(db.Model):
    """Admin-announced extra days off and make-up working days on top of the public holidays."""

    __tablename__ = "holiday_overrides"
    __table_args__ = (
        CheckConstraint("kind IN ('day_off', 'working_day')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_at()


class LetterTemplate(db.Model):
    """An admin's override of one text of one document kind (see grants.letters.texts)."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("kind", "field", name="uq_letter_templates_kind_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    field: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = created_at()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
