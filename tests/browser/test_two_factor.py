"""Two-factor in a real browser (issue 13, point 5), on a server where it is required as in
production: the leader enrols after the password (QR and secret shown), keeps the recovery
codes, and from then on logs in with a code from the app (computed here with pyotp)."""

import time

import pyotp
import pytest

from tests.browser.conftest import _serve, page_problems


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("two-factor"), TWO_FACTOR_REQUIRED=True)


def _password(page, email="lanhdao@demo.vn"):
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "demo12345")
    page.click("form button[type=submit]")


def test_leader_enrols_then_logs_in_with_a_code(new_page, strict_server, shot):
    page = new_page(base_url=strict_server)
    _password(page)
    page.wait_for_url("**/auth/two-factor/setup")
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()
    assert "bắt buộc dùng xác thực hai lớp" in page.inner_text("main")
    assert page_problems(page) == []
    shot(page, "enrol")
    secret = page.inner_text("#totp-secret").strip()
    page.fill("input[name=code]", "000000")
    page.click("main form button[type=submit]")
    assert "Mã xác thực không đúng" in page.inner_text("main")
    shot(page, "enrol-wrong-code")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("main form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    assert page_problems(page) == []
    shot(page, "recovery-codes")
    page.click("text=Tôi đã lưu các mã, tiếp tục")
    page.wait_for_url("**/home")

    page.click("button:has-text('Đăng xuất')")
    page.wait_for_url("**/auth/login")
    _password(page)
    page.wait_for_url("**/auth/two-factor")
    assert page_problems(page) == []
    shot(page, "code")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/home")
    page.goto("/auth/account")
    assert "Đang bật" in page.inner_text("main")
    assert page_problems(page) == []
    shot(page, "account")
