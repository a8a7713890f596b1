"""Report pages through the test client: who may see them, what a page offers (Excel link, print
button, charts as images, nothing inline), the 404 for a missing year, and the import screens."""

import io
import re

import pytest
from openpyxl import Workbook

from grants.domain.roles import Role
from grants.queries.reports.cache import clear_cache
from tests.export_jobs import export_via_job
from tests.integration.test_legacy_import import GOOD, HEADERS

PAGES = ("budget", "targets", "demand", "processing")


@pytest.fixture
def year(db, make_year):
    from grants.demo.reference import CATALOGUE
    from grants.models import CatalogueItem

    clear_cache()
    db.session.add_all(CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE)
    db.session.commit()
    make_year(year=2024, budget_vnd=100_000_000)
    return make_year(year=2026, budget_vnd=800_000_000)


@pytest.mark.parametrize("role", [Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN])
def test_leaders_division_finance_and_admin_see_every_report(client, login_as, year, role):
    login_as(role)
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/reports/"' in home  # the navigation offers the reports
    for url in ["/reports/", "/reports/years", *(f"/reports/2026/{page}" for page in PAGES)]:
        assert client.get(url).status_code == 200, url
    for kind, year_ in [*((k, 2026) for k in ("budget_report", "target_report",
                                               "demand_report", "processing_report")),
                        ("years_report", None), ("register", 2026)]:
        response = export_via_job(client, kind, year_)
        assert response.data.startswith(b"PK"), kind
        response.close()


@pytest.mark.parametrize("role", [Role.CLERK, Role.APPRAISER, Role.RECORDS, Role.APPLICANT])
def test_other_roles_are_refused(client, login_as, year, role):
    login_as(role)
    for url in ("/reports/", "/reports/2026/budget", "/jobs/",
                "/reports/2026/charts/months.svg", "/reports/import"):
        assert client.get(url).status_code == 403, url
    assert client.post("/jobs/start/register", data={"year": 2026}).status_code == 403


def test_anonymous_goes_to_login(client, year):
    response = client.get("/reports/2026/budget")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_page_is_printable_and_strict(client, login_as, year):
    login_as(Role.LEADER)
    for page in PAGES:
        html = client.get(f"/reports/2026/{page}").get_data(as_text=True)
        assert 'action="/jobs/start/' in html and "Xuất Excel" in html
        assert "data-print" in html and "css/print.css" in html
        assert re.search(r'<img class="chart[^"]*" src="/reports/2026/charts/[a-z-]+\.svg"', html)
        # The CSP allows no inline script and no style attributes.
        assert "style=" not in html
        assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
        assert 'href="/reports/2024/' in html  # the year switcher


def test_missing_year_is_404_with_a_message(client, login_as, year):
    login_as(Role.HEAD)
    response = client.get("/reports/2031/demand")
    assert response.status_code == 404
    assert "Không có năm chương trình 2031" in response.get_data(as_text=True)
    assert client.get("/reports/?year=abc").status_code == 404


def test_year_over_year_needs_two_years(client, login_as, make_year, db):
    clear_cache()
    make_year(year=2026)
    login_as(Role.LEADER)
    html = client.get("/reports/years").get_data(as_text=True)
    assert "cần ít nhất hai năm" in html and "charts/money.svg" not in html


def test_index_lists_the_reports_of_the_chosen_year(client, login_as, year):
    login_as(Role.FINANCE)
    html = client.get("/reports/?year=2024").get_data(as_text=True)
    assert 'href="/reports/2024/demand"' in html and "Tổng hợp nhu cầu hỗ trợ" in html
    assert "Nhập hồ sơ" not in html  # the import is the admin's


# --- Import screens ------------------------------------------------------------------------------


def _upload(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return {"file": (io.BytesIO(buffer.getvalue()), "ho-so-cu.xlsx")}


def test_import_is_for_admins_only(client, login_as, year):
    login_as(Role.LEADER)
    assert client.get("/reports/import").status_code == 403
    assert client.get("/reports/import/template.xlsx").status_code == 403
    assert client.post("/reports/import", data=_upload(GOOD),
                       content_type="multipart/form-data").status_code == 403


def test_dry_run_then_import_then_nothing_twice(client, login_as, year, db, tmp_path):
    from grants.models import Dossier

    login_as(Role.ADMIN)
    template = client.get("/reports/import/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")

    page = client.post("/reports/import", data=_upload(GOOD),
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="import-ok"' in html
    assert "4 dòng mới (3 hồ sơ" in html and db.session.query(Dossier).count() == 0
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{64})"', html).group(1)

    done = client.post("/reports/import/confirm", data={"token": token,
                                                        "file_name": "ho-so-cu.xlsx"})
    assert done.status_code == 302
    assert db.session.query(Dossier).count() == 3
    flashed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 3 hồ sơ mới" in flashed
    # The stored file is gone: confirming twice imports nothing.
    again = client.post("/reports/import/confirm", data={"token": token,
                                                         "file_name": "ho-so-cu.xlsx"})
    assert again.status_code == 302 and db.session.query(Dossier).count() == 3

    second = client.post("/reports/import", data=_upload(GOOD),
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "Đã nhập trước đây (HS-2024-00001)" in second
    assert 'name="token"' not in second  # nothing new: nothing to confirm


def test_dry_run_lists_problems_and_offers_no_import(client, login_as, year, db):
    from grants.models import Dossier

    login_as(Role.ADMIN)
    bad = [*GOOD[3][:5], "ISO99999", *GOOD[3][6:]]
    page = client.post("/reports/import", data=_upload([*GOOD, bad]),
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Tệp có <strong>1</strong> lỗi" in html
    assert "F (Mã danh mục)" in html and "ISO99999" in html
    assert 'name="token"' not in html and db.session.query(Dossier).count() == 0


def test_not_an_excel_file(client, login_as, year):
    login_as(Role.ADMIN)
    page = client.post("/reports/import",
                       data={"file": (io.BytesIO(b"a;b;c\n1;2;3\n"), "du-lieu.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    assert "không phải là tệp Excel .xlsx" in page.get_data(as_text=True)


def test_confirm_with_a_forged_token_is_refused(client, login_as, year):
    login_as(Role.ADMIN)
    assert client.post("/reports/import/confirm",
                       data={"token": "../../etc/passwd", "file_name": "x"}).status_code == 400
    response = client.post("/reports/import/confirm", data={"token": "a" * 64, "file_name": "x"})
    assert response.status_code == 302  # unknown file: back to the form with a message


def test_an_oversized_file_is_refused(app, client, login_as, year):
    login_as(Role.ADMIN)
    app.config["MAX_UPLOAD_BYTES"] = 1000
    page = client.post("/reports/import", data=_upload(GOOD), content_type="multipart/form-data")
    assert page.status_code == 413 and "Tệp lớn hơn" in page.get_data(as_text=True)


@pytest.mark.parametrize("name", ["kinds", "items", "communes", "types", "on-time", "steps"])
def test_charts_of_a_year_without_dossiers_say_so(client, login_as, year, name):
    login_as(Role.LEADER)
    response = client.get(f"/reports/2026/charts/{name}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def test_a_chart_is_drawn_once_until_the_data_changes(client, login_as, year, make_year,
                                                      monkeypatch):
    from grants.web import reports

    drawn = []
    builder = reports.CHART_BUILDERS["months"]
    monkeypatch.setitem(reports.CHART_BUILDERS, "months",
                        lambda row: drawn.append(row) or builder(row))
    login_as(Role.LEADER)
    first = client.get("/reports/2026/charts/months.svg")
    again = client.get("/reports/2026/charts/months.svg")  # no If-None-Match: a new tab
    assert first.status_code == again.status_code == 200 and again.data == first.data
    assert len(drawn) == 1
    make_year(year=2027)  # a change of the data
    assert client.get("/reports/2026/charts/months.svg").status_code == 200
    assert len(drawn) == 2
