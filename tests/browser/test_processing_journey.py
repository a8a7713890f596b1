"""Issue 14, path 1 in a real browser: after reception the appraiser finds the dossier
incomplete and asks for more papers; the organisation answers in the portal; the dossier goes
back to the appraiser (not to the desk), with its due date moved by the pause. Then the
appraiser, who will be late, issues the apology with a new return date, which the portal shows.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_journeys import (
    TIMEOUT_MS,
    assign,
    create_dossier,
    flash,
    go,
    receive,
    submit_dossier,
    upload_every_line,
)
from tests.browser.test_journeys import person as person  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PAPER = "Hợp đồng tư vấn HACCP có phụ lục giá trị"


def _working_day_after(text: str, days: int = 7) -> str:
    """A weekday a week or more after the dd/mm/yyyy date in ``text`` (never a weekend)."""
    day, month, year = map(int, re.search(r"(\d{2})/(\d{2})/(\d{4})", text).groups())
    when = date(year, month, day) + timedelta(days=days)
    while when.weekday() >= 5:
        when += timedelta(days=1)
    return f"{when:%d/%m/%Y}"


def test_journey_papers_asked_during_appraisal(person, shot):  # noqa: F811
    applicant = person()
    login(applicant, "applicant@demo.vn")
    go(applicant, "Hồ sơ của tổ chức")
    dossier_id, code = create_dossier(applicant, [
        ("HACCP", "80.000.000", "40.000.000", "Giấy chứng nhận HACCP số HC-78"),
    ], shot=shot, phone=False)
    upload_every_line(applicant)
    submit_dossier(applicant, code)

    clerk = person()
    login(clerk, "motcua@demo.vn")
    receive(clerk, code, shot)
    head = person()
    login(head, "chicuc@demo.vn")
    assign(head, code, "Hoàng Văn Em", shot)

    # The appraiser asks for a paper from the dossier page; an empty list is refused first.
    appraiser = person()
    login(appraiser, "thamdinh2@demo.vn")
    appraiser.goto(f"/dossiers/{dossier_id}")
    appraiser.get_by_role("link", name="Yêu cầu bổ sung hồ sơ trong quá trình giải quyết").click()
    appraiser.wait_for_url(f"**/processing/{dossier_id}/papers")
    appraiser.get_by_role("button", name="Gửi thông báo yêu cầu bổ sung").click()
    expect(appraiser.locator("main")).to_contain_text("Liệt kê ít nhất một giấy tờ cần bổ sung.")
    appraiser.locator("textarea[name=items]").fill(f"{PAPER} — bản đã nộp thiếu phụ lục")
    shot(appraiser, "appraiser-request-papers")
    appraiser.get_by_role("button", name="Gửi thông báo yêu cầu bổ sung").click()
    flash(appraiser, f"Đã gửi thông báo yêu cầu bổ sung hồ sơ {code}")
    expect(appraiser.locator("main")).to_contain_text("Yêu cầu bổ sung giấy tờ (đang thẩm định)")

    # The organisation sees the request and answers it in the portal.
    applicant.goto(f"/portal/dossiers/{dossier_id}")
    request = applicant.locator("main .alert-warning", has_text="Yêu cầu bổ sung giấy tờ")
    expect(request).to_contain_text(PAPER)
    expect(applicant.locator("main")).to_contain_text("Tạm dừng")
    shot(applicant, "applicant-papers-requested")
    request.get_by_role("link", name="Trả lời yêu cầu bổ sung").click()
    applicant.wait_for_url(f"**/portal/dossiers/{dossier_id}/supplement")
    applicant.locator("textarea[name=note]").fill("Đã bổ sung phụ lục hợp đồng.")
    applicant.get_by_role("button", name="Nộp bổ sung").click()
    flash(applicant, f"Đã nộp bổ sung hồ sơ {code}")
    due = applicant.locator("main dt", has_text="Hạn trả kết quả").locator(
        "xpath=following-sibling::dd[1]")
    expect(due).to_have_text(re.compile(r"\d{2}/\d{2}/\d{4}"), timeout=TIMEOUT_MS)

    # Back with the appraiser (not at the desk): the appraiser apologises for a delay.
    appraiser.goto(f"/dossiers/{dossier_id}")
    expect(appraiser.locator("main")).to_contain_text("Đang thẩm định")
    appraiser.get_by_role("link", name="Xin lỗi và hẹn lại ngày trả kết quả").click()
    appraiser.wait_for_url(f"**/processing/{dossier_id}/apology")
    new_date = _working_day_after(due.inner_text())
    appraiser.locator("input[name=new_return_on]").fill(new_date)
    appraiser.locator("textarea[name=reason]").fill("Cần thẩm định thực tế lần hai tại xưởng.")
    shot(appraiser, "appraiser-apology")
    appraiser.get_by_role("button", name="Lập phiếu xin lỗi và hẹn lại").click()
    flash(appraiser, f"Đã lập phiếu xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}")

    applicant.goto(f"/portal/dossiers/{dossier_id}")
    expect(applicant.locator("main [data-promised]")).to_contain_text(new_date)
    shot(applicant, "applicant-new-return-date")
