"""Small things every user meets (issue 12, point 10), where the layout is the point: on a
phone (375 px) no list scrolls sideways, the year filter shows "Tất cả" whole, the "Tải lên"
button keeps to one line. Screenshots under ARTIFACTS/<test name>/."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.browser.test_journeys import (
    TIMEOUT_MS,
    create_dossier,
    submit_dossier,
    upload_every_line,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}

#: The width a select needs for its chosen text: the text, its paddings (the arrow sits in
#: the right padding) and borders.
SELECT_FITS = """(el) => {
  const style = getComputedStyle(el);
  const canvas = document.createElement("canvas").getContext("2d");
  canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = el.options[el.selectedIndex].text;
  const needed = canvas.measureText(text).width + parseFloat(style.paddingLeft)
                 + parseFloat(style.paddingRight);
  return [text, el.clientWidth, needed];
}"""


def _one_line(button) -> bool:
    height, line = button.evaluate(
        "(b) => [b.getBoundingClientRect().height, "
        "parseFloat(getComputedStyle(b).lineHeight) + parseFloat(getComputedStyle(b).paddingTop)"
        " + parseFloat(getComputedStyle(b).paddingBottom) + 2]")
    return height <= line + 1


def _no_sideways_scroll(page: Page) -> None:
    """Neither the page nor a list inside it (a scrolling table) is wider than the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone ({width}px wide)"
    wider = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
                     && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
        .map(e => `${e.className}: ${e.scrollWidth}px in ${e.clientWidth}px`)""")
    assert wider == [], f"{page.url}: a list scrolls sideways on a phone: {wider}"


@pytest.fixture
def page_at(browser, live_server):
    contexts = []

    def make(viewport) -> Page:
        context = browser.new_context(base_url=live_server, viewport=viewport, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        context.close()


def test_upload_button_stays_on_one_line_and_lists_fit_a_phone(page_at, shot):
    applicant = page_at(PHONE)
    login(applicant, "applicant@demo.vn")
    applicant.goto("/portal/dossiers")
    _no_sideways_scroll(applicant)
    _, code = create_dossier(applicant, [
        ("5S", "40.000.000", "20.000.000", "Báo cáo áp dụng 5S tại xưởng"),
    ], shot=shot, phone=True)
    for button in applicant.get_by_role("button", name="Tải lên", exact=True).all():
        assert _one_line(button), "«Tải lên» wraps on a phone"
    shot(applicant, "applicant-upload-rows-phone")
    _no_sideways_scroll(applicant)
    for width in (600, 800, 1280):  # beside the file field from 576 px on
        other = page_at({"width": width, "height": 900})
        login(other, "applicant@demo.vn")
        other.goto(applicant.url)
        for button in other.get_by_role("button", name="Tải lên", exact=True).all():
            assert _one_line(button), f"«Tải lên» wraps at {width} px"
        shot(other, f"applicant-upload-rows-{width}")
    upload_every_line(applicant)
    submit_dossier(applicant, code)
    for url in ("/portal/dossiers", "/home"):
        applicant.goto(url)
        expect(applicant.locator("main")).to_contain_text(code)
        _no_sideways_scroll(applicant)
        shot(applicant, f"applicant{url.replace('/', '-')}-phone")

    wide = page_at({"width": 1280, "height": 900})
    login(wide, "applicant@demo.vn")
    wide.goto("/portal/dossiers/new")
    expect(wide.locator("#attach-after-save")).to_contain_text("sau khi lưu bản nháp")

    for viewport, name in ((PHONE, "phone"), ({"width": 1280, "height": 900}, "desktop"),
                           ({"width": 800, "height": 900}, "tablet")):
        clerk = page_at(viewport)
        login(clerk, "motcua@demo.vn")
        for url in ("/dossiers/", "/intake/"):
            clerk.goto(url)
            expect(clerk.locator("main")).to_contain_text(code)
            text, width, needed = clerk.locator("select[name=year]").evaluate(SELECT_FITS)
            assert text == "Tất cả" and width >= needed, \
                f"{url} at {name}: the year filter shows {width}px of the {needed}px «{text}» needs"
            if viewport is PHONE:
                _no_sideways_scroll(clerk)
            shot(clerk, f"clerk{url.replace('/', '-')}{name}")
