"""The annual report on implementing the resolution (issue 14 point 11): its figures equal the
report pages' on the fixed data set of test_reports, the officers' text is saved per period by
the leadership or the division only (errors on the form, nothing written, audited), and the PDF
and the .docx carry the figures and the text."""

import io
import re
import subprocess

import pytest
from docx import Document as WordDocument

from grants.domain.annual_report import (
    AnnualReport,
    ReasonRow,
    check_period,
    default_texts,
    outline,
)
from grants.domain.errors import InvalidInput
from grants.domain.roles import Role
from grants.models import AnnualReportText, AuditEvent
from grants.queries.reports.annual import _grouped, annual_figures
from grants.queries.reports.budget_execution import budget_execution
from grants.queries.reports.cache import clear_cache
from grants.queries.reports.demand import demand_summary
from grants.queries.reports.processing import processing_report
from grants.queries.reports.targets import target_report
from grants.queries.years import require_year
from tests.integration import test_reports as reports_tests
from tests.integration.test_reports import PAST, YEAR, M, _cells, _text

# The fixed data set of the report tests, and its leader signed in (fixtures).
world = reports_tests.world
leader_client = reports_tests.leader_client


def _figures(first=YEAR, last=YEAR):
    return annual_figures(first, last, cache_seconds=0)


# --- The figures are the report pages' figures --------------------------------------------------


def test_a_year_has_the_figures_of_the_report_pages(world):
    year = require_year(YEAR)
    f = _figures()
    [y] = f.years
    money, targets = budget_execution(year), target_report(year, cache_seconds=0)
    demand = demand_summary(year, cache_seconds=0)
    timing = processing_report(year, page=None, cache_seconds=0).on_time
    assert (y.budget_vnd, y.committed_vnd, y.disbursed_vnd, y.remaining_vnd) == (
        money.budget_vnd, money.committed_vnd, money.disbursed_vnd, money.remaining_vnd)
    assert (y.approved_items, y.approved_vnd) == (targets.progress.approved_items,
                                                  targets.approved_vnd)
    assert y.filed == demand.total.dossiers
    assert (y.on_time, y.late, y.without_due, y.on_time_percent) == (
        timing.on_time, timing.late, timing.without_due, timing.rate_percent)
    assert [(k.key, k.approved_items, k.approved_vnd) for k in f.kinds] == [
        (k.key, k.approved_items, k.approved_vnd) for k in targets.kinds]
    assert [(c.commune, c.dossiers, c.items, c.requested_vnd, c.approved_vnd)
            for c in f.communes] == sorted(
        ((c.label, c.dossiers, c.items, c.requested_vnd, c.approved_vnd)
         for c in demand.by_commune), key=lambda r: (-r[4], -r[3], r[0]))
    # And by hand: D1–D5 filed, D1–D4 received, D1 and D2 approved, D3 rejected, D4 and D5 open.
    assert (y.filed, y.received, y.refused, y.approved, y.rejected, y.undecided) == (
        5, 4, 0, 2, 1, 2)
    assert (y.budget_vnd, y.committed_vnd, y.disbursed_vnd) == (800 * M, 110 * M, 30 * M)
    assert (y.approved_items, y.approved_vnd, y.on_time, y.late) == (3, 110 * M, 2, 1)
    assert f.rejection_reasons == (ReasonRow("Chưa áp dụng hiệu quả", 1),)
    assert f.refusal_reasons == ()
    assert [e.year for e in f.earlier] == [PAST]  # compared with the earlier years


def test_a_range_adds_up_its_years(world):
    f = _figures(PAST, YEAR)
    assert [y.year for y in f.years] == [PAST, YEAR] and f.earlier == ()
    t = f.total
    assert (t.filed, t.approved, t.approved_items, t.budget_vnd, t.committed_vnd,
            t.disbursed_vnd, t.on_time, t.late) == (6, 3, 4, 1300 * M, 135 * M, 30 * M, 3, 1)
    assert (t.target_min, t.target_max) == (32, 100)
    assert sum(k.approved_items for k in f.kinds) == 4
    assert sum(k.approved_vnd for k in f.kinds) == 135 * M
    assert sum(c.dossiers for c in f.communes) == 6
    assert f.period == f"giai đoạn {PAST} - {YEAR}"


def test_reasons_are_grouped_whatever_the_spelling():
    rows = _grouped([["Thiếu hồ sơ.", "Chưa áp dụng"], ["thiếu  hồ sơ", "Thiếu hồ sơ"],
                     ["Chưa áp dụng"], ["  "]])
    assert rows == (ReasonRow("Chưa áp dụng", 2), ReasonRow("Thiếu hồ sơ.", 2))


@pytest.mark.parametrize(("first", "last"), [(2026, 2025), (2020, 2030)])
def test_a_reversed_or_too_long_period_is_refused(first, last):
    with pytest.raises(InvalidInput) as err:
        check_period(first, last)
    assert err.value.field == "last"


def test_the_outline_reads_its_figures_and_texts(world):
    report = AnnualReport(_figures(), default_texts(YEAR, YEAR))
    blocks = {b.key: b for b in outline(report) if b.kind == "table"}
    assert blocks["budget"].rows == ((str(YEAR), "800.000.000", "110.000.000", "30.000.000",
                                      "690.000.000"),)
    assert blocks["dossiers"].rows[0] == (str(YEAR), "5", "4", "0", "2", "1", "2", "66,7 %")
    assert blocks["targets"].rows[0] == (str(YEAR), "16 - 50", "3", "Chưa đạt", "800.000.000",
                                         "3,8 %")
    assert [r[0] for r in blocks["years"].rows] == [str(PAST), str(YEAR)]
    assert blocks["rejection-reasons"].rows == (("1", "Chưa áp dụng hiệu quả", "1"),)


# --- The page shows what the other report pages show -------------------------------------------


def test_the_page_shows_the_report_pages_numbers(leader_client):
    page = leader_client.get(f"/reports/{YEAR}/annual").data
    budget = leader_client.get(f"/reports/{YEAR}/budget").data
    targets = leader_client.get(f"/reports/{YEAR}/targets").data
    processing = leader_client.get(f"/reports/{YEAR}/processing").data
    money = _cells(page, "annual-budget")[1]
    assert [f"{v} đ" for v in money[1:]] == [_text(budget, k) for k in (
        "budget-vnd", "committed-vnd", "disbursed-vnd", "remaining-vnd")]
    assert _cells(page, "annual-targets")[1][2] == _text(targets, "approved-items")
    assert _cells(page, "annual-dossiers")[1][-1] == _text(processing, "on-time-rate")
    kinds = {row[0]: row[1:] for row in _cells(page, "annual-kinds")[1:]}
    assert kinds["Công cụ"] == ["1", "20.000.000"]
    assert kinds["Tổng cộng"] == ["3", "110.000.000"]
    html = page.decode()
    assert "Chưa áp dụng hiệu quả" in html and 'id="annual-pdf"' in html
    index = leader_client.get("/reports/").data.decode()
    assert f'href="/reports/{YEAR}/annual"' in index and "Báo cáo NQ 43" in index


def test_a_range_from_the_period_picker(leader_client):
    response = leader_client.get(f"/reports/annual?year={PAST}&to={YEAR}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/{PAST}/annual?to={YEAR}")
    page = leader_client.get(response.headers["Location"]).data.decode()
    assert f"giai đoạn {PAST} - {YEAR}" in page
    assert leader_client.get(f"/reports/{YEAR}/annual?to={PAST}").status_code == 422
    assert leader_client.get("/reports/1999/annual").status_code == 404


# --- The officers' text --------------------------------------------------------------------------


def _post(client, url=f"/reports/{YEAR}/annual/text", **values):
    data = {"introduction": "Mở đầu của báo cáo.", "assessment": "Đánh giá chung.",
            "proposals": "Đề xuất kiến nghị.", "expected_version": ""}
    data.update(values)
    return client.post(url, data=data)


def _nothing_written(db):
    assert db.session.query(AnnualReportText).count() == 0
    assert db.session.query(AuditEvent).filter_by(action="annual_report.write").count() == 0


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"introduction": "   "}, "introduction", "Nhập nội dung phần mở đầu."),
    ({"assessment": ""}, "assessment", "Nhập nội dung đánh giá chung."),
    ({"proposals": "x" * 20_001}, "proposals", "Tối đa 20.000 ký tự."),
])
def test_the_form_shows_each_error_beside_its_field(leader_client, db, values, field, message):
    response = _post(leader_client, **values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}"[^>]*is-invalid|is-invalid[^>]*id="{field}"', html)
    assert message in html
    if field != "proposals":
        assert "Đề xuất kiến nghị." in html  # what was typed is shown again
    _nothing_written(db)


def test_the_leader_saves_the_text_audited_and_printed(leader_client, db, world):
    response = _post(leader_client, introduction="Mở đầu riêng\r\nĐoạn thứ hai")
    assert response.status_code == 302
    row = db.session.query(AnnualReportText).one()
    assert (row.first_year, row.last_year, row.introduction) == (YEAR, YEAR,
                                                                 "Mở đầu riêng\nĐoạn thứ hai")
    event = db.session.query(AuditEvent).filter_by(action="annual_report.write").one()
    assert event.actor_id == world[Role.LEADER].id and "Mở đầu riêng" in event.after_json
    page = leader_client.get(f"/reports/{YEAR}/annual").get_data(as_text=True)
    assert "<p>Đoạn thứ hai</p>" in page

    # A second officer's form made before that save is refused, not written over.
    stale = _post(leader_client, assessment="Viết đè", expected_version="")
    assert stale.status_code == 409 and "vừa được người khác lưu" in stale.get_data(as_text=True)
    assert _post(leader_client, assessment="Sửa lần hai",
                 expected_version=str(row.version)).status_code == 302
    db.session.expire_all()
    assert db.session.query(AnnualReportText).one().assessment == "Sửa lần hai"
    assert db.session.query(AuditEvent).filter_by(action="annual_report.write").count() == 2
    # A range has its own text.
    assert _post(leader_client, url=f"/reports/{PAST}/annual/text?to={YEAR}").status_code == 302
    assert db.session.query(AnnualReportText).count() == 2


def test_the_head_may_write_finance_and_admin_only_read(client, login, world, db, make_user):
    login(world[Role.HEAD])
    assert _post(client).status_code == 302
    for role in (Role.FINANCE, Role.ADMIN):
        login(make_user(role))
        page = client.get(f"/reports/{YEAR}/annual")
        assert page.status_code == 200 and 'name="introduction"' not in page.get_data(as_text=True)
        assert _post(client, proposals="Không được lưu").status_code == 403
    assert db.session.query(AnnualReportText).one().proposals == "Đề xuất kiến nghị."


# --- The papers ---------------------------------------------------------------------------------


def test_the_pdf_carries_the_figures_and_the_text(leader_client, tmp_path):
    _post(leader_client, proposals="Đề nghị bổ sung kinh phí năm sau.")
    response = leader_client.get(f"/reports/{YEAR}/annual.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    flat = " ".join(text.split())
    assert "BÁO CÁO" in text and "/BC-SKHCN" in text
    assert f"Kết quả thực hiện Nghị quyết số 43/2022/NQ-HĐND năm {YEAR}" in flat
    # (the draft mark's letters fall between cells in the extracted layout)
    assert re.search(rf"{YEAR}\s+800\.000\.000\s+110\.000\.000\s", text)
    assert "30.000.000" in text and "690.000.000" in text
    assert "Chưa áp dụng hiệu quả" in flat and "66,7 %" in flat
    assert "Đề nghị bổ sung kinh phí năm sau." in flat and "Mở đầu của báo cáo." in flat
    assert "Nơi nhận:" in text


def test_the_docx_carries_the_figures_and_the_text(leader_client):
    _post(leader_client, assessment="Chính sách đi vào cuộc sống.")
    response = leader_client.get(f"/reports/{YEAR}/annual.docx?to={YEAR}")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "bao-cao-ket-qua-nq43-" in response.headers["Content-Disposition"]
    doc = WordDocument(io.BytesIO(response.data))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in paragraphs and f"năm {YEAR}" in paragraphs
    assert "Chính sách đi vào cuộc sống." in paragraphs and "V. ĐÁNH GIÁ CHUNG" in paragraphs
    assert doc.styles["Normal"].font.name == "Times New Roman"
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    assert [str(YEAR), "800.000.000", "110.000.000", "30.000.000", "690.000.000"] in [
        row for t in tables for row in t]
    assert ["1", "Chưa áp dụng hiệu quả", "1"] in [row for t in tables for row in t]


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


# --- The service on its own (the API-less callers: CLI, jobs) ----------------------------------


def test_the_service_checks_role_and_text_and_writes_nothing_when_refused(db, world, make_user):
    from grants.domain.errors import Forbidden
    from grants.services.annual_report import save_texts

    good = {"introduction": "a", "assessment": "b", "proposals": "c"}
    with pytest.raises(Forbidden):
        save_texts(YEAR, YEAR, actor=make_user(Role.FINANCE), values=good)
    with pytest.raises(InvalidInput) as err:
        save_texts(YEAR, YEAR, actor=world[Role.HEAD], values={**good, "proposals": " \n "})
    assert err.value.field == "proposals"
    with pytest.raises(InvalidInput) as err:
        save_texts(YEAR, YEAR - 1, actor=world[Role.HEAD], values=good)
    assert err.value.field == "last"
    db.session.rollback()
    _nothing_written(db)
    row = save_texts(YEAR, YEAR, actor=world[Role.HEAD], values=good)
    assert save_texts(YEAR, YEAR, actor=world[Role.HEAD], values=good,
                      expected_version=row.version) is row  # unchanged: nothing audited
    db.session.commit()
    assert db.session.query(AuditEvent).filter_by(action="annual_report.write").count() == 1


def test_until_saved_the_report_uses_the_default_text(leader_client):
    page = leader_client.get(f"/reports/{YEAR}/annual").get_data(as_text=True)
    assert default_texts(YEAR, YEAR).introduction in page
    assert "Đang dùng nội dung mặc định." in page


def test_refusals_at_the_desk_are_counted_with_their_reasons(db, world):
    from grants.services import dossiers as svc
    from grants.services.dossiers import ItemInput
    from tests.walk import act

    clerk = world[Role.CLERK]
    for org, code, reason in ((world["orgs"][0], "KAIZEN", "Không thuộc đối tượng hỗ trợ."),
                              (world["orgs"][1], "HACCP", "không thuộc  đối tượng hỗ trợ")):
        d = act(db, svc.create_draft, org, world["years"][YEAR], actor=clerk, channel="counter",
                items=[ItemInput(code, 20 * M, 10 * M)])
        act(db, svc.submit, d, actor=clerk)
        act(db, svc.refuse, d, actor=clerk, reason=reason)
    f = _figures()
    assert (f.total.filed, f.total.received, f.total.refused) == (7, 4, 2)
    assert f.refusal_reasons == (ReasonRow("Không thuộc đối tượng hỗ trợ.", 2),)
    blocks = {b.key: b for b in outline(AnnualReport(f, default_texts(YEAR, YEAR)))}
    assert blocks["refusal-reasons"].rows == (("1", "Không thuộc đối tượng hỗ trợ.", "2"),)
