"""Site visits in a real browser (issue 12, point 3): the appraiser of a dossier received today
is refused a visit dated in the future (the message beside the date field), records two visits
(the later one first), opens each one's minutes and finds that visit in it; then corrects one
(new minutes, the old marked superseded) and voids the other (struck, with its reason).

Screenshots and both PDFs land in test-artifacts/screenshots/<test name>/.
"""

import hashlib
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, login
from tests.browser.test_journeys import (
    LOCAL,
    assign,
    create_dossier,
    flash,
    go,
    open_from_queue,
    pdf_text,
    person,  # noqa: F401  (the fixture)
    receive,
    submit_dossier,
    upload_every_line,
)

pytestmark = pytest.mark.browser

LATER = ("Xưởng sản xuất số 2, KCN Quế Võ", "Dây chuyền đóng gói áp dụng 5S đầy đủ, có "
         "bảng phân công vệ sinh theo ca.")
EARLIER = ("Văn phòng công ty, phường Kinh Bắc", "Hồ sơ hệ thống ISO 9001 lưu đủ, có biên bản "
           "đánh giá nội bộ năm 2025.")


def fill_visit(page: Page, when: datetime, place: str, findings: str) -> None:
    page.locator("input[name=visited_at]").fill(when.strftime("%d/%m/%Y %H:%M"))
    page.locator("input[name=place]").fill(place)
    page.locator("textarea[name=org_representatives]").fill("Nguyễn Thị Thu - Giám đốc")
    page.locator("textarea[name=findings]").fill(findings)


def visit_block(page: Page, place: str):
    block = page.locator("div[id^='tham-dinh-']", has_text=place)
    expect(block).to_have_count(1)
    return block


def minutes_pdf(page: Page, block, index: int = 0) -> bytes:
    """The PDF behind the ``index``-th minutes link of a visit (newest first)."""
    href = block.locator("a", has_text="Biên bản thẩm định thực tế").nth(index) \
        .get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.body().startswith(b"%PDF")
    return response.body()


def test_appraiser_records_two_visits_each_with_its_own_minutes(person, shot, request):  # noqa: F811
    folder = ARTIFACTS / request.node.name

    applicant = person()
    login(applicant, "applicant@demo.vn")
    go(applicant, "Hồ sơ của tổ chức")
    dossier_id, code = create_dossier(applicant, [
        ("ISO9001", "120.000.000", "50.000.000", "Giấy chứng nhận ISO 9001 số QC-19"),
    ], shot=shot, phone=False)
    upload_every_line(applicant)
    submit_dossier(applicant, code)
    clerk = person()
    login(clerk, "motcua@demo.vn")
    receive(clerk, code, shot)
    head = person()
    login(head, "chicuc@demo.vn")
    assign(head, code, "Hoàng Văn Em", shot)

    appraiser = person()
    login(appraiser, "thamdinh2@demo.vn")
    open_from_queue(appraiser, "Thẩm định", code, "Thẩm định thực tế")
    now = datetime.now(LOCAL).replace(tzinfo=None, second=0, microsecond=0)
    today = now.replace(hour=0, minute=0)

    # A visit dated tomorrow: refused, the message beside the date, the typed values kept.
    fill_visit(appraiser, now + timedelta(days=1), *LATER)
    appraiser.get_by_role("button", name="Lưu kết quả thẩm định thực tế").click()
    date_group = appraiser.locator("div.mb-3", has=appraiser.locator("input[name=visited_at]"))
    expect(date_group.locator(".invalid-feedback")).to_contain_text("chưa đến")
    expect(appraiser.locator("textarea[name=findings]")).to_have_value(LATER[1])
    shot(appraiser, "visit-future-date-refused")

    # The later visit is recorded first, the earlier one afterwards.
    later_at, earlier_at = now, max(today, min(now - timedelta(hours=1), today.replace(hour=8)))
    for when, (place, findings) in ((later_at, LATER), (earlier_at, EARLIER)):
        fill_visit(appraiser, when, place, findings)
        appraiser.get_by_role("button", name="Lưu kết quả thẩm định thực tế").click()
        flash(appraiser, "Đã ghi nhận thẩm định thực tế")
        appraiser.goto(f"/appraisal/{dossier_id}/visit")
    shot(appraiser, "visit-two-visits")

    pdfs = {}
    for name, when, (place, findings) in (("later", later_at, LATER),
                                         ("earlier", earlier_at, EARLIER)):
        block = visit_block(appraiser, place)
        expect(block.locator("a", has_text="Biên bản thẩm định thực tế")).to_have_text(
            f"Biên bản thẩm định thực tế ngày {when:%d/%m/%Y}")
        pdf = minutes_pdf(appraiser, block)
        (folder / f"minutes-{name}.pdf").write_bytes(pdf)
        text = pdf_text(pdf)
        assert place in text and findings in text, text[:600]
        assert f"{when:%H} giờ {when:%M} phút ngày {when:%d/%m/%Y}" in text, text[:600]
        other = EARLIER if name == "later" else LATER
        assert other[0] not in text and other[1] not in text
        assert "Không đồng" not in text and "Chưa đề xuất mức hỗ trợ" in text
        pdfs[name] = pdf
    assert hashlib.sha256(pdfs["later"]).digest() != hashlib.sha256(pdfs["earlier"]).digest()

    # Correct the earlier visit: new minutes, the old ones kept and marked superseded.
    visit_block(appraiser, EARLIER[0]).get_by_role("link", name="Điều chỉnh").click()
    appraiser.wait_for_url(re.compile(r"/visits/\d+/correct"))
    appraiser.locator("textarea[name=findings]").fill(EARLIER[1] + " Đã xem sổ tay chất lượng.")
    appraiser.locator("textarea[name=reason]").fill("Bổ sung nội dung đã kiểm tra")
    shot(appraiser, "visit-correct")
    appraiser.get_by_role("button", name="Lưu điều chỉnh và lập lại biên bản").click()
    flash(appraiser, "Đã điều chỉnh lần thẩm định thực tế")
    appraiser.goto(f"/appraisal/{dossier_id}/visit")
    block = visit_block(appraiser, EARLIER[0])
    expect(block.get_by_text("đã được thay thế bằng biên bản lập lại")).to_be_visible()
    corrected = minutes_pdf(appraiser, block, 0)
    (folder / "minutes-earlier-corrected.pdf").write_bytes(corrected)
    text = pdf_text(corrected)
    assert "Đã xem sổ tay chất lượng." in text and "Bổ sung nội dung đã kiểm tra" in text
    assert minutes_pdf(appraiser, block, 1) == pdfs["earlier"]  # the old one, as issued

    # Void the later visit: struck, with its reason, no longer offered for change.
    visit_block(appraiser, LATER[0]).get_by_role("link", name="Hủy lần này").click()
    appraiser.locator("textarea[name=reason]").fill("Ghi nhầm, đoàn chưa xuống xưởng")
    appraiser.get_by_role("button", name="Hủy lần thẩm định này").click()
    flash(appraiser, "Đã hủy lần thẩm định thực tế")
    appraiser.goto(f"/appraisal/{dossier_id}/visit")
    block = visit_block(appraiser, LATER[0])
    expect(block.locator("s")).to_contain_text(LATER[0])
    expect(block).to_contain_text("Ghi nhầm, đoàn chưa xuống xưởng")
    expect(block.get_by_role("link", name="Điều chỉnh")).to_have_count(0)
    shot(appraiser, "visit-corrected-and-voided")
    appraiser.goto(f"/dossiers/{dossier_id}")
    expect(appraiser.locator("main")).to_contain_text("Hủy lần thẩm định thực tế")
    shot(appraiser, "dossier-page-visits")
