"""Bulk demo dossiers for demos and load tests (``flask seed-demo --dossiers N``).

``bulk_dossiers(n)`` adds ``n`` generated dossiers with everything a real one would have by its
state: requested items, appraisal, decision, ledger entries and the audit trail of every step.
It writes with SQLAlchemy Core ``executemany`` inserts and ids it assigns itself, so 100,000
dossiers (about a million rows) take well under a minute on SQLite and on PostgreSQL.

What it generates
-----------------
* Program years 2021–2025 if missing (steps, checklist and reasons as ``setup_year_defaults``,
  support rules copied from an existing year). Those years are marked with
  ``GENERATED_PLAN_REFERENCE`` and their budget is raised as needed so every approval fits.
  Years that were not generated here (the 2025 and 2026 plans of ``seed_base``) keep their
  budget: an approval that would not fit becomes a rejection with the reason "budget used up",
  as the app itself would refuse it. Future years are left alone.
* ``n // 20`` new organisations (Vietnamese names, unique 10-digit tax codes 2301xxxxxC with
  the GDT check digit, communes from ``demo.COMMUNES``), and an applicant account (password
  ``demo.DEMO_PASSWORD``) for every organisation that has none.
* Dossiers spread over every ``Status`` (the first 13 of each call take one state each, the rest
  follow weights: the current year has live work queues, past years are mostly finished) and
  over all organisations. Dates are working days and office hours of the year's calendar
  (``clock.calendar_for``), all before today; ``due_at`` / ``step_due_at`` are computed exactly
  as ``grants.services.clock`` does. Codes are ``HS-{year}-{number:05d}`` taken from
  ``Counter(year, "HS")``, which is bumped so the app's next dossier continues after them.
* No organisation is approved twice for the same catalogue item (such an approval becomes a
  rejection with the double-support reason). Disbursements, a few reversals and re-payments
  never take ``paid_vnd`` above ``approved_vnd``; ``ProgramYear.committed_vnd`` and
  ``disbursed_vnd`` move by exactly what the new ledger rows add.
* Not generated: checklist results, attachments, site visits, issued documents (PDF).

Deterministic for a given ``seed``, starting database and ``today``.
"""

import json
import random
import time as _time
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import Date, DateTime, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import generate_password_hash

from grants.db import local_today
from grants.domain.budget import EntryKind
from grants.domain.deadlines import dossier_due
from grants.domain.money import format_vnd, support_amount
from grants.domain.office_time import office_days_between
from grants.domain.roles import Role
from grants.domain.workflow import STEP_OF_STATUS
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import (
    Appraisal,
    AuditEvent,
    CatalogueItem,
    Counter,
    Decision,
    Dossier,
    DossierItem,
    LedgerEntry,
    Organisation,
    ProcedureStep,
    ProgramYear,
    RejectionReason,
    SupplementRequest,
    SupportRule,
    User,
    UserRole,
)
from grants.models.enums import Authority, Channel, Outcome, PaymentMethod, Recommendation
from grants.models.program import MINUTES_PER_DAY
from grants.services import audit
from grants.services.clock import calendar_for
from grants.services.demo import CHECKLIST, COMMUNES, DEMO_PASSWORD, REASONS, setup_year_defaults
from grants.services.numbering import DOSSIER_SYMBOL

__all__ = ["BATCH_SIZE", "GENERATED_PLAN_REFERENCE", "GENERATED_YEARS", "bulk_dossiers"]

BATCH_SIZE = 5_000
"""Dossiers per batch: one round of inserts, counter and year updates, then ``commit()``."""

GENERATED_YEARS = range(2021, 2026)
GENERATED_PLAN_REFERENCE = "Năm mẫu (demo) do lệnh seed-demo tạo; ngân sách tăng theo dữ liệu mẫu"

REASON_DOUBLE_SUPPORT = REASONS[2]
REASON_BUDGET = REASONS[5]

# The audit actions of grants.services.ledger.
_LEDGER_ACTIONS = {
    EntryKind.COMMITMENT: "ledger.commit", EntryKind.COMMITMENT_RELEASE: "ledger.release",
    EntryKind.DISBURSEMENT: "ledger.pay", EntryKind.DISBURSEMENT_REVERSAL: "ledger.reverse",
}
_UTC_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh, no daylight saving since 1975
_BUDGET_STEP = 100_000_000
_TAX_PREFIX = "2301"  # seed_base uses 2300xxxxxx
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

# Final states: (weight in the current year, weight in a past year).
_STATUS_WEIGHTS = {
    Status.DRAFT: (6, 1),
    Status.SUBMITTED: (8, 0.3),
    Status.SUPPLEMENT_REQUESTED: (5, 2),
    Status.REFUSED: (4, 7),
    Status.RECEIVED: (7, 0.3),
    Status.ASSIGNED: (12, 0.5),
    Status.APPRAISED: (7, 0.3),
    Status.REVIEWED: (6, 0.3),
    Status.APPROVED: (5, 0.5),
    Status.REJECTED: (4, 1),
    Status.ISSUED: (6, 3),
    Status.RETURNED: (26, 77),
    Status.WITHDRAWN: (4, 6),
}
_WITHDRAWN_FROM = {
    Status.DRAFT: 2, Status.SUBMITTED: 2, Status.SUPPLEMENT_REQUESTED: 3, Status.RECEIVED: 1,
    Status.ASSIGNED: 2, Status.APPRAISED: 1, Status.REVIEWED: 1,
}
_LEVEL = {
    Status.DRAFT: 0, Status.SUBMITTED: 1, Status.RECEIVED: 2, Status.ASSIGNED: 3,
    Status.APPRAISED: 4, Status.REVIEWED: 5, Status.APPROVED: 6, Status.REJECTED: 6,
    Status.ISSUED: 7, Status.RETURNED: 8,
}
_OPEN = frozenset(Status) - {Status.REFUSED, Status.RETURNED, Status.WITHDRAWN}
# An open dossier of the current year had its last event at most this many working days ago.
_RECENT = {
    Status.DRAFT: 60, Status.SUBMITTED: 3, Status.SUPPLEMENT_REQUESTED: 30, Status.RECEIVED: 4,
    Status.ASSIGNED: 16, Status.APPRAISED: 6, Status.REVIEWED: 6, Status.APPROVED: 5,
    Status.REJECTED: 5, Status.ISSUED: 10,
}

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
           "Dương", "Đào", "Lý", "Phan", "Trịnh")
_MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thanh", "Quang", "Hữu", "Ngọc", "Thu", "Hồng", "Xuân")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương",
          "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Phương", "Quân", "Sơn", "Thảo", "Trang",
          "Tuấn", "Việt", "Yến", "Thắng", "Tâm", "Huyền")
_BRANDS = ("Hưng Thịnh", "Phát Đạt", "Thành Công", "An Phát", "Minh Long", "Hoàng Gia",
           "Tân Tiến", "Đại Phát", "Việt Hưng", "Phú Thịnh", "Kim Long", "Bảo An", "Thiên Phú",
           "Hòa Bình", "Sao Mai", "Đông Á", "Trường Thành", "Quang Minh", "Nam Việt", "Hải Đăng",
           "Kinh Bắc", "Thuận Phát", "Tiến Đạt", "Hồng Hà", "Vạn Xuân", "Lạc Hồng")
_ENTERPRISE_SECTORS = (
    ("Cơ khí", "Cơ khí"), ("Điện tử", "Điện tử"), ("Thực phẩm", "Chế biến thực phẩm"),
    ("Dệt may", "Dệt may"), ("Bao bì", "Bao bì"), ("Nhựa", "Nhựa"), ("Gỗ", "Đồ gỗ"),
    ("Dược phẩm", "Dược phẩm"), ("Vật liệu Xây dựng", "Vật liệu xây dựng"),
    ("Thép", "Luyện kim"), ("Phần mềm", "Công nghệ thông tin"), ("Logistics", "Vận tải, kho bãi"),
    ("Đồ uống", "Đồ uống"), ("Giấy", "Sản xuất giấy"), ("Hóa chất", "Hóa chất"),
    ("Thiết bị Điện", "Thiết bị điện"), ("In", "In ấn"), ("Gốm sứ", "Gốm sứ"),
    ("Linh kiện Ô tô", "Cơ khí ô tô"), ("Thức ăn Chăn nuôi", "Thức ăn chăn nuôi"),
)
_COOP_SECTORS = (
    ("Nông nghiệp", "Nông nghiệp"), ("Rau an toàn", "Nông nghiệp"), ("Chăn nuôi", "Chăn nuôi"),
    ("Dịch vụ Nông nghiệp", "Dịch vụ nông nghiệp"), ("Mây tre đan", "Thủ công mỹ nghệ"),
    ("Chè", "Nông sản"), ("Vải thiều", "Nông sản"), ("Thủy sản", "Nuôi trồng thủy sản"),
    ("Gạo", "Nông nghiệp"), ("Mật ong", "Nông sản"),
)
_ENTERPRISE_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân")
_STREETS = ("Lý Thái Tổ", "Trần Hưng Đạo", "Nguyễn Trãi", "Lê Lợi", "Ngô Gia Tự",
            "Hoàng Hoa Thám", "Nguyễn Văn Cừ", "Thiên Đức", "Kinh Dương Vương", "Lý Thường Kiệt",
            "Hai Bà Trưng", "Quang Trung", "Trần Phú", "Lê Thánh Tông")
_SIZES = ("Siêu nhỏ", "Nhỏ", "Vừa", "Lớn")
_REFUSALS = (
    "Tổ chức không thuộc đối tượng áp dụng của Nghị quyết 43/2022/NQ-HĐND.",
    "Hồ sơ không đúng thủ tục hành chính được tiếp nhận.",
    "Hồ sơ nộp ngoài thời gian tiếp nhận của năm.",
)
_SUPPLEMENT_NOTES = (
    "Bổ sung bản sao có chứng thực hoặc xuất trình bản chính để đối chiếu.",
    "Văn bản chưa có chữ ký, đóng dấu của người đại diện theo pháp luật.",
    "Thiếu trang, đề nghị nộp lại bản đầy đủ.",
    "Số tiền trên hoá đơn không khớp với hợp đồng.",
)
_BANKS = ("VCB", "BIDV", "CTG", "AGR", "TCB", "MBB")


def _no_commit() -> None:
    """Default ``commit``: leave the transaction to the caller."""


def _utc(moment: datetime) -> datetime:
    return moment - _UTC_OFFSET


def _roundup(amount: int, step: int) -> int:
    return -(-amount // step) * step


def _tax_code(base9: int) -> str | None:
    """A 10-digit tax code from 9 digits plus the GDT check digit (None when it would be 10)."""
    digits = f"{base9:09d}"
    check = 10 - sum(int(d) * w for d, w in zip(digits, _TAX_WEIGHTS, strict=True)) % 11
    return None if check == 10 else f"{digits}{check % 10}"


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- Context: what the database already holds ----------------------------------------------------


@dataclass
class _Year:
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
class _Org:
    id: int
    representative: str | None
    phone: str | None
    email: str | None
    member_id: int | None


@dataclass
class _Item:
    id: int
    code: str
    kind: str


class _Ids:
    """Next free id per table; the ids are ours to assign (PostgreSQL sequences set after)."""

    TABLES = (Organisation, User, UserRole, Dossier, DossierItem, Appraisal, Decision,
              LedgerEntry, SupplementRequest, AuditEvent)

    def __init__(self) -> None:
        self.next: dict[str, int] = {}
        for model in self.TABLES:
            top = db.session.scalar(select(func.max(model.id))) or 0
            self.next[model.__tablename__] = top + 1

    def take(self, model) -> int:
        name = model.__tablename__
        value = self.next[name]
        self.next[name] = value + 1
        return value

    def sync_sequences(self) -> None:
        if db.engine.dialect.name != "postgresql":
            return
        for model in self.TABLES:
            last = self.next[model.__tablename__] - 1
            if last > 0:
                db.session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                                   {"t": model.__tablename__, "v": last})


# --- Setup: years, organisations, accounts -------------------------------------------------------


def _ensure_years() -> None:
    """Create the missing program years 2021–2025 with the procedure defaults and rules."""
    have = set(db.session.scalars(select(ProgramYear.year)))
    missing = [y for y in GENERATED_YEARS if y not in have]
    if not missing:
        return
    source = db.session.scalar(select(ProgramYear.id).order_by(ProgramYear.year.desc()).limit(1))
    rules = []
    if source is not None:
        rules = db.session.execute(
            select(SupportRule.catalogue_item_id, SupportRule.share_percent, SupportRule.cap_vnd,
                   SupportRule.is_demo, SupportRule.note)
            .where(SupportRule.program_year_id == source).order_by(SupportRule.id)).all()
    if not rules:
        rules = [(item_id, 50, 50_000_000, True, "Giá trị mẫu (demo), không phải quy định")
                 for item_id in db.session.scalars(select(CatalogueItem.id)
                                                   .order_by(CatalogueItem.id))]
    for y in missing:
        chairman = y <= 2022
        row = ProgramYear(
            year=y, budget_vnd=(500 + 50 * (y - 2021)) * 1_000_000, committed_vnd=0,
            disbursed_vnd=0, target_min=16, target_max=50,
            authority=(Authority.CHAIRMAN if chairman else Authority.DIRECTOR).value,
            signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" if chairman else "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
            signer_name="Nguyễn Văn Phúc" if chairman else "Vũ Đức Giang",
            plan_reference=GENERATED_PLAN_REFERENCE, statutory_days=16, intake_open=False,
            is_closed=False)
        setup_year_defaults(row)
        for item_id, share, cap, is_demo, note in rules:
            row.rules.append(SupportRule(catalogue_item_id=item_id, share_percent=share,
                                         cap_vnd=cap, is_demo=is_demo, note=note))
        db.session.add(row)
        db.session.flush()
        audit.record("program_year.create", row, actor=None, after={"year": y},
                     note="Năm mẫu do lệnh seed-demo tạo")


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}"


def _add_organisations(rng: random.Random, ids: _Ids, count: int, now: datetime) -> None:
    codes = db.session.scalars(select(Organisation.tax_code)
                               .where(Organisation.tax_code.like(f"{_TAX_PREFIX}%"))).all()
    base = max((int(c[:9]) for c in codes if len(c) == 10), default=int(f"{_TAX_PREFIX}00000"))
    names = set(db.session.scalars(select(Organisation.name)))
    rows = []
    while len(rows) < count:
        base += 1
        tax_code = _tax_code(base)
        if tax_code is None:
            continue
        kind = rng.random()
        commune = rng.choice(COMMUNES)
        place = commune.split(" ", 1)[1]
        if kind < 0.8:
            org_type = "enterprise"
            word, sector = rng.choice(_ENTERPRISE_SECTORS)
            name = f"{rng.choice(_ENTERPRISE_FORMS)} {word} {rng.choice(_BRANDS)}"
            title = rng.choice(("Giám đốc", "Tổng Giám đốc", "Chủ tịch Hội đồng quản trị"))
        else:
            org_type = "cooperative" if kind < 0.96 else "union"
            word, sector = rng.choice(_COOP_SECTORS)
            prefix = "Hợp tác xã" if org_type == "cooperative" else "Liên hiệp Hợp tác xã"
            name = f"{prefix} {word} {place}"
            title = "Chủ tịch Hội đồng quản trị" if org_type == "union" else "Giám đốc"
        for candidate in (name, f"{name} {place}", f"{name} {tax_code[-4:]}"):
            if candidate not in names:
                name = candidate
                break
        names.add(name)
        rows.append({
            "id": ids.take(Organisation), "name": name, "org_type": org_type,
            "tax_code": tax_code,
            "address": f"Số {rng.randint(1, 399)} đường {rng.choice(_STREETS)}, {commune}, "
                       "tỉnh Bắc Ninh",
            "commune": commune, "sector": sector, "size": rng.choices(_SIZES, (3, 5, 2, 1))[0],
            "representative": _person(rng), "representative_title": title,
            "phone": f"09{rng.randrange(10**8):08d}", "email": f"lienhe.{tax_code}@example.vn",
            "created_at": now,
        })
    if rows:
        _insert_rows(Organisation, rows)


def _add_member_accounts(ids: _Ids, now: datetime) -> None:
    """An applicant account for every organisation without one (password DEMO_PASSWORD)."""
    has_member = select(User.id).where(User.organisation_id == Organisation.id).exists()
    orgs = db.session.execute(select(Organisation.id, Organisation.tax_code,
                                     Organisation.representative)
                              .where(~has_member).order_by(Organisation.id)).all()
    if not orgs:
        return
    emails = set(db.session.scalars(select(User.email).where(User.email.like("dn.%@demo.vn"))))
    password_hash = generate_password_hash(DEMO_PASSWORD)
    users, roles = [], []
    for org_id, tax_code, representative in orgs:
        email = f"dn.{tax_code.replace('-', '.')}@demo.vn"
        if email in emails:
            continue
        user_id = ids.take(User)
        users.append({"id": user_id, "email": email,
                      "full_name": representative or f"Đại diện {tax_code}", "title": None,
                      "phone": None, "password_hash": password_hash, "organisation_id": org_id,
                      "is_active_account": True, "created_at": now, "last_login_at": None})
        roles.append({"id": ids.take(UserRole), "user_id": user_id,
                      "role": Role.APPLICANT.value})
    if users:
        _insert_rows(User, users)
        _insert_rows(UserRole, roles)


def _staff() -> dict[Role, list[int]]:
    rows = db.session.execute(
        select(UserRole.role, User.id).join(User, User.id == UserRole.user_id)
        .where(User.is_active_account.is_(True), User.organisation_id.is_(None))
        .order_by(User.id)).all()
    staff: dict[Role, list[int]] = {}
    for role, user_id in rows:
        staff.setdefault(Role(role), []).append(user_id)
    needed = (Role.CLERK, Role.HEAD, Role.APPRAISER, Role.LEADER, Role.RECORDS, Role.FINANCE)
    missing = [r.value for r in needed if not staff.get(r)]
    if missing:
        raise RuntimeError(f"Thiếu tài khoản cán bộ ({', '.join(missing)}): chạy seed-demo "
                           "(dữ liệu mẫu cơ bản) trước khi sinh hồ sơ hàng loạt.")
    return staff


def _load_years(today: date) -> list[_Year]:
    years = []
    for row in db.session.execute(select(ProgramYear).order_by(ProgramYear.year)).scalars():
        rules = {item: (share, cap) for item, share, cap in db.session.execute(
            select(SupportRule.catalogue_item_id, SupportRule.share_percent, SupportRule.cap_vnd)
            .join(CatalogueItem, CatalogueItem.id == SupportRule.catalogue_item_id)
            .where(SupportRule.program_year_id == row.id, CatalogueItem.is_active.is_(True)))}
        reasons = list(db.session.scalars(
            select(RejectionReason.text).where(RejectionReason.program_year_id == row.id)
            .order_by(RejectionReason.position, RejectionReason.id)))
        cumulative, elapsed = {}, Fraction(0)
        for key, minutes, counted in db.session.execute(
                select(ProcedureStep.key, ProcedureStep.allotment_minutes, ProcedureStep.counted)
                .where(ProcedureStep.program_year_id == row.id)
                .order_by(ProcedureStep.position)):
            if counted:
                elapsed += Fraction(minutes, MINUTES_PER_DAY)
                cumulative[key] = elapsed
        year = _Year(id=row.id, year=row.year, budget=row.budget_vnd,
                     committed=row.committed_vnd, disbursed=row.disbursed_vnd,
                     growable=row.plan_reference == GENERATED_PLAN_REFERENCE,
                     statutory_days=row.statutory_days, authority=row.authority,
                     signer_name=row.signer_name, rules=rules,
                     reasons=reasons or list(REASONS), cumulative=cumulative)
        if row.year > today.year or not rules:
            continue
        year.prepare_clock(today)
        if year.usable:
            years.append(year)
    if not years:
        raise RuntimeError("Không có năm chương trình nào phù hợp để sinh hồ sơ mẫu.")
    return years


# --- The generator -------------------------------------------------------------------------------


@dataclass
class _Event:
    action: str
    to: Status
    day: int  # working-day index in the year's calendar
    minute: int  # office minute 0..479 (08:00-12:00, 13:00-17:00)
    actor: int | None
    local: datetime | None = None


class _Generator:
    def __init__(self, rng: random.Random, ids: _Ids, years: list[_Year], today: date,
                 staff: dict[Role, list[int]]):
        self.rng, self.ids, self.today = rng, ids, today
        self.years = years
        self.current = next((y for y in years if y.year == today.year), None)
        self.past = [y for y in years if y is not self.current]
        self.staff = staff
        self.items = [_Item(*r) for r in db.session.execute(
            select(CatalogueItem.id, CatalogueItem.code, CatalogueItem.kind)
            .where(CatalogueItem.is_active.is_(True)).order_by(CatalogueItem.id))]
        self.item_by_id = {i.id: i for i in self.items}
        member = dict(db.session.execute(
            select(User.organisation_id, func.min(User.id))
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.APPLICANT.value, User.organisation_id.is_not(None))
            .group_by(User.organisation_id)).all())
        self.orgs = [_Org(oid, rep, phone, email, member.get(oid)) for oid, rep, phone, email
                     in db.session.execute(select(Organisation.id, Organisation.representative,
                                                  Organisation.phone, Organisation.email)
                                           .order_by(Organisation.id))]
        self.org_order = list(range(len(self.orgs)))
        rng.shuffle(self.org_order)
        self.supported: dict[int, set[int]] = {}
        for org_id, item_id in db.session.execute(
                select(Dossier.organisation_id, DossierItem.catalogue_item_id)
                .join(Dossier, Dossier.id == DossierItem.dossier_id)
                .where(DossierItem.approved_vnd > 0)):
            self.supported.setdefault(org_id, set()).add(item_id)
        statuses = list(_STATUS_WEIGHTS)
        self.statuses = statuses
        self.current_weights = [_STATUS_WEIGHTS[s][0] for s in statuses]
        self.past_weights = [_STATUS_WEIGHTS[s][1] for s in statuses]
        self.reset_batch()

    def reset_batch(self) -> None:
        self.dossiers: list[dict] = []
        self.items_rows: list[dict] = []
        self.appraisals: list[dict] = []
        self.decisions: list[dict] = []
        self.ledger: list[dict] = []
        self.supplements: list[dict] = []
        self.audit: list[dict] = []
        self.codes: list[tuple[_Year, dict]] = []

    # - choices ----------------------------------------------------------------------------------

    def _pick_year_and_status(self, index: int) -> tuple[_Year, Status]:
        rng = self.rng
        forced = index < len(self.statuses)
        if forced:
            status = self.statuses[index]
            if status is Status.APPROVED:  # must survive the budget check: a growable year
                growable = [y for y in self.years if y.growable]
                if growable:
                    return growable[-1], status
            return self.current or self.years[-1], status
        if self.current is not None and (not self.past or rng.random() < 0.4):
            year, weights = self.current, self.current_weights
        else:
            year, weights = rng.choice(self.past), self.past_weights
        return year, rng.choices(self.statuses, weights)[0]

    def _staff_member(self, role: Role) -> int:
        people = self.staff[role]
        return people[0] if len(people) == 1 else self.rng.choice(people)

    # - one dossier ------------------------------------------------------------------------------

    def make(self, index: int) -> None:
        rng = self.rng
        year, status = self._pick_year_and_status(index)
        org = self.orgs[self.org_order[index]] if index < len(self.orgs) else rng.choice(self.orgs)
        if index < len(self.statuses) and status is Status.APPROVED:
            # The forced approval must not fall to the double-support rule.
            org = next((o for o in self.orgs if len(self.supported.get(o.id, ())) < 16), org)
        target = status
        if status is Status.WITHDRAWN:
            target = rng.choices(list(_WITHDRAWN_FROM), list(_WITHDRAWN_FROM.values()))[0]
        outcome = None
        if _LEVEL.get(target, 0) >= 6:
            if target is Status.APPROVED:
                outcome = Outcome.APPROVED
            elif target is Status.REJECTED:
                outcome = Outcome.REJECTED
            else:
                outcome = Outcome.APPROVED if rng.random() < 0.7 else Outcome.REJECTED
        appraised = _LEVEL.get(target, 0) >= 4

        # Requested items (unique per dossier); an approval avoids items already supported.
        eligible = [i for i in self.items if i.id in year.rules]
        supported = self.supported.get(org.id, set())
        k = rng.choices((1, 2, 3), (55, 30, 15))[0]
        special_reason = None
        if outcome is Outcome.APPROVED:
            fresh = [i for i in eligible if i.id not in supported]
            if fresh:
                chosen = rng.sample(fresh, min(k, len(fresh)))
            else:
                chosen = rng.sample(eligible, min(k, len(eligible)))
                special_reason = REASON_DOUBLE_SUPPORT
        else:
            chosen = rng.sample(eligible, min(k, len(eligible)))

        dossier_id = self.ids.take(Dossier)
        lines = []
        for item in chosen:
            share, cap = year.rules[item.id]
            if item.kind == "standard":
                cost = rng.randint(300, 2500) * 100_000
            else:
                cost = rng.randint(150, 1500) * 100_000
            requested = min(cost * share // 100, cap)
            lines.append([item, cost, requested, None, None])
        total = 0
        if appraised:
            for line in lines:
                item, cost, requested = line[0], line[1], line[2]
                share, cap = year.rules[item.id]
                elig = cost if rng.random() < 0.85 else cost - rng.randint(1, cost // 500_000) \
                    * 100_000
                line[3] = elig
                line[4] = support_amount(eligible_cost_vnd=elig, share_percent=share,
                                         cap_vnd=cap, requested_vnd=requested)
                total += line[4]
        if outcome is Outcome.APPROVED and special_reason is None:
            # The current year keeps 40 % of its budget free, so the demo's leaders can still
            # approve the dossiers waiting in their queues.
            reserve = year.budget * 2 // 5 if year is self.current else 0
            free = year.budget - reserve - year.committed - year.pending_commit
            if not year.growable and total > free:
                special_reason = REASON_BUDGET
        if special_reason is not None:
            outcome = Outcome.REJECTED
            if target is Status.APPROVED:
                target = Status.REJECTED
                if status is Status.APPROVED:
                    status = Status.REJECTED
        approved = total if outcome is Outcome.APPROVED else 0
        if approved:
            year.pending_commit += approved
            supported = self.supported.setdefault(org.id, set())
            supported.update(line[0].id for line in lines)

        # Channel and who acts for the organisation.
        channel = rng.choices((Channel.ONLINE, Channel.COUNTER, Channel.POST), (55, 35, 10))[0]
        if org.member_id is None and channel is Channel.ONLINE:
            channel = Channel.COUNTER
        if target is Status.SUBMITTED and channel is Channel.COUNTER:
            channel = Channel.POST  # at the counter the clerk receives it on the spot
        return_channel = channel if rng.random() < 0.8 else rng.choice(list(Channel))
        clerk = self._staff_member(Role.CLERK)
        applicant = org.member_id if channel is Channel.ONLINE else clerk
        assignee = self._staff_member(Role.APPRAISER) if _LEVEL.get(target, 0) >= 3 else None

        events = self._events(year, status, target, outcome, channel, applicant, clerk,
                              org.member_id, assignee)
        when = {e.action: e.local for e in events}
        received = when.get("receive")
        clock_start = due = None
        if received is not None:
            clock_start = year.calendar.clock_start(received)
            due = year.due(clock_start)
        step_key = STEP_OF_STATUS.get(status)
        step_due = None
        if step_key is not None and clock_start is not None:
            step_due = year.step_due(clock_start, str(step_key))
        decided = when.get("approve") or when.get("reject")
        finished = events[-1].local if status in (Status.REFUSED, Status.RETURNED,
                                                  Status.WITHDRAWN) else None
        submitted = when.get("resubmit") or when.get("submit")

        # Money: commitment at the decision, payments after the documents are issued.
        paid = 0
        if approved:
            paid = self._ledger(year, dossier_id, approved, events, decided)

        self.dossiers.append({
            "id": dossier_id, "code": None, "organisation_id": org.id,
            "program_year_id": year.id, "channel": channel.value,
            "return_channel": return_channel.value, "status": status.value,
            "outcome": outcome.value if outcome else None,
            "submitter_name": org.representative, "submitter_phone": org.phone,
            "submitter_email": org.email, "note": None,
            "submitted_at": _utc(submitted) if submitted else None,
            "received_at": _utc(received) if received else None,
            "clock_started_at": _utc(clock_start) if clock_start else None,
            "due_at": _utc(due) if due else None,
            "step_key": str(step_key) if step_key is not None else None,
            "step_due_at": _utc(step_due) if step_due else None,
            "decided_at": _utc(decided) if decided else None,
            "finished_at": _utc(finished) if finished else None,
            "assignee_id": assignee, "approved_vnd": approved, "paid_vnd": paid,
            "created_by_id": applicant, "created_at": _utc(events[0].local), "version": 1,
            # The sums the app keeps on every dossier (grants.models.dossier._sum_items).
            "item_count": len(lines), "items_cost_vnd": sum(line[1] for line in lines),
            "items_requested_vnd": sum(line[2] for line in lines),
        })
        self.codes.append((year, self.dossiers[-1]))
        reasons = None
        if outcome is Outcome.REJECTED or (appraised and outcome is None
                                           and rng.random() < 0.2):
            pool = [r for r in year.reasons if r not in (REASON_BUDGET, REASON_DOUBLE_SUPPORT)]
            reasons = [special_reason] if special_reason else rng.sample(
                pool or year.reasons, rng.choice((1, 1, 2)) if len(pool) > 1 else 1)
        # Over budget is the leadership's call on a supported dossier; anything else was
        # already the appraiser's recommendation (proposed amounts 0, as the app records it).
        recommend = Recommendation.REJECT if reasons and special_reason != REASON_BUDGET \
            else Recommendation.SUPPORT
        if recommend is Recommendation.REJECT:
            for line in lines:
                line[4] = 0 if appraised else None
        for item, cost, requested, elig, proposed in lines:
            self.items_rows.append({
                "id": self.ids.take(DossierItem), "dossier_id": dossier_id,
                "catalogue_item_id": item.id,
                "evidence": (f"Giấy chứng nhận {item.code} số {rng.randint(100, 9999)}/"
                             f"{year.year}" if item.kind == "standard" else
                             f"Biên bản nghiệm thu áp dụng {item.code} năm {year.year}"),
                "consulting_cost_vnd": cost, "requested_vnd": requested,
                "eligible_cost_vnd": elig, "proposed_vnd": proposed,
                "approved_vnd": proposed if outcome is Outcome.APPROVED else None,
                "double_support_override": None,
            })
        details = {
            "create": {"items": [line[0].code for line in lines], "channel": channel.value},
            "receive": {"due_at": _utc(due).isoformat() if due else None, "warnings": []},
            "appraise": {"recommendation": recommend.value,
                         "proposed": {line[0].code: line[4] for line in lines}},
            "approve": {"total_vnd": approved, "overrides": {},
                        "items": {line[0].code: line[4] for line in lines}},
            "reject": {"reasons": reasons},
        }
        if appraised:
            reviewed = when.get("review")
            self.appraisals.append({
                "id": self.ids.take(Appraisal), "dossier_id": dossier_id, "round": 1,
                "appraiser_id": assignee, "documents_ok": True, "documents_note": None,
                "recommendation": recommend.value,
                "reasons_json": _dump(reasons) if recommend is Recommendation.REJECT else None,
                "conclusion": (f"Đề xuất hỗ trợ {format_vnd(total)}."
                               if recommend is Recommendation.SUPPORT
                               else "Đề xuất không hỗ trợ."),
                "completed_at": _utc(when["appraise"]), "review_note": None,
                "reviewed_by_id": self._actor(events, "review"),
                "reviewed_at": _utc(reviewed) if reviewed else None,
                "created_at": _utc(when["assign"]),
            })
        if outcome is not None:
            self.decisions.append({
                "id": self.ids.take(Decision), "dossier_id": dossier_id,
                "outcome": outcome.value, "authority": year.authority, "total_vnd": approved,
                "reasons_json": _dump(reasons) if outcome is Outcome.REJECTED else None,
                "next_steps": None, "note": None,
                "decided_by_id": self._actor(events, "approve", "reject"),
                "decided_at": _utc(decided), "document_id": None,
                "signer_name": year.signer_name,
            })
        self._history(events, year.id, dossier_id, details)

    @staticmethod
    def _actor(events: list[_Event], *actions: str) -> int | None:
        return next((e.actor for e in events if e.action in actions), None)

    # - the timeline -----------------------------------------------------------------------------

    def _path(self, target: Status, outcome: Outcome | None) -> list[tuple[str, Status]]:
        rng = self.rng
        path = [("create", Status.DRAFT)]
        if target is Status.DRAFT:
            return path
        path.append(("submit", Status.SUBMITTED))
        if target is Status.SUPPLEMENT_REQUESTED:
            return [*path, ("request_supplement", Status.SUPPLEMENT_REQUESTED)]
        if target is Status.REFUSED:
            return [*path, ("refuse", Status.REFUSED)]
        if rng.random() < 0.1:
            path += [("request_supplement", Status.SUPPLEMENT_REQUESTED),
                     ("resubmit", Status.SUBMITTED)]
        level = _LEVEL[target]
        chain = [("receive", Status.RECEIVED), ("assign", Status.ASSIGNED),
                 ("appraise", Status.APPRAISED), ("review", Status.REVIEWED)]
        path += chain[:max(level - 1, 0)]
        if level >= 6:
            path.append(("approve", Status.APPROVED) if outcome is Outcome.APPROVED
                        else ("reject", Status.REJECTED))
        if level >= 7:
            path.append(("issue", Status.ISSUED))
        if level >= 8:
            path.append(("return_result", Status.RETURNED))
        return path

    def _gap(self, action: str, channel: Channel, previous: str) -> int | None:
        """Working days since the previous event; None = the same moment (at the counter)."""
        rng = self.rng
        if action == "submit":
            return rng.choice((0, 0, 1, 1, 2, 3, 5)) if channel is Channel.ONLINE else None
        if action in ("receive", "refuse", "request_supplement"):
            if channel is Channel.COUNTER and previous == "submit":
                return None if action == "receive" else 0
            return rng.choice((0, 1, 1, 2))
        if action == "resubmit":
            return rng.randint(2, 10)
        if action == "assign":
            return rng.choice((0, 1, 1, 2))
        if action == "appraise":
            return rng.randint(4, 10) if rng.random() < 0.85 else rng.randint(11, 18)
        if action == "review":
            return rng.randint(1, 3)
        if action in ("approve", "reject"):
            return rng.randint(1, 4) if rng.random() < 0.9 else rng.randint(5, 8)
        if action == "issue":
            return rng.choice((0, 1, 1, 2))
        if action == "return_result":
            return rng.randint(1, 6)
        return rng.randint(1, 10)  # withdraw

    def _events(self, year: _Year, status: Status, target: Status, outcome: Outcome | None,
                channel: Channel, applicant: int | None, clerk: int, member: int | None,
                assignee: int | None) -> list[_Event]:
        rng = self.rng
        path = self._path(target, outcome)
        if status is Status.WITHDRAWN:
            path.append(("withdraw", Status.WITHDRAWN))
        gaps, previous = [], ""
        for action, _ in path:
            gaps.append(0 if action == "create" else self._gap(action, channel, previous))
            previous = action
        span = sum(g or 0 for g in gaps)
        lo, last = year.lo, year.last
        if year is self.current and status in _OPEN:
            end = rng.randint(max(lo, last - _RECENT[status]), last)
            start = max(lo, end - span)
        else:
            start = rng.randint(lo, max(lo, min(year.eoy, last - span)))
        actors = {"create": applicant, "submit": applicant, "resubmit": applicant,
                  "request_supplement": clerk, "refuse": clerk, "receive": clerk,
                  "assign": None, "appraise": assignee, "review": None,
                  "approve": None, "reject": None, "issue": None, "return_result": clerk,
                  "withdraw": member}
        events: list[_Event] = []
        day, minute = start, rng.randrange(480)
        for (action, to), gap in zip(path, gaps, strict=True):
            if events:
                if gap is None:
                    pass
                elif gap == 0 or day + gap > last:
                    day = min(day + gap, last)
                    minute = min(479, minute + rng.randint(5, 90))
                else:
                    day += gap
                    minute = rng.randrange(480)
            actor = actors[action]
            if actor is None and action != "withdraw":
                role = {"assign": Role.HEAD, "review": Role.HEAD, "approve": Role.LEADER,
                        "reject": Role.LEADER, "issue": Role.RECORDS}[action]
                actor = self._staff_member(role)
            offset = minute + 480 if minute < 240 else minute + 540
            local = year.midnight[day] + timedelta(minutes=offset)
            events.append(_Event(action, to, day, minute, actor, local))
        return events

    def _history(self, events: list[_Event], year_id: int, dossier_id: int,
                 details: dict) -> None:
        """One audit event per step, with the details the app's services record (and the
        step's office time, as grants.models.audit fills it for the app's events)."""
        rng = self.rng
        previous: Status | None = None
        changed_at: datetime | None = None
        resubmitted = next((e.local for e in events if e.action == "resubmit"), None)
        for event in events:
            note, after = None, details.get(event.action)
            if event.action == "refuse":
                note = rng.choice(_REFUSALS)
            elif event.action == "request_supplement":
                items = [{"label": rng.choice(CHECKLIST)[1],
                          "note": rng.choice(_SUPPLEMENT_NOTES)}]
                after = {"items": items}
                self.supplements.append({
                    "id": self.ids.take(SupplementRequest), "dossier_id": dossier_id,
                    "items_json": _dump(items), "requested_by_id": event.actor,
                    "requested_at": _utc(event.local),
                    "answered_at": _utc(resubmitted) if resubmitted else None,
                    "answer_note": "Đã nộp bổ sung theo yêu cầu." if resubmitted else None,
                })
            at = _utc(event.local)
            self.audit.append({
                "id": self.ids.take(AuditEvent), "at": at,
                "actor_id": event.actor, "action": f"dossier.{event.action}",
                "object_type": "Dossier", "object_id": dossier_id, "dossier_id": dossier_id,
                "from_status": previous.value if previous else None,
                "to_status": event.to.value, "before_json": None,
                "after_json": _dump(after) if after is not None else None,
                "note": note, "ip": None, "program_year_id": year_id,
                "step_days": office_days_between(changed_at, at) if changed_at else None,
            })
            previous, changed_at = event.to, at

    def _ledger(self, year: _Year, dossier_id: int, approved: int, events: list[_Event],
                decided: datetime) -> int:
        rng = self.rng
        leader = self._actor(events, "approve")
        self._entry(year, dossier_id, EntryKind.COMMITMENT, approved, decided, leader)
        issued = next((e for e in events if e.action == "issue"), None)
        returned = any(e.action == "return_result" for e in events)
        if issued is None or rng.random() > (0.9 if returned else 0.4):
            return 0
        if rng.random() < 0.75:
            parts = [approved]
        elif rng.random() < 0.7:
            first = approved // 2 // 1000 * 1000
            parts = [first, approved - first]
        else:
            parts = [approved * rng.randint(3, 7) // 10 // 1000 * 1000 or approved]
        finance = self._staff_member(Role.FINANCE)
        day = issued.day
        paid = 0
        for amount in parts:
            day += rng.randint(2, 15)
            if day > year.last:
                break
            moment = year.midnight[day] + timedelta(minutes=480 + rng.randrange(240))
            if rng.random() < 0.03:  # paid to the wrong account, reversed, then paid again
                wrong = self._entry(year, dossier_id, EntryKind.DISBURSEMENT, amount, moment,
                                    finance)
                moment += timedelta(minutes=rng.randint(30, 180))
                self._entry(year, dossier_id, EntryKind.DISBURSEMENT_REVERSAL, amount, moment,
                            finance, reverses=wrong, reason="Chuyển nhầm tài khoản thụ hưởng.")
                moment += timedelta(minutes=rng.randint(10, 60))
            self._entry(year, dossier_id, EntryKind.DISBURSEMENT, amount, moment, finance)
            paid += amount
        return paid

    def _entry(self, year: _Year, dossier_id: int, kind: EntryKind, amount: int,
               moment: datetime, actor: int, *, reverses: int | None = None,
               reason: str | None = None) -> int:
        entry_id = self.ids.take(LedgerEntry)
        payment = kind in (EntryKind.DISBURSEMENT, EntryKind.DISBURSEMENT_REVERSAL)
        method = bank = voucher = None
        if kind is EntryKind.DISBURSEMENT:
            voucher = f"PC{year.year % 100:02d}-{entry_id:07d}"
            method = PaymentMethod.TRANSFER if self.rng.random() < 0.9 else PaymentMethod.CASH
            if method is PaymentMethod.TRANSFER:
                bank = f"{self.rng.choice(_BANKS)}{self.rng.randrange(10**10):010d}"
            method = method.value
        elif kind is EntryKind.DISBURSEMENT_REVERSAL:  # as the app: the payment's voucher
            paid = next(r for r in reversed(self.ledger) if r["id"] == reverses)
            voucher, method = paid["voucher_no"], paid["method"]
        sign = -1 if kind is EntryKind.DISBURSEMENT_REVERSAL else 1
        if payment:
            year.pending_disburse += sign * amount
        row = {
            "id": entry_id, "program_year_id": year.id, "dossier_id": dossier_id,
            "kind": kind.value, "amount_vnd": amount, "reverses_id": reverses,
            "entry_on": moment.date(), "voucher_no": voucher, "method": method,
            "bank_reference": bank, "reason": reason, "created_by_id": actor,
            "created_at": _utc(moment),
        }
        self.ledger.append(row)
        facts = {"entry_id": entry_id, "kind": kind.value, "amount_vnd": amount,
                 "reverses_id": reverses, "entry_on": row["entry_on"].isoformat(),
                 "voucher_no": voucher, "method": method, "bank_reference": bank}
        self.audit.append({
            "id": self.ids.take(AuditEvent), "at": _utc(moment), "actor_id": actor,
            "action": _LEDGER_ACTIONS[kind], "object_type": "LedgerEntry",
            "object_id": entry_id, "dossier_id": dossier_id, "from_status": None,
            "to_status": None, "before_json": None, "after_json": _dump(facts),
            "note": reason, "ip": None, "program_year_id": year.id, "step_days": None,
        })
        return entry_id

    # - writing a batch --------------------------------------------------------------------------

    def flush_batch(self) -> None:
        """Number the batch's dossiers, insert every row, move the year and counter totals."""
        session = db.session
        by_year: dict[int, list[dict]] = {}
        years = {}
        for year, row in self.codes:
            by_year.setdefault(year.year, []).append(row)
            years[year.year] = year
        for y, rows in by_year.items():
            last = _lock_counter(y)
            for offset, row in enumerate(rows, start=1):
                row["code"] = f"{DOSSIER_SYMBOL}-{y}-{last + offset:05d}"
            session.execute(update(Counter.__table__)
                            .where(Counter.year == y, Counter.symbol == DOSSIER_SYMBOL)
                            .values(last_number=last + len(rows)))
        for model, rows in ((Dossier, self.dossiers), (DossierItem, self.items_rows),
                            (Appraisal, self.appraisals), (Decision, self.decisions),
                            (LedgerEntry, self.ledger), (SupplementRequest, self.supplements),
                            (AuditEvent, self.audit)):
            _insert_rows(model, rows)
        for year in self.years:
            if not (year.pending_commit or year.pending_disburse):
                continue
            budget, committed, disbursed = session.execute(
                select(ProgramYear.budget_vnd, ProgramYear.committed_vnd,
                       ProgramYear.disbursed_vnd)
                .where(ProgramYear.id == year.id).with_for_update()).one()
            committed += year.pending_commit
            disbursed += year.pending_disburse
            if year.growable and committed > budget:
                budget = _roundup(committed * 11 // 10, _BUDGET_STEP)
            session.execute(update(ProgramYear.__table__).where(ProgramYear.id == year.id)
                            .values(budget_vnd=budget, committed_vnd=committed,
                                    disbursed_vnd=disbursed))
            year.budget, year.committed, year.disbursed = budget, committed, disbursed
            year.pending_commit = year.pending_disburse = 0
        self.ids.sync_sequences()
        self.reset_batch()


def _insert_rows(model, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts holding every column) in the session's transaction, fast.

    SQLite: the driver's ``executemany`` with tuples, dates written in SQLAlchemy's storage
    format (this skips SQLAlchemy's per-row parameter processing, a third of the run time).
    PostgreSQL: ``COPY ... FROM STDIN``. Anything else: a Core ``executemany`` insert.
    """
    if not rows:
        return
    table = model.__table__
    names = [c.name for c in table.columns]
    dialect = db.engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        db.session.execute(insert(table), rows)
        return
    cursor = db.session.connection().connection.cursor()
    try:
        if dialect == "postgresql":
            columns = ", ".join(f'"{name}"' for name in names)
            with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
            return
        stamps = [i for i, c in enumerate(table.columns) if isinstance(c.type, DateTime)]
        days = [i for i, c in enumerate(table.columns) if isinstance(c.type, Date)
                and not isinstance(c.type, DateTime)]
        values = []
        for row in rows:
            line = [row[name] for name in names]
            for i in stamps:
                if line[i] is not None:
                    line[i] = line[i].isoformat(" ", "microseconds")
            for i in days:
                if line[i] is not None:
                    line[i] = line[i].isoformat()
            values.append(line)
        marks = ", ".join("?" for _ in names)
        # Table and column names come from the models, values are bound parameters.
        sql = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({marks})'  # noqa: S608
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def _lock_counter(year: int) -> int:
    """The counter's last number for (year, "HS"), created if missing, locked for update."""
    stmt = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(stmt(Counter.__table__)
                       .values(year=year, symbol=DOSSIER_SYMBOL, last_number=0)
                       .on_conflict_do_nothing(index_elements=["year", "symbol"]))
    return db.session.execute(
        select(Counter.last_number)
        .where(Counter.year == year, Counter.symbol == DOSSIER_SYMBOL)
        .with_for_update()).scalar_one()


def bulk_dossiers(n: int, *, seed: int = 43, commit: Callable[[], None] = _no_commit,
                  batch_size: int = BATCH_SIZE, today: date | None = None) -> tuple[int, float]:
    """Add ``n`` generated dossiers (see the module docstring); return (count, seconds).

    Needs the base demo data (``demo.seed_base``: catalogue, staff accounts, a program year).
    Rows are written in batches of ``batch_size`` dossiers; after the setup (years,
    organisations, accounts) and after each batch ``commit`` is called. Services never commit
    by themselves, so the default does nothing and everything stays in the caller's
    transaction (what the tests use); the ``seed-demo`` CLI passes ``db.session.commit`` so
    that 100,000 dossiers do not sit in one giant transaction. Every batch leaves the database
    consistent (counters, year totals and the PostgreSQL id sequences are updated with it), so
    an interruption keeps whole batches only.

    Ids are assigned here (max(id) + 1 per table, then the PostgreSQL sequences are moved past
    them): do not run it while the app is taking new dossiers. Running it again adds another
    ``n`` dossiers. ``today`` (default: today in Vietnam) bounds every generated date.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    started = _time.perf_counter()
    if n == 0:
        return 0, 0.0
    today = today or local_today()
    now = datetime.combine(today, datetime.min.time()) - _UTC_OFFSET
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    staff = _staff()
    if db.session.scalar(select(func.count(CatalogueItem.id))) == 0:
        raise RuntimeError("Chưa có danh mục tiêu chuẩn, công cụ: chạy seed-demo trước.")
    _ensure_years()
    ids = _Ids()
    _add_organisations(rng, ids, n // 20, now)
    _add_member_accounts(ids, now)
    ids.sync_sequences()
    years = _load_years(today)
    db.session.flush()
    commit()
    generator = _Generator(rng, ids, years, today, staff)
    for index in range(n):
        generator.make(index)
        if len(generator.dossiers) >= batch_size:
            generator.flush_batch()
            commit()
    if generator.dossiers:
        generator.flush_batch()
        commit()
    db.session.expire_all()
    return n, _time.perf_counter() - started
