"""The two-person rule for a large payment, in a real browser: a dossier approved for
130.000.000 đ is paid in one payment, above the year's threshold (100.000.000 đ, the demo
years' default, grants.domain.budget.DEFAULT_PAYMENT_THRESHOLD_VND).

The finance officer records it and is told it waits for a second person; it is listed as
pending, the dossier's page and the budget dashboard show it apart (not disbursed); the officer
is offered no confirmation of their own payment and the page says why. The chief accountant
confirms it from the pending list: the dossier is paid, the dashboard's disbursed figure moves
by exactly that amount.

The dossier is filed and decided through the services on the live server's database (the
staff pages have their own journeys, tests/browser/test_journeys.py): this journey is about the
payment. Screenshots land in test-artifacts/screenshots/<test name>/.
"""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, page_problems
from tests.browser.test_journeys import TIMEOUT_MS, go, money, queue_row
from tests.browser.test_outcome import _local_now, _people, live_app  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)

ITEMS = [("ISO14001", 100_000_000, 50_000_000), ("ISO45001", 100_000_000, 50_000_000),
         ("GMP", 60_000_000, 30_000_000)]
"""Three items at the demo rule (50 %, at most 50.000.000 đ each): 130.000.000 đ approved."""
APPROVED = "130.000.000 đ"
THRESHOLD = "100.000.000 đ"


@pytest.fixture
def approved(live_app):  # noqa: F811 (the imported fixture)
    """A new organisation (verified) with a dossier approved for 130.000.000 đ in the current
    year, nothing paid: {"code", "id", "org_name"}."""
    from grants.db import atomic, utcnow
    from grants.domain.enums import Verification
    from grants.domain.privacy import NOTICE_VERSION
    from grants.domain.roles import Role
    from grants.queries import years
    from grants.services import accounts
    from grants.services import dossiers as svc
    from grants.services.dossiers import ChecklistLine, ItemInput

    tax_code = f"6{uuid.uuid4().int % 10**9:09d}"
    org_name = f"Công ty TNHH Hóa chất Đình Vũ {tax_code[-4:]}"
    with live_app.app_context():
        with atomic():
            user = accounts.register_applicant(
                email=f"chitra-{tax_code}@example.vn", password="mat-khau-chi-tra-2026",
                full_name="Phan Thị Chi", phone="0222333444", tax_code=tax_code,
                org_name=org_name, org_type="enterprise", address="KCN Quế Võ, Bắc Ninh",
                commune="Phường Phương Liễu", consent=True, notice_version=NOTICE_VERSION)
            user.email_confirmed_at = utcnow()
            user.organisation.verification = Verification.VERIFIED.value
            organisation = user.organisation
        p = _people()
        with atomic():
            dossier = svc.create_draft(
                organisation, years.current_year(), actor=p[Role.CLERK], channel="counter",
                items=[ItemInput(code, cost, requested, f"Giấy chứng nhận {code}")
                       for code, cost, requested in ITEMS])
        for step in (
            lambda: svc.submit(dossier, actor=p[Role.CLERK]),
            lambda: svc.receive(dossier, actor=p[Role.CLERK], lines=[
                ChecklistLine(c.id, True, "certified_copy")
                for c in dossier.program_year.checklist]),
            lambda: svc.assign(dossier, actor=p[Role.HEAD], appraiser=p[Role.APPRAISER]),
            lambda: svc.record_visit(dossier, actor=p[Role.APPRAISER],
                                     place="Nhà máy, KCN Quế Võ", visited_at=_local_now(),
                                     team="Phạm Thị Dung - Chuyên viên",
                                     findings="Đã áp dụng đủ ba hệ thống."),
            lambda: svc.appraise(dossier, actor=p[Role.APPRAISER], documents_ok=True,
                                 documents_note=None,
                                 eligible_costs={i.id: i.consulting_cost_vnd
                                                 for i in dossier.items},
                                 recommendation="support", reasons=[],
                                 conclusion="Đủ điều kiện hỗ trợ."),
            lambda: svc.review(dossier, actor=p[Role.HEAD], note="Đồng ý"),
            lambda: svc.approve(dossier, actor=p[Role.LEADER]),
        ):
            with atomic():
                step()
        assert dossier.approved_vnd == 130_000_000
        return {"code": dossier.code, "id": dossier.id, "org_name": org_name}


@pytest.fixture
def person(new_page):
    def make(email: str) -> Page:
        page = new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        login(page, email)
        return page

    return make


def dashboard(page: Page) -> dict[str, int]:
    """The current year's budget dashboard, reached from the navigation bar: its figures."""
    go(page, "Ngân sách")
    expect(page.locator("main h1")).to_contain_text("Ngân sách hỗ trợ năm")
    return {"committed": money(page.locator("#committed-vnd").inner_text()),
            "disbursed": money(page.locator("#disbursed-vnd").inner_text()),
            "pending": money(page.locator("#pending-vnd .money").inner_text())}


def pending_row(page: Page, code: str):
    """From the finance list ("Giải ngân"), the pending list's row of dossier ``code``."""
    go(page, "Giải ngân")
    page.get_by_role("link", name="Khoản chi chờ xác nhận").click()
    page.wait_for_url("**/finance/pending*")
    expect(page.locator("main h1")).to_contain_text("Khoản chi chờ xác nhận")
    return page.locator("main table tbody tr", has_text=code)


def test_a_payment_above_the_threshold_waits_for_a_second_person(person, approved, shot):
    code, voucher = approved["code"], f"UNC-{uuid.uuid4().hex[:8].upper()}"

    officer = person("ketoan@demo.vn")
    before = dashboard(officer)

    # The officer finds the dossier among those to pay and records the whole amount.
    row = queue_row(officer, "Giải ngân", code)
    expect(row).to_contain_text(approved["org_name"])
    expect(row.locator("td").nth(4)).to_have_text(APPROVED)
    row.get_by_role("link", name="Chi trả").click()
    officer.wait_for_url(f"**/finance/dossiers/{approved['id']}")
    expect(officer.locator("#approved")).to_have_text(APPROVED)
    expect(officer.locator("main")).to_contain_text(
        f"Khi tổng chi của hồ sơ vượt {THRESHOLD} (ngưỡng của năm")
    officer.locator("input[name=amount_vnd]").fill("130.000.000")
    officer.locator("input[name=voucher_no]").fill(voucher)
    officer.locator("select[name=method]").select_option("transfer")
    officer.locator("input[name=bank_reference]").fill(f"NH-{voucher}")
    shot(officer, "officer-records")
    officer.get_by_role("button", name="Ghi khoản chi").click()

    # Told it waits; nothing counted as paid; no confirmation offered to the one who recorded.
    told = officer.locator("main .alert-warning", has_text="đang chờ")
    expect(told).to_have_text(
        f"Đã ghi khoản chi {APPROVED} (chứng từ {voucher}) cho hồ sơ {code}. Tổng chi của hồ "
        f"sơ vượt ngưỡng {THRESHOLD} nên khoản chi đang chờ một kế toán khác hoặc kế toán "
        "trưởng xác nhận; chưa tính là đã giải ngân.")
    expect(officer.locator("#paid")).to_have_text("0 đ")
    expect(officer.locator("#pending-vnd")).to_have_text(APPROVED)
    waiting = officer.locator("#pending-payments tbody tr", has_text=voucher)
    expect(waiting).to_contain_text("Chờ xác nhận")
    expect(waiting).to_contain_text("Bùi Thị Lan")
    expect(waiting.locator(".money")).to_have_text(APPROVED)
    expect(waiting).to_contain_text("Chờ người khác xác nhận")
    expect(waiting.get_by_role("button", name="Xác nhận chi")).to_have_count(0)
    expect(officer.get_by_text("Hồ sơ đã được chi đủ số tiền được duyệt.")).to_have_count(0)
    expect(officer.locator("main .alert-info")).to_have_text(
        f"Phần còn được chi của hồ sơ đang chờ xác nhận ({APPROVED}): chưa tính là đã giải "
        "ngân, không ghi thêm khoản chi.")
    assert page_problems(officer) == []
    shot(officer, "officer-told-it-waits")

    # Listed as pending, the same: the officer may only cancel it.
    row = pending_row(officer, code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(voucher)
    expect(row.locator(".money")).to_have_text(APPROVED)
    expect(row).to_contain_text("Bùi Thị Lan")
    expect(row).to_contain_text("Chờ người khác xác nhận")
    expect(row.get_by_role("button", name="Xác nhận chi")).to_have_count(0)
    expect(row.get_by_role("link", name="Hủy")).to_be_visible()
    expect(officer.locator("main")).to_contain_text(
        "cần một kế toán khác (không phải người ghi) hoặc kế toán trưởng xác nhận")
    shot(officer, "officer-pending-list")

    # Should the officer send a confirmation anyway (an old page, another tab), the server
    # refuses and says why; nothing is paid.
    pending_id = row.locator("td").first.inner_text().strip()
    officer.evaluate("""(id) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = `/finance/pending/${id}/confirm`;
        for (const [name, value] of [
                ['csrf_token', document.querySelector('input[name=csrf_token]').value],
                ['back', 'list']]) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();
    }""", pending_id)
    expect(officer.locator("main .alert-danger")).to_have_text(
        "Người ghi khoản chi không được tự xác nhận: cần một kế toán khác hoặc kế toán trưởng "
        "xác nhận.")
    expect(officer.locator("main table tbody tr", has_text=code)).to_have_count(1)
    shot(officer, "officer-refused-own-confirmation")

    # The dashboard: pending, not disbursed.
    mid = dashboard(officer)
    assert mid["disbursed"] == before["disbursed"]
    assert mid["pending"] - before["pending"] == 130_000_000
    assert mid["committed"] == before["committed"]
    shot(officer, "officer-dashboard-pending")

    # The chief accountant confirms it from the pending list.
    chief = person("ketoantruong@demo.vn")
    row = pending_row(chief, code)
    expect(row).to_contain_text("Bùi Thị Lan")
    assert page_problems(chief) == []
    shot(chief, "chief-pending-list")
    row.get_by_role("button", name="Xác nhận chi").click()
    message = chief.locator("main .alert-success", has_text="Đã xác nhận khoản chi")
    expect(message).to_contain_text(
        f"Đã xác nhận khoản chi {APPROVED} (chứng từ {voucher}); bút toán chi số ")
    expect(chief.locator("main table tbody tr", has_text=code)).to_have_count(0)
    shot(chief, "chief-confirmed")

    # The dossier is paid in full; the pending payment says who confirmed it.
    chief.goto(f"/finance/dossiers/{approved['id']}")
    expect(chief.locator("#paid")).to_have_text(APPROVED)
    expect(chief.locator("#payable")).to_have_text("0 đ")
    expect(chief.locator("#pending-vnd")).to_have_count(0)
    expect(chief.get_by_text("Hồ sơ đã được chi đủ số tiền được duyệt.")).to_be_visible()
    done = chief.locator("#pending-payments tbody tr", has_text=voucher)
    expect(done).to_contain_text("Đã xác nhận · Đinh Thị Mai")
    paid = chief.locator("#lich-su tbody tr", has_text=voucher)
    expect(paid).to_contain_text("Chi trả")
    expect(paid.locator(".money")).to_have_text(APPROVED)
    # The chief accountant confirms and never records, so is offered no reversal either.
    expect(paid.get_by_role("link", name="Đảo")).to_have_count(0)
    shot(chief, "chief-dossier-paid")

    # The officer's view of the ledger: paid, reversible by them should it have gone wrong.
    officer.goto(f"/finance/dossiers/{approved['id']}")
    expect(officer.locator("#paid")).to_have_text(APPROVED)
    paid = officer.locator("#lich-su tbody tr", has_text=voucher)
    expect(paid).to_contain_text("Đinh Thị Mai")
    expect(paid.get_by_role("link", name="Đảo")).to_be_visible()

    # The officer's dashboard: disbursed by exactly that amount, nothing pending any more.
    after = dashboard(officer)
    assert after["disbursed"] - before["disbursed"] == 130_000_000
    assert after["pending"] == before["pending"]
    shot(officer, "officer-dashboard-paid")
