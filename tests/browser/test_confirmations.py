"""Confirmation dialogs in a real browser (issue 12, point 6): the applicant's declaration and
the "are you sure" question before submit, approve, issue and close the year. Answering
"Cancel" sends nothing; answering "OK" goes on. Screenshots under ARTIFACTS/<test name>/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.browser.test_journeys import (
    TIMEOUT_MS,
    assign,
    create_dossier,
    eligible_input,
    flash,
    open_from_queue,
    receive,
    record_visit,
    review,
    upload_every_line,
)

pytestmark = pytest.mark.browser


class Dialogs:
    """Answers the page's dialogs with the next planned answer and keeps what they asked."""

    def __init__(self, page: Page):
        self.questions: list[str] = []
        self.answers: list[bool] = []
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.questions.append(dialog.message)
        if self.answers.pop(0):
            dialog.accept()
        else:
            dialog.dismiss()

    def will(self, *answers: bool) -> "Dialogs":
        self.answers.extend(answers)
        return self


@pytest.fixture
def careful(new_page):
    """A person whose dialogs the test answers: (page, Dialogs)."""

    def make() -> tuple[Page, Dialogs]:
        page = new_page(accept_dialogs=False)
        page.set_default_timeout(TIMEOUT_MS)
        return page, Dialogs(page)

    return make


def cancelled_then_done(page: Page, dialogs: Dialogs, button: str, done: str, shot,
                        name: str, scope=None) -> str:
    """Click ``button`` and answer Cancel (nothing happens), then again and answer OK (the
    flash ``done`` appears); the question asked."""
    where = scope or page
    dialogs.will(False)
    url = page.url
    where.get_by_role("button", name=button, exact=True).click()
    page.wait_for_timeout(500)  # time enough for a form post to have left, had it been sent
    expect(where.get_by_role("button", name=button, exact=True)).to_be_visible()
    assert page.url == url
    assert page.locator("main .alert-success", has_text=done).count() == 0
    shot(page, f"{name}-cancelled")
    dialogs.will(True)
    where.get_by_role("button", name=button, exact=True).click()
    flash(page, done)
    assert len(dialogs.questions) == 2 and dialogs.questions[0] == dialogs.questions[1]
    return dialogs.questions[-1]


def test_irreversible_actions_ask_first(careful, new_page, shot):
    applicant, asked = careful()
    login(applicant, "applicant@demo.vn")
    applicant.goto("/portal/dossiers")
    dossier_id, code = create_dossier(applicant, [
        ("ISO9001", "100.000.000", "50.000.000", "Giấy chứng nhận ISO 9001 số QC-12"),
    ], shot=shot, phone=False)
    upload_every_line(applicant)

    # Without the declaration the browser does not even ask: the box is required.
    applicant.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    assert asked.questions == []
    assert applicant.locator("#declaration:invalid").count() == 1
    applicant.get_by_label(re.compile("^Cam đoan:")).check()
    shot(applicant, "applicant-declaration")
    question = cancelled_then_done(applicant, asked, "Nộp hồ sơ", f"Đã nộp hồ sơ {code}", shot,
                                   "applicant-submit")
    assert code in question and "không sửa được nữa" in question
    expect(applicant.locator("main .badge").first).to_have_text("Đã nộp, chờ tiếp nhận")

    clerk = new_page()
    clerk.set_default_timeout(TIMEOUT_MS)
    login(clerk, "motcua@demo.vn")
    receive(clerk, code, shot)
    head = new_page()
    head.set_default_timeout(TIMEOUT_MS)
    login(head, "chicuc@demo.vn")
    assign(head, code, "Phạm Thị Dung", shot)
    appraiser = new_page()
    appraiser.set_default_timeout(TIMEOUT_MS)
    login(appraiser, "thamdinh@demo.vn")
    record_visit(appraiser, code, "Tổ chức duy trì hệ thống ISO 9001 tại xưởng.", shot)
    open_from_queue(appraiser, "Thẩm định", code, "Thẩm định")
    appraiser.get_by_label("Hồ sơ, chứng từ đầy đủ và hợp lệ").check()
    eligible_input(appraiser, "ISO9001").fill("100.000.000")
    appraiser.get_by_label("Đề xuất hỗ trợ", exact=True).check()
    appraiser.locator("textarea[name=conclusion]").fill("Đủ điều kiện hỗ trợ.")
    appraiser.get_by_role("button", name="Hoàn thành thẩm định").click()
    flash(appraiser, f"Đã hoàn thành thẩm định hồ sơ {code}")
    review(head, code, "Trình lãnh đạo.", shot)

    leader, leader_asked = careful()
    login(leader, "lanhdao@demo.vn")
    open_from_queue(leader, "Phê duyệt", code, "Xem và quyết định")
    question = cancelled_then_done(leader, leader_asked, "Phê duyệt hỗ trợ",
                                   f"Đã phê duyệt hỗ trợ hồ sơ {code}", shot, "leader-approve")
    assert code in question

    records, records_asked = careful()
    login(records, "vanthu@demo.vn")
    open_from_queue(records, "Văn thư", code, "Vào số, phát hành")
    question = cancelled_then_done(records, records_asked, "Vào số và phát hành", "Đã vào số",
                                   shot, "records-issue")
    assert code in question

    # Closing the year: the finance officer cancels (the shared demo year stays open).
    finance, finance_asked = careful()
    login(finance, "ketoan@demo.vn")
    finance.goto("/budget/2026/close")
    finance.locator("input[name=confirm]").check()
    finance_asked.will(False)
    finance.get_by_role("button", name="Khóa sổ năm 2026").click()
    finance.wait_for_timeout(500)
    expect(finance.get_by_role("button", name="Khóa sổ năm 2026")).to_be_visible()
    shot(finance, "finance-close-cancelled")
    assert finance.url.endswith("/budget/2026/close")
    assert len(finance_asked.questions) == 1 and "Khóa sổ năm 2026?" in finance_asked.questions[0]
    finance.goto("/budget/?year=2026")
    expect(finance.locator("main")).not_to_contain_text("Số liệu chốt năm 2026")
