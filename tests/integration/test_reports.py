"""Report figures against hand-computed expectations on a small fixed data set: the service, the
page, the Excel file read back and the API all give the same numbers."""

import io
import re
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from grants.db import local_now, local_today, utcnow
from grants.domain.errors import NotFound
from grants.domain.roles import Role
from grants.queries.reports.budget_execution import budget_execution
from grants.queries.reports.cache import clear_cache
from grants.queries.reports.demand import demand_summary
from grants.queries.reports.processing import processing_report, step_times
from grants.queries.reports.register import register_rows
from grants.queries.reports.targets import target_report
from grants.queries.reports.year_over_year import year_over_year
from grants.queries.years import NO_REPORT, require_year
from grants.services import dossiers as svc
from grants.services.dossiers import ChecklistLine, ItemInput
from tests.export_jobs import export_via_job
from tests.walk import act as _act

YEAR = local_today().year  # commitments are dated today, so the data set lives in this year
PAST = YEAR - 1
M = 1_000_000


# --- The fixed data set --------------------------------------------------------------------------
#
# Year YEAR (budget 800 M, target 16–50), catalogue rule 50 % capped at 50 M:
#   D1 org1 ISO9001 120/50 + 5S 40/20   received 60 days ago → approved 70 M (late), paid 30 M
#   D2 org2 LEAN 80/40                  received now         → approved 40 M (on time)
#   D3 org3 HACCP 100/45 + KAIZEN 30/15 received now         → rejected (on time)
#   D4 org1 SIXSIGMA 60/30              received 60 days ago → assigned (open, overdue)
#   D5 org2 KPI 20/10                   submitted            (open, no clock yet)
#   D6 org3 ISO14001 60/25              draft                (not filed)
#   D7 org3 5S 10/5                     submitted, withdrawn (not counted as demand)
# Year PAST (budget 500 M):
#   D8 org1 ISO14001 50/25              received now         → approved 25 M (on time)
# org1 enterprise in Phường Kinh Bắc, org2 cooperative and org3 enterprise in Xã Tiên Du.


@pytest.fixture
def world(db, make_year, make_user, make_org):
    from grants.demo.reference import CATALOGUE
    from grants.models import CatalogueItem, SupportRule

    clear_cache()
    items = [CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE]
    db.session.add_all(items)
    db.session.commit()
    years = {}
    for number, budget in ((YEAR, 800 * M), (PAST, 500 * M)):
        year = make_year(year=number, budget_vnd=budget)
        for item in items:
            year.rules.append(SupportRule(catalogue_item=item, share_percent=50, cap_vnd=50 * M))
        years[number] = year
    db.session.commit()
    orgs = [make_org(org_type="enterprise", commune="Phường Kinh Bắc"),
            make_org(org_type="cooperative", commune="Xã Tiên Du"),
            make_org(org_type="enterprise", commune="Xã Tiên Du")]
    people = {role: make_user(role, full_name=f"Cán bộ {role.label}")
              for role in (Role.CLERK, Role.HEAD, Role.APPRAISER, Role.LEADER, Role.FINANCE)}
    applicant = make_user(Role.APPLICANT, organisation=orgs[2])
    w = {"years": years, "orgs": orgs, "applicant": applicant, **people}
    clerk, head, appraiser, leader = (people[r] for r in (Role.CLERK, Role.HEAD, Role.APPRAISER,
                                                          Role.LEADER))
    long_ago = utcnow() - timedelta(days=60)

    def draft(org, year, items):
        return _act(db, svc.create_draft, org, years[year], actor=clerk, channel="counter",
                    items=[ItemInput(code, cost * M, req * M) for code, cost, req in items])

    def receive(d, received_at=None):
        _act(db, svc.submit, d, actor=clerk)
        lines = [ChecklistLine(c.id, True, "certified_copy") for c in d.program_year.checklist]
        _act(db, svc.receive, d, actor=clerk, lines=lines, received_at=received_at)

    def to_reviewed(d, received_at=None):
        receive(d, received_at)
        _act(db, svc.assign, d, actor=head, appraiser=appraiser)
        # A visit happens once the dossier is received, and not in the future.
        _act(db, svc.record_visit, d, actor=appraiser, visited_at=local_now(),
             place="Trụ sở tổ chức", team="Cán bộ thẩm định", findings="Đã áp dụng.")
        _act(db, svc.appraise, d, actor=appraiser, documents_ok=True, documents_note=None,
             eligible_costs={i.id: i.consulting_cost_vnd for i in d.items},
             recommendation="support", reasons=[], conclusion=None)
        _act(db, svc.review, d, actor=head)
        return d

    d1 = to_reviewed(draft(orgs[0], YEAR, [("ISO9001", 120, 50), ("5S", 40, 20)]), long_ago)
    _act(db, svc.approve, d1, actor=leader)
    from grants.services import ledger

    _act(db, ledger.record_payment, d1, actor=people[Role.FINANCE], amount_vnd=30 * M,
         paid_on=local_today(), voucher_no="PC-01", method="transfer")
    d2 = to_reviewed(draft(orgs[1], YEAR, [("LEAN", 80, 40)]))
    _act(db, svc.approve, d2, actor=leader)
    d3 = to_reviewed(draft(orgs[2], YEAR, [("HACCP", 100, 45), ("KAIZEN", 30, 15)]))
    _act(db, svc.reject, d3, actor=leader, reasons=["Chưa áp dụng hiệu quả"])
    d4 = draft(orgs[0], YEAR, [("SIXSIGMA", 60, 30)])
    receive(d4, long_ago)
    _act(db, svc.assign, d4, actor=head, appraiser=appraiser)
    d5 = draft(orgs[1], YEAR, [("KPI", 20, 10)])
    _act(db, svc.submit, d5, actor=clerk)
    draft(orgs[2], YEAR, [("ISO14001", 60, 25)])
    d7 = draft(orgs[2], YEAR, [("5S", 10, 5)])
    _act(db, svc.submit, d7, actor=clerk)
    _act(db, svc.withdraw, d7, actor=applicant, reason="Không tiếp tục")
    d8 = to_reviewed(draft(orgs[0], PAST, [("ISO14001", 50, 25)]))
    _act(db, svc.approve, d8, actor=leader)
    w["dossiers"] = [d1, d2, d3, d4, d5, d7, d8]
    return w


def _year(number=YEAR):
    return require_year(number, why=NO_REPORT)


# --- Services: the hand-computed figures ---------------------------------------------------------


def test_budget_execution(world):
    r = budget_execution(_year())
    assert (r.budget_vnd, r.committed_vnd, r.disbursed_vnd, r.remaining_vnd) == (
        800 * M, 110 * M, 30 * M, 690 * M)
    assert r.unpaid_committed_vnd == 80 * M
    assert (r.committed_percent, r.disbursed_percent) == (13.8, 3.8)
    assert [m.month for m in r.months] == list(range(1, 13))  # empty months included
    this = local_today().month
    assert [(m.committed_vnd, m.disbursed_vnd) for m in r.months if m.month == this] == [
        (110 * M, 30 * M)]
    assert all(m.committed_vnd == 0 for m in r.months if m.month != this)
    assert r.months[-1].cumulative_committed_vnd == 110 * M
    assert r.months[-1].cumulative_disbursed_vnd == 30 * M


def test_target_progress(world):
    from grants.queries.budget import items_approved

    r = target_report(_year())
    assert (r.progress.approved_items, r.progress.min_items, r.progress.max_items) == (3, 16, 50)
    assert r.progress.label == "Chưa đạt" and r.progress.shortfall == 13
    kinds = {k.key: (k.approved_items, k.approved_vnd, k.pending_items) for k in r.kinds}
    assert kinds == {"standard": (1, 50 * M, 0), "tool": (1, 20 * M, 1),
                     "model": (1, 40 * M, 0), "method": (0, 0, 1)}
    assert r.approved_vnd == 110 * M and r.pending_items == 2
    assert items_approved(_year().id) == 3  # the dashboard counts the same items
    by_item = {i.key: (i.approved_items, i.approved_vnd, i.pending_items) for i in r.items}
    assert by_item == {"ISO9001": (1, 50 * M, 0), "5S": (1, 20 * M, 0), "LEAN": (1, 40 * M, 0),
                       "SIXSIGMA": (0, 0, 1), "KPI": (0, 0, 1)}


def _demand(row):
    return (row.dossiers, row.items, row.consulting_cost_vnd // M, row.requested_vnd // M,
            row.approved_vnd // M, row.undecided_items, row.undecided_requested_vnd // M)


def test_demand_summary(world):
    r = demand_summary(_year())
    # D1–D5: drafts (D6) and withdrawn dossiers (D7) are not demand.
    assert _demand(r.total) == (5, 7, 450, 210, 110, 2, 40)
    assert [(row.key, *_demand(row)) for row in r.by_item] == [
        ("ISO9001", 1, 1, 120, 50, 50, 0, 0),
        ("HACCP", 1, 1, 100, 45, 0, 0, 0),
        ("LEAN", 1, 1, 80, 40, 40, 0, 0),
        ("SIXSIGMA", 1, 1, 60, 30, 0, 1, 30),
        ("5S", 1, 1, 40, 20, 20, 0, 0),
        ("KAIZEN", 1, 1, 30, 15, 0, 0, 0),
        ("KPI", 1, 1, 20, 10, 0, 1, 10),
    ]
    assert [(row.label, *_demand(row)) for row in r.by_commune] == [
        ("Xã Tiên Du", 3, 4, 230, 110, 40, 1, 10),
        ("Phường Kinh Bắc", 2, 3, 220, 100, 70, 1, 30),
    ]
    assert [(row.key, *_demand(row)) for row in r.by_org_type] == [
        ("enterprise", 3, 5, 350, 160, 70, 1, 30),
        ("cooperative", 2, 2, 100, 50, 40, 1, 10),
        ("union", 0, 0, 0, 0, 0, 0, 0),
    ]


def test_processing(world):
    r = processing_report(_year())
    t = r.on_time
    assert (t.finished, t.on_time, t.late, t.without_due) == (3, 2, 1, 0)
    assert t.rate_percent == 66.7
    assert (r.in_process, r.overdue) == (1, 1)
    d4 = world["dossiers"][3]
    assert [row.code for row in r.overdue_rows] == [d4.code]
    assert r.overdue_rows[0].working_days_late >= 1
    assert r.overdue_rows[0].assignee == world[Role.APPRAISER].full_name
    counts = {s.key: s.count for s in r.steps}
    assert counts == {"reception": 4, "assignment": 4, "appraisal": 3, "review": 3,
                      "decision": 3, "issuing": 0, "return": 0}
    # Every step of the fixture took seconds, far inside its allotment.
    assert all(s.over_allotment == 0 for s in r.steps)
    assert all(s.average_days is None or s.average_days < 0.05 for s in r.steps)
    officers = {(s.officer, s.key): s.count for s in r.officers}
    assert officers == {
        (world[Role.CLERK].full_name, "reception"): 4,
        (world[Role.HEAD].full_name, "assignment"): 4,
        (world[Role.HEAD].full_name, "review"): 3,
        (world[Role.APPRAISER].full_name, "appraisal"): 3,
        (world[Role.LEADER].full_name, "decision"): 3,
    }


def test_year_over_year(world):
    rows = {r.year: r for r in year_over_year()}
    assert list(rows) == [PAST, YEAR]
    past, this = rows[PAST], rows[YEAR]
    assert (past.budget_vnd, past.committed_vnd, past.disbursed_vnd, past.dossiers,
            past.approved_items, past.finished, past.on_time_percent) == (
        500 * M, 25 * M, 0, 1, 1, 1, 100.0)
    assert (this.budget_vnd, this.committed_vnd, this.disbursed_vnd, this.dossiers,
            this.approved_items, this.finished, this.on_time_percent) == (
        800 * M, 110 * M, 30 * M, 5, 3, 3, 66.7)


def test_register_rows(world):
    rows = list(register_rows(_year()))
    # Every filed dossier of the year (D1–D5 and the withdrawn D7), no draft, ordered by code.
    assert [r["code"] for r in rows] == sorted(d.code for d in world["dossiers"][:6])
    assert sum(r["requested_vnd"] for r in rows) == 215 * M
    assert sum(r["approved_vnd"] for r in rows) == 110 * M
    assert sum(r["paid_vnd"] for r in rows) == 30 * M
    d1 = next(r for r in rows if r["code"] == world["dossiers"][0].code)
    assert sorted(d1["items"].split(", ")) == ["5S", "ISO9001"]
    assert d1["status"] == "Được phê duyệt hỗ trợ" and d1["org_type"] == "Doanh nghiệp"
    assert len(list(register_rows())) == 7  # all years: D8 too


def test_missing_year_is_not_found(world):
    with pytest.raises(NotFound, match="Không có năm chương trình 2099"):
        require_year(2099, why=NO_REPORT)


def test_figures_follow_a_change(db, world):
    """The memo is keyed on the data: a new payment shows at once."""
    from grants.services import ledger

    assert budget_execution(_year()).disbursed_vnd == 30 * M
    before = target_report(_year())
    d2 = world["dossiers"][1]
    _act(db, ledger.record_payment, d2, actor=world[Role.FINANCE], amount_vnd=10 * M,
         paid_on=local_today(), voucher_no="PC-02", method="cash")
    assert budget_execution(_year()).disbursed_vnd == 40 * M
    assert year_over_year()[-1].disbursed_vnd == 40 * M
    assert target_report(_year()) == before


# --- Step times: the office-time clock on the audit trail ----------------------------------------


def test_step_times_count_office_hours_and_skip_weekends(db, make_year, make_org, make_user):
    """Hand-made audit trail of one dossier (UTC times; Vietnam = UTC+7), in 2019."""
    from grants.models import AuditEvent, Dossier

    clear_cache()
    year = make_year(year=2019)
    org = make_org()
    clerk, head, leader = make_user(Role.CLERK), make_user(Role.HEAD), make_user(Role.LEADER)
    appraiser = make_user(Role.APPRAISER)
    dossier = Dossier(code="HS-2019-99999", organisation=org, program_year=year,
                      status="returned", channel="counter", return_channel="counter")
    db.session.add(dossier)
    db.session.flush()
    trail = [  # (local time, from, to, actor)
        (datetime(2019, 3, 4, 8, 0), None, "draft", clerk),              # Monday
        (datetime(2019, 3, 4, 9, 0), "draft", "submitted", clerk),
        (datetime(2019, 3, 4, 13, 0), "submitted", "received", clerk),   # reception 0.375
        (datetime(2019, 3, 5, 9, 0), "received", "assigned", head),      # assignment 0.625
        (datetime(2019, 3, 6, 10, 0), "assigned", "assigned", appraiser),  # a visit: ignored
        (datetime(2019, 3, 11, 9, 0), "assigned", "appraised", appraiser),  # appraisal 4 (weekend)
        (datetime(2019, 3, 11, 17, 0), "appraised", "reviewed", head),   # review 0.875
        (datetime(2019, 3, 16, 10, 0), "reviewed", "approved", leader),  # decision 4 (to Sat)
        (datetime(2019, 3, 18, 8, 30), "approved", "issued", leader),    # issuing 0.0625
        (datetime(2019, 3, 18, 12, 30), "issued", "returned", clerk),    # return 0.4375
    ]
    for local, before, after, actor in trail:
        db.session.add(AuditEvent(at=local - timedelta(hours=7), actor_id=actor.id,
                                  action="dossier.test", object_type="Dossier",
                                  object_id=dossier.id, dossier_id=dossier.id,
                                  from_status=before, to_status=after))
    db.session.commit()
    steps, officers = step_times(year)
    got = {s.key: (s.count, s.average_days, s.over_allotment) for s in steps}
    expected = {"reception": (1, 0.375, 0), "assignment": (1, 0.625, 1),
                "appraisal": (1, 4.0, 0), "review": (1, 0.875, 0), "decision": (1, 4.0, 1),
                "issuing": (1, 0.0625, 0), "return": (1, 0.4375, 0)}
    for key, (count, average, over) in expected.items():
        assert got[key][0] == count and got[key][2] == over, key
        assert got[key][1] == pytest.approx(average, abs=0.006), key
    assert {(s.officer, s.key) for s in officers} == {
        (clerk.full_name, "reception"), (head.full_name, "assignment"),
        (appraiser.full_name, "appraisal"), (head.full_name, "review"),
        (leader.full_name, "decision"), (leader.full_name, "issuing"),
        (clerk.full_name, "return")}


# --- The same numbers on the pages, in the Excel files and over the API --------------------------


def _text(html: bytes, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html.decode())
    assert match, element_id
    return match.group(1).strip()


def _cells(html: bytes, table_id: str) -> list[list[str]]:
    body = html.decode()
    table = body[body.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>",
                                                                     row, re.S)] for row in rows]


@pytest.fixture
def leader_client(client, login, world):
    login(world[Role.LEADER])
    return client


def _sheet(response, name):
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    data = response.data
    response.close()  # the register is sent from a temporary file
    return load_workbook(io.BytesIO(data))[name]


def test_budget_page_excel_and_api(leader_client, world, db):
    html = leader_client.get(f"/reports/{YEAR}/budget").data
    assert _text(html, "budget-vnd") == "800.000.000 đ"
    assert _text(html, "committed-vnd") == "110.000.000 đ"
    assert _text(html, "disbursed-vnd") == "30.000.000 đ"
    assert _text(html, "remaining-vnd") == "690.000.000 đ"
    assert "13,8 %" in html.decode()
    month = f"{local_today().month:02d}/{YEAR}"
    assert [month, "110.000.000 đ", "30.000.000 đ", "110.000.000 đ", "30.000.000 đ"] in \
        _cells(html, "months")

    ws = _sheet(export_via_job(leader_client, "budget_report", YEAR), "Tổng hợp")
    assert f"NĂM {YEAR}" in ws["A1"].value and "Xuất lúc" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["Chỉ tiêu", "Số tiền (đồng)", "Tỷ lệ so với kinh phí"]
    assert [ws.cell(r, 2).value for r in range(4, 9)] == [800 * M, 110 * M, 30 * M, 690 * M,
                                                          80 * M]
    assert ws["B5"].number_format == "#,##0"
    assert ws["C5"].value == pytest.approx(0.1375)
    months = _sheet(export_via_job(leader_client, "budget_report", YEAR), "Theo tháng")
    rows = {months.cell(r, 1).value: (months.cell(r, 2).value, months.cell(r, 3).value)
            for r in range(4, months.max_row + 1)}
    assert rows[month] == (110 * M, 30 * M) and rows["Cả năm"] == (110 * M, 30 * M)

    from grants.services.accounts import issue_api_token

    token = issue_api_token(world[Role.LEADER])
    db.session.commit()
    body = leader_client.get(f"/api/v1/programs/{YEAR}",
                             headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (body["budget_vnd"], body["committed_vnd"], body["disbursed_vnd"],
            body["remaining_vnd"], body["items_approved"]) == (800 * M, 110 * M, 30 * M,
                                                               690 * M, 3)


def test_target_page_and_excel(leader_client):
    html = leader_client.get(f"/reports/{YEAR}/targets").data
    assert _text(html, "approved-items") == "3"
    assert _text(html, "target-status") == "Chưa đạt"
    assert _text(html, "shortfall") == "13"
    assert _text(html, "pending-items") == "2"
    kinds = _cells(html, "kinds")
    assert ["Tiêu chuẩn", "1", "50.000.000 đ", "0"] in kinds
    assert ["Công cụ", "1", "20.000.000 đ", "1"] in kinds
    assert ["Tổng cộng", "3", "110.000.000 đ", "2"] in kinds

    ws = _sheet(export_via_job(leader_client, "target_report", YEAR), "Theo loại")
    data = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in (2, 3, 4)]
            for r in range(4, ws.max_row + 1)}
    assert data == {"Tiêu chuẩn": [1, 50 * M, 0], "Công cụ": [1, 20 * M, 1],
                    "Mô hình": [1, 40 * M, 0], "Phương pháp quản lý": [0, 0, 1],
                    "Tổng cộng": [3, 110 * M, 2]}
    assert "16–50" in ws["A2"].value


def test_demand_page_and_excel(leader_client):
    html = leader_client.get(f"/reports/{YEAR}/demand").data
    assert _text(html, "total-dossiers") == "5"
    assert _text(html, "total-items") == "7"
    assert _text(html, "total-requested") == "210.000.000 đ"
    assert _text(html, "total-approved") == "110.000.000 đ"
    communes = _cells(html, "by-commune")
    assert ["Xã Tiên Du", "3", "4", "230.000.000 đ", "110.000.000 đ", "40.000.000 đ", "1",
            "10.000.000 đ"] in communes

    book = load_workbook(io.BytesIO(export_via_job(leader_client, "demand_report", YEAR).data))
    assert book.sheetnames == ["Theo danh mục", "Theo xã, phường", "Theo loại hình"]
    ws = book["Theo danh mục"]
    assert ws["A1"].value == f"TỔNG HỢP NHU CẦU HỖ TRỢ NĂM {YEAR}"
    rows = [[ws.cell(r, c).value for c in range(1, 10)] for r in range(4, ws.max_row + 1)]
    assert rows[0] == ["ISO9001", rows[0][1], 1, 1, 120 * M, 50 * M, 50 * M, 0, 0]
    assert rows[-1][1:] == ["Tổng cộng", 5, 7, 450 * M, 210 * M, 110 * M, 2, 40 * M]
    types = book["Theo loại hình"]
    assert [types.cell(r, 1).value for r in range(4, 8)] == [
        "Doanh nghiệp", "Hợp tác xã", "Liên hiệp hợp tác xã", "Tổng cộng"]
    assert [types.cell(4, c).value for c in range(2, 9)] == [3, 5, 350 * M, 160 * M, 70 * M, 1,
                                                             30 * M]


def test_processing_page_and_excel(leader_client, world):
    html = leader_client.get(f"/reports/{YEAR}/processing").data
    assert _text(html, "on-time-rate") == "66,7 %"
    assert _text(html, "finished") == "3"
    assert _text(html, "late") == "1"
    assert _text(html, "in-process") == "1"
    assert _text(html, "overdue") == "1"
    d4 = world["dossiers"][3]
    assert d4.code in html.decode()

    book = load_workbook(io.BytesIO(export_via_job(leader_client, "processing_report", YEAR).data))
    ws = book["Đúng hạn"]
    assert [ws.cell(r, 2).value for r in range(4, 10)] == [3, 2, 1, 0, 1, 1]
    assert ws["C5"].value == pytest.approx(2 / 3)
    steps = book["Theo bước"]
    assert [steps.cell(r, 3).value for r in range(4, 11)] == [4, 4, 3, 3, 3, 0, 0]
    averages = [steps.cell(r, 4) for r in range(4, 11)]  # working days, as numbers
    assert all(isinstance(c.value, int | float) for c in averages[:5])
    assert [c.value for c in averages[5:]] == [None, None]
    assert averages[0].number_format == "#,##0.00"
    overdue = book["Hồ sơ quá hạn"]
    assert overdue["A4"].value == d4.code and overdue.max_row == 4
    assert overdue["E4"].is_date and overdue["E4"].number_format == "dd/mm/yyyy"


def test_year_over_year_page_and_excel(leader_client):
    html = leader_client.get("/reports/years").data
    rows = _cells(html, "years")
    assert [str(PAST), "500.000.000 đ", "25.000.000 đ", "0 đ", "1", "1", "1", "100 %"] in rows
    assert [str(YEAR), "800.000.000 đ", "110.000.000 đ", "30.000.000 đ", "5", "3", "3",
            "66,7 %"] in rows
    ws = _sheet(export_via_job(leader_client, "years_report"), "Qua các năm")
    assert [ws.cell(5, c).value for c in range(1, 10)][:8] == [
        str(YEAR), 800 * M, 110 * M, pytest.approx(0.1375), 30 * M, 5, 3, 3]


def test_register_excel(leader_client, world):
    ws = _sheet(export_via_job(leader_client, "register", YEAR), "Sổ hồ sơ")
    headers = [c.value for c in ws[3]]
    assert headers[:3] == ["Mã hồ sơ", "Tổ chức", "Mã số thuế"]
    codes = [ws.cell(r, 1).value for r in range(4, ws.max_row)]
    assert codes == sorted(d.code for d in world["dossiers"][:6])
    total = ws.max_row
    assert ws.cell(total, 1).value == "Tổng cộng"
    # The totals are SUM formulas over the data rows (Excel computes them on opening).
    assert [ws.cell(total, c).value for c in (14, 15, 16)] == [
        f"=SUM({letter}4:{letter}{total - 1})" for letter in "NOP"]
    assert [sum(ws.cell(r, c).value or 0 for r in range(4, total)) for c in (14, 15, 16)] == [
        215 * M, 110 * M, 30 * M]
    first = 4 + codes.index(world["dossiers"][0].code)
    assert ws.cell(first, 6).value == str(YEAR)
    assert ws.cell(first, 10).is_date  # received
    assert ws.cell(first, 14).number_format == "#,##0"
    everything = _sheet(export_via_job(leader_client, "register"), "Sổ hồ sơ")
    assert everything.max_row == 3 + 7 + 1


def test_missing_year_pages_are_404_with_a_message(leader_client):
    for url in ("/reports/2099/budget", "/reports/2099/demand",
                "/reports/2099/processing", "/reports/2099/charts/months.svg",
                "/reports/?year=2099"):
        response = leader_client.get(url)
        assert response.status_code == 404, url
        assert "Không có năm chương trình 2099" in response.data.decode(), url


def test_charts_are_svg_images(leader_client):
    for name in ("overview", "months", "target", "kinds", "items", "communes", "types",
                 "on-time", "steps"):
        response = leader_client.get(f"/reports/{YEAR}/charts/{name}.svg")
        assert response.status_code == 200, name
        assert response.mimetype == "image/svg+xml"
        assert response.data.lstrip().startswith(b"<?xml") and b"<script" not in response.data
        again = leader_client.get(f"/reports/{YEAR}/charts/{name}.svg",
                                  headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, name
    for name in ("money", "on-time"):
        assert leader_client.get(f"/reports/years/charts/{name}.svg").status_code == 200
