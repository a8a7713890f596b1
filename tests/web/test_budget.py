"""Budget dashboard, its SVG charts and the year close, through the test client."""

import re

import pytest

from grants.db import atomic, local_today
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier

CHARTS = ("overview", "months", "items", "communes", "target")


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=800_000_000)


@pytest.fixture
def activity(db, year, make_user, make_org):
    """Two approved dossiers in two communes, one partly paid."""
    from grants.services import ledger

    leader = make_user(Role.LEADER, Role.FINANCE)
    one = new_dossier(db, year, amounts=(40_000_000, 10_000_000),
                      org=make_org(commune="Xã Tiên Du"))
    two = new_dossier(db, year, amounts=(30_000_000,), org=make_org(commune="Phường Từ Sơn"))
    with atomic():
        ledger.commit_approval(one, actor=leader, total_vnd=50_000_000)
    with atomic():
        ledger.commit_approval(two, actor=leader, total_vnd=30_000_000)
    with atomic():
        ledger.record_payment(one, actor=leader, amount_vnd=20_000_000, paid_on=local_today(),
                              voucher_no="PC-1", method="transfer")
    return one, two


@pytest.mark.parametrize("role", [Role.FINANCE, Role.LEADER, Role.ADMIN])
def test_finance_leaders_and_admins_see_the_dashboard(client, login_as, year, role):
    login_as(role)
    response = client.get("/budget/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ngân sách hỗ trợ năm 2026" in page and "800.000.000 đ" in page


@pytest.mark.parametrize("role", [Role.CLERK, Role.HEAD, Role.APPRAISER, Role.RECORDS,
                                  Role.APPLICANT])
def test_other_roles_are_refused(client, login_as, year, role):
    login_as(role)
    assert client.get("/budget/").status_code == 403
    assert client.get("/budget/2026/charts/overview.svg").status_code == 403
    assert client.get("/budget/2026/close").status_code == 403


def test_anonymous_goes_to_login(client, year):
    assert client.get("/budget/").status_code == 302


@pytest.mark.parametrize("arg", ["2030", "abc", "-1", "20266"])
def test_missing_year_is_404_in_vietnamese(client, login_as, year, arg):
    login_as(Role.LEADER)
    response = client.get(f"/budget/?year={arg}")
    assert response.status_code == 404
    assert "Không có năm chương trình" in response.get_data(as_text=True)
    assert client.get("/budget/2030/charts/months.svg").status_code == 404
    assert client.get("/budget/2030/close").status_code in (403, 404)


def test_no_year_at_all_is_404(client, login_as):
    login_as(Role.LEADER)
    response = client.get("/budget/")
    assert response.status_code == 404
    assert "Chưa có năm chương trình" in response.get_data(as_text=True)


def test_dashboard_figures_and_breakdowns(client, login_as, year, activity):
    login_as(Role.LEADER)
    page = client.get("/budget/?year=2026").get_data(as_text=True)
    assert 'id="budget-vnd">800.000.000 đ' in page
    assert 'id="committed-vnd">80.000.000 đ' in page
    assert 'id="disbursed-vnd">20.000.000 đ' in page
    assert 'id="remaining-vnd">720.000.000 đ' in page
    assert "Cam kết chưa chi: 60.000.000 đ" in page
    assert 'id="items-approved">3<' in page and "Chưa đạt" in page and "còn thiếu 13" in page
    assert "Xã Tiên Du" in page and "Phường Từ Sơn" in page and "ITEM0" in page
    month = local_today().strftime("%m/%Y")
    assert re.search(rf"<td>{month}</td><td class=\"money\">80.000.000 đ</td>"
                     r"<td class=\"money\">20.000.000 đ</td>", page)
    for name in CHARTS:
        assert f"/budget/2026/charts/{name}.svg" in page
    assert "css/print.css" in page and "js/charts.js" in page
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


@pytest.mark.parametrize(("approved_items", "label", "badge"), [
    (1, "Chưa đạt", "warning"), (2, "Đạt", "success"), (3, "Đạt", "success"),
    (4, "Vượt", "danger"),
])
def test_target_progress_labels(client, login_as, db, make_year, make_user, approved_items,
                                label, badge):
    from grants.services import ledger

    year = make_year(target_min=2, target_max=3)
    leader = make_user(Role.LEADER)
    dossier = new_dossier(db, year, amounts=(1_000_000,) * approved_items)
    with atomic():
        ledger.commit_approval(dossier, actor=leader, total_vnd=approved_items * 1_000_000)
    login_as(Role.LEADER)
    page = client.get("/budget/").get_data(as_text=True)
    assert f'<span class="badge text-bg-{badge}" id="target-status">{label}</span>' in page


@pytest.mark.parametrize("name", CHARTS)
def test_charts_are_svg(client, login_as, year, activity, name):
    login_as(Role.FINANCE)
    response = client.get(f"/budget/2026/charts/{name}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    assert body.startswith("<?xml") and "<svg" in body and "<script" not in body


@pytest.mark.parametrize("name", CHARTS)
def test_charts_render_for_an_empty_year(client, login_as, year, name):
    login_as(Role.LEADER)
    response = client.get(f"/budget/2026/charts/{name}.svg")
    assert response.status_code == 200 and b"<svg" in response.data


def test_unknown_chart_is_404(client, login_as, year):
    login_as(Role.LEADER)
    assert client.get("/budget/2026/charts/pie.svg").status_code == 404


def test_leader_cannot_close_the_year(client, login_as, year):
    login_as(Role.LEADER)
    assert client.get("/budget/2026/close").status_code == 403
    assert client.post("/budget/2026/close", data={"confirm": "y"}).status_code == 403


@pytest.mark.parametrize("role", [Role.FINANCE, Role.ADMIN])
def test_close_year_with_confirmation_then_frozen_figures(client, login_as, db, year, activity,
                                                          role):
    login_as(role)
    page = client.get("/budget/2026/close").get_data(as_text=True)
    assert "Khóa sổ năm 2026" in page and "60.000.000 đ đã cam kết nhưng chưa chi" in page
    unconfirmed = client.post("/budget/2026/close", data={})
    assert unconfirmed.status_code == 422
    assert "Hãy đánh dấu xác nhận" in unconfirmed.get_data(as_text=True)
    db.session.refresh(year)
    assert not year.is_closed
    response = client.post("/budget/2026/close", data={"confirm": "y"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã khóa sổ năm 2026" in job_page  # the close ran as a background job
    page = client.get("/budget/2026/close").get_data(as_text=True)
    assert "Số liệu chốt năm 2026" in page
    assert 'id="frozen-committed">80.000.000 đ' in page
    assert 'id="frozen-disbursed">20.000.000 đ' in page
    assert 'id="frozen-remaining">720.000.000 đ' in page
    assert "Xã Tiên Du" in page and "Được phê duyệt hỗ trợ" in page
    again = client.post("/budget/2026/close", data={"confirm": "y"})
    assert again.status_code == 409
    dashboard = client.get("/budget/").get_data(as_text=True)
    assert "đã khóa sổ" in dashboard and "Số liệu chốt năm" in dashboard


def test_closed_year_refuses_payments_on_the_page(client, login_as, db, year, activity,
                                                  make_user):
    from grants.services import ledger

    one, _two = activity
    with atomic():
        ledger.close_year(year, actor=make_user(Role.ADMIN))
    login_as(Role.FINANCE)
    page = client.get(f"/finance/dossiers/{one.id}").get_data(as_text=True)
    assert "đã khóa sổ" in page and "Ghi khoản chi</button>" not in page and ">Đảo<" not in page
    response = client.post(f"/finance/dossiers/{one.id}/payments",
                           data={"paid_on": local_today().strftime("%d/%m/%Y"),
                                 "amount_vnd": "1.000.000", "voucher_no": "PC-9",
                                 "method": "transfer"})
    assert response.status_code == 409 and "đã khóa sổ" in response.get_data(as_text=True)


def test_year_picker_lists_every_year(client, login_as, make_year):
    make_year(year=2025)
    make_year(year=2026)
    login_as(Role.FINANCE)
    page = client.get("/budget/?year=2025").get_data(as_text=True)
    assert "Ngân sách hỗ trợ năm 2025" in page
    assert '<option value="2026">' in page and '<option value="2025" selected>' in page
