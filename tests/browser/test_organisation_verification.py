"""An organisation's identity in a real browser (issue 13 point 7): a new enterprise registers
on the portal (agreeing to the personal-data notice), uploads its business registration
certificate and is told the desk is checking it; the one-stop clerk opens the verification
queue, downloads the certificate and verifies the organisation, which the enterprise then sees.
Another enterprise is not verified: the clerk must give a reason, and the enterprise reads it.

Screenshots land in test-artifacts/screenshots/<test name>/."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, page_problems
from tests.browser.test_journeys import (
    TIMEOUT_MS,
    flash,
    go,
    pdf_bytes,
    unique_tax_code,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)

PASSWORD = "mat-khau-manh-2026"
CERTIFICATE = "giay-chung-nhan-dang-ky-doanh-nghiep.pdf"


@pytest.fixture
def person(new_page):
    def make() -> Page:
        page = new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        return page

    return make


def register(page: Page, org_name: str, tax_code: str, shot) -> None:
    """Register the enterprise on the portal: refused without the consent (said beside the
    box), accepted with it; lands on its verification page."""
    page.goto("/auth/register")
    page.locator("input[name=org_name]").fill(org_name)
    page.locator("select[name=org_type]").select_option("enterprise")
    page.locator("input[name=tax_code]").fill(tax_code)
    page.locator("input[name=address]").fill("Lô C2, Khu công nghiệp Quế Võ")
    page.locator("input[name=commune]").fill("Phường Phương Liễu")
    page.locator("input[name=full_name]").fill("Trần Văn Minh")
    page.locator("input[name=email]").fill(f"minh.{tax_code}@example.vn")
    page.locator("input[name=phone]").fill("0987654321")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=confirm]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    consent = page.locator("input[name=consent]")
    expect(consent).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("input[name=consent] ~ .invalid-feedback")).not_to_be_empty()
    expect(page.locator("input[name=org_name]")).to_have_value(org_name)
    expect(page.locator("input[name=tax_code]")).to_have_value(tax_code)
    shot(page, "register-without-consent")

    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=confirm]").fill(PASSWORD)
    consent.check()
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    page.wait_for_url("**/identity/")
    flash(page, "Đăng ký thành công")


def organisation_card(page: Page):
    return page.locator("main .card", has_text="2. Tổ chức:")


def upload_certificate(page: Page, org_name: str, tax_code: str) -> bytes:
    card = organisation_card(page)
    expect(card.locator("h2")).to_have_text(f"2. Tổ chức: {org_name} (mã số thuế {tax_code})")
    expect(card).to_contain_text("Tình trạng: Chờ xác minh.")
    data = pdf_bytes(f"Giấy chứng nhận đăng ký doanh nghiệp - MST {tax_code}")
    page.locator("input[name=file]").set_input_files(
        {"name": CERTIFICATE, "mimeType": "application/pdf", "buffer": data})
    page.get_by_role("button", name="Tải lên giấy chứng nhận").click()
    flash(page, "Đã tải lên giấy chứng nhận. Bộ phận một cửa sẽ đối chiếu và xác minh tổ chức")
    card = organisation_card(page)
    expect(card).to_contain_text("Tình trạng: Chờ xác minh.")
    expect(card).to_contain_text(f"Đã tải lên: {CERTIFICATE}")
    expect(card).to_contain_text("Bộ phận một cửa đang đối chiếu.")
    return data


def open_claim(clerk: Page, org_name: str, tax_code: str) -> None:
    """From the clerk's verification queue, the claim of ``tax_code``."""
    go(clerk, "Xác minh tổ chức")
    expect(clerk.locator("main h1")).to_have_text("Xác minh tổ chức")
    row = clerk.locator("main table tbody tr", has_text=tax_code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(org_name)
    expect(row).to_contain_text("Trần Văn Minh")
    expect(row).to_contain_text("Đã tải lên ")
    row.get_by_role("link", name=tax_code).click()
    clerk.wait_for_url("**/verification/*")
    expect(clerk.locator("main h1")).to_have_text(f"Yêu cầu xác minh: mã số thuế {tax_code}")
    expect(clerk.locator("main dl")).to_contain_text(org_name)
    expect(clerk.locator("main dl")).to_contain_text("Chờ xác minh")


def test_enterprise_registers_and_the_desk_verifies_it(person, shot):
    tax_code = unique_tax_code()
    org_name = f"Công ty TNHH Cơ điện Quế Võ {tax_code[-4:]}"
    applicant = person()
    register(applicant, org_name, tax_code, shot)
    certificate = upload_certificate(applicant, org_name, tax_code)
    assert page_problems(applicant) == []
    shot(applicant, "applicant-pending")

    clerk = person()
    login(clerk, "motcua@demo.vn")
    open_claim(clerk, org_name, tax_code)
    assert page_problems(clerk) == []
    shot(clerk, "clerk-claim")
    with clerk.expect_download() as info:
        clerk.get_by_role("link", name=CERTIFICATE).click()
    assert info.value.suggested_filename == CERTIFICATE
    assert Path(info.value.path()).read_bytes() == certificate
    clerk.get_by_label("Ghi chú (không bắt buộc)").fill(
        "Đã đối chiếu bản gốc giấy chứng nhận với Cổng thông tin quốc gia về đăng ký doanh nghiệp.")
    clerk.get_by_role("button", name="Xác minh", exact=True).click()
    clerk.wait_for_url("**/verification/")
    flash(clerk, f"Đã xác minh tổ chức «{org_name}» (mã số thuế {tax_code}).")
    expect(clerk.locator("main table tbody tr", has_text=tax_code)).to_have_count(0)
    shot(clerk, "clerk-queue-after")

    go(applicant, "Xác minh tổ chức")
    card = organisation_card(applicant)
    expect(card).to_contain_text("Tình trạng: Đã xác minh.")
    expect(card.locator("input[name=file]")).to_have_count(0)  # nothing more to upload
    shot(applicant, "applicant-verified")


def test_the_desk_does_not_verify_and_the_enterprise_reads_why(person, shot):
    tax_code = unique_tax_code()
    org_name = f"Công ty Cổ phần Bao bì Tiên Du {tax_code[-4:]}"
    reason = ("Giấy chứng nhận tải lên là của một doanh nghiệp khác (mã số thuế không khớp); "
              "đề nghị tải lên đúng giấy chứng nhận của công ty.")
    applicant = person()
    register(applicant, org_name, tax_code, shot)
    upload_certificate(applicant, org_name, tax_code)

    clerk = person()
    login(clerk, "motcua@demo.vn")
    open_claim(clerk, org_name, tax_code)
    # No reason: the browser does not send the form (the field is required), nothing changes.
    claim_url = clerk.url
    clerk.get_by_role("button", name="Không xác minh").click()
    reason_box = clerk.get_by_label("Lý do không xác minh")
    assert reason_box.evaluate("el => el.validity.valueMissing")
    assert clerk.url == claim_url
    expect(clerk.locator("main dl")).to_contain_text("Chờ xác minh")
    reason_box.fill(reason)
    clerk.get_by_role("button", name="Không xác minh").click()
    clerk.wait_for_url("**/verification/")
    flash(clerk, "Đã ghi nhận: không xác minh; người đăng ký thấy lý do trên cổng thông tin.")
    expect(clerk.locator("main table tbody tr", has_text=tax_code)).to_have_count(0)

    applicant.reload()
    card = organisation_card(applicant)
    expect(card).to_contain_text("Tình trạng: Không được xác minh.")
    expect(card.locator(".alert-danger")).to_have_text(
        # The reason's own full stop is not doubled by the sentence's.
        f"Bộ phận một cửa không xác minh được: {reason.removesuffix('.')}. Bạn có thể tải lên "
        "giấy chứng nhận đúng để gửi yêu cầu mới.")
    expect(card.locator("input[name=file]")).to_be_visible()  # it may try again
    assert page_problems(applicant) == []
    shot(applicant, "applicant-rejected")
