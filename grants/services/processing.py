"""Issue 14, paths 1 and 2: a supplement asked for after reception, and the apology for a
dossier that will be late, with its new return date.

Path 1: the head of division (before or during appraisal) or the assigned appraiser (during
appraisal) finds the dossier incomplete and asks for more papers. The dossier waits for the
applicant in a paused state (``PAUSED_IN_PROCESS``), its clock stands still, and on
resubmission (``dossiers.resubmit``) it goes back to the step that asked with the clock moved
forward by the pause (``clock.resume_clock``).

Path 2: the role owning the running step apologises before the due moment passes and promises
a new return date, later than the current one. The legal due moment is unchanged, so the
on-time report still counts the dossier as late if it is finished after it.
"""

import json
from datetime import date, datetime

from sqlalchemy import exists, select

from grants.db import from_local, to_local, utcnow
from grants.domain.calendar import DAY_END
from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.domain.workflow import (
    APOLOGY_STATES,
    ROLE_OF_STEP,
    STEP_OF_STATUS,
    Action,
    Status,
    next_status,
)
from grants.extensions import db
from grants.letters import DEFAULT_LETTERHEAD, Letterhead
from grants.models import DelayApology, Dossier, SupplementRequest, User
from grants.queries.calendar import calendar_for
from grants.services import audit, clock
from grants.services.dossiers import transition


def _items(items: list[dict]) -> list[dict]:
    return [{"label": (i.get("label") or "").strip(), "note": (i.get("note") or "").strip()}
            for i in items if (i.get("label") or "").strip()]


def _appraiser_only(dossier: Dossier, actor: User) -> None:
    """An appraiser acts only on the dossiers assigned to them (the head on any)."""
    if not actor.has_role(Role.HEAD) and dossier.assignee_id != actor.id:
        raise Forbidden("Hồ sơ này được phân công cho chuyên viên khác.")


def request_papers(dossier: Dossier, *, actor: User, items: list[dict], note: str | None = None,
                   expected_version: int | None = None,
                   letterhead: Letterhead = DEFAULT_LETTERHEAD) -> SupplementRequest:
    """Ask the applicant for more papers after reception (each listed, with a note); the clock
    stops until the papers come, and the notice is issued.

    Raises InvalidTransition / ActionNotPermitted (the workflow table), Forbidden (another
    appraiser's dossier), InvalidInput (field "items": no paper listed), Conflict (stale)."""
    next_status(dossier.status, Action.REQUEST_PAPERS, actor.roles)
    if dossier.status == Status.ASSIGNED and not actor.has_role(Role.HEAD):
        _appraiser_only(dossier, actor)
    items = _items(items)
    if not items:
        raise InvalidInput("Liệt kê ít nhất một giấy tờ cần bổ sung.", field="items")
    step = dossier.step_key
    transition(dossier, Action.REQUEST_PAPERS, actor, note=(note or "").strip() or None,
               expected_version=expected_version,
               details={"items": items, "step": step, "due_at": dossier.due_at})
    request = SupplementRequest(dossier_id=dossier.id, requested_by_id=actor.id,
                                items_json=json.dumps(items, ensure_ascii=False))
    db.session.add(request)
    db.session.flush()
    from grants.services import documents

    documents.issue_document(dossier, DocumentKind.PROCESSING_SUPPLEMENT, actor=actor,
                             letterhead=letterhead)
    return request


def resume_after_papers(dossier: Dossier, request: SupplementRequest, *, actor: User) -> None:
    """After ``dossiers.resubmit`` answered a request made after reception: restart the clock
    where it stopped (due date and step deadline moved forward by the pause), audited."""
    before = dossier.due_at
    pause = clock.resume_clock(dossier, request.requested_at, request.answered_at or utcnow())
    dossier.step_due_at = clock.step_due(dossier, dossier.step_key)
    db.session.flush()
    audit.record("dossier.clock_resume", dossier, actor=actor, dossier=dossier,
                 before={"due_at": before},
                 after={"due_at": dossier.due_at, "pause_days": str(pause)})


# ---------------------------------------------------------------- apology for a late dossier


def latest_apology(dossier_id: int) -> DelayApology | None:
    return db.session.scalar(select(DelayApology).where(DelayApology.dossier_id == dossier_id)
                             .order_by(DelayApology.id.desc()).limit(1))


def promised_on(dossier: Dossier) -> date | None:
    """The new return date the latest apology promised, or None."""
    apology = latest_apology(dossier.id)
    return apology.new_return_on if apology else None


def current_due(dossier: Dossier) -> datetime | None:
    """The moment (UTC) the result is now owed: 17:00 of the promised date after an apology,
    else the legal due moment."""
    promised = promised_on(dossier)
    if promised is not None:
        return from_local(datetime.combine(promised, DAY_END))
    return dossier.due_at


def apologise(dossier: Dossier, *, actor: User, new_return_on: date | None, reason: str,
              expected_version: int | None = None, now: datetime | None = None,
              letterhead: Letterhead = DEFAULT_LETTERHEAD) -> DelayApology:
    """The step holding a dossier that will be late apologises and sets a new return date.

    Only the role owning the running step may (an appraiser only on their own dossier), only
    before the current due moment has passed, and the new date must be a working day after
    the current due date. The legal due moment is kept. Raises InvalidTransition /
    ActionNotPermitted, Forbidden, Conflict (no running clock, already past due, stale),
    InvalidInput (field "reason" or "new_return_on")."""
    next_status(dossier.status, Action.APOLOGISE, actor.roles)
    if dossier.status == Status.ASSIGNED:
        _appraiser_only(dossier, actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Nêu lý do chậm trả kết quả.", field="reason")
    due = current_due(dossier)
    if due is None:
        raise Conflict("Hồ sơ chưa có hạn trả kết quả.")
    now = now or utcnow()
    due_local = to_local(due)
    if now > due:
        raise Conflict(f"Hạn trả kết quả ({due_local:%H:%M ngày %d/%m/%Y}) đã qua: phiếu xin lỗi "
                       "và hẹn lại ngày trả kết quả phải được lập trước khi hết hạn.")
    if new_return_on is None:
        raise InvalidInput("Nhập ngày hẹn trả kết quả mới.", field="new_return_on")
    if new_return_on <= due_local.date():
        raise InvalidInput(f"Ngày hẹn trả mới phải sau hạn trả kết quả hiện tại "
                           f"({due_local:%d/%m/%Y}).", field="new_return_on")
    if not calendar_for(new_return_on.year).is_working_day(new_return_on):
        raise InvalidInput(f"Ngày {new_return_on:%d/%m/%Y} là ngày nghỉ; hãy hẹn vào một ngày "
                           "làm việc.", field="new_return_on")
    step = STEP_OF_STATUS[Status(dossier.status)]
    transition(dossier, Action.APOLOGISE, actor, note=reason, expected_version=expected_version,
               details={"step": step.value, "due_before": due,
                        "new_return_on": new_return_on})
    apology = DelayApology(dossier_id=dossier.id, step_key=step.value,
                           role=ROLE_OF_STEP[step].value, reason=reason, due_before=due,
                           new_return_on=new_return_on, apologised_by_id=actor.id)
    db.session.add(apology)
    db.session.flush()
    from grants.services import documents

    document = documents.issue_document(dossier, DocumentKind.DELAY_APOLOGY, actor=actor,
                                        letterhead=letterhead)
    apology.document_id = document.id
    db.session.flush()
    return apology


def overdue_without_apology(now: datetime | None = None, limit: int = 50) -> list[Dossier]:
    """Dossiers past their due moment with no apology (none, or one whose promised date has
    also passed: the latest apology counts), most overdue first: the head's warning list."""
    now = now or utcnow()
    promised_after = exists().where(
        DelayApology.dossier_id == Dossier.id,
        DelayApology.new_return_on >= to_local(now).date())
    rows = db.session.scalars(
        select(Dossier).where(Dossier.status.in_(sorted(s.value for s in APOLOGY_STATES)),
                              Dossier.due_at.is_not(None), Dossier.due_at < now,
                              ~promised_after)
        .order_by(Dossier.due_at, Dossier.id).limit(limit))
    return list(rows)
