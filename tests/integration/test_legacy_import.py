"""Legacy-dossier import: the template, the dry run's problems by row and column, an import that
is all or nothing, and a re-import that adds nothing."""

import io
import json
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from grants.domain.roles import Role
from grants.queries.reports.cache import clear_cache
from grants.queries.reports.demand import demand_summary
from grants.queries.reports.processing import processing_report
from grants.services import legacy_import as imp
from tests.walk import act

M = 1_000_000
HEADERS = [c.header for c in imp.COLUMNS]
# tax code, name, type, commune, year, code, cost, requested, approved, state, decision, date
GOOD = [
    ["0101234567", "Công ty TNHH Cơ khí Cũ", "DN", "Phường Kinh Bắc", 2024, "ISO9001",
     "120.000.000", 50 * M, 50 * M, "Đã trả kết quả", "12/QĐ-SKHCN", date(2024, 5, 15)],
    ["0101234567", "Công ty TNHH Cơ khí Cũ", "DN", "Phường Kinh Bắc", "2024", "5s",
     40 * M, 20 * M, "20.000.000", "returned", "12/QĐ-SKHCN", date(2024, 5, 15)],
    ["0107654321", "Hợp tác xã Rau Cũ", "Hợp tác xã", "Xã Tiên Du", 2024, "HACCP",
     100 * M, 45 * M, None, "Không được hỗ trợ", "13/QĐ-SKHCN", "20/06/2024"],
    ["0109876543", "Công ty CP Dệt Cũ", "enterprise", None, 2024, "KAIZEN",
     30 * M, 15 * M, None, "Đang thẩm định", None, None],
]


def _xlsx(rows, headers=HEADERS, *, before=()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Dữ liệu"
    for row in before:
        ws.append(row)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def setup(db, make_year, make_user):
    from grants.demo.reference import CATALOGUE
    from grants.models import CatalogueItem

    clear_cache()
    db.session.add_all(CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE)
    db.session.commit()
    year = make_year(year=2024, budget_vnd=100 * M)
    return {"year": year, "admin": make_user(Role.ADMIN)}


def _import(db, content, admin, name="du-lieu-cu.xlsx"):
    return act(db, imp.import_file, content, actor=admin, file_name=name)


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _problems(report):
    return [(p.row, (p.column or "").split(" ")[0], p.message) for p in report.problems]


# --- Template ------------------------------------------------------------------------------------


def test_template_has_the_headers_and_a_guide(setup):
    book = load_workbook(io.BytesIO(imp.template_xlsx()))
    assert book.sheetnames == ["Dữ liệu", "Hướng dẫn"]
    data = book["Dữ liệu"]
    assert [c.value for c in data[3]] == HEADERS
    guide = [row[1] for row in book["Hướng dẫn"].iter_rows(min_row=4, values_only=True)]
    assert any("Đã trả kết quả" in (text or "") for text in guide)
    assert any("ISO 9001" in (text or "") for text in guide)


def test_filled_template_passes_the_dry_run(setup):
    book = load_workbook(io.BytesIO(imp.template_xlsx()))
    ws = book["Dữ liệu"]
    for offset, row in enumerate(GOOD):
        for col, value in enumerate(row, 1):
            ws.cell(4 + offset, col, value)
    buffer = io.BytesIO()
    book.save(buffer)
    report = imp.dry_run(buffer.getvalue(), file_name="mau.xlsx")
    assert report.problems == []
    assert [r.row for r in report.rows] == [4, 5, 6, 7]
    assert (len(report.new_rows), report.new_dossiers, report.new_approved_vnd) == (4, 3, 70 * M)


# --- Import and re-import ------------------------------------------------------------------------


def test_import_creates_dossiers_decisions_and_commitments(db, setup):
    from grants.models import AuditEvent, Decision, Dossier, LedgerEntry, Organisation

    content = _xlsx(GOOD)
    dry = imp.dry_run(content)
    assert dry.ok and dry.warnings == []
    assert _count(db, Dossier) == 0  # the dry run wrote nothing

    report = _import(db, content, setup["admin"])
    assert report.created_codes == ["HS-2024-00001", "HS-2024-00002", "HS-2024-00003"]
    dossiers = {d.code: d for d in db.session.scalars(select(Dossier))}
    first, second, third = (dossiers[c] for c in report.created_codes)
    assert (first.status, first.outcome, first.approved_vnd) == ("returned", "approved", 70 * M)
    assert sorted((i.catalogue_item.code, i.requested_vnd, i.approved_vnd)
                  for i in first.items) == [("5S", 20 * M, 20 * M), ("ISO9001", 50 * M, 50 * M)]
    assert first.organisation.org_type == "enterprise"
    assert first.organisation.commune == "Phường Kinh Bắc"
    assert (second.status, second.outcome, second.approved_vnd) == ("rejected", "rejected", 0)
    assert (third.status, third.outcome, third.due_at) == ("assigned", None, None)
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == first.id))
    assert decision.total_vnd == 70 * M and "12/QĐ-SKHCN" in decision.note
    assert decision.decided_at.date() == date(2024, 5, 15)
    rejection = db.session.scalar(select(Decision).where(Decision.dossier_id == second.id))
    assert rejection.outcome == "rejected" and "13/QĐ-SKHCN" in json.loads(
        rejection.reasons_json)[0]
    assert [(e.kind, e.amount_vnd) for e in db.session.scalars(select(LedgerEntry))] == [
        ("commitment", 70 * M)]
    db.session.refresh(setup["year"])
    assert setup["year"].committed_vnd == 70 * M
    assert _count(db, Organisation) == 3
    actions = dict(db.session.execute(select(AuditEvent.action, func.count())
                                      .group_by(AuditEvent.action)).all())
    assert actions[imp.IMPORT_ACTION] == 3 and actions[imp.RUN_ACTION] == 1
    assert actions["organisation.create"] == 3
    # The reports see them; without a due date they stay out of the on-time rate.
    on_time = processing_report(setup["year"], page=None).on_time
    assert (on_time.finished, on_time.without_due, on_time.rate_percent) == (2, 2, None)
    assert demand_summary(setup["year"]).total.requested_vnd == 130 * M


def test_reimporting_the_same_file_adds_nothing(db, setup):
    from grants.models import Dossier, LedgerEntry

    content = _xlsx(GOOD)
    _import(db, content, setup["admin"])
    again = imp.dry_run(content)
    assert again.ok and again.new_rows == []
    assert [r.outcome_label for r in again.rows][:2] == ["Đã nhập trước đây (HS-2024-00001)"] * 2
    report = _import(db, content, setup["admin"])
    assert report.created_codes == []
    assert _count(db, Dossier) == 3 and _count(db, LedgerEntry) == 1
    db.session.refresh(setup["year"])
    assert setup["year"].committed_vnd == 70 * M


def test_a_new_item_for_an_imported_dossier_is_refused(db, setup):
    _import(db, _xlsx(GOOD), setup["admin"])
    extra = [*GOOD[0][:5], "KPI", 10 * M, 5 * M, 5 * M, *GOOD[0][9:]]
    report = imp.dry_run(_xlsx([GOOD[0], extra]))
    assert [(p.row, p.message[:40]) for p in report.problems] == [
        (3, "Hồ sơ này đã được nhập trước đây (HS-202")]


# --- All or nothing ------------------------------------------------------------------------------


def test_one_bad_row_imports_nothing(db, setup):
    from grants.models import AuditEvent, Counter, Dossier

    bad = [*GOOD[3][:5], "ISO99999", *GOOD[3][6:]]
    content = _xlsx([*GOOD, bad])
    with pytest.raises(imp.ImportRejected) as caught:
        _import(db, content, setup["admin"])
    assert _problems(caught.value.report) == [
        (6, "F", "Mã danh mục «ISO99999» không có trong danh mục của hệ thống.")]
    assert _count(db, Dossier) == 0 and _count(db, AuditEvent) == 0
    assert _count(db, Counter) == 0  # no dossier number was taken
    assert [r.outcome for r in caught.value.report.rows] == ["new", "new", "new", "new",
                                                             "error"]
    # Once fixed, the numbering starts where it would have.
    report = _import(db, _xlsx(GOOD), setup["admin"])
    assert report.created_codes[0] == "HS-2024-00001"


def test_budget_overrun_is_a_problem_of_the_dry_run(db, setup):
    from grants.models import Dossier

    over = ["0105555555", "Công ty TNHH Vượt", "DN", None, 2024, "ISO14001", 90 * M, 45 * M,
            45 * M, "Được phê duyệt hỗ trợ", "14/QĐ-SKHCN", date(2024, 7, 1)]
    report = imp.dry_run(_xlsx([*GOOD, over]))
    assert [(p.row, p.message) for p in report.problems] == [
        (6, "Vượt ngân sách năm 2024: hồ sơ cần cam kết 45.000.000 đ nhưng chỉ còn "
            "30.000.000 đ (sau các dòng phía trên).")]
    with pytest.raises(imp.ImportRejected):
        _import(db, _xlsx([*GOOD, over]), setup["admin"])
    assert _count(db, Dossier) == 0


# --- Bad input, each reported by row and column ---------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b"", "Tệp rỗng"),
    (b"ma so thue;ten\n0101234567;Cong ty\n", "không phải là tệp Excel .xlsx"),
    ("renamed", "Không đọc được tệp"),
])
def test_a_file_that_is_not_an_xlsx(setup, content, message):
    if content == "renamed":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
        content = buffer.getvalue()
    report = imp.dry_run(content)
    assert not report.ok and report.problems[0].row is None
    assert message in report.problems[0].message


def test_missing_columns(setup):
    headers = HEADERS[:10]
    report = imp.dry_run(_xlsx([row[:10] for row in GOOD], headers))
    assert [(p.row, p.message) for p in report.problems] == [
        (1, "Thiếu cột: «Số quyết định», «Ngày quyết định».")]


def test_no_header_row(setup):
    report = imp.dry_run(_xlsx([["a", "b"]], ["x", "y", "z"]))
    assert "Không tìm thấy dòng tiêu đề" in report.problems[0].message


def test_headers_may_sit_below_a_title(setup):
    report = imp.dry_run(_xlsx(GOOD, before=[["DANH SÁCH HỒ SƠ 2024"], []]))
    assert report.ok and [r.row for r in report.rows] == [4, 5, 6, 7]


def test_past_dossiers_never_go_to_a_registration_still_pending(db, setup):
    """Anyone can register on the portal with a company's tax code (a pending claim); the
    import must not hand that company's past dossiers to it (a reviewer's finding)."""
    from grants.models import Dossier, Organisation

    impostor = Organisation(name="Công ty Mạo Danh", org_type="enterprise",
                            tax_code="0101234567", verification="pending")
    db.session.add(impostor)
    db.session.commit()
    report = _import(db, _xlsx(GOOD[:2]), setup["admin"])
    dossier = db.session.scalar(select(Dossier).where(Dossier.code == report.created_codes[0]))
    assert dossier.organisation_id != impostor.id
    assert (dossier.organisation.name, dossier.organisation.verification) == (
        "Công ty TNHH Cơ khí Cũ", "verified")
    assert _count(db, Dossier, Dossier.organisation_id == impostor.id) == 0


def _row(**changes):
    row = list(GOOD[2])
    for key, value in changes.items():
        row[[c.key for c in imp.COLUMNS].index(key)] = value
    return row


@pytest.mark.parametrize("changes, column, text", [
    ({"tax_code": "12345"}, "A", "Mã số thuế không hợp lệ"),
    ({"tax_code": 107654321}, "A", "bỏ chữ số 0 ở đầu"),
    ({"org_type": "Công ty"}, "C", "Loại hình «Công ty» không hợp lệ"),
    ({"year": "hai nghìn"}, "E", "không phải là năm"),
    ({"year": 2019}, "E", "Năm 2019 chưa có trong hệ thống"),
    ({"catalogue_code": None}, "F", "Thiếu mã danh mục"),
    ({"consulting_cost_vnd": "một trăm triệu"}, "G", "không phải là số tiền hợp lệ"),
    ({"requested_vnd": "45,000,000"}, "H", "Dùng dấu chấm, không dùng dấu phẩy"),
    ({"requested_vnd": 1.5}, "H", "không có phần thập phân"),
    ({"requested_vnd": 0}, "H", "phải lớn hơn 0"),
    ({"requested_vnd": 200 * M}, "H", "lớn hơn chi phí tư vấn"),
    ({"approved_vnd": 10 * M}, "I", "không có số tiền được duyệt"),
    ({"status": "Đã duyệt"}, "J", "Trạng thái «Đã duyệt» không có trong danh sách"),
    ({"status": "Bản nháp"}, "J", "Không nhập hồ sơ nháp"),
    ({"status": None}, "J", "Thiếu trạng thái"),
    ({"decision_number": None}, "K", "thiếu số quyết định"),
    ({"decision_date": "31/02/2024"}, "L", "không phải là ngày hợp lệ"),
    ({"decision_date": date(2999, 1, 1)}, "L", "ở tương lai"),
])
def test_bad_cells_are_reported_by_row_and_column(setup, changes, column, text):
    report = imp.dry_run(_xlsx([GOOD[0], _row(**changes)]))
    assert len(report.problems) == 1, report.problems
    problem = report.problems[0]
    assert (problem.row, problem.column.split(" ")[0]) == (3, column)
    assert text in problem.message
    assert str(problem).startswith(f"Dòng 3, cột {column} (")


def test_approval_needs_an_amount_and_stays_within_the_request(setup):
    no_amount = [*GOOD[3][:8], None, "approved", "20/QĐ-SKHCN", date(2024, 8, 1)]
    too_much = [*GOOD[3][:8], 16 * M, "approved", "21/QĐ-SKHCN", date(2024, 8, 1)]
    report = imp.dry_run(_xlsx([no_amount, too_much]))
    assert [(p.row, p.column.split(" ")[0], p.message[:30]) for p in report.problems] == [
        (3, "I", "Số tiền được duyệt (16.000.000"),
        (2, "I", "Hồ sơ được phê duyệt: thiếu số"),
    ]


def test_duplicated_rows_and_disagreeing_rows_of_one_dossier(setup):
    disagreeing = [*GOOD[1][:9], "approved", *GOOD[1][10:]]
    report = imp.dry_run(_xlsx([GOOD[0], GOOD[0], disagreeing]))
    assert _problems(report) == [
        (3, "", "Dòng trùng với dòng 2 (cùng mã số thuế, năm, mã danh mục và số quyết định)."),
        (4, "J", "Khác với dòng 2 của cùng hồ sơ (cùng mã số thuế, năm và số quyết định)."),
    ]


def test_amounts_written_as_vietnamese_text_are_accepted(setup):
    row = [*GOOD[2][:6], "100.000.000 đ", "45 000 000", None, *GOOD[2][9:]]
    report = imp.dry_run(_xlsx([row]))
    assert report.ok
    assert (report.rows[0].values["consulting_cost_vnd"],
            report.rows[0].values["requested_vnd"]) == (100 * M, 45 * M)


def test_name_differences_are_warnings_not_problems(db, setup, make_org):
    make_org(tax_code="0107654321", name="Hợp tác xã Rau An Toàn")
    report = imp.dry_run(_xlsx([GOOD[2]]))
    assert report.ok
    assert [w.message for w in report.warnings] == [
        "Tên trong tệp khác tên trong hệ thống («Hợp tác xã Rau An Toàn»); giữ tên trong "
        "hệ thống."]
