"""Dossier lifecycle use cases: one function per action, each flushing one unit of work.

Every status change goes through ``transition`` (the only writer of ``Dossier.status``), which
checks the role against the workflow table, the object against the actor, the version the user
saw, and writes the audit event. Callers wrap a call in ``atomic()``.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.db import from_local, local_now, lock_for_update, to_local, utcnow
from grants.domain.declaration import SUBMIT_DECLARATION
from grants.domain.enums import (
    Channel,
    CopyKind,
    DocumentKind,
    EventKind,
    Outcome,
    Recommendation,
)
from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.money import format_vnd, support_amount
from grants.domain.policy import APPLICANT_EDITABLE, Permission, can
from grants.domain.roles import Role
from grants.domain.workflow import STEP_OF_STATUS, Action, Status, fits_authority, next_status
from grants.domain.workflow_states import APPROVED_OR_LATER, PAUSED_IN_PROCESS
from grants.extensions import db
from grants.letters import DEFAULT_LETTERHEAD, Letterhead
from grants.models import (
    Appraisal,
    ChecklistResult,
    Decision,
    Document,
    Dossier,
    DossierItem,
    Organisation,
    ProgramYear,
    SiteVisit,
    SupplementRequest,
    SupportRule,
    User,
)
from grants.services import audit, clock, events
from grants.services.numbering import dossier_code


@dataclass(frozen=True)
class ItemInput:
    catalogue_code: str
    consulting_cost_vnd: int
    requested_vnd: int
    evidence: str | None = None


# ---------------------------------------------------------------- helpers


def lock_dossier(dossier_id: int) -> Dossier:
    """Load a dossier locked for update, with fresh values (PostgreSQL); NotFound if missing."""
    dossier = db.session.execute(
        lock_for_update(select(Dossier).where(Dossier.id == dossier_id), of=Dossier)
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def _check_object(dossier: Dossier, actor: User) -> None:
    if not can(actor, Permission.VIEW_DOSSIER, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")


def _check_version(dossier: Dossier, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != dossier.version:
        raise Conflict("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang để xem "
                       "trạng thái mới nhất rồi thao tác lại.")


def _acting_roles(actor: User) -> frozenset[Role]:
    return actor.roles


def transition(dossier: Dossier, action: Action, actor: User, *, note: str | None = None,
               expected_version: int | None = None, details: dict | None = None) -> Status:
    """Apply ``action`` for ``actor``; the only writer of ``Dossier.status``.

    Raises NotFound (object not visible), InvalidTransition (409), ActionNotPermitted (403),
    Conflict (stale version).
    """
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    before = dossier.status
    target = next_status(before, action, _acting_roles(actor))
    dossier.status = target
    step = STEP_OF_STATUS.get(target)
    dossier.step_key = step.value if step else None
    dossier.step_due_at = clock.step_due(dossier, dossier.step_key)
    db.session.flush()
    audit.record(f"dossier.{action.value}", dossier, actor=actor, dossier=dossier,
                 from_status=before.value, to_status=target.value, note=note,
                 after=details)
    events.emit(EventKind.STATUS_CHANGED, dossier=dossier, actor=actor,
                payload={"action": action.value, "from_status": before.value,
                         "to_status": target.value, "note": note})
    return target


def _issue(dossier: Dossier, kind: DocumentKind, actor: User, letterhead: Letterhead) -> None:
    """Issue the slip/minutes that ends this step (stored as issued, in the same transaction)
    under ``letterhead``, which the verbs that issue one take from their caller (the web edge
    reads it from the settings)."""
    from grants.services import documents

    documents.issue_document(dossier, kind, actor=actor, letterhead=letterhead)


def _require_text(value: str | None, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _rules_by_code(year: ProgramYear) -> dict[str, SupportRule]:
    return {r.catalogue_item.code: r for r in year.rules if r.catalogue_item.is_active}


def previous_support(organisation_id: int, catalogue_item_ids, *,
                     exclude_dossier_id: int | None = None) -> dict[int, list[str]]:
    """Catalogue item id → codes of earlier dossiers of the organisation supported for it."""
    stmt = (select(DossierItem.catalogue_item_id, Dossier.code)
            .join(Dossier, DossierItem.dossier_id == Dossier.id)
            .where(Dossier.organisation_id == organisation_id,
                   Dossier.outcome == Outcome.APPROVED.value,
                   Dossier.status.in_(sorted(APPROVED_OR_LATER)),
                   DossierItem.catalogue_item_id.in_(list(catalogue_item_ids)),
                   DossierItem.approved_vnd > 0))
    if exclude_dossier_id:
        stmt = stmt.where(Dossier.id != exclude_dossier_id)
    found: dict[int, list[str]] = {}
    for item_id, code in db.session.execute(stmt):
        found.setdefault(item_id, []).append(code)
    return found


def support_warnings(dossier: Dossier) -> list[str]:
    """Vietnamese warnings when the organisation was already supported for a requested item."""
    items = {i.catalogue_item_id: i for i in dossier.items}
    found = previous_support(dossier.organisation_id, items, exclude_dossier_id=dossier.id)
    return [f"Tổ chức đã được hỗ trợ cho «{items[i].catalogue_item.name}» "
            f"(hồ sơ {', '.join(codes)})." for i, codes in found.items()]


# ---------------------------------------------------------------- filing


def _build_items(year: ProgramYear, items: list[ItemInput]) -> list[DossierItem]:
    if not items:
        raise InvalidInput("Hồ sơ cần ít nhất một tiêu chuẩn/công cụ đề nghị hỗ trợ.",
                           field="items")
    rules = _rules_by_code(year)
    seen = set()
    new_items = []
    for index, item in enumerate(items):
        field = f"items-{index}"
        rule = rules.get(item.catalogue_code)
        if rule is None:
            raise InvalidInput(f"«{item.catalogue_code}» không thuộc danh mục hỗ trợ năm "
                               f"{year.year}.", field=f"{field}-catalogue_code")
        if item.catalogue_code in seen:
            raise InvalidInput(f"«{item.catalogue_code}» được đề nghị hai lần trong một hồ sơ.",
                               field=f"{field}-catalogue_code")
        seen.add(item.catalogue_code)
        for name in ("consulting_cost_vnd", "requested_vnd"):
            value = getattr(item, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInput("Số tiền phải là số nguyên đồng, không âm.",
                                   field=f"{field}-{name}")
        if item.requested_vnd <= 0:
            raise InvalidInput("Số tiền đề nghị hỗ trợ phải lớn hơn 0.",
                               field=f"{field}-requested_vnd")
        if item.requested_vnd > item.consulting_cost_vnd:
            raise InvalidInput("Số tiền đề nghị không được lớn hơn chi phí tư vấn, chứng nhận.",
                               field=f"{field}-requested_vnd")
        new_items.append(DossierItem(catalogue_item_id=rule.catalogue_item_id,
                                     consulting_cost_vnd=item.consulting_cost_vnd,
                                     requested_vnd=item.requested_vnd,
                                     evidence=(item.evidence or "").strip() or None))
    return new_items


def create_draft(organisation: Organisation, year: ProgramYear, *, actor: User,
                 items: list[ItemInput], channel: str = Channel.ONLINE.value,
                 return_channel: str = Channel.ONLINE.value, submitter_name: str | None = None,
                 submitter_phone: str | None = None, submitter_email: str | None = None,
                 note: str | None = None, external_ref: str | None = None) -> Dossier:
    """A new draft dossier for ``organisation`` in ``year`` (applicant of that org, or clerk);
    ``external_ref`` is the one-stop software's own number for it (unique).

    An applicant files online, as itself: another channel (which would skip the check of the
    uploaded papers at submission) or a reference number (the one-stop software's) is
    Forbidden, and the submitter is the applicant's account whatever was sent.
    """
    if not can(actor, Permission.FILE_FOR, organisation):
        raise Forbidden("Bạn không thể lập hồ sơ cho tổ chức này.")
    if not actor.is_staff:
        if channel != Channel.ONLINE.value:
            raise Forbidden("Tổ chức nộp hồ sơ trực tuyến; hồ sơ nộp trực tiếp hoặc qua bưu "
                            "chính do Bộ phận một cửa lập.", field="channel")
        if external_ref is not None:
            raise Forbidden("Chỉ phần mềm một cửa (mã truy cập của cán bộ) được gắn số tham "
                            "chiếu cho hồ sơ.", field="external_ref")
        submitter_name, submitter_phone, submitter_email = (actor.full_name, actor.phone,
                                                            actor.email)
    if year.is_closed or not year.intake_open:
        raise Conflict(f"Năm {year.year} hiện không tiếp nhận hồ sơ.")
    if external_ref is not None and db.session.scalar(
            select(Dossier.id).where(Dossier.external_ref == external_ref)) is not None:
        raise Conflict(f"Đã có hồ sơ mang số tham chiếu «{external_ref}».",
                       field="external_ref")
    Channel(channel), Channel(return_channel)
    code = dossier_code(year.year)  # rolled back with the rest if anything below fails
    with db.session.no_autoflush:  # the dossier joins the session only once it is complete
        dossier = Dossier(code=code, organisation=organisation, program_year=year,
                          status=Status.DRAFT.value, channel=channel,
                          return_channel=return_channel, submitter_name=submitter_name,
                          submitter_phone=submitter_phone, submitter_email=submitter_email,
                          note=note, created_by_id=actor.id, external_ref=external_ref)
        dossier.items = _build_items(year, items)
    db.session.add(dossier)
    db.session.flush()
    audit.record("dossier.create", dossier, actor=actor, dossier=dossier,
                 to_status=Status.DRAFT.value,
                 after={"items": [i.catalogue_code for i in items], "channel": channel})
    return dossier


def update_draft(dossier: Dossier, *, actor: User, items: list[ItemInput],
                 return_channel: str | None = None, note: str | None = None,
                 expected_version: int | None = None) -> Dossier:
    """Replace a draft's (or a supplement-requested dossier's) items and details."""
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    if dossier.status not in APPLICANT_EDITABLE:
        raise Conflict("Chỉ sửa được hồ sơ nháp hoặc hồ sơ đang được yêu cầu bổ sung.")
    before = [(i.catalogue_item.code, i.requested_vnd) for i in dossier.items]
    new_items = _build_items(dossier.program_year, items)  # validated before anything changes
    dossier.items.clear()
    db.session.flush()  # delete the old rows first: (dossier, catalogue item) is unique
    dossier.items = new_items
    if return_channel:
        dossier.return_channel = Channel(return_channel).value
    dossier.note = note
    db.session.flush()
    audit.record("dossier.update", dossier, actor=actor, dossier=dossier,
                 before={"items": before},
                 after={"items": [(i.catalogue_code, i.requested_vnd) for i in items]})
    return dossier


def missing_uploads(dossier: Dossier) -> list[str]:
    """Required checklist lines of the year with no uploaded file."""
    present = {a.checklist_item_id for a in dossier.attachments if not a.is_removed}
    return [c.label for c in dossier.program_year.checklist
            if c.is_required and c.id not in present]


def submit(dossier: Dossier, *, actor: User, expected_version: int | None = None,
           declaration: bool = False) -> None:
    """File a draft. Online dossiers need a file for every required checklist line. An
    applicant filing its own dossier must make the declaration (``SUBMIT_DECLARATION``), whose
    text goes into the submit step's note; the desk files paper dossiers, whose signed form
    carries it. Raises InvalidInput (field "declaration") without it."""
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    if dossier.channel == Channel.ONLINE.value:
        missing = missing_uploads(dossier)
        if missing:
            raise InvalidInput("Chưa đính kèm: " + "; ".join(missing) + ".", field="attachments")
    if not dossier.program_year.intake_open or dossier.program_year.is_closed:
        raise Conflict(f"Năm {dossier.program_year.year} hiện không tiếp nhận hồ sơ.")
    from grants.services.identity import check_may_submit

    check_may_submit(dossier, actor)  # a verified organisation, a confirmed e-mail (issue 13)
    own = actor.organisation_id is not None and actor.organisation_id == dossier.organisation_id
    if own and not declaration:
        raise InvalidInput("Hãy đánh dấu ô cam đoan (thông tin và giấy tờ trong hồ sơ là đúng sự "
                           "thật) trước khi nộp hồ sơ.", field="declaration")
    transition(dossier, Action.SUBMIT, actor, expected_version=expected_version,
               note=f"Cam đoan: {SUBMIT_DECLARATION}" if own else None)
    dossier.submitted_at = utcnow()
    dossier.step_due_at = None  # reception's clock starts when the desk receives it


def resubmit(dossier: Dossier, *, actor: User, note: str | None = None,
             expected_version: int | None = None) -> None:
    """Answer a supplement request; the desk will receive it again (a new receipt). A request
    made after reception sends the dossier back to the step that asked, its clock resumed."""
    request = db.session.scalar(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id, SupplementRequest.answered_at.is_(None))
        .order_by(SupplementRequest.id.desc()))
    paused = dossier.status in PAUSED_IN_PROCESS
    transition(dossier, Action.RESUBMIT, actor, note=note, expected_version=expected_version)
    if request is not None:
        request.answered_at = utcnow()
        request.answer_note = note
    if paused and request is not None:  # asked after reception: back to that step (issue 14)
        from grants.services.processing import resume_after_papers

        resume_after_papers(dossier, request, actor=actor)
        return
    dossier.submitted_at = utcnow()


def withdraw(dossier: Dossier, *, actor: User, reason: str | None = None,
             expected_version: int | None = None) -> None:
    """The applicant withdraws its dossier before a decision."""
    transition(dossier, Action.WITHDRAW, actor, note=reason, expected_version=expected_version)
    dossier.finished_at = utcnow()


# ---------------------------------------------------------------- one-stop desk


@dataclass(frozen=True)
class ChecklistLine:
    checklist_item_id: int
    is_present: bool
    copy_kind: str | None = None
    note: str | None = None


def record_checklist(dossier: Dossier, lines: list[ChecklistLine], *, actor: User) -> list[str]:
    """Store the desk's completeness check; returns the labels of required lines missing."""
    by_id = {c.id: c for c in dossier.program_year.checklist}
    existing = {r.checklist_item_id: r for r in dossier.checklist_results}
    now = utcnow()
    for line in lines:
        if line.checklist_item_id not in by_id:
            raise InvalidInput("Dòng danh mục giấy tờ không thuộc năm của hồ sơ.",
                               field="checklist")
    no_kind = [line.checklist_item_id for line in lines if line.is_present and not line.copy_kind]
    if no_kind:  # every line at once, named by the first one's field
        labels = ", ".join(f"«{by_id[i].label}»" for i in no_kind)
        raise InvalidInput(f"Chọn hình thức bản sao cho {labels}.", field=f"copy_kind_{no_kind[0]}")
    for line in lines:
        kind = CopyKind(line.copy_kind).value if line.copy_kind else None
        row = existing.get(line.checklist_item_id) or ChecklistResult(
            checklist_item_id=line.checklist_item_id)
        row.is_present, row.copy_kind, row.note = line.is_present, kind, line.note
        if kind == CopyKind.ORIGINAL_SIGHTED.value:
            row.sighted_by_id, row.sighted_at = actor.id, now
        else:
            row.sighted_by_id, row.sighted_at = None, None
        if row.checklist_item_id not in existing:
            dossier.checklist_results.append(row)
    db.session.flush()
    present = {r.checklist_item_id for r in dossier.checklist_results if r.is_present}
    return [c.label for c in dossier.program_year.checklist
            if c.is_required and c.id not in present]


def receive(dossier: Dossier, *, actor: User, lines: list[ChecklistLine] | None = None,
            received_at: datetime | None = None, expected_version: int | None = None,
            letterhead: Letterhead = DEFAULT_LETTERHEAD) -> list[str]:
    """Receive a complete dossier: start the working-day clock (15:00 rule); returns warnings
    (e.g. earlier support for the same item, flagged here and blocked at approval)."""
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)  # before writing anything: writes bump it
    if lines is not None:
        missing = record_checklist(dossier, lines, actor=actor)
    else:
        present = {r.checklist_item_id for r in dossier.checklist_results if r.is_present}
        missing = [c.label for c in dossier.program_year.checklist
                   if c.is_required and c.id not in present]
    if missing:
        raise InvalidInput("Hồ sơ chưa đầy đủ, chưa thể tiếp nhận. Thiếu: " + "; ".join(missing)
                           + ". Hãy yêu cầu bổ sung.", field="checklist")
    dossier.received_at = received_at or utcnow()
    clock.start_clock(dossier, dossier.received_at)
    warnings = support_warnings(dossier)
    transition(dossier, Action.RECEIVE, actor,
               details={"due_at": dossier.due_at, "warnings": warnings})
    _issue(dossier, DocumentKind.RECEIPT, actor, letterhead)
    return warnings


def request_supplement(dossier: Dossier, *, actor: User, items: list[dict],
                       lines: list[ChecklistLine] | None = None,
                       expected_version: int | None = None,
                       letterhead: Letterhead = DEFAULT_LETTERHEAD) -> SupplementRequest:
    """Ask for missing or incorrect papers (each listed); the clock stops."""
    items = [{"label": (i.get("label") or "").strip(), "note": (i.get("note") or "").strip()}
             for i in items if (i.get("label") or "").strip()]
    if not items:
        raise InvalidInput("Liệt kê ít nhất một giấy tờ cần bổ sung.", field="items")
    if lines is not None:
        record_checklist(dossier, lines, actor=actor)
    transition(dossier, Action.REQUEST_SUPPLEMENT, actor, expected_version=expected_version,
               details={"items": items})
    request = SupplementRequest(dossier_id=dossier.id, requested_by_id=actor.id,
                                items_json=json.dumps(items, ensure_ascii=False))
    db.session.add(request)
    dossier.clock_started_at = None
    dossier.due_at = None
    dossier.step_due_at = None
    db.session.flush()
    _issue(dossier, DocumentKind.SUPPLEMENT_REQUEST, actor, letterhead)
    return request


def refuse(dossier: Dossier, *, actor: User, reason: str,
           expected_version: int | None = None,
           letterhead: Letterhead = DEFAULT_LETTERHEAD) -> None:
    """Refuse at intake, with the reason (written on the refusal slip)."""
    reason = _require_text(reason, "reason", "Nhập lý do từ chối tiếp nhận.")
    transition(dossier, Action.REFUSE, actor, note=reason, expected_version=expected_version)
    dossier.finished_at = utcnow()
    _issue(dossier, DocumentKind.INTAKE_REFUSAL, actor, letterhead)


def return_result(dossier: Dossier, *, actor: User, channel: str, collected_by: str | None,
                  shown_document: str | None, note: str | None = None,
                  expected_version: int | None = None) -> None:
    """Hand the result over (in person: who collected it and what they showed)."""
    channel = Channel(channel).value
    if channel == Channel.COUNTER.value:
        _require_text(collected_by, "collected_by", "Nhập họ tên người nhận kết quả.")
        _require_text(shown_document, "shown_document",
                      "Ghi giấy tờ người nhận xuất trình (giấy hẹn hoặc giấy giới thiệu).")
    transition(dossier, Action.RETURN_RESULT, actor, note=note, expected_version=expected_version,
               details={"channel": channel, "collected_by": collected_by,
                        "shown_document": shown_document})
    dossier.finished_at = dossier.finished_at or utcnow()


# ---------------------------------------------------------------- division


def assign(dossier: Dossier, *, actor: User, appraiser: User,
           expected_version: int | None = None) -> Appraisal:
    """Assign (or reassign) an appraiser; opens an appraisal round if none is open."""
    if appraiser is None or not appraiser.has_role(Role.APPRAISER) or not appraiser.is_active:
        raise InvalidInput("Chọn một chuyên viên thẩm định đang hoạt động.", field="appraiser_id")
    transition(dossier, Action.ASSIGN, actor, expected_version=expected_version,
               details={"appraiser": appraiser.email})
    dossier.assignee_id = appraiser.id
    current = open_appraisal(dossier)
    if current is None:
        current = Appraisal(dossier_id=dossier.id, round=_next_round(dossier),
                            appraiser_id=appraiser.id)
        db.session.add(current)
    else:
        current.appraiser_id = appraiser.id
    db.session.flush()
    return current


def _next_round(dossier: Dossier) -> int:
    rounds = db.session.scalars(select(Appraisal.round).where(Appraisal.dossier_id == dossier.id))
    return max(rounds, default=0) + 1


def open_appraisal(dossier: Dossier) -> Appraisal | None:
    return db.session.scalar(select(Appraisal).where(Appraisal.dossier_id == dossier.id,
                                                     Appraisal.completed_at.is_(None))
                             .order_by(Appraisal.round.desc()))


def latest_appraisal(dossier: Dossier) -> Appraisal | None:
    return db.session.scalar(select(Appraisal).where(Appraisal.dossier_id == dossier.id)
                             .order_by(Appraisal.round.desc()))


def review(dossier: Dossier, *, actor: User, note: str | None = None,
           expected_version: int | None = None) -> None:
    """The head accepts the appraisal and submits it to the leadership."""
    transition(dossier, Action.REVIEW, actor, note=note, expected_version=expected_version)
    appraisal = latest_appraisal(dossier)
    if appraisal is not None:
        appraisal.review_note, appraisal.reviewed_by_id = note, actor.id
        appraisal.reviewed_at = utcnow()


def return_for_rework(dossier: Dossier, *, actor: User, note: str,
                      expected_version: int | None = None) -> None:
    """Send the appraisal back to the appraiser with a note; a new appraisal round opens."""
    note = _require_text(note, "note", "Ghi rõ nội dung cần thẩm định lại.")
    transition(dossier, Action.RETURN_FOR_REWORK, actor, note=note,
               expected_version=expected_version)
    db.session.add(Appraisal(dossier_id=dossier.id, round=_next_round(dossier),
                             appraiser_id=dossier.assignee_id, review_note=note))
    db.session.flush()


# ---------------------------------------------------------------- appraiser


def _require_assignee(dossier: Dossier, actor: User) -> None:
    if not can(actor, Permission.APPRAISE, dossier):
        raise Forbidden("Hồ sơ này được phân công cho chuyên viên khác.")


VISIT_FIELDS = ("visited_local", "place", "team", "findings", "org_representatives")


def _check_visit_date(dossier: Dossier, visited_at: datetime | None) -> None:
    """A visit happens between the dossier's reception (its local date) and now."""
    if visited_at is None:
        raise InvalidInput("Nhập thời gian thẩm định thực tế.", field="visited_at")
    if visited_at > local_now():
        raise InvalidInput(f"Thời gian thẩm định thực tế ({visited_at:%d/%m/%Y %H:%M}) chưa "
                           "đến: chỉ ghi nhận lần thẩm định đã diễn ra.", field="visited_at")
    received = to_local(dossier.received_at)
    if received is not None and visited_at.date() < received.date():
        raise InvalidInput(f"Ngày thẩm định thực tế ({visited_at:%d/%m/%Y}) trước ngày tiếp "
                           f"nhận hồ sơ ({received:%d/%m/%Y}).", field="visited_at")


def _visit_values(dossier: Dossier, *, visited_at: datetime | None, place: str | None,
                  team: str | None, findings: str | None,
                  org_representatives: str | None) -> dict:
    _check_visit_date(dossier, visited_at)
    return {"visited_local": visited_at,
            "place": _require_text(place, "place", "Nhập địa điểm thẩm định."),
            "team": _require_text(team, "team", "Nhập thành phần đoàn thẩm định."),
            "findings": _require_text(findings, "findings", "Nhập kết quả thẩm định thực tế."),
            "org_representatives": (org_representatives or "").strip() or None}


def record_visit(dossier: Dossier, *, actor: User, visited_at: datetime, place: str, team: str,
                 findings: str, org_representatives: str | None = None,
                 expected_version: int | None = None,
                 letterhead: Letterhead = DEFAULT_LETTERHEAD) -> SiteVisit:
    """Record an on-site appraisal visit (``visited_at`` in local time, between the dossier's
    reception date and now: InvalidInput on ``visited_at`` otherwise) and issue its minutes."""
    _check_object(dossier, actor)
    _require_assignee(dossier, actor)
    values = _visit_values(dossier, visited_at=visited_at, place=place, team=team,
                           findings=findings, org_representatives=org_representatives)
    transition(dossier, Action.RECORD_VISIT, actor, expected_version=expected_version,
               details={"visited_at": visited_at, "place": values["place"]})
    visit = SiteVisit(dossier_id=dossier.id, recorded_by_id=actor.id, **values)
    db.session.add(visit)
    db.session.flush()
    _issue_minutes(dossier, visit, actor, letterhead)
    return visit


def _issue_minutes(dossier: Dossier, visit: SiteVisit, actor: User, letterhead: Letterhead,
                   correction: str | None = None) -> None:
    from grants.services import documents

    documents.issue_document(dossier, DocumentKind.APPRAISAL_MINUTES, actor=actor,
                             letterhead=letterhead, site_visit=visit, correction=correction)


def _open_visit(dossier: Dossier, visit: SiteVisit, actor: User,
                expected_version: int | None) -> None:
    """The visits of a dossier change only while its appraisal is open, by its appraiser."""
    _check_object(dossier, actor)
    if visit.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy lần thẩm định thực tế này.")
    next_status(dossier.status, Action.RECORD_VISIT, actor.roles)
    _require_assignee(dossier, actor)
    _check_version(dossier, expected_version)
    if visit.is_voided:
        raise Conflict("Lần thẩm định thực tế này đã bị hủy.")


def correct_visit(dossier: Dossier, visit: SiteVisit, *, actor: User, reason: str,
                  visited_at: datetime, place: str, team: str, findings: str,
                  org_representatives: str | None = None, expected_version: int | None = None,
                  letterhead: Letterhead = DEFAULT_LETTERHEAD) -> SiteVisit:
    """Correct a visit recorded wrongly (reason required), audited with the values before
    and after. The minutes already issued stay as issued; new minutes of the visit, which
    say they replace the earlier ones and why, are issued and supersede them.

    Raises InvalidInput (reason, dates, nothing changed), Conflict (voided visit, stale
    version, appraisal no longer open), Forbidden (another appraiser's dossier)."""
    _open_visit(dossier, visit, actor, expected_version)
    reason = _require_text(reason, "reason", "Ghi rõ lý do điều chỉnh.")
    values = _visit_values(dossier, visited_at=visited_at, place=place, team=team,
                           findings=findings, org_representatives=org_representatives)
    before = {f: getattr(visit, f) for f, v in values.items() if getattr(visit, f) != v}
    if not before:
        raise InvalidInput("Nội dung điều chỉnh giống hệt lần ghi nhận trước; không có gì để "
                           "điều chỉnh.")
    for name in before:
        setattr(visit, name, values[name])
    db.session.flush()
    audit.record("site_visit.correct", visit, actor=actor, dossier=dossier, note=reason,
                 before=before, after={f: values[f] for f in before})
    _issue_minutes(dossier, visit, actor, letterhead, correction=reason)
    return visit


def void_visit(dossier: Dossier, visit: SiteVisit, *, actor: User, reason: str,
               expected_version: int | None = None) -> SiteVisit:
    """Void a visit recorded by mistake (reason required): it stays on record, struck, with
    its minutes as issued, but no longer counts (an appraisal needs a visit that counts).
    Audited. Raises as ``correct_visit``."""
    _open_visit(dossier, visit, actor, expected_version)
    reason = _require_text(reason, "reason", "Ghi rõ lý do hủy lần thẩm định thực tế.")
    visit.voided_at, visit.voided_by_id, visit.void_reason = utcnow(), actor.id, reason
    db.session.flush()
    audit.record("site_visit.void", visit, actor=actor, dossier=dossier, note=reason,
                 before={"voided_at": None},
                 after={"voided_at": visit.voided_at, "void_reason": reason})
    return visit


def site_visits(dossier: Dossier) -> list[SiteVisit]:
    """Every visit of the dossier, voided ones too, in the order they took place."""
    return list(db.session.scalars(select(SiteVisit).where(SiteVisit.dossier_id == dossier.id)
                                   .order_by(SiteVisit.visited_local, SiteVisit.id)))


def site_visit_of(dossier: Dossier, visit_id: int) -> SiteVisit:
    """A visit of the dossier; NotFound otherwise."""
    visit = db.session.get(SiteVisit, visit_id)
    if visit is None or visit.dossier_id != dossier.id:
        raise NotFound("Không tìm thấy lần thẩm định thực tế này.")
    return visit


def proposed_amount(item: DossierItem, eligible_cost_vnd: int) -> int:
    """The year's rule for one item: min(share × eligible cost, cap, requested)."""
    rule = db.session.scalar(select(SupportRule).where(
        SupportRule.program_year_id == item.dossier.program_year_id,
        SupportRule.catalogue_item_id == item.catalogue_item_id))
    if rule is None:
        return 0
    return support_amount(eligible_cost_vnd=eligible_cost_vnd, share_percent=rule.share_percent,
                          cap_vnd=rule.cap_vnd, requested_vnd=item.requested_vnd)


def appraise(dossier: Dossier, *, actor: User, documents_ok: bool, documents_note: str | None,
             eligible_costs: dict[int, int], recommendation: str, reasons: list[str],
             conclusion: str | None, expected_version: int | None = None) -> Appraisal:
    """Finish the appraisal: eligible cost per item → proposed amount by the year's rule, and a
    recommendation (reasons required to recommend rejection). Needs a site visit first."""
    _check_object(dossier, actor)
    _require_assignee(dossier, actor)
    recommendation = Recommendation(recommendation).value
    if not [v for v in site_visits(dossier) if not v.is_voided]:
        raise Conflict("Cần ghi nhận thẩm định thực tế tại tổ chức trước khi hoàn thành "
                       "thẩm định.")
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if recommendation == Recommendation.REJECT.value and not reasons:
        raise InvalidInput("Đề xuất không hỗ trợ cần nêu rõ lý do.", field="reasons")
    for item in dossier.items:
        eligible = eligible_costs.get(item.id)
        if eligible is None:
            raise InvalidInput(f"Nhập chi phí hợp lệ cho «{item.catalogue_item.name}».",
                               field=f"eligible_{item.id}")
        if eligible < 0 or eligible > item.consulting_cost_vnd:
            raise InvalidInput("Chi phí hợp lệ phải từ 0 đến chi phí tư vấn "
                               f"({format_vnd(item.consulting_cost_vnd)}).",
                               field=f"eligible_{item.id}")
        item.eligible_cost_vnd = eligible
        item.proposed_vnd = (proposed_amount(item, eligible)
                             if recommendation == Recommendation.SUPPORT.value else 0)
    if recommendation == Recommendation.SUPPORT.value and not any(
            i.proposed_vnd for i in dossier.items):
        raise InvalidInput("Đề xuất hỗ trợ nhưng mọi mức hỗ trợ đều bằng 0.", field="eligible")
    transition(dossier, Action.APPRAISE, actor, expected_version=expected_version,
               details={"recommendation": recommendation,
                        "proposed": {i.catalogue_item.code: i.proposed_vnd
                                     for i in dossier.items}})
    appraisal = open_appraisal(dossier) or Appraisal(dossier_id=dossier.id,
                                                     round=_next_round(dossier))
    appraisal.appraiser_id = actor.id
    appraisal.documents_ok, appraisal.documents_note = documents_ok, documents_note
    appraisal.recommendation = recommendation
    appraisal.reasons_json = json.dumps(reasons, ensure_ascii=False) if reasons else None
    appraisal.conclusion = conclusion
    appraisal.completed_at = utcnow()
    db.session.add(appraisal)
    db.session.flush()
    return appraisal


# ---------------------------------------------------------------- leadership


def approve(dossier: Dossier, *, actor: User, amounts: dict[int, int] | None = None,
            overrides: dict[int, str] | None = None, note: str | None = None,
            expected_version: int | None = None) -> Decision:
    """Approve support with an amount per item (default: the appraiser's proposals).

    Each amount is at most min(share × eligible cost, cap, requested). An item the organisation
    was already supported for is blocked unless an override reason is given. The total is
    committed against the year's budget under a row lock (BudgetExceeded says what is left).
    Raises Conflict in a year the provincial Chairman decides (``submit_to_committee``).
    """
    return _approve(dossier, Action.APPROVE, actor=actor, amounts=amounts, overrides=overrides,
                    note=note, expected_version=expected_version)


def _check_authority(dossier: Dossier, action: Action) -> None:
    authority = dossier.program_year.authority
    if not fits_authority(action, authority):
        year = dossier.program_year
        raise Conflict(
            f"Năm {year.year} do {year.authority_label} quyết định: "
            + ("hồ sơ được trình UBND tỉnh (tờ trình) và ghi nhận quyết định của UBND tỉnh khi "
               "có kết quả." if action == Action.APPROVE
               else "lãnh đạo Sở phê duyệt trực tiếp, không trình UBND tỉnh."))


def _approve(dossier: Dossier, action: Action, *, actor: User, amounts, overrides, note,
             expected_version, committee: dict | None = None) -> Decision:
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    next_status(dossier.status, action, actor.roles)
    _check_authority(dossier, action)
    amounts = amounts or {}
    overrides = {k: (v or "").strip() for k, v in (overrides or {}).items()}
    earlier = previous_support(dossier.organisation_id, [i.catalogue_item_id
                                                         for i in dossier.items],
                               exclude_dossier_id=dossier.id)
    total = 0
    for item in dossier.items:
        amount = amounts.get(item.id, item.proposed_vnd or 0)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise InvalidInput("Số tiền phê duyệt phải là số nguyên đồng, không âm.",
                               field=f"amount_{item.id}")
        ceiling = proposed_amount(item, item.eligible_cost_vnd
                                  if item.eligible_cost_vnd is not None
                                  else item.consulting_cost_vnd)
        if amount > ceiling:
            raise InvalidInput(f"Mức hỗ trợ cho «{item.catalogue_item.name}» tối đa là "
                               f"{format_vnd(ceiling)} theo quy định của năm.",
                               field=f"amount_{item.id}")
        if amount and item.catalogue_item_id in earlier:
            if not overrides.get(item.id):
                raise Conflict(f"Tổ chức đã được hỗ trợ cho «{item.catalogue_item.name}» "
                               f"(hồ sơ {', '.join(earlier[item.catalogue_item_id])}). Không "
                               "hỗ trợ hai lần, trừ khi ghi rõ lý do chấp nhận ngoại lệ.")
            item.double_support_override = overrides[item.id]
        item.approved_vnd = amount
        total += amount
    if total <= 0:
        raise InvalidInput("Tổng mức hỗ trợ phải lớn hơn 0; nếu không hỗ trợ, hãy chọn "
                           "«Không hỗ trợ» và nêu lý do.", field="amounts")
    from grants.services import ledger  # the budget lock lives there

    ledger.commit_approval(dossier, actor=actor, total_vnd=total)
    committee = committee or {}
    decision = Decision(dossier_id=dossier.id, outcome=Outcome.APPROVED.value,
                        authority=dossier.program_year.authority, total_vnd=total, note=note,
                        decided_by_id=actor.id,
                        signer_name=committee.get("signer_name")
                        or dossier.program_year.signer_name,
                        committee_number=committee.get("number"),
                        committee_decided_on=committee.get("decided_on"))
    db.session.add(decision)
    dossier.outcome = Outcome.APPROVED.value
    dossier.decided_at = utcnow()
    transition(dossier, action, actor, note=note,
               details={"total_vnd": total,
                        "items": {i.catalogue_item.code: i.approved_vnd for i in dossier.items},
                        "overrides": {str(k): v for k, v in overrides.items() if v},
                        **_committee_details(committee)})
    return decision


# ---------------------------------------------------------------- the Chairman's path


COMMITTEE_NUMBER_MAX = 999_999


def _committee_details(committee: dict) -> dict:
    if not committee.get("number"):
        return {}
    return {"committee_decision": f"{committee['number']}/QĐ-UBND",
            "committee_decided_on": committee["decided_on"]}


def _committee_decision(dossier: Dossier, number, decided_on, signer_name) -> dict:
    """The Committee's decision as it came back: its number (``N/QĐ-UBND``), its date (not in
    the future, not before the proposal) and who signed it; InvalidInput on each field."""
    if isinstance(number, bool) or not isinstance(number, int) \
            or not 1 <= number <= COMMITTEE_NUMBER_MAX:
        raise InvalidInput("Nhập số của quyết định của UBND tỉnh (số nguyên dương, ví dụ 125).",
                           field="decision_number")
    if not isinstance(decided_on, date):
        raise InvalidInput("Nhập ngày ban hành quyết định của UBND tỉnh (dd/mm/yyyy).",
                           field="decided_on")
    today = local_now().date()
    if decided_on > today:
        raise InvalidInput(f"Ngày quyết định {decided_on:%d/%m/%Y} ở tương lai.",
                           field="decided_on")
    proposed = db.session.scalar(select(Document.issued_on).where(
        Document.dossier_id == dossier.id,
        Document.kind == DocumentKind.COMMITTEE_PROPOSAL.value)
        .order_by(Document.id.desc()).limit(1))
    if proposed is not None and decided_on < proposed:
        raise InvalidInput(f"Ngày quyết định ({decided_on:%d/%m/%Y}) trước ngày tờ trình "
                           f"({proposed:%d/%m/%Y}).", field="decided_on")
    taken = db.session.scalar(
        select(Dossier.code).join(Decision, Decision.dossier_id == Dossier.id)
        .where(Dossier.program_year_id == dossier.program_year_id, Dossier.id != dossier.id,
               Decision.committee_number == number).limit(1))
    if taken is not None:
        # Each dossier files its own paper, numbered as the Committee numbered it.
        raise InvalidInput(f"Quyết định số {number}/QĐ-UBND đã được ghi nhận cho hồ sơ {taken}.",
                           field="decision_number")
    return {"number": number, "decided_on": decided_on,
            "signer_name": (signer_name or "").strip() or None}


def submit_to_committee(dossier: Dossier, *, actor: User, note: str | None = None,
                        expected_version: int | None = None,
                        letterhead: Letterhead = DEFAULT_LETTERHEAD) -> None:
    """Submit the reviewed dossier to the provincial People's Committee (the year's deciding
    authority is the Chairman, seed 000): the Department's proposal (Tờ trình, ``N/TTr-SKHCN``)
    is issued with the appraised amounts, and the external step's clock runs until the
    Committee's decision is recorded. Raises Conflict in a Director's year, InvalidInput when
    nothing is proposed for support (reject with a written reply instead)."""
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    next_status(dossier.status, Action.SUBMIT_TO_COMMITTEE, actor.roles)
    _check_authority(dossier, Action.SUBMIT_TO_COMMITTEE)
    if not any(i.proposed_vnd for i in dossier.items):
        raise InvalidInput("Thẩm định không đề xuất mức hỗ trợ nào: không trình UBND tỉnh, hãy "
                           "chọn «Không hỗ trợ» và nêu lý do.", field="note")
    transition(dossier, Action.SUBMIT_TO_COMMITTEE, actor, note=(note or "").strip() or None,
               expected_version=expected_version,
               details={"proposed_vnd": sum(i.proposed_vnd or 0 for i in dossier.items)})
    _issue(dossier, DocumentKind.COMMITTEE_PROPOSAL, actor, letterhead)


def record_committee_approval(dossier: Dossier, *, actor: User, decision_number: int,
                              decided_on: date, signer_name: str | None = None,
                              amounts: dict[int, int] | None = None,
                              overrides: dict[int, str] | None = None, note: str | None = None,
                              expected_version: int | None = None) -> Decision:
    """Record the People's Committee's decision to support, as it came back: its number
    (``N/QĐ-UBND``), date, signer and the amount per item (default: the proposal's), under the
    same rules as ``approve`` — the total is committed through the ledger under the year lock
    (BudgetExceeded). The records clerk then files the Committee's decision paper (issue)."""
    committee = _committee_decision(dossier, decision_number, decided_on, signer_name)
    return _approve(dossier, Action.RECORD_COMMITTEE_APPROVAL, actor=actor, amounts=amounts,
                    overrides=overrides, note=note, expected_version=expected_version,
                    committee=committee)


def record_committee_rejection(dossier: Dossier, *, actor: User, reasons: list[str],
                               reference: str | None = None, next_steps: str | None = None,
                               expected_version: int | None = None) -> Decision:
    """Record that the People's Committee did not approve support, with its reasons (and the
    reference of its reply); the Department then issues the written reply to the organisation
    (rejection letter). Raises InvalidInput without a reason."""
    reference = (reference or "").strip() or None
    return _reject(dossier, Action.RECORD_COMMITTEE_REJECTION, actor=actor, reasons=reasons,
                   next_steps=next_steps, expected_version=expected_version,
                   note=f"Văn bản của UBND tỉnh: {reference}" if reference else None)


def reject(dossier: Dossier, *, actor: User, reasons: list[str], next_steps: str | None = None,
           expected_version: int | None = None) -> Decision:
    """Reject with the written reasons (the rejection letter lists each one)."""
    return _reject(dossier, Action.REJECT, actor=actor, reasons=reasons, next_steps=next_steps,
                   expected_version=expected_version)


def _reject(dossier: Dossier, action: Action, *, actor: User, reasons: list[str],
            next_steps: str | None, expected_version: int | None,
            note: str | None = None) -> Decision:
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not reasons:
        raise InvalidInput("Văn bản trả lời phải nêu rõ lý do không hỗ trợ.", field="reasons")
    transition(dossier, action, actor, expected_version=expected_version, note=note,
               details={"reasons": reasons})
    decision = Decision(dossier_id=dossier.id, outcome=Outcome.REJECTED.value,
                        authority=dossier.program_year.authority, total_vnd=0,
                        reasons_json=json.dumps(reasons, ensure_ascii=False),
                        next_steps=(next_steps or "").strip() or None, decided_by_id=actor.id,
                        signer_name=dossier.program_year.signer_name, note=note)
    db.session.add(decision)
    dossier.outcome = Outcome.REJECTED.value
    dossier.decided_at = utcnow()
    db.session.flush()
    return decision


def decision_of(dossier: Dossier) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))


def get_dossier(dossier_id: int, actor: User) -> Dossier:
    """A dossier the actor may see, with its items; NotFound otherwise."""
    dossier = db.session.scalar(select(Dossier).where(Dossier.id == dossier_id)
                                .options(selectinload(Dossier.items)))
    if dossier is None or not can(actor, Permission.VIEW_DOSSIER, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def local_input_to_utc(value: datetime | None) -> datetime | None:
    return from_local(value) if value else None

