"""The base demo data (``flask seed-demo``): the 2025 and 2026 program years as in the plan, the
catalogue, 30 organisations and one account per role."""

from sqlalchemy import select

from grants.demo.accounts import DEMO_PASSWORD, DEMO_USERS
from grants.demo.reference import (
    CATALOGUE,
    COMMUNES,
    DEMO_FUNCTIONS_DECISION,
    DEMO_RULE,
    ORGANISATIONS,
    demo_plan,
    demo_tax_code,
    org_type,
)
from grants.domain.deadlines import DEFAULT_STATUTORY_DAYS
from grants.domain.enums import Authority
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import CatalogueItem, Organisation, ProgramYear, SupportRule, User
from grants.services import audit
from grants.services.year_defaults import setup_year_defaults

FIRST_RUN_DOSSIERS = 150


def demo_year(year: int, *, budget_vnd: int, plan_reference: str, intake_open: bool,
              rules: list[dict]) -> ProgramYear:
    """A program year with the procedure defaults and ``rules`` (SupportRule fields); the
    provincial chairman signs up to 2022, the department's director from 2023."""
    chairman = year <= 2022
    row = ProgramYear(
        year=year, budget_vnd=budget_vnd, committed_vnd=0, disbursed_vnd=0, target_min=16,
        target_max=50, authority=(Authority.CHAIRMAN if chairman else Authority.DIRECTOR).value,
        signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" if chairman else "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="Nguyễn Văn Phúc" if chairman else "Vũ Đức Giang",
        plan_reference=plan_reference, statutory_days=DEFAULT_STATUTORY_DAYS,
        intake_open=intake_open, is_closed=False, functions_decision=DEMO_FUNCTIONS_DECISION)
    row.plan_number, row.plan_date = demo_plan(year)
    setup_year_defaults(row)
    row.rules.extend(SupportRule(**rule) for rule in rules)
    return row


def _organisation(index: int, name: str, sector: str) -> Organisation:
    commune = COMMUNES[index % len(COMMUNES)]
    return Organisation(
        name=name, org_type=org_type(name), tax_code=demo_tax_code(index), sector=sector,
        commune=commune, address=f"Số {index * 7} đường Lý Thái Tổ, {commune}, tỉnh Bắc Ninh",
        size=("Nhỏ", "Vừa", "Siêu nhỏ", "Lớn")[index % 4],
        representative=f"Người đại diện {index}", representative_title="Giám đốc",
        phone=f"0222{index:06d}", email=f"lienhe{index}@example.vn",
        # Demo accounts (not real ones): every other organisation has declared its account.
        **({"bank_account_no": f"1903{index:010d}", "bank_name": "Ngân hàng mẫu (dữ liệu demo)",
            "bank_branch": "Chi nhánh Bắc Ninh"} if index % 2 == 0 else {}))


def seed_base() -> bool:
    """Insert the demo years, catalogue, organisations and accounts; False if already there."""
    if db.session.scalar(select(ProgramYear.id).where(ProgramYear.year == 2026)) is not None:
        return False
    items = [CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE]
    db.session.add_all(items)
    db.session.add_all([
        demo_year(y, budget_vnd=budget, intake_open=(y == 2026),
                  plan_reference=f"Kế hoạch thực hiện Nghị quyết 43/2022/NQ-HĐND năm {y}",
                  rules=[{"catalogue_item": item, **DEMO_RULE} for item in items])
        for y, budget in ((2025, 700_000_000), (2026, 800_000_000))])
    orgs = [_organisation(index, *row) for index, row in enumerate(ORGANISATIONS, start=1)]
    db.session.add_all(orgs)
    db.session.flush()
    for email, name, title, roles in DEMO_USERS:
        user = User(email=email, full_name=name, title=title,
                    organisation=orgs[0] if Role.APPLICANT in roles else None)
        user.set_password(DEMO_PASSWORD)
        user.set_roles(roles)
        db.session.add(user)
    db.session.flush()
    audit.record("demo.seed", None, actor=None, note="Nạp dữ liệu mẫu")
    return True
