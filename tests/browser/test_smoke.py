"""Every demo account logs in through the real login form and lands on its home page."""

import pytest

from tests.browser.conftest import login

ACCOUNTS = ["applicant@demo.vn", "motcua@demo.vn", "chicuc@demo.vn", "thamdinh@demo.vn",
            "lanhdao@demo.vn", "vanthu@demo.vn", "ketoan@demo.vn", "quantri@demo.vn"]


@pytest.mark.parametrize("email", ACCOUNTS)
def test_demo_account_lands_on_home(new_page, shot, email):
    page = new_page()
    login(page, email)
    assert "Xin chào" in page.inner_text("main")
    shot(page, "home")


def test_wrong_password_shows_generic_message(new_page):
    page = new_page()
    page.goto("/auth/login")
    page.fill("input[name=email]", "motcua@demo.vn")
    page.fill("input[name=password]", "sai-mat-khau")
    page.click("button[type=submit]")
    assert "Thư điện tử hoặc mật khẩu không đúng." in page.inner_text("main")


def test_login_page_on_a_phone(new_page, shot):
    page = new_page(phone=True)
    page.goto("/auth/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the login page must not scroll sideways on a phone"
    shot(page, "login-phone")
