"""Small things every user meets (issue 12, point 10), in the markup: the home page counts
link to the list they count, the finance home shows its work, the applicant finds "Lập hồ sơ
mới", learns that files come after the draft and can download the application form, and
"Khóa sổ năm" is not a neighbour of "In trang"."""

import io
import re

import pytest
from pypdf import PdfReader

from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier
from tests.web.test_budget import activity  # noqa: F401 (a fixture)


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=800_000_000)


def _html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _count_link(html: str, href_start: str) -> tuple[str, int]:
    match = re.search(r'<a href="(' + re.escape(href_start) + r'[^"]*)"><strong>(\d+)</strong>'
                      r' hồ sơ</a>', html)
    assert match, f"no count linking to {href_start}"
    return match.group(1).replace("&amp;", "&"), int(match.group(2))


def test_clerk_counts_link_to_the_desk_list_filtered_as_counted(client, db, login_as, year):
    waiting = new_dossier(db, year, status="submitted", outcome=None, approved=False)
    new_dossier(db, year, status="received", outcome=None, approved=False)
    login_as(Role.CLERK)
    home = _html(client.get("/home"))
    url, count = _count_link(home, "/intake/?status=submitted")
    assert count == 1 and f"year={year.id}" in url
    listed = _html(client.get(url))
    assert waiting.code in listed


def test_appraiser_counts_their_own_assignments(client, db, login_as, make_user, year):
    me = make_user(Role.APPRAISER)
    other = make_user(Role.APPRAISER)
    mine = new_dossier(db, year, status="assigned", outcome=None, approved=False)
    theirs = new_dossier(db, year, status="assigned", outcome=None, approved=False)
    mine.assignee_id, theirs.assignee_id = me.id, other.id
    db.session.commit()
    from tests.factories import PASSWORD

    client.post("/auth/login", data={"email": me.email, "password": PASSWORD})
    url, count = _count_link(_html(client.get("/home")), "/appraisal/?status=assigned")
    assert count == 1
    listed = _html(client.get(url))
    assert mine.code in listed and theirs.code not in listed


def test_finance_home_shows_its_work(client, login_as, activity):  # noqa: F811 (fixture)
    login_as(Role.FINANCE)
    home = _html(client.get("/home"))
    assert "Chọn một mục" not in home
    unpaid = re.search(r'Đã phê duyệt, chưa chi đủ: <a href="([^"]+)" id="finance-unpaid">'
                       r'<strong>(\d+)</strong> hồ sơ</a>,\s*còn phải chi <strong>([^<]+)</strong>',
                       home)
    assert unpaid and unpaid.group(1) == "/finance/?year=2026"
    assert (unpaid.group(2), unpaid.group(3)) == ("2", "60.000.000 đ")
    month = re.search(r'Đã chi trong tháng (\d\d/\d{4}): <a href="[^"]+" id="finance-month">'
                      r'<strong>(\d+)</strong> khoản chi</a>,\s*tổng <strong>([^<]+)</strong>',
                      home)
    assert month and (month.group(2), month.group(3)) == ("1", "20.000.000 đ")


def test_applicant_home_offers_a_new_dossier(client, login_as, year):
    login_as(Role.APPLICANT)
    home = _html(client.get("/home"))
    assert re.search(r'<a class="btn btn-primary" href="/portal/dossiers/new">Lập hồ sơ mới</a>',
                     home)


def test_form_says_files_come_after_the_draft_and_offers_the_template(client, login_as, year):
    login_as(Role.APPLICANT)
    form = _html(client.get("/portal/dossiers/new"))
    note = re.search(r'<div class="alert alert-info" role="note" id="attach-after-save">'
                     r'(.*?)</div>', form, re.S).group(1)
    assert "tải lên sau khi lưu bản nháp" in note
    assert 'href="/portal/application-form.pdf"' in note
    response = client.get("/portal/application-form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "mau-don-de-nghi-ho-tro-2026.pdf" in response.headers["Content-Disposition"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
                    .split())
    assert "ĐƠN ĐỀ NGHỊ HỖ TRỢ" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "cam đoan" in text


def test_close_year_is_not_beside_print(client, login_as, year):
    login_as(Role.FINANCE)
    page = _html(client.get("/budget/"))
    toolbar = re.search(r'<div class="d-flex flex-wrap gap-2 d-print-none">(.*?)</div>', page,
                        re.S).group(1)
    assert "In trang" in toolbar and "/close" not in toolbar
    close = re.search(r'<section class="card border-danger mb-4 d-print-none" id="year-close"'
                      r'(.*?)</section>', page, re.S).group(1)
    assert 'href="/budget/2026/close">Khóa sổ năm 2026…</a>' in close
