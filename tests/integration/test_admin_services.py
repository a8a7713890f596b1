"""Admin services against a real session: year set-up and copying, budget and allotment rules,
checklist/rule removal guards, catalogue codes, holiday overrides, tokens, letter texts."""

from datetime import date, datetime
from fractions import Fraction

import pytest
from sqlalchemy import select

from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.services import admin


@pytest.fixture
def actor(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def make_item(db):
    from grants.models import CatalogueItem

    def make(code="ISO9001", name="Hệ thống quản lý chất lượng ISO 9001", kind="standard",
             **kw):
        item = CatalogueItem(code=code, name=name, kind=kind, **kw)
        db.session.add(item)
        db.session.commit()
        return item

    return make


@pytest.fixture
def make_dossier(db, make_org):
    from grants.models import Dossier, DossierItem

    def make(year, *, item=None, code="HS-2026-00001"):
        dossier = Dossier(code=code, organisation=make_org(), program_year=year)
        if item is not None:
            dossier.items.append(DossierItem(catalogue_item=item, consulting_cost_vnd=100_000_000,
                                             requested_vnd=50_000_000))
        db.session.add(dossier)
        db.session.commit()
        return dossier

    return make


def _actions(db):
    from grants.models import AuditEvent

    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _snapshot(year):
    return {
        "settings": {f: getattr(year, f) for f in (*admin.YEAR_FIELDS, "statutory_days")},
        "steps": [(s.key, s.allotment_minutes) for s in year.steps],
        "checklist": [(c.code, c.label, c.is_required) for c in year.checklist],
        "reasons": [r.text for r in year.reasons],
        "rules": sorted((r.catalogue_item.code, r.share_percent, r.cap_vnd) for r in year.rules),
    }


# --- program years -------------------------------------------------------------------------


def test_first_year_gets_procedure_defaults(db, actor):
    year = admin.create_program_year(2026, actor=actor, budget_vnd=800_000_000)
    db.session.commit()
    assert [s.key for s in year.steps][0] == "reception"
    assert sum(s.allotment_minutes for s in year.steps if s.counted) == 16 * 480
    assert year.checklist and year.reasons and not year.rules
    assert year.intake_open is False
    assert _actions(db) == ["program_year.create"]


def test_new_year_copies_latest_earlier_year_and_skips_inactive_items(db, actor, make_year,
                                                                       make_item):
    from grants.models import SupportRule

    old = make_year(2026, signer_name="Vũ Đức Giang", statutory_days=16)
    active, inactive = make_item("ISO9001"), make_item("5S", name="5S", kind="tool",
                                                       is_active=False)
    for item in (active, inactive):
        db.session.add(SupportRule(program_year=old, catalogue_item=item, share_percent=50,
                                   cap_vnd=50_000_000, is_demo=True))
    db.session.commit()
    new = admin.create_program_year(2027, actor=actor, budget_vnd=900_000_000)
    db.session.commit()
    assert new.signer_name == "Vũ Đức Giang"
    assert [(s.key, s.allotment_minutes) for s in new.steps] == \
        [(s.key, s.allotment_minutes) for s in old.steps]
    assert [c.code for c in new.checklist] == [c.code for c in old.checklist]
    assert [r.catalogue_item.code for r in new.rules] == ["ISO9001"]
    assert new.rules[0].is_demo is True
    assert {s.id for s in new.steps}.isdisjoint({s.id for s in old.steps})


def test_past_year_keeps_its_values_when_the_new_year_is_edited(db, actor, make_year, make_item):
    from grants.models import SupportRule

    old = make_year(2026)
    db.session.add(SupportRule(program_year=old, catalogue_item=make_item(), share_percent=50,
                               cap_vnd=50_000_000))
    db.session.commit()
    before = _snapshot(old)
    new = admin.create_program_year(2027, actor=actor, budget_vnd=900_000_000)
    admin.update_program_year(new, actor=actor, budget_vnd=1_000_000_000, target_min=20,
                              target_max=60, authority="chairman", signer_title="KT. CHỦ TỊCH",
                              signer_name="Nguyễn Văn B", plan_reference="KH 2027",
                              intake_open=True)
    allotments = {s.id: s.allotment_days for s in new.steps}
    allotments[new.steps[2].id] += 2
    admin.update_step_allotments(new, actor=actor, statutory_days=18, allotments=allotments)
    admin.update_checklist_item(new.checklist[0], actor=actor, code="DONMOI",
                                label="Đơn mới", is_required=False)
    admin.update_rejection_reason(new.reasons[0], actor=actor, text="Lý do mới")
    admin.set_support_rule(new, actor=actor, item=new.rules[0].catalogue_item,
                           share_percent=70, cap_vnd=70_000_000)
    db.session.commit()
    db.session.expire_all()
    assert _snapshot(old) == before
    assert _snapshot(new) != before


def test_duplicate_year_refused(db, actor, make_year):
    make_year(2026)
    with pytest.raises(InvalidInput) as err:
        admin.create_program_year(2026, actor=actor, budget_vnd=1)
    assert err.value.field == "year"


def _settings(year, **changes):
    values = {f: getattr(year, f) for f in admin.YEAR_FIELDS}
    values.update(changes)
    return values


def test_budget_cannot_go_below_committed(db, actor, make_year):
    year = make_year(2026)
    year.committed_vnd = 300_000_000
    db.session.commit()
    with pytest.raises(admin.BudgetBelowCommitted) as err:
        admin.update_program_year(year, actor=actor, **_settings(year, budget_vnd=299_999_999))
    assert err.value.field == "budget_vnd"
    assert "300.000.000 đ" in err.value.message
    db.session.rollback()
    assert year.budget_vnd == 800_000_000
    assert admin.update_program_year(year, actor=actor,
                                     **_settings(year, budget_vnd=300_000_000)) is True


def test_target_range_and_authority_checked(db, actor, make_year):
    year = make_year(2026)
    with pytest.raises(InvalidInput) as err:
        admin.update_program_year(year, actor=actor, **_settings(year, target_min=30,
                                                                 target_max=20))
    assert err.value.field == "target_max"
    with pytest.raises(InvalidInput) as err:
        admin.update_program_year(year, actor=actor, **_settings(year, authority="king"))
    assert err.value.field == "authority"


def test_unchanged_settings_write_no_audit(db, actor, make_year):
    year = make_year(2026)
    assert admin.update_program_year(year, actor=actor, **_settings(year)) is False
    assert _actions(db) == []


def test_update_records_only_changed_fields(db, actor, make_year):
    import json

    from grants.models import AuditEvent

    year = make_year(2026)
    admin.update_program_year(year, actor=actor, **_settings(year, budget_vnd=900_000_000,
                                                             intake_open=False))
    event = db.session.scalars(select(AuditEvent)).one()
    assert json.loads(event.before_json) == {"budget_vnd": 800_000_000, "intake_open": True}
    assert json.loads(event.after_json) == {"budget_vnd": 900_000_000, "intake_open": False}


def test_closed_year_is_read_only(db, actor, make_year, make_item):
    year = make_year(2026, is_closed=True)
    calls = [
        lambda: admin.update_program_year(year, actor=actor, **_settings(year)),
        lambda: admin.update_step_allotments(
            year, actor=actor, statutory_days=16,
            allotments={s.id: s.allotment_days for s in year.steps}),
        lambda: admin.add_checklist_item(year, actor=actor, code="X", label="X"),
        lambda: admin.remove_checklist_item(year.checklist[0], actor=actor),
        lambda: admin.add_rejection_reason(year, actor=actor, text="X"),
        lambda: admin.set_support_rule(year, actor=actor, item=make_item(), share_percent=50,
                                       cap_vnd=1),
    ]
    for call in calls:
        with pytest.raises(Conflict, match="đã khóa sổ"):
            call()
    assert _actions(db) == []


# --- step allotments -----------------------------------------------------------------------


def test_allotments_saved_in_minutes(db, actor, make_year):
    year = make_year(2026)
    allotments = {s.id: s.allotment_days for s in year.steps}
    reception, assignment = year.steps[0], year.steps[1]
    allotments[reception.id] = Fraction(1, 4)
    allotments[assignment.id] = Fraction(3, 4)
    assert admin.update_step_allotments(year, actor=actor, statutory_days=16,
                                        allotments=allotments) is True
    assert (reception.allotment_minutes, assignment.allotment_minutes) == (120, 360)
    assert _actions(db) == ["program_year.update_steps"]


def test_wrong_sum_lists_problems_and_changes_nothing(db, actor, make_year):
    year = make_year(2026)
    before = _snapshot(year)
    allotments = {s.id: s.allotment_days for s in year.steps}
    allotments[year.steps[0].id] = Fraction(3, 2)
    with pytest.raises(admin.AllotmentsInvalid) as err:
        admin.update_step_allotments(year, actor=actor, statutory_days=16,
                                     allotments=allotments)
    assert any("khác tổng thời hạn" in p for p in err.value.problems)
    db.session.rollback()
    db.session.expire_all()
    assert _snapshot(year) == before
    assert _actions(db) == []


def test_allotment_must_be_whole_minutes(db, actor, make_year):
    year = make_year(2026)
    allotments = {s.id: s.allotment_days for s in year.steps}
    allotments[year.steps[0].id] = Fraction(1, 1000)
    with pytest.raises(InvalidInput) as err:
        admin.update_step_allotments(year, actor=actor, statutory_days=16,
                                     allotments=allotments)
    assert err.value.field == f"step_{year.steps[0].id}"


def test_statutory_days_must_match(db, actor, make_year):
    year = make_year(2026)
    allotments = {s.id: s.allotment_days for s in year.steps}
    with pytest.raises(admin.AllotmentsInvalid):
        admin.update_step_allotments(year, actor=actor, statutory_days=20,
                                     allotments=allotments)
    allotments[year.steps[2].id] += 4
    admin.update_step_allotments(year, actor=actor, statutory_days=20, allotments=allotments)
    assert year.statutory_days == 20
    assert admin.allotment_problems(year) == []


# --- checklist, reasons --------------------------------------------------------------------


def test_checklist_codes_unique_per_year(db, actor, make_year):
    year = make_year(2026)
    other = make_year(2027)
    with pytest.raises(InvalidInput) as err:
        admin.add_checklist_item(year, actor=actor, code="hoadon", label="Trùng mã")
    assert err.value.field == "code"
    item = admin.add_checklist_item(other, actor=actor, code="moi-1", label="Giấy tờ mới")
    assert item.code == "MOI-1" and item.position == len(other.checklist)


def test_used_checklist_item_cannot_be_removed(db, actor, make_year, make_dossier):
    from grants.models import ChecklistResult

    year = make_year(2026)
    used, unused = year.checklist[0], year.checklist[1]
    dossier = make_dossier(year)
    db.session.add(ChecklistResult(dossier=dossier, checklist_item=used, is_present=True))
    db.session.commit()
    with pytest.raises(Conflict, match="không thể xóa"):
        admin.remove_checklist_item(used, actor=actor)
    admin.remove_checklist_item(unused, actor=actor)
    db.session.commit()
    assert unused not in year.checklist
    assert _actions(db) == ["checklist_item.delete"]


def test_reasons_add_update_remove(db, actor, make_year):
    year = make_year(2026)
    count = len(year.reasons)
    reason = admin.add_rejection_reason(year, actor=actor, text="  Lý do thử nghiệm  ")
    assert reason.text == "Lý do thử nghiệm" and len(year.reasons) == count + 1
    with pytest.raises(InvalidInput):
        admin.update_rejection_reason(reason, actor=actor, text="   ")
    admin.remove_rejection_reason(reason, actor=actor)
    assert len(year.reasons) == count
    assert _actions(db) == ["rejection_reason.create", "rejection_reason.delete"]


# --- catalogue and rules -------------------------------------------------------------------


def test_catalogue_code_unique_ignoring_case(db, actor, make_item):
    make_item("ISO9001")
    with pytest.raises(InvalidInput) as err:
        admin.create_catalogue_item(actor=actor, code="iso9001", name="Trùng", kind="standard")
    assert err.value.field == "code"
    with pytest.raises(InvalidInput) as err:
        admin.create_catalogue_item(actor=actor, code="ISO 9001", name="Có dấu cách",
                                    kind="standard")
    assert err.value.field == "code"
    item = admin.create_catalogue_item(actor=actor, code="kaizen", name="Kaizen", kind="tool")
    assert item.code == "KAIZEN"
    admin.update_catalogue_item(item, actor=actor, code="KAIZEN", name="Kaizen", kind="tool",
                                description=None, is_active=False)
    assert item.is_active is False


def test_support_rule_share_and_cap(db, actor, make_year, make_item):
    year, item = make_year(2026), make_item()
    for share in (0, 101):
        with pytest.raises(InvalidInput) as err:
            admin.set_support_rule(year, actor=actor, item=item, share_percent=share,
                                   cap_vnd=50_000_000)
        assert err.value.field == "share_percent"
    with pytest.raises(InvalidInput) as err:
        admin.set_support_rule(year, actor=actor, item=item, share_percent=50, cap_vnd=0)
    assert err.value.field == "cap_vnd"
    rule = admin.set_support_rule(year, actor=actor, item=item, share_percent=50,
                                  cap_vnd=50_000_000, is_demo=True)
    same = admin.set_support_rule(year, actor=actor, item=item, share_percent=60,
                                  cap_vnd=40_000_000)
    assert same is rule and len(year.rules) == 1
    assert (rule.share_percent, rule.cap_vnd, rule.is_demo) == (60, 40_000_000, False)
    assert _actions(db) == ["support_rule.create", "support_rule.update"]


def test_rule_in_use_cannot_be_removed(db, actor, make_year, make_item, make_dossier):
    year, item, other = make_year(2026), make_item(), make_item("5S", name="5S", kind="tool")
    used = admin.set_support_rule(year, actor=actor, item=item, share_percent=50, cap_vnd=1)
    free = admin.set_support_rule(year, actor=actor, item=other, share_percent=50, cap_vnd=1)
    db.session.commit()
    make_dossier(year, item=item)
    with pytest.raises(Conflict):
        admin.remove_support_rule(used, actor=actor)
    admin.remove_support_rule(free, actor=actor)
    assert [r.catalogue_item.code for r in year.rules] == ["ISO9001"]
    assert admin.items_without_rule(year) == [other]


# --- users and tokens ----------------------------------------------------------------------


def test_staff_user_created_and_token_issued_and_revoked(db, actor):
    from grants.models import OutgoingEmail
    from grants.services import accounts

    user = admin.create_staff_user(actor=actor, email="CanBo@So.vn", full_name="Cán bộ",
                                   roles=["clerk", "appraiser"], title="Chuyên viên",
                                   link_for=lambda token: f"https://so.vn/auth/reset/{token}")
    assert user.email == "canbo@so.vn" and user.roles == {Role.CLERK, Role.APPRAISER}
    invitation = db.session.query(OutgoingEmail).filter_by(to_address="canbo@so.vn").one()
    assert "https://so.vn/auth/reset/" in invitation.text_body
    with pytest.raises(Forbidden):  # issue 13.1: only to its own user
        admin.issue_api_token(user, actor=actor, label="Một cửa")
    token = admin.issue_api_token(user, actor=user, label="Một cửa")
    assert accounts.user_for_token(token) is user
    row = admin.user_tokens(user)[0]
    admin.revoke_api_token(row, actor=actor)
    assert accounts.user_for_token(token) is None
    with pytest.raises(Conflict):
        admin.revoke_api_token(row, actor=actor)
    assert _actions(db) == ["user.create", "api_token.issue", "api_token.revoke"]


def test_no_token_for_inactive_user(db, actor, make_user):
    user = make_user(Role.CLERK, is_active_account=False)
    with pytest.raises(Conflict):
        admin.issue_api_token(user, actor=user)


def test_duplicate_email_names_the_field(db, actor, make_user):
    make_user(Role.CLERK, email="trung@so.vn")
    with pytest.raises(InvalidInput) as err:
        admin.create_staff_user(actor=actor, email="TRUNG@so.vn", full_name="X",
                                roles=["clerk"], link_for=str)
    assert err.value.field == "email"


def test_users_page_filters(db, make_user):
    make_user(Role.CLERK, full_name="Trần Thị Bình", email="binh@so.vn")
    make_user(Role.FINANCE, full_name="Bùi Thị Lan", email="lan@so.vn")
    assert [u.email for u in admin.users_page(role="finance", q=None, page=1,
                                              per_page=10).items] == ["lan@so.vn"]
    assert [u.email for u in admin.users_page(role=None, q="binh@", page=1,
                                              per_page=10).items] == ["binh@so.vn"]
    assert admin.users_page(role="clerk", q="lan", page=1, per_page=10).total == 0


# --- holidays ------------------------------------------------------------------------------


def test_holiday_override_rules(db, actor):
    sunday, monday = date(2026, 3, 8), date(2026, 3, 9)
    with pytest.raises(InvalidInput, match="đã là ngày nghỉ"):
        admin.add_holiday_override(sunday, actor=actor, kind="day_off")
    with pytest.raises(InvalidInput, match="vốn là ngày làm việc"):
        admin.add_holiday_override(monday, actor=actor, kind="working_day")
    with pytest.raises(InvalidInput, match="đã là ngày nghỉ"):
        admin.add_holiday_override(date(2026, 9, 2), actor=actor, kind="day_off")
    row = admin.add_holiday_override(monday, actor=actor, kind="day_off", note="Nghỉ bù")
    with pytest.raises(InvalidInput) as err:
        admin.add_holiday_override(monday, actor=actor, kind="day_off")
    assert err.value.field == "day"
    admin.add_holiday_override(sunday, actor=actor, kind="working_day")
    assert [o.day for o in admin.holiday_overrides(2026)] == [sunday, monday]
    assert admin.holiday_overrides(2025) == []
    admin.remove_holiday_override(row, actor=actor)
    assert [o.day for o in admin.holiday_overrides(2026)] == [sunday]
    assert _actions(db) == ["holiday_override.create", "holiday_override.create",
                            "holiday_override.delete"]


def test_holiday_override_moves_deadlines(db, actor):
    from grants.queries.calendar import calendar_for

    monday = date(2026, 3, 9)
    assert calendar_for(2026).is_working_day(monday)
    admin.add_holiday_override(monday, actor=actor, kind="day_off")
    assert not calendar_for(2026).is_working_day(monday)


# --- letter texts --------------------------------------------------------------------------


def test_letter_text_override_validated_and_reset(db, actor):
    texts = pytest.importorskip("grants.letters.texts")
    with pytest.raises(InvalidInput) as err:
        admin.save_letter_text("receipt", "title", actor=actor, text="{{ khong_co_bien }}")
    assert err.value.field == "text"
    with pytest.raises(InvalidInput):
        admin.save_letter_text("receipt", "khong_co", actor=actor, text="x")
    assert admin.save_letter_text("receipt", "title", actor=actor,
                                  text=texts.DEFAULT_TEXTS["receipt"]["title"]) is None
    row = admin.save_letter_text("receipt", "title", actor=actor,
                                 text="GIẤY BIÊN NHẬN HỒ SƠ {{ dossier_code }}")
    assert admin.letter_override("receipt", "title") is row
    admin.reset_letter_text(row, actor=actor)
    assert admin.letter_override("receipt", "title") is None
    assert _actions(db) == ["letter_template.update", "letter_template.delete"]


# --- audit read side -----------------------------------------------------------------------


def test_audit_page_filters_by_local_date_newest_first(db, actor):
    from grants.models import AuditEvent

    # The trail is append-only (a trigger refuses UPDATE), so the rows are inserted with
    # their moments. 23:30 UTC on 9 March is 06:30 on 10 March in Vietnam.
    early = AuditEvent(action="x.early", object_type="System", actor_id=actor.id,
                       at=datetime(2026, 3, 9, 10, 0))
    late = AuditEvent(action="x.late", object_type="System", actor_id=actor.id,
                      at=datetime(2026, 3, 9, 23, 30))
    db.session.add_all([early, late])
    db.session.commit()

    def actions(**filters):
        page = admin.audit_page(admin.AuditFilter(**filters), page=1, per_page=10)
        return [e.action for e in page.items]

    assert actions(date_from=date(2026, 3, 10)) == ["x.late"]
    assert actions(date_to=date(2026, 3, 9)) == ["x.early"]
    assert actions() == ["x.late", "x.early"]
    assert actions(action="x.early", actor_id=actor.id) == ["x.early"]
    assert actions(object_type="ProgramYear") == []


def test_the_years_bases_are_kept_cleared_and_the_plan_number_written_01(db, actor, make_year):
    year = make_year(2026)
    assert admin.update_program_year(year, actor=actor, **_settings(
        year, functions_decision="  Quyết định số 25/2025/QĐ-UBND  ", plan_number="5/KH-SKHCN",
        plan_date=date(2026, 2, 10))) is True
    assert (year.functions_decision, year.plan_number, year.plan_date) == (
        "Quyết định số 25/2025/QĐ-UBND", "05/KH-SKHCN", date(2026, 2, 10))
    # Callers that do not name them keep them; None clears.
    values = {f: getattr(year, f) for f in admin.YEAR_FIELDS
              if f not in ("functions_decision", "plan_number", "plan_date")}
    assert admin.update_program_year(year, actor=actor, **values) is False
    admin.update_program_year(year, actor=actor, **_settings(year, plan_date=None))
    assert year.plan_number == "05/KH-SKHCN" and year.plan_date is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"plan_number": "KH-SKHCN"}, "plan_number"),
    ({"plan_number": "0/KH-SKHCN"}, "plan_number"),
    ({"plan_date": date(2027, 1, 2)}, "plan_date"),
])
def test_a_bad_plan_number_or_date_is_refused_and_nothing_written(db, actor, make_year,
                                                                  changes, field):
    year = make_year(2026)
    with pytest.raises(InvalidInput) as err:
        admin.update_program_year(year, actor=actor, **_settings(year, **changes))
    assert err.value.field == field
    db.session.rollback()
    assert (year.plan_number, year.plan_date) == (None, None)
    assert _actions(db) == []
