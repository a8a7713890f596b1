"""The leader's forecast on the budget dashboard, in a real browser: the sentence, the month
table and the chart for the leader and finance, clean for axe-core. Screenshots under
ARTIFACTS/<test name>/."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, page_problems
from tests.browser.test_journeys import TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("email", ["lanhdao@demo.vn", "ketoan@demo.vn"])
def test_the_dashboard_shows_the_forecast(email, new_page, demo_server, shot):
    page = new_page(base_url=demo_server)
    page.set_default_timeout(TIMEOUT_MS)
    login(page, email)
    page.goto("/budget/?year=2026")
    section = page.locator("#forecast")
    expect(section.get_by_role("heading", name="Dự báo đến cuối năm")).to_be_visible()
    expect(page.locator("#forecast-text")).to_contain_text("đến cuối năm sẽ hỗ trợ")
    expect(page.locator("#forecast-table thead")).to_contain_text("Kinh phí cam kết dự kiến")
    chart = section.locator("img.chart")
    expect(chart).to_be_visible()
    assert chart.evaluate("(img) => img.complete && img.naturalWidth > 0")
    assert page_problems(page) == []
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(shot(page, "dashboard").with_name("forecast-section.png")))
