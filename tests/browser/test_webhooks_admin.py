"""The admin registers a webhook in a real browser (/admin/webhooks): a URL the app may not POST
to is refused beside the field with what was typed kept; a good one is registered, its secret
shown once (never again on the admin pages), listed as sending; then deactivated.

Screenshots land in test-artifacts/screenshots/<test name>/."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, page_problems
from tests.browser.test_journeys import TIMEOUT_MS, flash, go

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)

PUBLIC_URL = "https://203.113.131.1/grants/su-kien"
"""A public address written as an IP, so the check needs no DNS; nothing is sent to it (no
event happens while the webhook is active, and it is deactivated before the test ends)."""


def submit(page: Page) -> None:
    page.locator("main form").get_by_role("button", name="Đăng ký", exact=True).click()
    page.wait_for_load_state()


def url_error(page: Page):
    """The error shown beside the URL field."""
    return page.locator("#url ~ .invalid-feedback")


def test_admin_registers_a_webhook_then_deactivates_it(new_page, shot):
    label = f"Phần mềm một cửa của tỉnh {uuid.uuid4().hex[:6]}"
    admin = new_page()
    admin.set_default_timeout(TIMEOUT_MS)
    login(admin, "quantri@demo.vn")
    go(admin, "Quản trị")
    admin.get_by_role("navigation", name="Khu vực quản trị") \
        .get_by_role("link", name="Webhook", exact=True).click()
    admin.wait_for_url("**/admin/webhooks/")
    expect(admin.locator("main h1")).to_have_text("Webhook")
    admin.get_by_role("link", name="Đăng ký webhook").click()
    admin.wait_for_url("**/admin/webhooks/new")

    # Not http(s): refused beside the field; what was typed and ticked stays.
    admin.get_by_label("Địa chỉ nhận (URL)").fill("ftp://tichhop.example.vn/su-kien")
    admin.locator("#label").fill(label)
    admin.get_by_label("Hồ sơ chuyển trạng thái", exact=True).check()
    admin.get_by_label("Văn bản được phát hành", exact=True).check()
    submit(admin)
    expect(url_error(admin)).to_have_text(
        "Địa chỉ URL phải bắt đầu bằng http:// hoặc https:// và có tên máy.")
    expect(admin.locator("#url")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(admin.locator("#url")).to_have_value("ftp://tichhop.example.vn/su-kien")
    expect(admin.locator("#label")).to_have_value(label)
    expect(admin.get_by_label("Hồ sơ chuyển trạng thái", exact=True)).to_be_checked()
    expect(admin.get_by_label("Văn bản được phát hành", exact=True)).to_be_checked()
    expect(admin.get_by_label("Ghi nhận chi trả", exact=True)).not_to_be_checked()
    expect(admin.locator(".error-summary")).to_contain_text("Địa chỉ nhận (URL)")
    assert page_problems(admin) == []
    shot(admin, "bad-scheme")

    # The app's own machine (loopback): refused, the reason given.
    admin.locator("#url").fill("http://127.0.0.1:8080/hook")
    submit(admin)
    expect(url_error(admin)).to_contain_text("Địa chỉ «127.0.0.1» trỏ tới địa chỉ nội bộ, "
                                             "loopback")
    expect(admin.locator("#url")).to_have_value("http://127.0.0.1:8080/hook")
    shot(admin, "loopback-refused")

    # A public address: registered, the secret shown once.
    admin.locator("#url").fill(PUBLIC_URL)
    submit(admin)
    expect(admin.locator("main h1")).to_have_text("Đã đăng ký webhook")
    expect(admin.locator("main .alert-warning")).to_contain_text("chỉ hiển thị một lần")
    expect(admin.locator("main")).to_contain_text(f"Địa chỉ nhận: {PUBLIC_URL} · {label}")
    secret = admin.locator("#secret").input_value()
    assert len(secret) >= 40, secret
    assert page_problems(admin) == []
    shot(admin, "secret-shown-once")

    admin.get_by_role("link", name="Tôi đã lưu khóa, xem webhook").click()
    admin.wait_for_url(re.compile(r"/admin/webhooks/\d+$"))
    webhook_url = admin.url
    expect(admin.locator("main h1")).to_have_text(PUBLIC_URL)
    expect(admin.locator("main .badge", has_text="Đang gửi")).to_be_visible()
    expect(admin.locator("main")).to_contain_text(
        "Hồ sơ chuyển trạng thái, Văn bản được phát hành")  # the kinds' labels, not codes
    assert secret not in admin.content()

    # Listed as sending, the secret nowhere.
    admin.get_by_role("navigation", name="Khu vực quản trị") \
        .get_by_role("link", name="Webhook", exact=True).click()
    admin.wait_for_url("**/admin/webhooks/")
    row = admin.locator("main table tbody tr", has_text=label)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PUBLIC_URL)
    expect(row.locator(".badge")).to_have_text("Đang gửi")
    expect(row).to_contain_text("Ngô Minh Khoa")
    expect(row).to_contain_text("Hồ sơ chuyển trạng thái, Văn bản được phát hành")
    expect(row).not_to_contain_text("dossier.status_changed")
    assert secret not in admin.content()
    assert page_problems(admin) == []
    shot(admin, "listed")

    # Deactivated: the page says so, the list too.
    row.get_by_role("link", name="Nhật ký gửi").click()
    admin.wait_for_url(webhook_url)
    admin.get_by_role("button", name="Ngừng gửi").click()
    flash(admin, "Đã ngừng gửi sự kiện tới webhook này.")
    expect(admin.locator("main .badge", has_text="Đã ngừng")).to_be_visible()
    expect(admin.get_by_role("button", name="Ngừng gửi")).to_have_count(0)
    shot(admin, "deactivated")
    admin.goto("/admin/webhooks/")
    row = admin.locator("main table tbody tr", has_text=label)
    expect(row.locator(".badge")).to_have_text("Đã ngừng")
    shot(admin, "listed-deactivated")
