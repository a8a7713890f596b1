"""Issue 14, paths 1 and 2 through the services: papers asked after reception (the clock stops
and resumes, the dossier returns to the step that asked) and the apology for a late dossier."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from grants.db import from_local, to_local, utcnow
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.pauses import office_time_between
from grants.domain.roles import Role
from grants.domain.workflow import ActionNotPermitted, Status
from grants.models import AuditEvent, DelayApology, Document, SupplementRequest
from grants.queries.calendar import calendar_for
from grants.queries.outcome import dossier_outcome
from grants.queries.reports.processing import on_time
from grants.services import dossiers as svc
from grants.services import processing
from tests.walk import act, draft, full_checklist, to_assigned

PAPERS = [{"label": "Hợp đồng tư vấn ISO 9001", "note": "thiếu phụ lục giá trị"}]


def _received_now(db, w):
    """A dossier received now (its due date lies ahead) and still waiting for assignment."""
    dossier = draft(db, w)
    act(db, svc.submit, dossier, actor=w[Role.CLERK])
    act(db, svc.receive, dossier, actor=w[Role.CLERK], lines=full_checklist(dossier),
        received_at=utcnow())
    return dossier


def _assigned_now(db, w):
    dossier = _received_now(db, w)
    act(db, svc.assign, dossier, actor=w[Role.HEAD], appraiser=w[Role.APPRAISER])
    return dossier


def _count(db, model, dossier):
    return db.session.scalar(select(func.count(model.id)).where(model.dossier_id == dossier.id))


def _actions(db, dossier):
    return [a for (a,) in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.id))]


# ---------------------------------------------------------------- path 1


def test_appraiser_asks_for_papers_and_the_dossier_returns_to_appraisal(db, world):
    dossier = _assigned_now(db, world)
    act(db, processing.request_papers, dossier, actor=world[Role.APPRAISER], items=PAPERS,
        note="Nộp trong 10 ngày")
    assert dossier.status == Status.SUPPLEMENT_DURING_APPRAISAL
    assert dossier.step_due_at is None  # the clock stands still
    kinds = [d.kind for d in db.session.scalars(select(Document).where(
        Document.dossier_id == dossier.id))]
    assert kinds[-1] == "processing_supplement"
    assert "dossier.request_papers" in _actions(db, dossier)
    act(db, svc.resubmit, dossier, actor=world["applicant"], note="Đã bổ sung hợp đồng")
    assert dossier.status == Status.ASSIGNED  # back to the step that asked, not the desk
    assert dossier.step_key == "appraisal" and dossier.step_due_at is not None
    assert dossier.assignee_id == world[Role.APPRAISER].id
    assert _actions(db, dossier)[-1] == "dossier.clock_resume"


def test_head_asks_before_assignment_and_the_dossier_returns_to_assignment(db, world):
    dossier = _received_now(db, world)
    act(db, processing.request_papers, dossier, actor=world[Role.HEAD], items=PAPERS)
    assert dossier.status == Status.SUPPLEMENT_BEFORE_ASSIGNMENT
    act(db, svc.resubmit, dossier, actor=world[Role.CLERK])
    assert dossier.status == Status.RECEIVED and dossier.step_key == "assignment"


def test_the_pause_moves_the_due_date_and_the_on_time_report_counts_it(db, world):
    dossier = to_assigned(db, world, draft(db, world))  # received 02/03/2026 09:00
    old_due, old_start = dossier.due_at, dossier.clock_started_at
    act(db, processing.request_papers, dossier, actor=world[Role.APPRAISER], items=PAPERS)
    # The request went out on Wednesday 04/03/2026 at 09:00 (two working days used).
    request = db.session.scalar(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id))
    request.requested_at = datetime(2026, 3, 4, 2, 0)
    db.session.commit()
    act(db, svc.resubmit, dossier, actor=world["applicant"])
    calendar = calendar_for(2026)
    restart = calendar.clock_start(to_local(request.answered_at))
    pause = office_time_between(calendar, datetime(2026, 3, 4, 9, 0), restart)
    assert pause > 100  # the applicant answered months later
    expected = calendar.add_working_time(to_local(old_start), pause)
    assert dossier.clock_started_at == from_local(expected)
    # Two working days had been used: the restarted clock is two working days "old".
    assert office_time_between(calendar, to_local(dossier.clock_started_at), restart) == 2
    assert dossier.due_at > old_due
    # Decided after the first due moment but within the moved one: on time.
    dossier.status, dossier.outcome = Status.REJECTED, "rejected"
    dossier.decided_at = old_due + timedelta(days=1)
    db.session.commit()
    result = on_time(world["year"].id)
    assert (result.on_time, result.late) == (1, 0)


def test_a_request_without_any_line_is_refused_and_changes_nothing(db, world):
    dossier = _assigned_now(db, world)
    version, documents = dossier.version, _count(db, Document, dossier)
    with pytest.raises(InvalidInput, match="ít nhất một giấy tờ") as err:
        act(db, processing.request_papers, dossier, actor=world[Role.APPRAISER],
            items=[{"label": "  ", "note": "x"}])
    assert err.value.field == "items"
    db.session.refresh(dossier)
    assert dossier.status == Status.ASSIGNED and dossier.version == version
    assert _count(db, SupplementRequest, dossier) == 0
    assert _count(db, Document, dossier) == documents


def test_only_the_assigned_appraiser_or_the_head_may_ask(db, world, make_user):
    dossier = _assigned_now(db, world)
    with pytest.raises(Forbidden):
        act(db, processing.request_papers, dossier, actor=make_user(Role.APPRAISER),
            items=PAPERS)
    received = _received_now(db, world)
    with pytest.raises(ActionNotPermitted):  # no appraiser yet: the head's step
        act(db, processing.request_papers, received, actor=world[Role.APPRAISER],
            items=PAPERS)
    with pytest.raises(ActionNotPermitted):
        act(db, processing.request_papers, received, actor=world[Role.CLERK], items=PAPERS)


# ---------------------------------------------------------------- path 2


def _working_day_after(day: date, n: int = 3) -> date:
    return calendar_for(day.year).add_working_days(day, n)


def test_the_step_holding_the_dossier_apologises_with_a_new_date(db, world):
    dossier = _assigned_now(db, world)
    due = dossier.due_at
    new_date = _working_day_after(to_local(due).date())
    apology = act(db, processing.apologise, dossier, actor=world[Role.APPRAISER],
                  new_return_on=new_date, reason="Cần thẩm định thực tế lần hai.")
    assert apology.new_return_on == new_date and apology.step_key == "appraisal"
    assert apology.role == "appraiser" and apology.document_id is not None
    assert db.session.get(Document, apology.document_id).kind == "delay_apology"
    assert dossier.status == Status.ASSIGNED and dossier.due_at == due  # legal due kept
    assert "dossier.apologise" in _actions(db, dossier)
    assert dossier_outcome(dossier).promised_on == new_date
    assert processing.current_due(dossier) > due


def test_a_new_date_not_after_the_due_date_is_refused(db, world):
    dossier = _assigned_now(db, world)
    version = dossier.version
    with pytest.raises(InvalidInput, match="phải sau hạn") as err:
        act(db, processing.apologise, dossier, actor=world[Role.APPRAISER],
            new_return_on=to_local(dossier.due_at).date(), reason="Chậm")
    assert err.value.field == "new_return_on"
    db.session.refresh(dossier)
    assert dossier.version == version and _count(db, DelayApology, dossier) == 0


def test_no_apology_once_the_due_date_has_passed(db, world):
    dossier = _assigned_now(db, world)
    later = dossier.due_at + timedelta(minutes=1)
    with pytest.raises(Conflict, match="đã qua"):
        act(db, processing.apologise, dossier, actor=world[Role.APPRAISER],
            new_return_on=_working_day_after(to_local(later).date()), reason="Chậm",
            now=later)
    assert _count(db, DelayApology, dossier) == 0


def test_only_the_role_holding_the_step_apologises(db, world):
    dossier = _assigned_now(db, world)
    new_date = _working_day_after(to_local(dossier.due_at).date())
    with pytest.raises(ActionNotPermitted):
        act(db, processing.apologise, dossier, actor=world[Role.LEADER],
            new_return_on=new_date, reason="Chậm")
    received = _received_now(db, world)
    apology = act(db, processing.apologise, received, actor=world[Role.HEAD],
                  new_return_on=new_date, reason="Chưa bố trí được chuyên viên.")
    assert apology.role == "head" and apology.step_key == "assignment"


def test_an_apologised_dossier_still_counts_as_late(db, world):
    dossier = _assigned_now(db, world)
    act(db, processing.apologise, dossier, actor=world[Role.APPRAISER],
        new_return_on=_working_day_after(to_local(dossier.due_at).date()), reason="Chậm")
    dossier.status, dossier.outcome = Status.REJECTED, "rejected"
    dossier.decided_at = dossier.due_at + timedelta(hours=2)  # before the promised date
    db.session.commit()
    result = on_time(world["year"].id)
    assert (result.on_time, result.late) == (0, 1)


def test_past_due_without_apology_is_flagged(db, world):
    late, excused = _assigned_now(db, world), _assigned_now(db, world)
    act(db, processing.apologise, excused, actor=world[Role.APPRAISER],
        new_return_on=_working_day_after(to_local(excused.due_at).date(), 30), reason="Chậm")
    now = max(late.due_at, excused.due_at) + timedelta(hours=1)
    flagged = processing.overdue_without_apology(now)
    assert late in flagged and excused not in flagged
    assert processing.overdue_without_apology(late.due_at - timedelta(hours=1)) == []


def test_resume_is_not_a_new_receipt(db, world):
    dossier = _assigned_now(db, world)
    receipts = db.session.scalar(select(func.count(Document.id)).where(
        Document.dossier_id == dossier.id, Document.kind == "receipt"))
    act(db, processing.request_papers, dossier, actor=world[Role.HEAD], items=PAPERS)
    act(db, svc.resubmit, dossier, actor=world["applicant"])
    assert db.session.scalar(select(func.count(Document.id)).where(
        Document.dossier_id == dossier.id, Document.kind == "receipt")) == receipts
    assert isinstance(dossier.received_at, datetime)


def test_the_applicant_is_told_which_papers_to_add(db, world):
    from grants.models import Notification

    dossier = _assigned_now(db, world)
    act(db, processing.request_papers, dossier, actor=world[Role.APPRAISER], items=PAPERS)
    notice = db.session.scalar(select(Notification).where(
        Notification.user_id == world["applicant"].id,
        Notification.kind == "supplement_requested"))
    assert notice is not None and "Chi cục TĐC" in notice.body
    assert "Hợp đồng tư vấn ISO 9001" in notice.body


def test_a_step_split_by_a_request_for_papers_is_one_step_in_the_report(db, world):
    from grants.queries.reports.processing import step_times

    dossier = to_assigned(db, world, draft(db, world))
    act(db, processing.request_papers, dossier, actor=world[Role.APPRAISER], items=PAPERS)
    act(db, svc.resubmit, dossier, actor=world["applicant"])
    act(db, svc.record_visit, dossier, actor=world[Role.APPRAISER],
        visited_at=datetime(2026, 3, 5, 9, 0), place="Nhà máy", team="Phạm Thị Dung",
        findings="Đã áp dụng.")
    act(db, svc.appraise, dossier, actor=world[Role.APPRAISER], documents_ok=True,
        documents_note=None, eligible_costs={i.id: i.consulting_cost_vnd for i in dossier.items},
        recommendation="support", reasons=[], conclusion="Đủ điều kiện")
    overall, _officers = step_times(world["year"])
    appraisal = next(r for r in overall if r.key == "appraisal")
    assert appraisal.count == 1
