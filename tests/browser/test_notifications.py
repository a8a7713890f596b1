"""Issue 16 in a real browser: the desk requests a supplement; the applicant sees the bell's
count and the message, opens it to the answer page, and the e-mail is in the test SMTP
server's mailbox (aiosmtpd on 127.0.0.1, the live server's SMTP_HOST).

Screenshots land in test-artifacts/screenshots/<test name>/."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, page_problems
from tests.browser.test_journeys import (
    INVOICE_LINE,
    TIMEOUT_MS,
    create_dossier,
    flash,
    open_from_queue,
    submit_dossier,
    upload_every_line,
)
from tests.mailbox import text_of

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)


def test_supplement_request_reaches_the_applicant_in_the_app_and_by_email(
        new_page, shot, live_mailbox):
    applicant = new_page()
    applicant.set_default_timeout(TIMEOUT_MS)
    login(applicant, "applicant@demo.vn")
    applicant.goto("/portal/dossiers")
    _, code = create_dossier(applicant, [("ISO9001", "120.000.000", "50.000.000",
                                          "Chứng chỉ số 88/2026")], shot=shot, phone=False)
    upload_every_line(applicant)
    submit_dossier(applicant, code)
    applicant.goto("/notifications/")
    before = applicant.locator("#notification-count")
    unread_before = int(before.inner_text()) if before.count() else 0

    clerk = new_page()
    clerk.set_default_timeout(TIMEOUT_MS)
    login(clerk, "motcua@demo.vn")
    open_from_queue(clerk, "Một cửa", code, "Kiểm tra hồ sơ")
    clerk.wait_for_url("**/intake/*/check")
    clerk.locator("form div.row.border-bottom", has_text=INVOICE_LINE) \
        .locator("input[type=checkbox]").uncheck()
    clerk.get_by_role("button", name="Yêu cầu bổ sung…").click()
    expect(clerk.locator("textarea[name=items]")).to_have_value(re.compile(INVOICE_LINE))
    clerk.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    flash(clerk, f"Đã gửi yêu cầu bổ sung hồ sơ {code}")

    # The applicant: the bell counts one more, the list shows the papers to add.
    applicant.goto("/portal/dossiers")
    bell = applicant.locator("#notification-bell")
    expect(bell.locator("#notification-count")).to_have_text(str(unread_before + 1))
    shot(applicant, "applicant-bell")
    bell.click()
    applicant.wait_for_url("**/notifications/")
    item = applicant.locator("li.list-group-item", has_text=f"Hồ sơ {code}: yêu cầu bổ sung")
    expect(item).to_contain_text(INVOICE_LINE)
    expect(item.locator(".badge", has_text="Mới")).to_be_visible()
    shot(applicant, "applicant-notification-list")
    assert page_problems(applicant) == []
    item.get_by_role("button", name="Mở").click()
    applicant.wait_for_url("**/portal/dossiers/*/supplement")
    shot(applicant, "applicant-opened-the-notification")

    # The e-mail, received by the SMTP server.
    mails = [m for m in live_mailbox.to("applicant@demo.vn")
             if m["Subject"] == f"Hồ sơ {code}: yêu cầu bổ sung giấy tờ"]
    assert len(mails) == 1
    body = text_of(mails[0])
    assert INVOICE_LINE in body and "Nộp bổ sung: http://" in body
    assert "/notifications/preferences" in body
