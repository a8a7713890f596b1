"""Before the dossiers: the staff who will act on them, the past program years, new
organisations and their applicant accounts."""

import random
from datetime import datetime

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from grants.demo.accounts import DEMO_PASSWORD
from grants.demo.base import demo_year
from grants.demo.bulk import words
from grants.demo.bulk.rows import Ids, insert_rows
from grants.demo.reference import COMMUNES, DEMO_RULE
from grants.domain.roles import Role
from grants.domain.text import search_key
from grants.extensions import db
from grants.models import CatalogueItem, Organisation, ProgramYear, SupportRule, User, UserRole
from grants.services import audit

GENERATED_YEARS = range(2021, 2026)
GENERATED_PLAN_REFERENCE = "Năm mẫu (demo) do lệnh seed-demo tạo; ngân sách tăng theo dữ liệu mẫu"

STAFF_ROLES = (Role.CLERK, Role.HEAD, Role.APPRAISER, Role.LEADER, Role.RECORDS, Role.FINANCE)

_TAX_PREFIX = "2301"  # seed_base uses 2300xxxxxx
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def ensure_years() -> None:
    """Create the missing program years 2021–2025 with the procedure defaults and the support
    rules of the latest year (the demo rule for every item when there is none)."""
    have = set(db.session.scalars(select(ProgramYear.year)))
    missing = [y for y in GENERATED_YEARS if y not in have]
    if not missing:
        return
    source = db.session.scalar(select(ProgramYear.id).order_by(ProgramYear.year.desc()).limit(1))
    rules = []
    if source is not None:
        rules = [dict(row._mapping) for row in db.session.execute(
            select(SupportRule.catalogue_item_id, SupportRule.share_percent, SupportRule.cap_vnd,
                   SupportRule.is_demo, SupportRule.note)
            .where(SupportRule.program_year_id == source).order_by(SupportRule.id))]
    if not rules:
        rules = [{"catalogue_item_id": item_id, **DEMO_RULE} for item_id in
                 db.session.scalars(select(CatalogueItem.id).order_by(CatalogueItem.id))]
    for y in missing:
        row = demo_year(y, budget_vnd=(500 + 50 * (y - 2021)) * 1_000_000,
                        plan_reference=GENERATED_PLAN_REFERENCE, intake_open=False, rules=rules)
        db.session.add(row)
        db.session.flush()
        audit.record("program_year.create", row, actor=None, after={"year": y},
                     note="Năm mẫu do lệnh seed-demo tạo")


def _tax_code(base9: int) -> str | None:
    """A 10-digit tax code from 9 digits plus the GDT check digit (None when it would be 10)."""
    digits = f"{base9:09d}"
    check = 10 - sum(int(d) * w for d, w in zip(digits, _TAX_WEIGHTS, strict=True)) % 11
    return None if check == 10 else f"{digits}{check % 10}"


def _name_and_title(rng: random.Random, kind: float, place: str) -> tuple[str, str, str, str]:
    """(name, type, sector, representative's title): an enterprise for ``kind`` below 0.8, else
    a cooperative or (above 0.96) a union of cooperatives named after ``place``."""
    if kind < 0.8:
        word, sector = rng.choice(words.ENTERPRISE_SECTORS)
        name = f"{rng.choice(words.ENTERPRISE_FORMS)} {word} {rng.choice(words.BRANDS)}"
        title = rng.choice(("Giám đốc", "Tổng Giám đốc", "Chủ tịch Hội đồng quản trị"))
        return name, "enterprise", sector, title
    org_type = "cooperative" if kind < 0.96 else "union"
    word, sector = rng.choice(words.COOP_SECTORS)
    prefix = "Hợp tác xã" if org_type == "cooperative" else "Liên hiệp Hợp tác xã"
    title = "Chủ tịch Hội đồng quản trị" if org_type == "union" else "Giám đốc"
    return f"{prefix} {word} {place}", org_type, sector, title


def add_organisations(rng: random.Random, ids: Ids, count: int, now: datetime) -> None:
    """``count`` new organisations with unique names and tax codes 2301xxxxxC."""
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
        name, org_type, sector, title = _name_and_title(rng, kind, place)
        for candidate in (name, f"{name} {place}", f"{name} {tax_code[-4:]}"):
            if candidate not in names:
                name = candidate
                break
        names.add(name)
        rows.append({
            "id": ids.take(Organisation), "name": name, "search_name": search_key(name),
            "org_type": org_type,
            "tax_code": tax_code,
            "address": f"Số {rng.randint(1, 399)} đường {rng.choice(words.STREETS)}, {commune}, "
                       "tỉnh Bắc Ninh",
            "commune": commune, "sector": sector,
            "size": rng.choices(words.SIZES, (3, 5, 2, 1))[0],
            "representative": words.person(rng), "representative_title": title,
            "phone": f"09{rng.randrange(10**8):08d}", "email": f"lienhe.{tax_code}@example.vn",
            "created_at": now, "verification": "verified",
            "bank_account_no": None, "bank_name": None, "bank_branch": None,
        })
    insert_rows(Organisation, rows)


def add_member_accounts(ids: Ids, now: datetime) -> None:
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
                      "is_active_account": True, "created_at": now, "last_login_at": None,
                      "session_version": 0, "password_changed_at": None, "failed_logins": 0,
                      "locked_until": None, "totp_secret": None, "totp_enabled_at": None,
                      "totp_last_step": None, "email_confirmed_at": now,
                      "privacy_consent_at": None, "privacy_notice_version": None,
                      "anonymised_at": None})
        roles.append({"id": ids.take(UserRole), "user_id": user_id,
                      "role": Role.APPLICANT.value})
    insert_rows(User, users)
    insert_rows(UserRole, roles)


def load_staff() -> dict[Role, list[int]]:
    """Active staff account ids by role; RuntimeError when a role of the procedure has none."""
    rows = db.session.execute(
        select(UserRole.role, User.id).join(User, User.id == UserRole.user_id)
        .where(User.is_active_account.is_(True), User.organisation_id.is_(None))
        .order_by(User.id)).all()
    staff: dict[Role, list[int]] = {}
    for role, user_id in rows:
        staff.setdefault(Role(role), []).append(user_id)
    missing = [r.value for r in STAFF_ROLES if not staff.get(r)]
    if missing:
        raise RuntimeError(f"Thiếu tài khoản cán bộ ({', '.join(missing)}): chạy seed-demo "
                           "(dữ liệu mẫu cơ bản) trước khi sinh hồ sơ hàng loạt.")
    return staff
