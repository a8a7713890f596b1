"""The desk's completeness check in a real browser (issue 12 #1, #2): an online dossier comes
with its uploaded lines ticked "Có" (electronic copy); a supplement request with lines ticked
but no "Hình thức" shows every error beside its line and in the summary at the top, and the
request goes out once they are fixed.

Screenshots land in test-artifacts/screenshots/<test name>/."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_journeys import (
    CHECKLIST_LABELS,
    INVOICE_LINE,
    TIMEOUT_MS,
    create_dossier,
    flash,
    open_from_queue,
    submit_dossier,
    upload_every_line,
)

pytestmark = pytest.mark.browser
expect.set_options(timeout=TIMEOUT_MS)


def test_supplement_request_with_a_form_error_is_seen_then_sent(new_page, shot):
    applicant = new_page()
    applicant.set_default_timeout(TIMEOUT_MS)
    login(applicant, "applicant@demo.vn")
    applicant.goto("/portal/dossiers")
    _, code = create_dossier(applicant, [("ISO9001", "120.000.000", "50.000.000",
                                          "Chứng chỉ số 77/2026")], shot=shot, phone=False)
    upload_every_line(applicant)
    submit_dossier(applicant, code)

    clerk = new_page()
    clerk.set_default_timeout(TIMEOUT_MS)
    login(clerk, "motcua@demo.vn")
    open_from_queue(clerk, "Một cửa", code, "Kiểm tra hồ sơ")
    clerk.wait_for_url("**/intake/*/check")
    rows = {label: clerk.locator("form div.row.border-bottom", has_text=label)
            for label in CHECKLIST_LABELS}
    for label, row in rows.items():  # every line has its uploaded file: ticked, electronic
        expect(row.locator("input[type=checkbox]")).to_be_checked()
        expect(row.locator("select")).to_have_value("digital")
    shot(clerk, "clerk-check-prefilled")

    # Two lines keep "Có" but lose their "Hình thức"; the invoice is asked for again.
    without_kind = CHECKLIST_LABELS[:2]
    for label in without_kind:
        rows[label].locator("select").select_option("")
    rows[INVOICE_LINE].locator("input[type=checkbox]").uncheck()
    clerk.get_by_role("button", name="Yêu cầu bổ sung…").click()
    summary = clerk.locator("main .error-summary")
    expect(summary).to_be_visible()
    for label in without_kind:
        message = f"Chọn hình thức bản sao cho «{label}»."
        expect(rows[label].locator(".invalid-feedback")).to_have_text(message)
        expect(summary).to_contain_text(message)
    shot(clerk, "clerk-check-errors")

    for label in without_kind:
        rows[label].locator("select").select_option("original")
    clerk.get_by_role("button", name="Yêu cầu bổ sung…").click()
    expect(clerk.locator("textarea[name=items]")).to_have_value(re.compile(INVOICE_LINE))
    shot(clerk, "clerk-supplement-draft")
    clerk.get_by_role("button", name="Gửi yêu cầu bổ sung").click()
    flash(clerk, f"Đã gửi yêu cầu bổ sung hồ sơ {code}")
    shot(clerk, "clerk-supplement-sent")
