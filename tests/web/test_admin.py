"""Admin area through the test client: gates, years, allotments, catalogue, users, holidays,
letter texts and the read-only audit trail."""

import html
import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from grants.domain.roles import Role


@pytest.fixture
def admin_user(login_as):
    return login_as(Role.ADMIN, full_name="Ngô Minh Khoa")


@pytest.fixture
def year(make_year):
    return make_year(2026)


@pytest.fixture
def item(db):
    from grants.models import CatalogueItem

    row = CatalogueItem(code="ISO9001", name="Hệ thống quản lý chất lượng ISO 9001",
                        kind="standard")
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def rule(db, year, item):
    from grants.models import SupportRule

    row = SupportRule(program_year=year, catalogue_item=item, share_percent=50,
                      cap_vnd=50_000_000, is_demo=True)
    db.session.add(row)
    db.session.commit()
    return row


def _audit(db, action=None):
    from grants.models import AuditEvent

    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


def _text(response) -> str:
    return response.get_data(as_text=True)


def _pages(db, year, item, rule, make_user):
    from grants.models import HolidayOverride

    user = make_user(Role.CLERK)
    override = HolidayOverride(day=date(2026, 3, 9), kind="day_off", note="Nghỉ bù")
    db.session.add(override)
    db.session.commit()
    return [
        "/admin/", "/admin/years", "/admin/years/new", f"/admin/years/{year.id}",
        f"/admin/years/{year.id}/steps", f"/admin/years/{year.id}/checklist",
        f"/admin/checklist/{year.checklist[0].id}/edit", f"/admin/years/{year.id}/reasons",
        f"/admin/reasons/{year.reasons[0].id}/edit", f"/admin/years/{year.id}/rules",
        f"/admin/rules/{rule.id}/edit", "/admin/catalogue", "/admin/catalogue/new",
        f"/admin/catalogue/{item.id}/edit", "/admin/users", "/admin/users/new",
        f"/admin/users/{user.id}/edit", "/admin/holidays", "/admin/holidays?year=2026",
        "/admin/letters", "/admin/letters/receipt/title", "/admin/audit",
    ]


# --- gates ---------------------------------------------------------------------------------


def test_every_admin_page_renders_for_admin(client, db, admin_user, year, item, rule,
                                            make_user):
    for url in _pages(db, year, item, rule, make_user):
        response = client.get(url)
        assert response.status_code == 200, url
        page = _text(response)
        assert 'lang="vi"' in page and "Quản trị" in page, url
        assert "<script>" not in page and " style=" not in page, url


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_admin_pages_forbidden_to_other_roles(client, db, login_as, year, item, rule, make_user,
                                              role):
    urls = _pages(db, year, item, rule, make_user)
    login_as(role)
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/years/new", data={"year": 2027, "budget_vnd": "1.000",
                                                     "source_id": 0})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(type(year))) == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/years")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_index_links_every_section(client, admin_user):
    page = _text(client.get("/admin/"))
    for endpoint in ("years", "catalogue", "users", "holidays", "letters", "audit"):
        assert f'href="/admin/{endpoint}"' in page


# --- program years -------------------------------------------------------------------------


def test_create_year_copies_previous_year(client, db, admin_user, year, rule):
    from grants.models import ProgramYear

    form = _text(client.get("/admin/years/new"))
    assert 'value="2027"' in form and "800.000.000" in form
    response = client.post("/admin/years/new", data={
        "year": "2027", "budget_vnd": "900.000.000", "source_id": str(year.id)})
    assert response.status_code == 302
    new = db.session.scalar(select(ProgramYear).where(ProgramYear.year == 2027))
    assert response.headers["Location"].endswith(f"/admin/years/{new.id}")
    assert new.budget_vnd == 900_000_000 and new.intake_open is False
    assert [s.key for s in new.steps] == [s.key for s in year.steps]
    assert len(new.checklist) == len(year.checklist) and len(new.reasons) == len(year.reasons)
    assert [(r.catalogue_item.code, r.is_demo) for r in new.rules] == [("ISO9001", True)]
    event = _audit(db, "program_year.create")[0]
    assert json.loads(event.after_json)["copied_from"] == 2026
    assert "Đã tạo năm 2027" in _text(client.get(response.headers["Location"]))


def test_create_year_with_defaults_and_errors(client, db, admin_user, year):
    duplicate = client.post("/admin/years/new", data={"year": "2026", "budget_vnd": "1.000",
                                                      "source_id": "0"})
    assert duplicate.status_code == 422
    assert "Năm 2026 đã có trên hệ thống." in _text(duplicate)
    bad_money = client.post("/admin/years/new", data={"year": "2028", "budget_vnd": "1,5",
                                                      "source_id": "0"})
    assert bad_money.status_code == 422 and 'value="1,5"' in _text(bad_money)
    assert _audit(db) == []


def test_past_year_keeps_values_when_new_year_is_set_up_and_edited(client, db, admin_user, year,
                                                                   rule):
    from grants.models import ProgramYear

    before = (year.budget_vnd, [(s.key, s.allotment_minutes) for s in year.steps],
              [c.label for c in year.checklist], rule.share_percent, rule.cap_vnd)
    client.post("/admin/years/new", data={"year": "2027", "budget_vnd": "900.000.000",
                                          "source_id": str(year.id)})
    new = db.session.scalar(select(ProgramYear).where(ProgramYear.year == 2027))
    client.post(f"/admin/years/{new.id}", data=_settings(budget_vnd="1.000.000.000"))
    client.post(f"/admin/checklist/{new.checklist[0].id}/edit",
                data={"code": "DON", "label": "Đơn đề nghị hỗ trợ năm 2027", "is_required": "y"})
    client.post(f"/admin/rules/{new.rules[0].id}/edit",
                data={"share_percent": "70", "cap_vnd": "70.000.000"})
    db.session.expire_all()
    old = db.session.get(ProgramYear, year.id)
    assert (old.budget_vnd, [(s.key, s.allotment_minutes) for s in old.steps],
            [c.label for c in old.checklist], old.rules[0].share_percent,
            old.rules[0].cap_vnd) == before
    assert new.budget_vnd == 1_000_000_000 and new.rules[0].cap_vnd == 70_000_000


def _settings(**changes):
    data = {"budget_vnd": "800.000.000", "target_min": "16", "target_max": "50",
            "authority": "director", "signer_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
            "signer_name": "Vũ Đức Giang", "plan_reference": "Kế hoạch 2026",
            "intake_open": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_edit_year_settings(client, db, admin_user, year):
    page = _text(client.get(f"/admin/years/{year.id}"))
    assert 'value="800.000.000"' in page and "Chủ tịch UBND tỉnh" in page
    response = client.post(f"/admin/years/{year.id}", data=_settings(
        budget_vnd="850.000.000", authority="chairman", signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        intake_open=None))
    assert response.status_code == 302
    db.session.refresh(year)
    assert (year.budget_vnd, year.authority, year.intake_open) == (850_000_000, "chairman", False)
    event = _audit(db, "program_year.update")[0]
    assert json.loads(event.before_json)["budget_vnd"] == 800_000_000
    assert json.loads(event.after_json)["authority"] == "chairman"
    assert "Đã lưu thiết lập năm 2026." in _text(client.get(f"/admin/years/{year.id}"))


def test_the_bases_of_the_years_decisions_are_edited_with_its_settings(client, db, admin_user,
                                                                        year):
    response = client.post(f"/admin/years/{year.id}", data=_settings(
        functions_decision="Quyết định số 25/2025/QĐ-UBND của UBND tỉnh Bắc Ninh",
        plan_number="5/KH-SKHCN", plan_date="10/02/2026"))
    assert response.status_code == 302
    db.session.refresh(year)
    assert (year.plan_number, year.plan_date) == ("05/KH-SKHCN", date(2026, 2, 10))
    page = _text(client.get(f"/admin/years/{year.id}"))
    assert 'value="05/KH-SKHCN"' in page and 'value="10/02/2026"' in page
    assert "Quyết định số 25/2025/QĐ-UBND của UBND tỉnh Bắc Ninh" in page


def test_a_plan_number_without_symbol_is_shown_beside_its_field(client, db, admin_user, year):
    response = client.post(f"/admin/years/{year.id}", data=_settings(plan_number="KH 5"))
    page = _text(response)
    assert response.status_code == 422
    assert "Số kế hoạch viết dạng số/ký hiệu, ví dụ 05/KH-SKHCN." in page
    assert 'value="KH 5"' in page
    db.session.refresh(year)
    assert year.plan_number is None and _audit(db) == []


def test_budget_below_committed_refused(client, db, admin_user, year):
    year.committed_vnd = 300_000_000
    db.session.commit()
    response = client.post(f"/admin/years/{year.id}", data=_settings(budget_vnd="200.000.000"))
    page = _text(response)
    assert response.status_code == 422
    assert "không thể thấp hơn số đã cam kết" in page and "300.000.000 đ" in page
    assert 'value="200.000.000"' in page
    db.session.refresh(year)
    assert year.budget_vnd == 800_000_000
    assert _audit(db) == []


def test_target_range_error_beside_field(client, db, admin_user, year):
    response = client.post(f"/admin/years/{year.id}",
                           data=_settings(target_min="40", target_max="30"))
    assert response.status_code == 422
    assert "Mục tiêu tối đa phải lớn hơn hoặc bằng mục tiêu tối thiểu." in _text(response)


def _steps(year, **overrides):
    from grants.domain.deadlines import format_days

    data = {"statutory_days": str(year.statutory_days)}
    data.update({f"step_{s.id}": format_days(s.allotment_days) for s in year.steps})
    data.update(overrides)
    return data


def test_steps_page_shows_days_the_vietnamese_way(client, admin_user, year):
    page = _text(client.get(f"/admin/years/{year.id}/steps"))
    reception = year.steps[0]
    assert f'name="step_{reception.id}"' in page
    assert re.search(rf'name="step_{reception.id}"[^>]*value="0,5"', page)
    assert "Tiếp nhận hồ sơ" in page and "Chuyên viên một cửa" in page


def test_allotments_wrong_sum_shows_problem_and_changes_nothing(client, db, admin_user, year):
    before = [(s.key, s.allotment_minutes) for s in year.steps]
    reception = year.steps[0]
    response = client.post(f"/admin/years/{year.id}/steps",
                           data=_steps(year, **{f"step_{reception.id}": "1,5"}))
    page = _text(response)
    assert response.status_code == 422
    assert "Tổng thời gian các bước (17 ngày) khác tổng thời hạn giải quyết (16 ngày)." in page
    assert re.search(rf'name="step_{reception.id}"[^>]*value="1,5"', page)
    db.session.expire_all()
    assert [(s.key, s.allotment_minutes) for s in year.steps] == before
    assert _audit(db) == []


def test_allotments_with_decimal_comma_and_dot_saved(client, db, admin_user, year):
    reception, assignment = year.steps[0], year.steps[1]
    response = client.post(f"/admin/years/{year.id}/steps", data=_steps(
        year, **{f"step_{reception.id}": "0,25", f"step_{assignment.id}": "0.75"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert (reception.allotment_minutes, assignment.allotment_minutes) == (120, 360)
    event = _audit(db, "program_year.update_steps")[0]
    assert json.loads(event.after_json)["allotments"]["reception"] == "0,25"
    assert json.loads(event.before_json)["allotments"]["reception"] == "0,5"


def test_statutory_total_edited_with_steps(client, db, admin_user, year):
    appraisal = year.steps[2]
    response = client.post(f"/admin/years/{year.id}/steps", data=_steps(
        year, statutory_days="18", **{f"step_{appraisal.id}": "12"}))
    assert response.status_code == 302
    db.session.refresh(year)
    assert year.statutory_days == 18


def test_allotment_that_is_not_a_number(client, db, admin_user, year):
    reception = year.steps[0]
    response = client.post(f"/admin/years/{year.id}/steps",
                           data=_steps(year, **{f"step_{reception.id}": "nửa ngày"}))
    assert response.status_code == 422
    assert "Nhập số ngày làm việc, ví dụ 2, 0,5 hoặc 1,25." in _text(response)


def test_closed_year_is_read_only(client, db, admin_user, year):
    year.is_closed = True
    db.session.commit()
    page = _text(client.get(f"/admin/years/{year.id}"))
    assert "đã khóa sổ" in page and "Lưu thiết lập" not in page
    assert "Thêm giấy tờ" not in _text(client.get(f"/admin/years/{year.id}/checklist"))
    assert "Lưu thời hạn" not in _text(client.get(f"/admin/years/{year.id}/steps"))
    response = client.post(f"/admin/years/{year.id}", data=_settings(budget_vnd="1.000.000"))
    assert response.status_code == 409
    response = client.post(f"/admin/years/{year.id}/checklist",
                           data={"code": "MOI", "label": "Giấy tờ mới"})
    assert response.status_code == 422 and "đã khóa sổ" in _text(response)
    db.session.refresh(year)
    assert year.budget_vnd == 800_000_000
    assert _audit(db) == []


# --- checklist and reasons -----------------------------------------------------------------


def test_checklist_add_edit_remove(client, db, admin_user, year):
    count = len(year.checklist)
    response = client.post(f"/admin/years/{year.id}/checklist",
                           data={"code": "bctc", "label": "Báo cáo tài chính", "is_required": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    item = year.checklist[-1]
    assert (item.code, len(year.checklist)) == ("BCTC", count + 1)
    duplicate = client.post(f"/admin/years/{year.id}/checklist",
                            data={"code": "BCTC", "label": "Trùng"})
    assert duplicate.status_code == 422 and "Mã «BCTC» đã có" in _text(duplicate)
    client.post(f"/admin/checklist/{item.id}/edit", data={"code": "BCTC", "label": "Báo cáo"})
    db.session.refresh(item)
    assert (item.label, item.is_required) == ("Báo cáo", False)
    response = client.post(f"/admin/checklist/{item.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert len(year.checklist) == count
    assert [e.action for e in _audit(db)] == ["checklist_item.create", "checklist_item.update",
                                              "checklist_item.delete"]


def test_used_checklist_item_not_removed(client, db, admin_user, year, make_org):
    from grants.models import ChecklistResult, Dossier

    used = year.checklist[0]
    dossier = Dossier(code="HS-2026-00001", organisation=make_org(), program_year=year)
    db.session.add(dossier)
    db.session.add(ChecklistResult(dossier=dossier, checklist_item=used))
    db.session.commit()
    response = client.post(f"/admin/checklist/{year.checklist[0].id}/delete",
                           follow_redirects=True)
    assert "không thể xóa" in _text(response)
    db.session.expire_all()
    assert len(year.checklist) == 6


def test_reasons_add_edit_remove(client, db, admin_user, year):
    client.post(f"/admin/years/{year.id}/reasons", data={"text": "Hồ sơ nộp quá hạn."})
    db.session.expire_all()
    reason = year.reasons[-1]
    assert reason.text == "Hồ sơ nộp quá hạn."
    empty = client.post(f"/admin/reasons/{reason.id}/edit", data={"text": "  "})
    assert empty.status_code == 422
    client.post(f"/admin/reasons/{reason.id}/edit", data={"text": "Hồ sơ nộp sau thời hạn."})
    client.post(f"/admin/reasons/{reason.id}/delete")
    assert [e.action for e in _audit(db)] == ["rejection_reason.create",
                                              "rejection_reason.update",
                                              "rejection_reason.delete"]


# --- catalogue and rules -------------------------------------------------------------------


def test_catalogue_add_duplicate_and_edit(client, db, admin_user, item):
    from grants.models import CatalogueItem

    response = client.post("/admin/catalogue/new", data={
        "code": "iso9001", "name": "Trùng mã", "kind": "standard", "is_active": "y"})
    assert response.status_code == 422
    assert "Mã «ISO9001» đã được dùng" in _text(response) and 'value="Trùng mã"' in _text(response)
    response = client.post("/admin/catalogue/new", data={
        "code": "5S", "name": "Công cụ cải tiến 5S", "kind": "tool", "is_active": "y"})
    assert response.status_code == 302
    five_s = db.session.scalar(select(CatalogueItem).where(CatalogueItem.code == "5S"))
    client.post(f"/admin/catalogue/{five_s.id}/edit", data={
        "code": "5S", "name": "Công cụ 5S", "kind": "tool"})
    db.session.refresh(five_s)
    assert (five_s.name, five_s.is_active) == ("Công cụ 5S", False)
    page = _text(client.get("/admin/catalogue"))
    assert "Ngừng áp dụng" in page and "Công cụ" in page
    assert [e.action for e in _audit(db)] == ["catalogue_item.create", "catalogue_item.update"]


def test_rules_add_and_edit_with_demo_badge(client, db, admin_user, year, item):
    bad = client.post(f"/admin/years/{year.id}/rules", data={
        "item_id": str(item.id), "share_percent": "101", "cap_vnd": "50.000.000"})
    assert bad.status_code == 422 and "Tỷ lệ hỗ trợ phải từ 1 đến 100 %." in _text(bad)
    response = client.post(f"/admin/years/{year.id}/rules", data={
        "item_id": str(item.id), "share_percent": "50", "cap_vnd": "50.000.000",
        "is_demo": "y"})
    assert response.status_code == 302
    page = _text(client.get(f"/admin/years/{year.id}/rules"))
    assert "Giá trị mẫu" in page and "50.000.000 đ" in page and "50 %" in page
    rule = year.rules[0]
    client.post(f"/admin/rules/{rule.id}/edit", data={"share_percent": "40",
                                                      "cap_vnd": "30.000.000"})
    db.session.refresh(rule)
    assert (rule.share_percent, rule.cap_vnd, rule.is_demo) == (40, 30_000_000, False)
    client.post(f"/admin/rules/{rule.id}/delete")
    db.session.expire_all()
    assert year.rules == []
    assert [e.action for e in _audit(db)] == ["support_rule.create", "support_rule.update",
                                              "support_rule.delete"]


# --- users ---------------------------------------------------------------------------------


def _new_user(**changes):
    data = {"full_name": "Phạm Thị Dung", "email": "dung@skhcn.vn", "title": "Chuyên viên",
            "roles": ["appraiser", "clerk"]}
    data.update(changes)
    return data


def test_create_user(client, db, admin_user):
    from grants.models import User

    response = client.post("/admin/users/new", data=_new_user())
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "dung@skhcn.vn"))
    assert user.roles == {Role.APPRAISER, Role.CLERK}  # password: see test_passwords.py
    assert _audit(db, "user.create")[0].actor_id == admin_user.id


def test_duplicate_email_shown_beside_field_and_input_kept(client, db, admin_user, make_user):
    make_user(Role.CLERK, email="dung@skhcn.vn")
    response = client.post("/admin/users/new", data=_new_user(email="DUNG@skhcn.vn"))
    page = _text(response)
    assert response.status_code == 422
    match = re.search(r'name="email"[^>]*>\s*(.*?)</div>\s*</div>', page, re.S)
    assert match and "Thư điện tử này đã được dùng" in match.group(1)
    assert 'value="Phạm Thị Dung"' in page and 'value="DUNG@skhcn.vn"' in page
    assert re.search(r'value="appraiser"[^>]*checked|checked[^>]*value="appraiser"', page)
    assert _audit(db) == []


def test_user_needs_a_role(client, admin_user):
    response = client.post("/admin/users/new", data=_new_user(roles=[]))
    assert response.status_code == 422 and "Chọn ít nhất một vai trò." in _text(response)


def test_edit_user_roles_and_active(client, db, admin_user, make_user):
    user = make_user(Role.CLERK)
    page = _text(client.get(f"/admin/users/{user.id}/edit"))
    assert re.search(r'checked[^>]*value="clerk"|value="clerk"[^>]*checked', page)
    response = client.post(f"/admin/users/{user.id}/edit", data={
        "full_name": "Tên mới", "title": "Kế toán", "roles": ["finance"]})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.roles, user.is_active) == ("Tên mới", {Role.FINANCE}, False)
    event = _audit(db, "user.update")[0]
    assert json.loads(event.before_json)["roles"] == ["clerk"]


def test_admin_cannot_demote_self(client, db, admin_user):
    response = client.post(f"/admin/users/{admin_user.id}/edit", data={
        "full_name": admin_user.full_name, "roles": ["clerk"], "is_active": "y"})
    assert response.status_code == 422
    assert "tự thay đổi vai trò của chính mình" in _text(response)


@pytest.mark.parametrize("role", ["leader", "finance", "chief_accountant", "clerk"])
def test_nobody_changes_their_own_roles(client, db, admin_user, role):
    """Issue 13.1: the admin cannot give itself a role, not even a harmless one."""
    response = client.post(f"/admin/users/{admin_user.id}/edit", data={
        "full_name": admin_user.full_name, "roles": ["admin", role], "is_active": "y"})
    assert response.status_code == 422
    db.session.expire_all()
    assert admin_user.roles == {Role.ADMIN}
    assert [e.action for e in _audit(db)] == []


@pytest.mark.parametrize("role", ["leader", "finance", "chief_accountant"])
def test_admin_role_never_held_with_a_money_role(client, db, admin_user, make_user, role):
    other = make_user(Role.ADMIN)
    response = client.post(f"/admin/users/{other.id}/edit", data={
        "full_name": other.full_name, "roles": ["admin", role], "is_active": "y"})
    assert response.status_code == 422
    assert "không được kiêm nhiệm" in _text(response)
    response = client.post("/admin/users/new", data={
        "email": "kiem@so.vn", "full_name": "Kiêm nhiệm", "roles": ["admin", role]})
    assert response.status_code == 422 and "không được kiêm nhiệm" in _text(response)
    db.session.expire_all()
    assert other.roles == {Role.ADMIN}


def test_granting_a_money_role_names_who_granted_it(client, db, admin_user, make_user):
    from grants.models import SecurityEvent

    clerk = make_user(Role.CLERK)
    response = client.post(f"/admin/users/{clerk.id}/edit", data={
        "full_name": clerk.full_name, "roles": ["clerk", "finance"], "is_active": "y"})
    assert response.status_code == 302
    grant = [e for e in _audit(db) if e.action == "user.grant_role"]
    assert len(grant) == 1 and grant[0].actor_id == admin_user.id
    assert json.loads(grant[0].after_json)["role"] == "finance"
    logged = db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "role.grant")
                                ).all()
    assert [(e.user_id, e.detail["role"], e.detail["by_id"]) for e in logged] == \
        [(clerk.id, "finance", admin_user.id)]


def test_user_list_filters(client, admin_user, make_user):
    make_user(Role.FINANCE, full_name="Bùi Thị Lan", email="lan@skhcn.vn")
    make_user(Role.CLERK, full_name="Trần Thị Bình", email="binh@skhcn.vn")
    by_role = _text(client.get("/admin/users?role=finance"))
    assert "Bùi Thị Lan" in by_role and "Trần Thị Bình" not in by_role
    by_search = _text(client.get("/admin/users?q=binh"))
    assert "Trần Thị Bình" in by_search and "Bùi Thị Lan" not in by_search
    assert client.get("/admin/users?role=vua").status_code == 200


def test_admin_cannot_issue_or_read_anothers_token(client, db, admin_user, make_user):
    """Issue 13.1: an admin asking for the leader's token gets 403 and nothing is written; the
    edit page offers no button for it."""
    from grants.models import ApiToken

    leader = make_user(Role.LEADER)
    response = client.post(f"/admin/users/{leader.id}/tokens", data={"label": "x"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    page = _text(client.get(f"/admin/users/{leader.id}/edit"))
    assert "Cấp mã truy cập mới" not in page and "chính chủ" in page


def test_admin_revokes_anothers_token(client, db, admin_user, make_user):
    from grants.models import SecurityEvent
    from grants.services import accounts, admin

    user = make_user(Role.CLERK)
    token = accounts.issue_api_token(user, label="Một cửa")
    db.session.commit()
    client.post(f"/admin/tokens/{admin.user_tokens(user)[0].id}/revoke")
    assert accounts.user_for_token(token) is None
    kinds = db.session.scalars(select(SecurityEvent.kind).order_by(SecurityEvent.id)).all()
    assert kinds[-2:] == ["token.issue", "token.revoke"]


def test_api_token_shown_once(client, db, admin_user, make_user):
    from grants.services import accounts, admin

    user = admin_user
    response = client.post(f"/admin/users/{user.id}/tokens", data={"label": "Một cửa"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="token" type="text" readonly value="([^"]+)"',
                      _text(response)).group(1)
    assert accounts.user_for_token(token).id == user.id
    page = _text(client.get(f"/admin/users/{user.id}/edit"))
    assert token not in page and "Một cửa" in page
    token_row = admin.user_tokens(user)[0]
    client.post(f"/admin/tokens/{token_row.id}/revoke")
    assert accounts.user_for_token(token) is None
    assert [e.action for e in _audit(db)] == ["api_token.issue", "api_token.revoke"]


# --- holidays ------------------------------------------------------------------------------


def test_holiday_page_shows_public_holidays(client, admin_user):
    page = _text(client.get("/admin/holidays?year=2026"))
    assert "02/09/2026" in page and "01/05/2026" in page and "30/04/2026" in page
    assert "Quốc khánh" in page


def test_holiday_override_add_and_delete_audited(client, db, admin_user):
    from grants.models import HolidayOverride

    response = client.post("/admin/holidays?year=2026", data={
        "day": "09/03/2026", "kind": "day_off", "note": "Thông báo nghỉ bù"})
    assert response.status_code == 302
    row = db.session.scalar(select(HolidayOverride))
    assert row.day == date(2026, 3, 9)
    assert "09/03/2026" in _text(client.get("/admin/holidays?year=2026"))
    bad = client.post("/admin/holidays?year=2026", data={"day": "2026/13/40",
                                                         "kind": "day_off"})
    assert bad.status_code == 422 and "dd/mm/yyyy" in _text(bad)
    sunday = client.post("/admin/holidays?year=2026", data={"day": "08/03/2026",
                                                            "kind": "day_off"})
    assert sunday.status_code == 422 and "đã là ngày nghỉ" in _text(sunday)
    client.post(f"/admin/holidays/{row.id}/delete")
    assert db.session.scalar(select(func.count()).select_from(HolidayOverride)) == 0
    delete = _audit(db, "holiday_override.delete")[0]
    assert json.loads(delete.before_json) == {"day": "2026-03-09", "kind": "day_off",
                                              "note": "Thông báo nghỉ bù"}
    assert delete.actor_id == admin_user.id


# --- letter texts --------------------------------------------------------------------------


def test_letter_texts_edit_and_reset(client, db, admin_user):
    pytest.importorskip("grants.letters.texts")
    page = _text(client.get("/admin/letters"))
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in page and "Mặc định" in page
    edit = _text(client.get("/admin/letters/receipt/title"))
    assert "org.name" in edit and "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in edit
    bad = client.post("/admin/letters/receipt/title", data={"text": "{{ bien_la }}"})
    assert bad.status_code == 422 and "bien_la" in _text(bad)
    ok = client.post("/admin/letters/receipt/title",
                     data={"text": "GIẤY BIÊN NHẬN HỒ SƠ {{ dossier_code }}"})
    assert ok.status_code == 302
    assert "Đã sửa" in _text(client.get("/admin/letters"))
    client.post("/admin/letters/receipt/title/reset")
    assert [e.action for e in _audit(db)] == ["letter_template.update",
                                              "letter_template.delete"]
    assert client.get("/admin/letters/khong/co").status_code == 404


def test_letter_page_without_texts_module(client, admin_user, monkeypatch):
    import grants.web.admin as view

    monkeypatch.setattr(view, "_letter_texts", lambda: None)
    assert "chưa sẵn sàng" in _text(client.get("/admin/letters"))
    assert client.get("/admin/letters/receipt/title").status_code == 404


# --- audit trail ---------------------------------------------------------------------------


def _add_events(db, actor, other, make_org, year):
    from grants.models import AuditEvent, Dossier

    dossier = Dossier(code="HS-2026-00042", organisation=make_org(), program_year=year)
    db.session.add(dossier)
    db.session.flush()
    db.session.add_all([
        AuditEvent(action="program_year.update", object_type="ProgramYear", object_id=year.id,
                   actor_id=actor.id, at=datetime(2026, 3, 2, 3, 0),
                   before_json=json.dumps({"budget_vnd": 800_000_000}),
                   after_json=json.dumps({"budget_vnd": 900_000_000})),
        AuditEvent(action="dossier.receive", object_type="Dossier", object_id=dossier.id,
                   dossier_id=dossier.id, actor_id=other.id, at=datetime(2026, 3, 5, 3, 0),
                   from_status="submitted", to_status="received"),
        AuditEvent(action="user.update", object_type="User", object_id=other.id,
                   actor_id=actor.id, at=datetime(2026, 3, 9, 3, 0),
                   before_json=json.dumps({"full_name": "Cũ"}, ensure_ascii=False),
                   after_json=json.dumps({"full_name": "Mới"}, ensure_ascii=False)),
    ])
    db.session.commit()


def _shown(page) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>\s*<span class=\"small text-muted\">", page)


def test_audit_page_filters(client, db, admin_user, make_user, make_org, year):
    clerk = make_user(Role.CLERK, full_name="Trần Thị Bình")
    _add_events(db, admin_user, clerk, make_org, year)
    everything = _text(client.get("/admin/audit"))
    assert _shown(everything) == ["Sửa tài khoản", "dossier.receive", "Sửa thiết lập năm"]
    assert "900000000" in everything and "table-warning" in everything
    assert _shown(_text(client.get("/admin/audit?action=user.update"))) == ["Sửa tài khoản"]
    assert _shown(_text(client.get("/admin/audit?object_type=ProgramYear"))) == \
        ["Sửa thiết lập năm"]
    assert _shown(_text(client.get(f"/admin/audit?actor_id={clerk.id}"))) == ["dossier.receive"]
    by_code = _text(client.get("/admin/audit?dossier_code=HS-2026-00042"))
    assert _shown(by_code) == ["dossier.receive"] and "HS-2026-00042" in by_code
    by_date = _text(client.get("/admin/audit?date_from=03/03/2026&date_to=05/03/2026"))
    assert _shown(by_date) == ["dossier.receive"]
    bad = client.get("/admin/audit?date_from=hôm qua")
    assert bad.status_code == 422 and "dd/mm/yyyy" in _text(bad)


def test_audit_detail_and_pagination(client, db, app, admin_user, make_user, make_org, year):
    from grants.models import AuditEvent

    _add_events(db, admin_user, make_user(Role.CLERK), make_org, year)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    page = html.unescape(_text(client.get(f"/admin/audit/{event.id}")))
    assert '"full_name": "Cũ"' in page and '"full_name": "Mới"' in page
    app.config["PER_PAGE"] = 2
    first = _text(client.get("/admin/audit"))
    assert "Trang 1/2" in first and len(_shown(first)) == 2
    assert _shown(_text(client.get("/admin/audit?page=2"))) == ["Sửa thiết lập năm"]


def test_audit_trail_has_no_write_path(client, app, admin_user):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    assert client.post("/admin/audit").status_code == 405
    assert client.delete("/admin/audit/1").status_code == 405


def test_every_admin_change_is_audited(client, db, admin_user, year, item, make_user):
    clerk = make_user(Role.CLERK)
    client.post(f"/admin/years/{year.id}", data=_settings(budget_vnd="900.000.000"))
    client.post(f"/admin/years/{year.id}/steps", data=_steps(
        year, **{f"step_{year.steps[0].id}": "0,25", f"step_{year.steps[1].id}": "0,75"}))
    client.post(f"/admin/years/{year.id}/rules", data={
        "item_id": str(item.id), "share_percent": "50", "cap_vnd": "50.000.000"})
    client.post(f"/admin/catalogue/{item.id}/edit", data={
        "code": "ISO9001", "name": item.name, "kind": "standard", "is_active": "y",
        "description": "Phiên bản 2015"})
    client.post(f"/admin/users/{clerk.id}/edit", data={
        "full_name": clerk.full_name, "roles": ["clerk", "records"], "is_active": "y"})
    client.post("/admin/holidays", data={"day": "09/03/2026", "kind": "day_off"})
    client.post("/admin/years/new", data={"year": "2027", "budget_vnd": "1.000.000",
                                          "source_id": str(year.id)})
    events = _audit(db)
    assert [e.action for e in events] == [
        "program_year.update", "program_year.update_steps", "support_rule.create",
        "catalogue_item.update", "user.update", "holiday_override.create",
        "program_year.create"]
    assert all(e.actor_id == admin_user.id for e in events)
    assert all(e.after_json for e in events)
