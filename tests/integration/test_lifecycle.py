"""The dossier lifecycle through the services: every path, with history, clock and guards."""

from datetime import datetime

import pytest

from grants.db import local_now
from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.roles import Role
from grants.domain.workflow import ActionNotPermitted, InvalidTransition, Status
from grants.services import dossiers as svc
from grants.services.dossiers import ItemInput
from tests.walk import act as _act
from tests.walk import draft as _draft
from tests.walk import full_checklist as _full_checklist
from tests.walk import to_reviewed as _to_reviewed


def _history(db, dossier):
    from sqlalchemy import select

    from grants.models import AuditEvent

    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                       AuditEvent.to_status.is_not(None))
                              .order_by(AuditEvent.id))
    return [(r.from_status, r.to_status) for r in rows]


def test_approved_path_writes_history_and_commits_budget(db, world):
    dossier = _to_reviewed(db, world, _draft(db, world))
    assert dossier.code.startswith("HS-2026-")
    items = {i.catalogue_item.code: i for i in dossier.items}
    assert items["ISO9001"].proposed_vnd == 50_000_000   # min(60 M, cap 50 M, requested 50 M)
    assert items["5S"].proposed_vnd == 20_000_000
    decision = _act(db, svc.approve, dossier, actor=world[Role.LEADER])
    assert decision.total_vnd == 70_000_000
    assert dossier.status == Status.APPROVED and dossier.outcome == "approved"
    assert world["year"].committed_vnd == 70_000_000
    assert _history(db, dossier) == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "received"),
        ("received", "assigned"), ("assigned", "assigned"), ("assigned", "appraised"),
        ("appraised", "reviewed"), ("reviewed", "approved")]


def test_reception_starts_the_clock_with_the_cutoff(db, world):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    # Friday 2026-03-06 15:30 local = 08:30 UTC: the clock starts Monday 09/03 08:00.
    _act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=_full_checklist(dossier),
         received_at=datetime(2026, 3, 6, 8, 30))
    assert dossier.clock_started_at == datetime(2026, 3, 9, 1, 0)
    assert dossier.due_at is not None and dossier.due_at > dossier.clock_started_at
    assert dossier.step_key == "assignment" and dossier.step_due_at is not None


def test_incomplete_dossier_cannot_be_received(db, world):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    lines = _full_checklist(dossier)[:-1]
    with pytest.raises(InvalidInput, match="Thiếu"):
        _act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=lines)
    db.session.refresh(dossier)
    assert dossier.status == Status.SUBMITTED


def test_supplement_and_resubmission_restart_the_clock(db, world):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    _act(db, svc.request_supplement, dossier, actor=world[Role.CLERK],
         items=[{"label": "Hóa đơn chi phí tư vấn", "note": "bản sao chưa rõ"}])
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.due_at is None
    _act(db, svc.resubmit, dossier, actor=world["applicant"], note="Đã bổ sung hóa đơn")
    assert dossier.status == Status.SUBMITTED
    _act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=_full_checklist(dossier))
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None


def test_refusal_needs_a_reason(db, world):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    with pytest.raises(InvalidInput):
        _act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="  ")
    _act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Không thuộc đối tượng")
    assert dossier.status == Status.REFUSED


def test_rejection_path_records_reasons(db, world):
    import json

    dossier = _to_reviewed(db, world, _draft(db, world))
    with pytest.raises(InvalidInput):
        _act(db, svc.reject, dossier, actor=world[Role.LEADER], reasons=[" "])
    decision = _act(db, svc.reject, dossier, actor=world[Role.LEADER],
                    reasons=["Chứng từ không hợp lệ", "Chưa áp dụng hiệu quả"],
                    next_steps="Có thể nộp lại hồ sơ năm sau.")
    assert json.loads(decision.reasons_json) == ["Chứng từ không hợp lệ", "Chưa áp dụng hiệu quả"]
    assert dossier.status == Status.REJECTED and world["year"].committed_vnd == 0


def test_rework_returns_to_the_appraiser(db, world):
    dossier = _draft(db, world)
    _to_reviewed(db, world, dossier)
    with pytest.raises(InvalidInput):
        _act(db, svc.return_for_rework, dossier, actor=world[Role.HEAD], note="")
    _act(db, svc.return_for_rework, dossier, actor=world[Role.HEAD], note="Xác minh lại hóa đơn")
    assert dossier.status == Status.ASSIGNED
    assert svc.open_appraisal(dossier).round == 2


def test_withdrawal_by_the_applicant_only(db, world):
    dossier = _draft(db, world, channel="counter")
    with pytest.raises(ActionNotPermitted):
        _act(db, svc.withdraw, dossier, actor=world[Role.CLERK])
    _act(db, svc.withdraw, dossier, actor=world["applicant"], reason="Không tiếp tục")
    assert dossier.status == Status.WITHDRAWN


def test_illegal_action_changes_nothing(db, world):
    dossier = _draft(db, world)
    with pytest.raises(InvalidTransition):
        _act(db, svc.review, dossier, actor=world[Role.HEAD])
    db.session.refresh(dossier)
    assert dossier.status == Status.DRAFT and len(_history(db, dossier)) == 1


def test_wrong_role_is_forbidden(db, world):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    with pytest.raises(ActionNotPermitted):
        _act(db, svc.refuse, dossier, actor=world[Role.APPRAISER], reason="x")


def test_other_organisation_cannot_touch_dossier(db, world, make_user):
    dossier = _draft(db, world)
    stranger = make_user(Role.APPLICANT)
    with pytest.raises(NotFound):
        _act(db, svc.withdraw, dossier, actor=stranger)


def test_stale_version_is_refused(db, world):
    dossier = _draft(db, world)
    seen = dossier.version
    _act(db, svc.submit, dossier, actor=world[Role.CLERK], expected_version=seen)
    with pytest.raises(Conflict, match="người khác"):
        _act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="x", expected_version=seen)


def test_only_the_assignee_appraises(db, world, make_user):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    _act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=_full_checklist(dossier))
    _act(db, svc.assign, dossier, actor=world[Role.HEAD], appraiser=world[Role.APPRAISER])
    other = make_user(Role.APPRAISER)
    with pytest.raises(Forbidden):
        _act(db, svc.record_visit, dossier, actor=other, visited_at=datetime(2026, 3, 5, 9),
             place="x", team="y", findings="z")


def test_appraisal_needs_a_site_visit(db, world):
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    _act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=_full_checklist(dossier))
    _act(db, svc.assign, dossier, actor=world[Role.HEAD], appraiser=world[Role.APPRAISER])
    with pytest.raises(Conflict, match="thực tế"):
        _act(db, svc.appraise, dossier, actor=world[Role.APPRAISER], documents_ok=True,
             documents_note=None, eligible_costs={i.id: 1 for i in dossier.items},
             recommendation="support", reasons=[], conclusion=None)


def test_approval_cannot_exceed_the_rule(db, world):
    dossier = _to_reviewed(db, world, _draft(db, world))
    item = next(i for i in dossier.items if i.catalogue_item.code == "5S")
    with pytest.raises(InvalidInput, match="tối đa"):
        _act(db, svc.approve, dossier, actor=world[Role.LEADER], amounts={item.id: 20_000_001})
    db.session.refresh(dossier)
    assert dossier.status == Status.REVIEWED and world["year"].committed_vnd == 0


def test_double_support_blocked_unless_overridden(db, world):
    first = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.approve, first, actor=world[Role.LEADER])
    second = _draft(db, world, items=[ItemInput("ISO9001", 80_000_000, 40_000_000)])
    warnings = None
    _act(db, svc.submit, second, actor=world[Role.CLERK])
    warnings = _act(db, svc.receive, second, actor=world[Role.CLERK],
                    lines=_full_checklist(second))
    assert warnings and "đã được hỗ trợ" in warnings[0]
    _act(db, svc.assign, second, actor=world[Role.HEAD], appraiser=world[Role.APPRAISER])
    _act(db, svc.record_visit, second, actor=world[Role.APPRAISER],
         visited_at=local_now(), place="x", team="y", findings="z")  # received today
    _act(db, svc.appraise, second, actor=world[Role.APPRAISER], documents_ok=True,
         documents_note=None, eligible_costs={i.id: i.consulting_cost_vnd for i in second.items},
         recommendation="support", reasons=[], conclusion=None)
    _act(db, svc.review, second, actor=world[Role.HEAD])
    with pytest.raises(Conflict, match="hai lần"):
        _act(db, svc.approve, second, actor=world[Role.LEADER])
    item = second.items[0]
    _act(db, svc.approve, second, actor=world[Role.LEADER],
         overrides={item.id: "Chứng nhận lại phiên bản 2015 → 2026, lãnh đạo đồng ý"})
    assert second.status == Status.APPROVED
    assert item.double_support_override.startswith("Chứng nhận lại")


def test_online_submit_needs_uploads(db, world):
    dossier = _draft(db, world, channel="online")
    with pytest.raises(InvalidInput, match="Chưa đính kèm"):
        _act(db, svc.submit, dossier, actor=world["applicant"])


def test_draft_rejects_bad_items(db, world):
    with pytest.raises(InvalidInput, match="danh mục"):
        _draft(db, world, items=[ItemInput("KHONGCO", 10, 5)])
    with pytest.raises(InvalidInput, match="hai lần"):
        _draft(db, world, items=[ItemInput("5S", 10, 5), ItemInput("5S", 10, 5)])
    with pytest.raises(InvalidInput, match="lớn hơn chi phí"):
        _draft(db, world, items=[ItemInput("5S", 10, 11)])
    with pytest.raises(InvalidInput, match="ít nhất một"):
        _draft(db, world, items=[])
