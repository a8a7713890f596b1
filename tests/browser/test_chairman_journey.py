"""The Chairman's path in a real browser (issue 14.3), on its own server so the year's
authority can change without touching the other journeys' data.

The admin sets the 2026 year's deciding authority to the provincial Chairman (the steps page
then shows the People's Committee's step); the demo organisation files a dossier, it is received,
appraised for support and reviewed; the leader finds no approval button but issues the proposal
(tờ trình) to the People's Committee, then records the Committee's decision when it comes back;
the records clerk files it under the Committee's own number and the organisation downloads the
Committee's decision.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _serve, login
from tests.browser.test_journeys import (
    TIMEOUT_MS,
    create_dossier,
    download_document,
    eligible_input,
    flash,
    go,
    issue,
    open_from_queue,
    pdf_text,
    receive,
    record_visit,
    review,
    submit_dossier,
    upload_every_line,
)

pytestmark = pytest.mark.browser

COMMITTEE_SIGNER = "Nguyễn Văn Phúc"


@pytest.fixture(scope="module")
def chairman_server(tmp_path_factory):
    yield from _serve(tmp_path_factory.mktemp("chairman"))


@pytest.fixture
def person(new_page, chairman_server):
    def make():
        page = new_page(base_url=chairman_server)
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        return page

    return make


def test_journey_through_the_peoples_committee(person, shot):
    admin = person()
    login(admin, "quantri@demo.vn")
    admin.goto("/admin/years")
    admin.get_by_role("link", name="2026", exact=True).click()
    admin.locator("select[name=authority]").select_option("chairman")
    admin.locator("textarea[name=signer_title]").fill(
        "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    admin.locator("input[name=signer_name]").fill(COMMITTEE_SIGNER)
    admin.get_by_role("button", name="Lưu thiết lập").click()
    flash(admin, "Đã lưu thiết lập năm 2026.")
    admin.goto(re.sub(r"/?$", "/steps", admin.url.split("?")[0]))
    expect(admin.locator("main")).to_contain_text("Trình UBND tỉnh; UBND tỉnh xem xét, quyết định")
    shot(admin, "admin-steps-chairman")

    applicant = person()
    login(applicant, "applicant@demo.vn")
    go(applicant, "Hồ sơ của tổ chức")
    dossier_id, code = create_dossier(applicant, [
        ("ISO14001", "90.000.000", "40.000.000", "Giấy chứng nhận ISO 14001 số EM-26"),
    ], shot=shot, phone=False)
    upload_every_line(applicant)
    submit_dossier(applicant, code)

    clerk = person()
    login(clerk, "motcua@demo.vn")
    receive(clerk, code, shot)

    head = person()
    login(head, "chicuc@demo.vn")
    open_from_queue(head, "Phân công & xem xét", code, "Phân công")
    select = head.locator("select[name=appraiser_id]")
    select.select_option(select.locator("option", has_text="Hoàng Văn Em")
                         .get_attribute("value"))
    head.get_by_role("button", name="Phân công", exact=True).click()
    flash(head, f"Đã phân công Hoàng Văn Em thẩm định hồ sơ {code}")

    appraiser = person()
    login(appraiser, "thamdinh2@demo.vn")
    record_visit(appraiser, code, "Tổ chức vận hành hệ thống ISO 14001 tại nhà máy.", shot)
    open_from_queue(appraiser, "Thẩm định", code, "Thẩm định")
    appraiser.get_by_label("Hồ sơ, chứng từ đầy đủ và hợp lệ").check()
    eligible_input(appraiser, "ISO14001").fill("80.000.000")
    appraiser.get_by_label("Đề xuất hỗ trợ", exact=True).check()
    appraiser.locator("textarea[name=conclusion]").fill("Đủ điều kiện hỗ trợ theo quy định.")
    appraiser.get_by_role("button", name="Hoàn thành thẩm định").click()
    flash(appraiser, f"Đã hoàn thành thẩm định hồ sơ {code}")

    review(head, code, "Đồng ý, trình lãnh đạo Sở trình UBND tỉnh.", shot)

    # The Committee decides this year: the leader proposes instead of approving.
    leader = person()
    login(leader, "lanhdao@demo.vn")
    open_from_queue(leader, "Phê duyệt", code, "Xem và quyết định")
    expect(leader.get_by_role("button", name="Phê duyệt hỗ trợ")).to_have_count(0)
    proposal = leader.locator("#trinh-ubnd")
    expect(proposal).to_contain_text("40.000.000 đ")
    shot(leader, "leader-propose")
    proposal.get_by_role("button", name="Phát hành tờ trình, trình UBND tỉnh").click()
    flash(leader, f"Đã trình UBND tỉnh hồ sơ {code}")
    expect(leader.locator("main")).to_contain_text("/TTr-SKHCN")

    # The Committee's decision comes back: the leader records it.
    open_from_queue(leader, "Phê duyệt", code, "Ghi nhận quyết định của UBND tỉnh")
    form = leader.locator("#phe-duyet")
    form.locator("input[name=decision_number]").fill("125")
    form.locator("input[name=decided_on]").fill(
        leader.evaluate("() => new Date().toLocaleDateString('en-GB', "
                        "{timeZone: 'Asia/Ho_Chi_Minh'})"))
    expect(form.locator("input[name^=amount_]")).to_have_value("40.000.000")
    shot(leader, "leader-record-committee")
    form.get_by_role("button", name="Ghi nhận quyết định hỗ trợ").click()
    flash(leader, "Đã ghi nhận Quyết định số 125/QĐ-UBND")

    records = person()
    login(records, "vanthu@demo.vn")
    number = issue(records, code, "QĐ-UBND", shot)
    assert number == "125/QĐ-UBND"

    applicant.goto(f"/portal/dossiers/{dossier_id}")
    shot(applicant, "applicant-committee-decision")
    text = pdf_text(download_document(applicant, number))
    for words in ("ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH", "Số: 125/QĐ-UBND", "TM. ỦY BAN NHÂN DÂN",
                  "KT. CHỦ TỊCH", COMMITTEE_SIGNER, "40.000.000"):
        assert words in text, f"the Committee's decision does not show «{words}»"
