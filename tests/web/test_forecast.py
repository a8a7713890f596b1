"""The leader's forecast on the budget dashboard: shown to the leader and finance, with its
sentence and month-by-month table; never to an applicant."""

import re

import pytest

from grants.db import atomic, local_now, local_today
from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from tests.integration.test_forecast_query import add_dossier

M = 1_000_000


@pytest.fixture
def year(make_year):
    # Intake closed: the figures then come from the ledger and the pipeline only, whatever the
    # day the test runs.
    return make_year(year=local_today().year, budget_vnd=800_000_000, intake_open=False)


@pytest.fixture
def pipeline(db, year, make_user):
    from grants.services import ledger

    now = local_now()
    approved = add_dossier(db, year, Status.APPROVED, [50 * M], outcome="approved", received=now)
    approved.items[0].approved_vnd = 50 * M
    db.session.commit()
    with atomic():
        ledger.commit_approval(approved, actor=make_user(Role.LEADER), total_vnd=50 * M)
    # Due today: decided this month, so counted whatever the day.
    add_dossier(db, year, Status.APPRAISED, [30 * M, 20 * M], proposed=[25 * M, None], due=now)
    add_dossier(db, year, Status.RECEIVED, [10 * M], due=now)


@pytest.mark.parametrize("role", [Role.LEADER, Role.FINANCE])
def test_leader_and_finance_see_the_forecast(client, login_as, year, pipeline, role):
    login_as(role)
    page = client.get("/budget/").get_data(as_text=True)
    assert "Dự báo đến cuối năm" in page
    sentence = re.search(r'id="forecast-text">([^<]*)<', page).group(1)
    # 1 approved + 3 items in process (all counted: the only ended dossier was approved);
    # 50 M committed + 45 M proposed/requested + 10 M requested.
    assert sentence == (
        "Với tốc độ hiện nay, đến cuối năm sẽ hỗ trợ 4 lượt nội dung và còn 695.000.000 đ "
        "chưa sử dụng. Thấp hơn mục tiêu tối thiểu 16 lượt nội dung (còn thiếu 12).")
    table = page[page.index('id="forecast-table"'):]
    table = table[:table.index("</table>")]
    for header in ("Tháng", "Lượt nội dung dự kiến", "Kinh phí cam kết dự kiến", "Còn lại"):
        assert header in table
    month = local_today().month
    rows = re.findall(r"<tr><td>(\d\d/\d{4})</td>", table)
    assert rows == [f"{m:02d}/{year.year}" for m in range(month, 13)]
    assert "105.000.000 đ" in table and "695.000.000 đ" in table


def test_the_sentence_warns_when_the_pipeline_exceeds_the_budget(client, login_as, db, year,
                                                                 pipeline):
    add_dossier(db, year, Status.REVIEWED, [500 * M, 400 * M], due=local_now())
    login_as(Role.LEADER)
    page = client.get("/budget/").get_data(as_text=True)
    sentence = re.search(r'id="forecast-text">([^<]*)<', page).group(1)
    assert "sử dụng hết kinh phí 800.000.000 đ" in sentence
    assert "vượt kinh phí được giao 205.000.000 đ" in sentence
    assert 'class="alert alert-warning" id="forecast-text"' in page


def test_an_applicant_never_sees_the_forecast(client, login_as, year, pipeline):
    login_as(Role.APPLICANT)
    response = client.get("/budget/")
    assert response.status_code == 403
    assert "Dự báo" not in response.get_data(as_text=True)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Dự báo" not in home and "lượt nội dung" not in home


def test_the_forecast_chart_draws_the_projection_under_the_budget(client, login_as, year,
                                                                  pipeline):
    login_as(Role.FINANCE)
    page = client.get("/budget/").get_data(as_text=True)
    assert f"/budget/{year.year}/charts/forecast.svg" in page
    response = client.get(f"/budget/{year.year}/charts/forecast.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert "<script" not in svg
    for text in ("Dự báo (lũy kế)", "Kinh phí được giao (800 tr)", "105 tr"):
        assert text in svg
    login_as(Role.APPLICANT)
    assert client.get(f"/budget/{year.year}/charts/forecast.svg").status_code == 403


@pytest.mark.parametrize(("role", "status"), [(Role.LEADER, 200), (Role.FINANCE, 200),
                                              (Role.ADMIN, 200), (Role.CHIEF_ACCOUNTANT, 200),
                                              (Role.APPLICANT, 403),
                                              (Role.CLERK, 403)])
def test_the_api_gives_the_forecast_to_the_dashboard_roles_only(client, db, make_user, year,
                                                                pipeline, role, status):
    from grants.services import accounts

    token = accounts.issue_api_token(make_user(role), label="test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(f"/api/v1/programs/{year.year}/forecast", headers=headers)
    assert response.status_code == status
    body = response.get_json()
    if status == 403:
        assert "dự báo" in body["error"]["message"] and "sentence" not in body
        return
    assert (body["items"], body["committed_vnd"], body["remaining_vnd"]) == (4, 105 * M, 695 * M)
    assert body["target_status"] == "short" and body["shortfall"] == 12
    assert body["sentence"].startswith("Với tốc độ hiện nay, đến cuối năm sẽ hỗ trợ 4 lượt")
    assert body["months"][-1] == {"month": f"12/{year.year}", "items": 4,
                                  "committed_vnd": 105 * M, "remaining_vnd": 695 * M}
    assert client.get("/api/v1/programs/2999/forecast", headers=headers).status_code == 404
    assert client.get(f"/api/v1/programs/{year.year}/forecast").status_code == 401


def test_a_closed_year_shows_its_final_figures_without_a_forecast(client, login_as, db, year,
                                                                  pipeline):
    year.is_closed = True
    db.session.commit()
    login_as(Role.LEADER)
    page = client.get("/budget/").get_data(as_text=True)
    assert "Ngân sách hỗ trợ năm" in page and "Dự báo đến cuối năm" not in page
