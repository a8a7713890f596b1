"""Whole journeys in a real browser, one browser context per person, real clicks on the UI.

Journey 1 (approved): an organisation registers and files a dossier with two items on a phone;
the desk asks for a missing paper, the organisation answers, the desk receives; the head assigns,
the appraiser visits and appraises, the head reviews, the leader approves, the records clerk
issues the decision, the desk returns the result; the organisation downloads the decision PDF;
finance pays in two instalments and the budget dashboard moves by exactly those amounts.

Journey 2 (rejected): the demo organisation files a dossier, it is received, appraised with a
recommendation to reject, reviewed, rejected with reasons; the records clerk issues the letter and
the organisation downloads it: every reason is written in it.

Screenshots of the main pages land in test-artifacts/screenshots/<test name>/.
"""

import io
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from grants.services.year_defaults import CHECKLIST, REASONS
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

PHONE_WIDTH = 390
TIMEOUT_MS = 15_000  # generous for a loaded CI machine, but a hung page still fails quickly
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
CHECKLIST_LABELS = [label for _, label, _ in CHECKLIST]
INVOICE_LINE = "Hóa đơn, chứng từ thanh toán chi phí"

expect.set_options(timeout=TIMEOUT_MS)


# ------------------------------------------------------------------ helpers


@pytest.fixture
def person(new_page):
    """A page for one person (own browser context), with bounded waits."""

    def make(phone: bool = False) -> Page:
        page = new_page(phone=phone)
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        return page

    return make


def pdf_bytes(title: str) -> bytes:
    """A small real PDF (what a scanned paper would be), accepted by the content check."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.drawString(72, 770, title)
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def confirmation_link(page: Page, email: str) -> str:
    """The confirmation link of the last e-mail sent to ``email`` by the server ``page`` is
    on (read from its outbox)."""
    import sqlite3
    from urllib.parse import urlsplit

    from tests.browser.conftest import SERVED_DATABASES

    parts = urlsplit(page.url)
    database = SERVED_DATABASES[f"{parts.scheme}://{parts.netloc}"]
    with sqlite3.connect(database) as conn:
        body = conn.execute("SELECT text_body FROM outgoing_emails WHERE to_address = ? "
                            "ORDER BY id DESC LIMIT 1", (email,)).fetchone()[0]
    path = re.search(r"https?://\S+?(/identity/confirm/\S+)", body).group(1)
    return path


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(name)}


def pdf_text(data: bytes) -> str:
    """The text of a PDF with all whitespace runs collapsed to one space."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())


def money(text: str) -> int:
    """ "70.000.000 đ" -> 70000000."""
    digits = re.sub(r"\D", "", text)
    assert digits, f"no amount in {text!r}"
    return int(digits)


def unique_tax_code() -> str:
    return f"8{uuid.uuid4().int % 10**9:09d}"


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH + 1, f"{page.url} scrolls sideways on a phone ({width}px wide)"


NAVBAR_EXPANDS_AT = 992
"""Bootstrap's ``navbar-expand-lg`` breakpoint: narrower, the menu is behind the toggler."""


def flash(page: Page, text) -> None:
    """Wait for the success message of the action just taken."""
    expect(page.locator("main .alert-success", has_text=text).first).to_be_visible()


def go(page: Page, label: str) -> None:
    """Follow a navigation bar entry (opening the collapsed menu first on a phone)."""
    # Decided by the viewport, not by the toggler's visibility: while the stylesheet is still
    # loading the toggler is briefly visible on a wide screen too, then hidden (a flaky click).
    if page.viewport_size["width"] < NAVBAR_EXPANDS_AT:
        page.locator("nav .navbar-toggler").click()
    page.locator("#nav").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


def queue_row(page: Page, nav_label: str, code: str) -> Locator:
    """Open a work list from the navigation bar and search it for the dossier: its row."""
    go(page, nav_label)
    page.locator("input[name=q]").fill(code)
    page.get_by_role("button", name="Lọc", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]q="))
    row = page.locator("table tbody tr", has_text=code)
    expect(row).to_have_count(1)
    return row


def open_from_queue(page: Page, nav_label: str, code: str, button: str) -> None:
    """Find the dossier in a work list and click its action."""
    queue_row(page, nav_label, code).get_by_role("link", name=button, exact=True).click()
    page.wait_for_load_state()


def dossier_id_from(url: str) -> int:
    match = re.search(r"/dossiers/(\d+)", url)
    assert match, url
    return int(match.group(1))


# ------------------------------------------------------------------ applicant steps


def fill_item(page: Page, row: int, code: str, cost: str, requested: str, evidence: str) -> None:
    page.locator(f"select[name='items-{row}-catalogue_code']").select_option(code)
    page.locator(f"input[name='items-{row}-consulting_cost_vnd']").fill(cost)
    page.locator(f"input[name='items-{row}-requested_vnd']").fill(requested)
    page.locator(f"input[name='items-{row}-evidence']").fill(evidence)


def create_dossier(page: Page, items: list[tuple[str, str, str, str]], *, shot,
                   phone: bool) -> tuple[int, str]:
    """From the portal's dossier list: a new draft with ``items``; (dossier id, code)."""
    page.get_by_role("link", name=re.compile(r"^Lập hồ sơ mới")).click()
    page.wait_for_url("**/portal/dossiers/new")
    for row, item in enumerate(items):
        if row:  # the form shows one row; the button reveals the next
            page.get_by_role("button", name="+ Thêm tiêu chuẩn / công cụ").click()
        fill_item(page, row, *item)
    page.locator("select[name=return_channel]").select_option("online")
    page.locator("textarea[name=note]").fill("Hồ sơ nộp trực tuyến qua cổng.")
    if phone:
        no_sideways_scroll(page)
    shot(page, "applicant-dossier-form")
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.wait_for_url(re.compile(r"/portal/dossiers/\d+"))
    flash(page, "Đã lưu bản nháp hồ sơ")
    heading = page.locator("main h1").inner_text()
    code = re.search(r"HS-\d{4}-\d+", heading).group(0)
    return dossier_id_from(page.url), code


def upload_every_line(page: Page) -> None:
    """One PDF against every checklist line of the dossier page."""
    lines = page.locator("li[id^='line-']:not(#line-other)")
    count = lines.count()
    assert count == len(CHECKLIST_LABELS)
    for index in range(count):
        line = lines.nth(index)
        line.locator("input[type=file]").set_input_files(pdf_file(f"giay-to-{index + 1}.pdf"))
        line.get_by_role("button", name="Tải lên").click()
        expect(line.locator(".badge")).to_have_text("Đã có 1 tệp")
        flash(page, "Đã tải lên 1 tệp.")


def submit_dossier(page: Page, code: str) -> None:
    expect(page.get_by_text("Đã đủ các giấy tờ bắt buộc.")).to_be_visible()
    page.locator("#declaration").check()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    flash(page, f"Đã nộp hồ sơ {code}")
    expect(page.locator("main .badge").first).to_have_text("Đã nộp, chờ tiếp nhận")


def download_document(page: Page, marker: str) -> bytes:
    """Download the issued document whose entry shows ``marker`` (e.g. its number symbol)."""
    entry = page.locator("li.list-group-item", has_text=marker)
    expect(entry).to_have_count(1)
    with page.expect_download() as info:
        entry.get_by_role("link", name="Tải về (PDF)").click()
    return Path(info.value.path()).read_bytes()


# ------------------------------------------------------------------ staff steps


def check_lines(page: Page, *, skip: str | None = None, note: str = "") -> None:
    """The desk ticks every paper present (electronic copy); ``skip`` is left missing."""
    for label in CHECKLIST_LABELS:
        row = page.locator("form div.row.border-bottom", has_text=label)
        expect(row).to_have_count(1)
        if label == skip:
            row.locator("input[type=checkbox]").uncheck()
            row.get_by_placeholder("Ghi chú").fill(note)
        else:
            row.locator("input[type=checkbox]").check()
            row.locator("select").select_option("digital")


def receive(page: Page, code: str, shot) -> None:
    open_from_queue(page, "Một cửa", code, "Kiểm tra hồ sơ")
    page.wait_for_url("**/intake/*/check")
    check_lines(page)
    shot(page, "clerk-check-complete")
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    flash(page, f"Đã tiếp nhận hồ sơ {code}")


def assign(page: Page, code: str, appraiser: str, shot) -> None:
    open_from_queue(page, "Phân công & xem xét", code, "Phân công")
    select = page.locator("select[name=appraiser_id]")
    value = select.locator("option", has_text=appraiser).get_attribute("value")
    select.select_option(value)
    shot(page, "head-assign")
    page.get_by_role("button", name="Phân công", exact=True).click()
    flash(page, f"Đã phân công {appraiser} thẩm định hồ sơ {code}")


def record_visit(page: Page, code: str, findings: str, shot) -> None:
    open_from_queue(page, "Thẩm định", code, "Thẩm định thực tế")
    # Earlier today (the dossier was received today), never before midnight: a visit before the
    # day of reception, or in the future, is refused.
    now = datetime.now(LOCAL)
    when = max(now - timedelta(hours=2), now.replace(hour=0, minute=0, second=0, microsecond=0))
    page.locator("input[name=visited_at]").fill(when.strftime("%d/%m/%Y %H:%M"))
    expect(page.locator("input[name=place]")).not_to_have_value("")  # the organisation's address
    page.locator("textarea[name=org_representatives]").fill("Nguyễn Thị Thu - Giám đốc")
    page.locator("textarea[name=findings]").fill(findings)
    shot(page, "appraiser-visit")
    page.get_by_role("button", name="Lưu kết quả thẩm định thực tế").click()
    flash(page, "Đã ghi nhận thẩm định thực tế")


def eligible_input(page: Page, code: str):
    fieldset = page.locator("fieldset").filter(
        has=page.locator("legend", has_text=re.compile(rf"^{re.escape(code)} –")))
    return fieldset.locator("input[name^=eligible_]")


def review(page: Page, code: str, note: str, shot) -> None:
    open_from_queue(page, "Phân công & xem xét", code, "Xem xét")
    page.locator("form[action$='/submit'] textarea[name=note]").fill(note)
    shot(page, "head-review")
    page.get_by_role("button", name="Trình lãnh đạo").click()
    flash(page, f"Đã trình lãnh đạo hồ sơ {code}")


def issue(page: Page, code: str, symbol: str, shot) -> str:
    """The records clerk numbers and issues the outcome document; its "N/SYMBOL"."""
    open_from_queue(page, "Văn thư", code, "Vào số, phát hành")
    expect(page.get_by_role("link", name="Xem bản dự thảo (PDF)")).to_be_visible()
    shot(page, "records-issue")
    page.get_by_role("button", name="Vào số và phát hành").click()
    message = page.locator("main .alert-success", has_text="Đã vào số")
    expect(message).to_contain_text(re.compile(rf"\d+/{re.escape(symbol)}"))
    return re.search(rf"\d+/{re.escape(symbol)}", message.inner_text()).group(0)


def budget_figures(page: Page) -> tuple[int, int]:
    """(committed, disbursed) as the 2026 budget dashboard shows them."""
    page.goto("/budget/?year=2026")
    expect(page.locator("main h1")).to_have_text("Ngân sách hỗ trợ năm 2026")
    return (money(page.locator("#committed-vnd").inner_text()),
            money(page.locator("#disbursed-vnd").inner_text()))


def pay(page: Page, amount: str, voucher: str) -> None:
    page.locator("input[name=amount_vnd]").fill(amount)
    page.locator("input[name=voucher_no]").fill(voucher)
    page.locator("select[name=method]").select_option("transfer")
    page.locator("input[name=bank_reference]").fill(f"NH-{voucher}")
    page.get_by_role("button", name="Ghi khoản chi").click()
    flash(page, f"Đã ghi khoản chi {amount} đ (chứng từ {voucher})")


# ------------------------------------------------------------------ journeys


def test_journey_approved_and_paid(person, shot):
    tax_code = unique_tax_code()
    org_name = f"Công ty TNHH Cơ khí Hành Trình {tax_code[-4:]}"

    finance = person()
    login(finance, "ketoan@demo.vn")
    committed_before, disbursed_before = budget_figures(finance)

    # The organisation registers on a phone.
    applicant = person(phone=True)
    applicant.goto("/auth/register")
    applicant.locator("input[name=org_name]").fill(org_name)
    applicant.locator("select[name=org_type]").select_option("enterprise")
    applicant.locator("input[name=tax_code]").fill(tax_code)
    applicant.locator("input[name=address]").fill("Số 12 đường Nguyễn Trãi, Phường Võ Cường")
    applicant.locator("input[name=commune]").fill("Phường Võ Cường")
    applicant.locator("input[name=full_name]").fill("Nguyễn Thị Thu")
    applicant.locator("input[name=email]").fill(f"thu.{tax_code}@example.vn")
    applicant.locator("input[name=phone]").fill("0912345678")
    applicant.locator("input[name=password]").fill("mat-khau-manh-2026")
    applicant.locator("input[name=confirm]").fill("mat-khau-manh-2026")
    applicant.locator("input[name=consent]").check()
    no_sideways_scroll(applicant)
    shot(applicant, "applicant-register")
    applicant.get_by_role("button", name="Đăng ký", exact=True).click()
    applicant.wait_for_url("**/identity/")
    flash(applicant, "Đăng ký thành công")
    no_sideways_scroll(applicant)
    # A registration is a claim (issue 13): the certificate for the desk, the e-mail link.
    applicant.locator("input[name=file]").set_input_files(pdf_file("giay-chung-nhan-dkdn.pdf"))
    applicant.get_by_role("button", name="Tải lên giấy chứng nhận").click()
    flash(applicant, "Đã tải lên giấy chứng nhận")
    shot(applicant, "applicant-identity")
    applicant.goto(confirmation_link(applicant, f"thu.{tax_code}@example.vn"))
    applicant.get_by_role("button", name="Xác nhận", exact=True).click()
    flash(applicant, "Đã xác nhận địa chỉ thư điện tử")
    desk = person()
    login(desk, "motcua@demo.vn")
    go(desk, "Xác minh tổ chức")
    desk.get_by_role("link", name=tax_code).click()
    shot(desk, "clerk-verify-organisation")
    desk.get_by_role("button", name="Xác minh", exact=True).click()
    flash(desk, "Đã xác minh tổ chức")

    go(applicant, "Hồ sơ của tổ chức")
    applicant.wait_for_url("**/portal/dossiers")
    expect(applicant.locator("main h1")).to_contain_text(org_name)
    no_sideways_scroll(applicant)
    shot(applicant, "applicant-dossier-list")

    dossier_id, code = create_dossier(applicant, [
        ("ISO9001", "120.000.000", "50.000.000", "Giấy chứng nhận ISO 9001:2015 số QC-1234"),
        ("5S", "60.000.000", "25.000.000", "Biên bản đánh giá 5S ngày 10/01/2026"),
    ], shot=shot, phone=True)
    expect(applicant.locator("main table tfoot")).to_contain_text("75.000.000")
    upload_every_line(applicant)
    no_sideways_scroll(applicant)
    shot(applicant, "applicant-dossier-uploaded")
    submit_dossier(applicant, code)

    # The desk finds the invoice missing and asks for it.
    clerk = person()
    login(clerk, "motcua@demo.vn")
    open_from_queue(clerk, "Một cửa", code, "Kiểm tra hồ sơ")
    clerk.wait_for_url(f"**/intake/{dossier_id}/check")
    check_lines(clerk, skip=INVOICE_LINE, note="Thiếu hóa đơn GTGT của hợp đồng tư vấn 5S")
    shot(clerk, "clerk-check")
    clerk.get_by_role("button", name="Yêu cầu bổ sung…").click()
    items = clerk.locator("textarea[name=items]")
    expect(items).to_have_value(re.compile(re.escape(INVOICE_LINE)))
    expect(items).to_have_value(re.compile("Thiếu hóa đơn GTGT"))
    shot(clerk, "clerk-supplement")
    clerk.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    flash(clerk, f"Đã gửi yêu cầu bổ sung hồ sơ {code}")

    # The organisation answers: uploads the invoice and writes what it added.
    applicant.reload()
    request = applicant.locator("main .alert-warning", has_text="Yêu cầu bổ sung giấy tờ")
    expect(request).to_contain_text(INVOICE_LINE)
    no_sideways_scroll(applicant)
    shot(applicant, "applicant-supplement-requested")
    request.get_by_role("link", name="Trả lời yêu cầu bổ sung").click()
    applicant.wait_for_url(f"**/portal/dossiers/{dossier_id}/supplement")
    invoice = applicant.locator("li[id^='line-']", has_text=INVOICE_LINE)
    invoice.locator("input[type=file]").set_input_files(pdf_file("hoa-don-gtgt-5S.pdf"))
    invoice.get_by_role("button", name="Tải lên").click()
    flash(applicant, "Đã tải lên 1 tệp.")
    applicant.wait_for_url(f"**/portal/dossiers/{dossier_id}/supplement*")
    expect(invoice.locator(".badge")).to_have_text("Đã có 2 tệp")
    applicant.locator("textarea[name=note]").fill("Đã bổ sung hóa đơn GTGT của hợp đồng 5S.")
    no_sideways_scroll(applicant)
    shot(applicant, "applicant-supplement-answer")
    applicant.get_by_role("button", name="Nộp bổ sung").click()
    flash(applicant, f"Đã nộp bổ sung hồ sơ {code}")

    # The desk checks again (the earlier check is remembered) and receives.
    open_from_queue(clerk, "Một cửa", code, "Kiểm tra hồ sơ")
    invoice_row = clerk.locator("form div.row.border-bottom", has_text=INVOICE_LINE)
    expect(invoice_row.locator("input[type=checkbox]")).not_to_be_checked()
    others = clerk.locator("form div.row.border-bottom", has_text=CHECKLIST_LABELS[0])
    expect(others.locator("input[type=checkbox]")).to_be_checked()
    invoice_row.locator("input[type=checkbox]").check()
    invoice_row.locator("select").select_option("digital")
    invoice_row.get_by_placeholder("Ghi chú").fill("")
    clerk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    flash(clerk, f"Đã tiếp nhận hồ sơ {code}")
    shot(clerk, "clerk-received")

    head = person()
    login(head, "chicuc@demo.vn")
    assign(head, code, "Phạm Thị Dung", shot)

    appraiser = person()
    login(appraiser, "thamdinh@demo.vn")
    record_visit(appraiser, code, "Tổ chức duy trì hệ thống ISO 9001 và 5S tại xưởng.", shot)
    open_from_queue(appraiser, "Thẩm định", code, "Thẩm định")
    appraiser.get_by_label("Hồ sơ, chứng từ đầy đủ và hợp lệ").check()
    eligible_input(appraiser, "ISO9001").fill("100.000.000")
    eligible_input(appraiser, "5S").fill("40.000.000")
    appraiser.get_by_role("button", name="Tính mức hỗ trợ").click()
    # 50 % of the eligible cost, capped at 50.000.000 and at the amount requested.
    expect(appraiser.locator("fieldset", has_text="ISO9001 –")).to_contain_text(
        "Mức hỗ trợ theo quy định: 50.000.000 đ")
    expect(appraiser.locator("fieldset", has_text="5S –")).to_contain_text(
        "Mức hỗ trợ theo quy định: 20.000.000 đ")
    appraiser.get_by_label("Đề xuất hỗ trợ", exact=True).check()
    appraiser.locator("textarea[name=conclusion]").fill("Đủ điều kiện hỗ trợ theo quy định.")
    shot(appraiser, "appraiser-appraise")
    appraiser.get_by_role("button", name="Hoàn thành thẩm định").click()
    flash(appraiser, f"Đã hoàn thành thẩm định hồ sơ {code}")

    review(head, code, "Đồng ý với kết quả thẩm định, trình lãnh đạo Sở.", shot)

    leader = person()
    login(leader, "lanhdao@demo.vn")
    open_from_queue(leader, "Phê duyệt", code, "Xem và quyết định")
    amounts = leader.locator("input[name^=amount_]")
    expect(amounts).to_have_count(2)
    expect(amounts.nth(0)).to_have_value("50.000.000")
    expect(amounts.nth(1)).to_have_value("20.000.000")
    shot(leader, "leader-decide")
    leader.get_by_role("button", name="Phê duyệt hỗ trợ").click()
    flash(leader, f"Đã phê duyệt hỗ trợ hồ sơ {code}: tổng 70.000.000 đ")

    records = person()
    login(records, "vanthu@demo.vn")
    number = issue(records, code, "QĐ-SKHCN", shot)

    open_from_queue(clerk, "Một cửa", code, "Trả kết quả")
    expect(clerk.locator("main")).to_contain_text("Được phê duyệt hỗ trợ 70.000.000 đ")
    expect(clerk.locator("select[name=channel]")).to_have_value("online")
    shot(clerk, "clerk-return-result")
    clerk.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    flash(clerk, f"Đã trả kết quả hồ sơ {code}")

    # The organisation downloads its decision.
    applicant.goto(f"/portal/dossiers/{dossier_id}")
    expect(applicant.locator("main table tfoot")).to_contain_text("70.000.000")
    no_sideways_scroll(applicant)
    shot(applicant, "applicant-result")
    decision = download_document(applicant, number)
    assert decision.startswith(b"%PDF")
    text = pdf_text(decision)
    assert org_name in text
    assert "QĐ-SKHCN" in text
    assert number in text

    # Finance pays in two instalments; the dashboard moves by exactly these amounts.
    row = queue_row(finance, "Giải ngân", code)
    expect(row).to_contain_text("70.000.000 đ")
    shot(finance, "finance-unpaid")
    row.get_by_role("link", name="Chi trả").click()
    finance.wait_for_url(f"**/finance/dossiers/{dossier_id}")
    pay(finance, "40.000.000", f"PC-{tax_code}-1")
    expect(finance.locator("#paid")).to_have_text("40.000.000 đ")
    expect(finance.locator("#payable")).to_have_text("30.000.000 đ")
    committed_mid, disbursed_mid = budget_figures(finance)
    assert (committed_mid - committed_before, disbursed_mid - disbursed_before) == (
        70_000_000, 40_000_000)
    open_from_queue(finance, "Giải ngân", code, "Chi trả")
    pay(finance, "30.000.000", f"PC-{tax_code}-2")
    expect(finance.locator("#paid")).to_have_text("70.000.000 đ")
    expect(finance.get_by_text("Hồ sơ đã được chi đủ số tiền được duyệt.")).to_be_visible()
    shot(finance, "finance-paid")
    committed_after, disbursed_after = budget_figures(finance)
    shot(finance, "budget-dashboard")
    assert committed_after - committed_before == 70_000_000
    assert disbursed_after - disbursed_before == 70_000_000


def test_journey_rejected_with_reasons(person, shot):
    appraiser_reason = REASONS[4]  # site visit: not applied effectively
    leader_reason = REASONS[3]  # cost vouchers not valid
    typed_reason = "Hợp đồng tư vấn ký sau ngày được cấp giấy chứng nhận HACCP."

    applicant = person()
    login(applicant, "applicant@demo.vn")
    go(applicant, "Hồ sơ của tổ chức")
    org_name = re.sub(r"^Hồ sơ của ", "", applicant.locator("main h1").inner_text())
    dossier_id, code = create_dossier(applicant, [
        ("HACCP", "80.000.000", "40.000.000", "Giấy chứng nhận HACCP số HC-77"),
    ], shot=shot, phone=False)
    upload_every_line(applicant)
    submit_dossier(applicant, code)

    clerk = person()
    login(clerk, "motcua@demo.vn")
    receive(clerk, code, shot)

    head = person()
    login(head, "chicuc@demo.vn")
    assign(head, code, "Hoàng Văn Em", shot)

    appraiser = person()
    login(appraiser, "thamdinh2@demo.vn")
    record_visit(appraiser, code, "Quy trình HACCP chỉ có trên giấy, xưởng chưa áp dụng.", shot)
    open_from_queue(appraiser, "Thẩm định", code, "Thẩm định")
    eligible_input(appraiser, "HACCP").fill("0")
    appraiser.get_by_label("Đề xuất không hỗ trợ", exact=True).check()
    appraiser.get_by_label(appraiser_reason, exact=True).check()
    appraiser.locator("textarea[name=other_reasons]").fill(typed_reason)
    appraiser.locator("textarea[name=conclusion]").fill("Không đủ điều kiện hỗ trợ.")
    shot(appraiser, "appraiser-recommend-reject")
    appraiser.get_by_role("button", name="Hoàn thành thẩm định").click()
    flash(appraiser, f"Đã hoàn thành thẩm định hồ sơ {code}")

    review(head, code, "Thống nhất đề xuất không hỗ trợ.", shot)

    # The leader starts from the appraiser's reasons and adds one.
    leader = person()
    login(leader, "lanhdao@demo.vn")
    open_from_queue(leader, "Phê duyệt", code, "Xem và quyết định")
    reject = leader.locator("#khong-ho-tro")
    expect(reject.get_by_label(appraiser_reason, exact=True)).to_be_checked()
    expect(reject.locator("textarea[name=other_reasons]")).to_have_value(typed_reason)
    reject.get_by_label(leader_reason, exact=True).check()
    reject.locator("textarea[name=next_steps]").fill(
        "Tổ chức có thể nộp hồ sơ mới khi đã áp dụng HACCP tại xưởng.")
    shot(leader, "leader-reject")
    reject.get_by_role("button", name="Không hỗ trợ").click()
    flash(leader, f"Đã quyết định không hỗ trợ hồ sơ {code}")

    records = person()
    login(records, "vanthu@demo.vn")
    number = issue(records, code, "SKHCN-TĐC", shot)

    applicant.goto(f"/portal/dossiers/{dossier_id}")
    shot(applicant, "applicant-rejection")
    letter = download_document(applicant, number)
    assert letter.startswith(b"%PDF")
    text = pdf_text(letter)
    assert org_name in text
    for reason in (appraiser_reason, leader_reason, typed_reason):
        assert reason in text, f"the rejection letter does not give the reason «{reason}»"
