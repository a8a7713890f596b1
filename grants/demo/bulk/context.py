"""The program years as the generator sees them, read once before generating: their rules,
reasons, calendar, step allotments and budget room."""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select

from grants.demo.bulk.setup import GENERATED_PLAN_REFERENCE
from grants.domain.deadlines import dossier_due
from grants.extensions import db
from grants.models import CatalogueItem, ProcedureStep, ProgramYear, RejectionReason, SupportRule
from grants.models.program import MINUTES_PER_DAY
from grants.queries.calendar import calendar_for
from grants.services.year_defaults import REASONS


@dataclass
class Year:
    """A program year as the generator sees it; ``pending_*`` are the batch's ledger moves."""

    id: int
    year: int
    budget: int
    committed: int
    disbursed: int
    growable: bool
    statutory_days: int
    authority: str
    signer_name: str | None
    rules: dict[int, tuple[int, int]]  # catalogue item id -> (share %, cap)
    reasons: list[str]
    cumulative: dict[str, Fraction]  # step key -> counted allotment up to and including it
    calendar: object = None
    workdays: list[date] = field(default_factory=list)
    midnight: list[datetime] = field(default_factory=list)
    lo: int = 0
    eoy: int = 0
    last: int = -1  # index of the last working day before today
    pending_commit: int = 0
    pending_disburse: int = 0
    due_cache: dict = field(default_factory=dict)
    step_cache: dict = field(default_factory=dict)

    def prepare_clock(self, today: date) -> None:
        self.calendar = calendar_for(self.year)
        first, stop = date(self.year, 1, 1), date(self.year + 1, 12, 31)
        day = first
        while day <= stop:
            if self.calendar.is_working_day(day):
                self.workdays.append(day)
                self.midnight.append(datetime(day.year, day.month, day.day))
            day += timedelta(days=1)
        self.lo = bisect_left(self.workdays, date(self.year, 1, 5))
        self.eoy = bisect_right(self.workdays, date(self.year, 12, 20)) - 1
        self.last = bisect_left(self.workdays, today) - 1

    @property
    def usable(self) -> bool:
        return self.last >= self.lo + 10

    def due(self, start: datetime) -> datetime:
        key = start.date()
        due = self.due_cache.get(key)
        if due is None:
            due = self.due_cache[key] = dossier_due(self.calendar, start, self.statutory_days)
        return due

    def step_due(self, start: datetime, step_key: str) -> datetime | None:
        days = self.cumulative.get(step_key)
        if days is None:
            return None
        key = (start, step_key)
        due = self.step_cache.get(key)
        if due is None:
            due = self.step_cache[key] = self.calendar.add_working_time(start, days)
        return due


@dataclass
class Org:
    id: int
    representative: str | None
    phone: str | None
    email: str | None
    member_id: int | None


@dataclass
class Item:
    id: int
    code: str
    kind: str


def _counted_allotments(program_year_id: int) -> dict[str, Fraction]:
    cumulative, elapsed = {}, Fraction(0)
    for key, minutes, counted in db.session.execute(
            select(ProcedureStep.key, ProcedureStep.allotment_minutes, ProcedureStep.counted)
            .where(ProcedureStep.program_year_id == program_year_id)
            .order_by(ProcedureStep.position)):
        if counted:
            elapsed += Fraction(minutes, MINUTES_PER_DAY)
            cumulative[key] = elapsed
    return cumulative


def load_years(today: date) -> list[Year]:
    """The years dossiers can be generated in: not in the future, with rules and enough
    working days before ``today``; RuntimeError when there is none."""
    years = []
    for row in db.session.execute(select(ProgramYear).order_by(ProgramYear.year)).scalars():
        rules = {item: (share, cap) for item, share, cap in db.session.execute(
            select(SupportRule.catalogue_item_id, SupportRule.share_percent, SupportRule.cap_vnd)
            .join(CatalogueItem, CatalogueItem.id == SupportRule.catalogue_item_id)
            .where(SupportRule.program_year_id == row.id, CatalogueItem.is_active.is_(True)))}
        reasons = list(db.session.scalars(
            select(RejectionReason.text).where(RejectionReason.program_year_id == row.id)
            .order_by(RejectionReason.position, RejectionReason.id)))
        year = Year(id=row.id, year=row.year, budget=row.budget_vnd,
                    committed=row.committed_vnd, disbursed=row.disbursed_vnd,
                    growable=row.plan_reference == GENERATED_PLAN_REFERENCE,
                    statutory_days=row.statutory_days, authority=row.authority,
                    signer_name=row.signer_name, rules=rules,
                    reasons=reasons or list(REASONS),
                    cumulative=_counted_allotments(row.id))
        if row.year > today.year or not rules:
            continue
        year.prepare_clock(today)
        if year.usable:
            years.append(year)
    if not years:
        raise RuntimeError("Không có năm chương trình nào phù hợp để sinh hồ sơ mẫu.")
    return years
