"""Issue 12, points 4 and 5, in a real browser at phone width (375 px) and on a desktop.

An organisation types its request: the maximum support of the line appears as it types (the
page's script, the same formula as the appraisal, checked here against the Python function),
and a request above it is warned about, also after saving. Then its dossiers are decided and the
papers issued (the staff steps run through the services, on the live server's database: the
staff pages have their own journeys): the organisation's list and dossier page say the outcome
in words and figures with the payments, and the public lookup says the outcome without the
amount, and why a resubmitted dossier has no due date yet.

Screenshots land in test-artifacts/screenshots/<test name>/.
"""

import re
import uuid
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from config import TestConfig
from grants.domain.money import max_support, parse_vnd
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
PHONE = {"width": 375, "height": 812}
PASSWORD = "matkhau-thu-nghiem"
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def live_app(live_server, tmp_path_factory):
    """An app on the live server's database file, to run the staff steps as services."""
    from grants.app import create_app

    found = sorted(tmp_path_factory.getbasetemp().glob("live[0-9]*/live.sqlite"))
    assert len(found) == 1, found

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{found[0]}"
        UPLOAD_DIR = str(found[0].parent / "uploads")

    return create_app(Config)


@pytest.fixture(scope="module")
def organisation(live_app):
    """A new organisation and its applicant account (email, tax code), so that the demo
    organisation's history, which other journeys use, stays as it was."""
    from grants.db import atomic, utcnow
    from grants.domain.enums import Verification
    from grants.domain.privacy import NOTICE_VERSION
    from grants.services import accounts

    tax_code = f"7{uuid.uuid4().int % 10**9:09d}"
    email = f"ketqua-{tax_code}@example.vn"
    with live_app.app_context(), atomic():
        user = accounts.register_applicant(
            email=email, password=PASSWORD, full_name="Lê Thị Kết Quả", phone="0222000111",
            tax_code=tax_code, org_name="Công ty TNHH Kết Quả Minh Bạch", org_type="enterprise",
            address="Số 5 Nguyễn Trãi, Bắc Ninh", commune="Phường Kinh Bắc", consent=True,
            notice_version=NOTICE_VERSION)
        # As if the e-mail link had been followed and the desk had checked the certificate
        # (those steps have their own journeys): this journey is about the outcome.
        user.email_confirmed_at = utcnow()
        user.organisation.verification = Verification.VERIFIED.value
    return {"email": email, "tax_code": tax_code}


def _people():
    from sqlalchemy import select

    from grants.demo.accounts import DEMO_USERS
    from grants.extensions import db
    from grants.models import User

    return {roles[0]: db.session.scalar(select(User).where(User.email == email))
            for email, _, _, roles in DEMO_USERS}


def _decided(live_app, tax_code: str, item, *, approve: bool, pay: int = 0) -> tuple[str, int]:
    """File (at the desk), receive, appraise, review, decide and issue a dossier; its code and
    id."""
    from sqlalchemy import select

    from grants.db import atomic, local_today
    from grants.domain.roles import Role
    from grants.extensions import db
    from grants.models import Organisation
    from grants.queries import years
    from grants.services import documents, ledger
    from grants.services import dossiers as svc
    from grants.services.dossiers import ChecklistLine

    with live_app.app_context():
        p = _people()
        org = db.session.scalar(select(Organisation).where(Organisation.tax_code == tax_code))
        with atomic():
            dossier = svc.create_draft(org, years.current_year(), actor=p[Role.CLERK],
                                       items=[item], channel="counter")
        steps = [
            lambda: svc.submit(dossier, actor=p[Role.CLERK]),
            lambda: svc.receive(dossier, actor=p[Role.CLERK], lines=[
                ChecklistLine(c.id, True, "certified_copy")
                for c in dossier.program_year.checklist]),
            lambda: svc.assign(dossier, actor=p[Role.HEAD], appraiser=p[Role.APPRAISER]),
            lambda: svc.record_visit(
                dossier, actor=p[Role.APPRAISER], place="Nhà máy, KCN Quế Võ",
                visited_at=_local_now(),
                team="Phạm Thị Dung - Chuyên viên", findings="Đã áp dụng."),
            lambda: svc.appraise(dossier, actor=p[Role.APPRAISER], documents_ok=True,
                                 documents_note=None,
                                 eligible_costs={i.id: i.consulting_cost_vnd
                                                 for i in dossier.items},
                                 recommendation="support" if approve else "reject",
                                 reasons=[] if approve else ["Chưa áp dụng đủ 12 tháng"],
                                 conclusion="Kết luận thẩm định"),
            lambda: svc.review(dossier, actor=p[Role.HEAD], note="Đồng ý"),
            (lambda: svc.approve(dossier, actor=p[Role.LEADER])) if approve else
            (lambda: svc.reject(dossier, actor=p[Role.LEADER],
                                reasons=["Chưa áp dụng đủ 12 tháng"])),
            lambda: documents.issue_outcome(dossier, actor=p[Role.RECORDS]),
        ]
        if pay:
            steps.append(lambda: ledger.record_payment(
                dossier, actor=p[Role.FINANCE], amount_vnd=pay, paid_on=local_today(),
                voucher_no=f"PC-{uuid.uuid4().hex[:6]}", method="transfer"))
        for step in steps:
            with atomic():
                step()
        return dossier.code, dossier.id


def _local_now() -> datetime:
    """Local (Vietnam) wall time now, naive, as the visit form takes it: after the reception
    just recorded, and not in the future."""
    from grants.db import to_local, utcnow

    return to_local(utcnow()).replace(tzinfo=None, microsecond=0)


def _resubmitted(live_app, tax_code: str, item) -> str:
    from sqlalchemy import select

    from grants.db import atomic
    from grants.domain.roles import Role
    from grants.extensions import db
    from grants.models import Organisation
    from grants.queries import years
    from grants.services import dossiers as svc

    with live_app.app_context():
        clerk = _people()[Role.CLERK]
        org = db.session.scalar(select(Organisation).where(Organisation.tax_code == tax_code))
        with atomic():
            dossier = svc.create_draft(org, years.current_year(), actor=clerk, items=[item],
                                       channel="counter")
        for step in (lambda: svc.submit(dossier, actor=clerk),
                     lambda: svc.request_supplement(dossier, actor=clerk, items=[
                         {"label": "Hoá đơn, chứng từ", "note": "Bản chụp rõ nét"}]),
                     lambda: svc.resubmit(dossier, actor=clerk, note="Đã bổ sung")):
            with atomic():
                step()
        return dossier.code


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{page.url} scrolls sideways ({width}px wide)"


def test_the_script_computes_what_the_appraisal_computes(phone, organisation):
    login(phone, organisation["email"], PASSWORD)
    phone.goto("/portal/dossiers/new")
    cases = [(120_000_000, 50, 50_000_000), (40_000_000, 50, 50_000_000), (99, 33, None),
             (10**15, 100, None), (10**15, 70, 10**15 - 1), (0, 50, 50_000_000),
             (1_000_001, 1, 7)]
    for cost, share, cap in cases:
        in_browser = phone.evaluate("([c, s, k]) => window.grantsSupportMax.maxSupport(c, s, k)",
                                    [cost, share, cap])
        assert in_browser == max_support(cost_vnd=cost, share_percent=share, cap_vnd=cap)
    for typed in ("120.000.000", "120 000 000 đ", "120000000", "70.000.000 VND"):
        assert phone.evaluate("(t) => window.grantsSupportMax.parseVnd(t)", typed) == \
            parse_vnd(typed)
    for typed in ("12,5", "1.00.000", "abc", ""):
        assert phone.evaluate("(t) => window.grantsSupportMax.parseVnd(t)", typed) is None
    assert phone.evaluate("(n) => window.grantsSupportMax.formatVnd(n)", 50_000_000) == \
        "50.000.000 đ"


def test_applicant_sees_the_maximum_then_the_outcome(phone, browser, live_server, live_app,
                                                      organisation, shot):
    login(phone, organisation["email"], PASSWORD)
    phone.goto("/portal/dossiers/new")
    row = phone.locator("[data-item-row]").first
    box = row.locator("[data-max-support]")
    row.locator("select").select_option("ISO9001")
    row.locator("input[name$='-consulting_cost_vnd']").fill("120.000.000")
    expect(box).to_contain_text("Mức hỗ trợ tối đa: 50.000.000 đ (50% × 120.000.000 đ, "
                                "không quá 50.000.000 đ)")
    requested = row.locator("input[name$='-requested_vnd']")
    requested.fill("50.000.000")
    expect(box.locator("[data-max-warning]")).to_have_count(0)
    requested.fill("70.000.000")
    expect(box.locator("[data-max-warning]")).to_have_text(
        "Số tiền đề nghị vượt mức hỗ trợ tối đa 50.000.000 đ; phần vượt sẽ không được hỗ trợ.")
    row.locator("input[name$='-consulting_cost_vnd']").fill("80.000.000")
    expect(box.locator("[data-max-value]")).to_have_text("40.000.000 đ")
    row.locator("input[name$='-consulting_cost_vnd']").fill("120.000.000")
    row.locator("input[name$='-evidence']").fill("Giấy chứng nhận ISO 9001:2015 số 12")
    no_sideways_scroll(phone)
    row.scroll_into_view_if_needed()
    shot(phone, "phone-typing-above-maximum")
    phone.get_by_role("button", name="Lưu bản nháp").click()
    phone.wait_for_url(re.compile(r"/portal/dossiers/\d+"))
    warning = phone.locator("#vuot-muc-toi-da")
    expect(warning).to_contain_text("Số tiền đề nghị cho ISO9001 (70.000.000 đ) vượt mức hỗ trợ "
                                    "tối đa 50.000.000 đ")
    no_sideways_scroll(phone)
    shot(phone, "phone-draft-saved-with-warning")

    approved, approved_id = _decided(live_app, organisation["tax_code"],
                        _item("ISO14001", 120_000_000, 70_000_000), approve=True,
                        pay=20_000_000)
    rejected, _ = _decided(live_app, organisation["tax_code"], _item("5S", 40_000_000, 20_000_000),
                        approve=False)
    waiting = _resubmitted(live_app, organisation["tax_code"],
                           _item("KAIZEN", 30_000_000, 10_000_000))

    phone.goto("/portal/dossiers")
    yes = re.compile(r"Được hỗ trợ 50\.000\.000 đ – Quyết định số \d+/QĐ-SKHCN ngày "
                     r"\d{2}/\d{2}/\d{4}")
    no = re.compile(r"Không được hỗ trợ – Văn bản số \d+/SKHCN-TĐC ngày \d{2}/\d{2}/\d{4}")
    expect(phone.locator("tr", has_text=approved).locator("[data-outcome]")).to_have_text(yes)
    expect(phone.locator("tr", has_text=rejected).locator("[data-outcome]")).to_have_text(no)
    expect(phone.locator("tr", has_text=approved)).to_contain_text("Đã nhận 20.000.000 đ")
    shot(phone, "phone-list-with-outcomes")
    phone.locator("a", has_text=approved).click()
    card = phone.locator("#ket-qua-giai-quyet")
    expect(card).to_contain_text(yes)
    expect(card.locator("dt")).to_have_text(["Được hỗ trợ", "Đã nhận", "Còn được nhận"])
    expect(card.locator("dd")).to_have_text(["50.000.000 đ", "20.000.000 đ", "30.000.000 đ"])
    expect(card.locator("#chi-tra li")).to_have_count(1)
    no_sideways_scroll(phone)
    shot(phone, "phone-approved-dossier")
    phone.goto("/portal/dossiers")
    phone.locator("a", has_text=rejected).click()
    expect(phone.locator("#ket-qua-giai-quyet")).to_contain_text(no)
    shot(phone, "phone-rejected-dossier")

    desktop = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  locale="vi-VN").new_page()
    try:
        for code, outcome in ((approved, "Được hỗ trợ – Quyết định số"),
                              (rejected, "Không được hỗ trợ – Văn bản số"), (waiting, None)):
            for page in (phone, desktop):
                page.goto("/tra-cuu/")
                page.fill("input[name=code]", code)
                page.fill("input[name=tax_code]", organisation["tax_code"])
                page.get_by_role("button", name="Tra cứu").click()
                result = page.locator("#ket-qua")
                if outcome:
                    expect(result.locator("[data-outcome]")).to_contain_text(outcome)
                    assert not re.search(r"\d đ", result.inner_text())  # never the amount
                else:
                    expect(result).to_contain_text(
                        "Chưa xác định: tổ chức đã nộp bổ sung, chờ Bộ phận một cửa tiếp nhận")
                shot(page, f"lookup-{code}-{'phone' if page is phone else 'desktop'}")
        login(desktop, "chicuc@demo.vn")  # the staff dossier page shows the same maximum
        desktop.goto(f"/dossiers/{approved_id}")
        limits = desktop.locator("#muc-toi-da [data-item-limit=ISO14001]")
        expect(limits).to_contain_text("tối đa 50.000.000 đ (50% × 120.000.000 đ, không quá "
                                       "50.000.000 đ)")
        expect(limits).to_contain_text("Đề nghị vượt mức tối đa")
        shot(desktop, "staff-dossier-maximum")
    finally:
        desktop.context.close()


def _item(code: str, cost: int, requested: int):
    from grants.services.dossiers import ItemInput

    return ItemInput(code, cost, requested, "Giấy chứng nhận số 01")
