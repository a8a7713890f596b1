"""Dossier lifecycle use cases: one function per action, each flushing one unit of work.

Every status change goes through ``transition`` (the only writer of ``Dossier.status``), which
checks the role against the workflow table, the object against the actor, the version the user
saw, and writes the audit event. Callers wrap a call in ``atomic()``.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.db import from_local, utcnow
from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.money import format_vnd, support_amount
from grants.domain.roles import Role
from grants.domain.workflow import STEP_OF_STATUS, Action, Status, next_status
from grants.extensions import db
from grants.models import (
    Appraisal,
    ChecklistResult,
    Decision,
    Dossier,
    DossierItem,
    Organisation,
    ProgramYear,
    SiteVisit,
    SupplementRequest,
    SupportRule,
    User,
)
from grants.models.enums import Channel, CopyKind, DocumentKind, Outcome, Recommendation
from grants.permissions import can_view_dossier
from grants.services import audit, clock
from grants.services.numbering import dossier_code

SUPPORTED_STATES = (Status.APPROVED, Status.ISSUED, Status.RETURNED)


@dataclass(frozen=True)
class ItemInput:
    catalogue_code: str
    consulting_cost_vnd: int
    requested_vnd: int
    evidence: str | None = None


# ---------------------------------------------------------------- helpers


def lock_dossier(dossier_id: int) -> Dossier:
    """Load a dossier FOR UPDATE with fresh values (PostgreSQL); NotFound if missing."""
    dossier = db.session.execute(
        select(Dossier).where(Dossier.id == dossier_id).with_for_update(of=Dossier)
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def _check_object(dossier: Dossier, actor: User) -> None:
    if not can_view_dossier(actor, dossier):
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
    before = Status(dossier.status)
    target = next_status(before, action, _acting_roles(actor))
    if Role.APPLICANT in actor.roles and not actor.is_staff \
            and dossier.organisation_id != actor.organisation_id:
        raise NotFound("Không tìm thấy hồ sơ.")
    dossier.status = target.value
    step = STEP_OF_STATUS.get(target)
    dossier.step_key = step.value if step else None
    dossier.step_due_at = clock.step_due(dossier, dossier.step_key)
    db.session.flush()
    audit.record(f"dossier.{action.value}", dossier, actor=actor, dossier=dossier,
                 from_status=before.value, to_status=target.value, note=note,
                 after=details)
    return target


def _issue(dossier: Dossier, kind: DocumentKind, actor: User) -> None:
    """Issue the slip/minutes that ends this step (stored as issued, in the same transaction)."""
    from grants.services import documents

    documents.issue_document(dossier, kind, actor=actor)


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
                   Dossier.status.in_([s.value for s in SUPPORTED_STATES]),
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
                 note: str | None = None) -> Dossier:
    """A new draft dossier for ``organisation`` in ``year`` (applicant of that org, or clerk)."""
    if not (actor.has_role(Role.CLERK) or (actor.has_role(Role.APPLICANT)
                                           and actor.organisation_id == organisation.id)):
        raise Forbidden("Bạn không thể lập hồ sơ cho tổ chức này.")
    if year.is_closed or not year.intake_open:
        raise Conflict(f"Năm {year.year} hiện không tiếp nhận hồ sơ.")
    Channel(channel), Channel(return_channel)
    code = dossier_code(year.year)  # rolled back with the rest if anything below fails
    with db.session.no_autoflush:  # the dossier joins the session only once it is complete
        dossier = Dossier(code=code, organisation=organisation, program_year=year,
                          status=Status.DRAFT.value, channel=channel,
                          return_channel=return_channel, submitter_name=submitter_name,
                          submitter_phone=submitter_phone, submitter_email=submitter_email,
                          note=note, created_by_id=actor.id)
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
    if dossier.state not in (Status.DRAFT, Status.SUPPLEMENT_REQUESTED):
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


def submit(dossier: Dossier, *, actor: User, expected_version: int | None = None) -> None:
    """File a draft. Online dossiers need a file for every required checklist line."""
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    if dossier.channel == Channel.ONLINE.value:
        missing = missing_uploads(dossier)
        if missing:
            raise InvalidInput("Chưa đính kèm: " + "; ".join(missing) + ".", field="attachments")
    if not dossier.program_year.intake_open or dossier.program_year.is_closed:
        raise Conflict(f"Năm {dossier.program_year.year} hiện không tiếp nhận hồ sơ.")
    transition(dossier, Action.SUBMIT, actor, expected_version=expected_version)
    dossier.submitted_at = utcnow()
    dossier.step_due_at = None  # reception's clock starts when the desk receives it


def resubmit(dossier: Dossier, *, actor: User, note: str | None = None,
             expected_version: int | None = None) -> None:
    """Answer a supplement request; the desk will receive it again (a new receipt)."""
    request = db.session.scalar(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id, SupplementRequest.answered_at.is_(None))
        .order_by(SupplementRequest.id.desc()))
    transition(dossier, Action.RESUBMIT, actor, note=note, expected_version=expected_version)
    if request is not None:
        request.answered_at = utcnow()
        request.answer_note = note
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
        if line.is_present and not line.copy_kind:
            label = by_id[line.checklist_item_id].label
            raise InvalidInput(f"Chọn hình thức bản sao cho «{label}».",
                               field=f"copy_kind_{line.checklist_item_id}")
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
            received_at: datetime | None = None, expected_version: int | None = None) -> list[str]:
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
    _issue(dossier, DocumentKind.RECEIPT, actor)
    return warnings


def request_supplement(dossier: Dossier, *, actor: User, items: list[dict],
                       lines: list[ChecklistLine] | None = None,
                       expected_version: int | None = None) -> SupplementRequest:
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
    _issue(dossier, DocumentKind.SUPPLEMENT_REQUEST, actor)
    return request


def refuse(dossier: Dossier, *, actor: User, reason: str,
           expected_version: int | None = None) -> None:
    """Refuse at intake, with the reason (written on the refusal slip)."""
    reason = _require_text(reason, "reason", "Nhập lý do từ chối tiếp nhận.")
    transition(dossier, Action.REFUSE, actor, note=reason, expected_version=expected_version)
    dossier.finished_at = utcnow()
    _issue(dossier, DocumentKind.INTAKE_REFUSAL, actor)


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
    if dossier.assignee_id != actor.id:
        raise Forbidden("Hồ sơ này được phân công cho chuyên viên khác.")


def record_visit(dossier: Dossier, *, actor: User, visited_at: datetime, place: str, team: str,
                 findings: str, org_representatives: str | None = None,
                 expected_version: int | None = None) -> SiteVisit:
    """Record an on-site appraisal visit (``visited_at`` in local time)."""
    _check_object(dossier, actor)
    _require_assignee(dossier, actor)
    if visited_at is None:
        raise InvalidInput("Nhập thời gian thẩm định thực tế.", field="visited_at")
    place = _require_text(place, "place", "Nhập địa điểm thẩm định.")
    team = _require_text(team, "team", "Nhập thành phần đoàn thẩm định.")
    findings = _require_text(findings, "findings", "Nhập kết quả thẩm định thực tế.")
    transition(dossier, Action.RECORD_VISIT, actor, expected_version=expected_version,
               details={"visited_at": visited_at, "place": place})
    visit = SiteVisit(dossier_id=dossier.id, visited_at=visited_at, place=place, team=team,
                      findings=findings, org_representatives=org_representatives,
                      recorded_by_id=actor.id)
    db.session.add(visit)
    db.session.flush()
    _issue(dossier, DocumentKind.APPRAISAL_MINUTES, actor)
    return visit


def site_visits(dossier: Dossier) -> list[SiteVisit]:
    return list(db.session.scalars(select(SiteVisit).where(SiteVisit.dossier_id == dossier.id)
                                   .order_by(SiteVisit.visited_at)))


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
    if not site_visits(dossier):
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
    """
    _check_object(dossier, actor)
    _check_version(dossier, expected_version)
    next_status(dossier.status, Action.APPROVE, actor.roles)
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
    decision = Decision(dossier_id=dossier.id, outcome=Outcome.APPROVED.value,
                        authority=dossier.program_year.authority, total_vnd=total, note=note,
                        decided_by_id=actor.id, signer_name=dossier.program_year.signer_name)
    db.session.add(decision)
    dossier.outcome = Outcome.APPROVED.value
    dossier.decided_at = utcnow()
    transition(dossier, Action.APPROVE, actor, note=note,
               details={"total_vnd": total,
                        "items": {i.catalogue_item.code: i.approved_vnd for i in dossier.items},
                        "overrides": {str(k): v for k, v in overrides.items() if v}})
    return decision


def reject(dossier: Dossier, *, actor: User, reasons: list[str], next_steps: str | None = None,
           expected_version: int | None = None) -> Decision:
    """Reject with the written reasons (the rejection letter lists each one)."""
    reasons = [r.strip() for r in reasons if r and r.strip()]
    if not reasons:
        raise InvalidInput("Văn bản trả lời phải nêu rõ lý do không hỗ trợ.", field="reasons")
    transition(dossier, Action.REJECT, actor, expected_version=expected_version,
               details={"reasons": reasons})
    decision = Decision(dossier_id=dossier.id, outcome=Outcome.REJECTED.value,
                        authority=dossier.program_year.authority, total_vnd=0,
                        reasons_json=json.dumps(reasons, ensure_ascii=False),
                        next_steps=(next_steps or "").strip() or None, decided_by_id=actor.id,
                        signer_name=dossier.program_year.signer_name)
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
    if dossier is None or not can_view_dossier(actor, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def local_input_to_utc(value: datetime | None) -> datetime | None:
    return from_local(value) if value else None

