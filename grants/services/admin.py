"""Admin use cases: program years, their steps/checklist/reasons/rules, the catalogue, users,
holiday overrides and letter texts. Every writer flushes (never commits) and audits."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from grants.db import from_local, lock_for_update, utcnow
from grants.domain.deadlines import Step, format_days, validate_allotments
from grants.domain.enums import Authority, CatalogueKind, HolidayKind
from grants.domain.errors import Conflict, InvalidInput, valid_choice
from grants.domain.money import format_vnd
from grants.domain.text import number_symbol
from grants.extensions import db
from grants.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    CatalogueItem,
    ChecklistItem,
    ChecklistResult,
    Dossier,
    DossierItem,
    HolidayOverride,
    LetterTemplate,
    ProcedureStep,
    ProgramYear,
    RejectionReason,
    SecurityEvent,
    SupportRule,
    User,
    UserRole,
)
from grants.models.program import MINUTES_PER_DAY
from grants.queries.catalogue import catalogue_items
from grants.queries.holiday_source import public_holidays
from grants.services import accounts, audit, passwords, security_log

YEAR_FIELDS = ("budget_vnd", "target_min", "target_max", "authority", "signer_title",
               "signer_name", "plan_reference", "intake_open", "functions_decision",
               "plan_number", "plan_date")
_UNCHANGED: Any = object()
_PLAN_NUMBER = re.compile(r"(\d{1,5})/(\S{1,40})")
_CODE = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,29}")


class AllotmentsInvalid(InvalidInput):
    """The step allotments do not make a valid template; ``problems`` lists why (Vietnamese)."""

    def __init__(self, problems: list[str]):
        super().__init__("Phân bổ thời gian các bước chưa hợp lệ: " + " ".join(problems))
        self.problems = problems


class BudgetBelowCommitted(InvalidInput):
    """A budget lower than what approvals have already committed."""


# --- program years ------------------------------------------------------------------------


def _require_open(year: ProgramYear) -> None:
    if year.is_closed:
        raise Conflict(f"Năm {year.year} đã khóa sổ: các thiết lập chỉ được xem, không được sửa.")


def _previous_year(year_number: int) -> ProgramYear | None:
    earlier = db.session.scalar(select(ProgramYear).where(ProgramYear.year < year_number)
                                .order_by(ProgramYear.year.desc()).limit(1))
    return earlier or db.session.scalar(select(ProgramYear).order_by(ProgramYear.year.desc())
                                        .limit(1))


def create_program_year(year_number: int, *, actor, budget_vnd: int,
                        source: ProgramYear | None = None,
                        intake_open: bool = False) -> ProgramYear:
    """Open a new program year, copying settings, steps, checklist, reasons and the support rules
    of active items from ``source`` (default: the latest earlier year; the procedure defaults
    if there is none). The source year is left exactly as it was.

    Raises InvalidInput (field ``year``/``budget_vnd``) for a taken year or a negative budget.
    """
    from grants.services.year_defaults import setup_year_defaults

    if not 2000 <= year_number <= 2100:
        raise InvalidInput("Năm phải trong khoảng 2000–2100.", field="year")
    if db.session.scalar(select(ProgramYear.id).where(ProgramYear.year == year_number)):
        raise InvalidInput(f"Năm {year_number} đã có trên hệ thống.", field="year")
    if budget_vnd < 0:
        raise InvalidInput("Kinh phí không được âm.", field="budget_vnd")
    source = source or _previous_year(year_number)
    year = ProgramYear(year=year_number, budget_vnd=budget_vnd, committed_vnd=0,
                       disbursed_vnd=0, intake_open=intake_open, is_closed=False)
    if source is not None:
        year.payment_threshold_vnd = source.payment_threshold_vnd
    if source is None:
        setup_year_defaults(year)
    else:
        for name in ("target_min", "target_max", "authority", "signer_title", "signer_name",
                     "statutory_days", "functions_decision"):
            setattr(year, name, getattr(source, name))
        year.steps = [ProcedureStep(position=s.position, key=s.key, label=s.label, role=s.role,
                                    allotment_minutes=s.allotment_minutes, counted=s.counted)
                      for s in source.steps]
        year.checklist = [ChecklistItem(position=c.position, code=c.code, label=c.label,
                                        is_required=c.is_required) for c in source.checklist]
        year.reasons = [RejectionReason(position=r.position, text=r.text)
                        for r in source.reasons]
        year.rules = [SupportRule(catalogue_item_id=r.catalogue_item_id,
                                  share_percent=r.share_percent, cap_vnd=r.cap_vnd,
                                  is_demo=r.is_demo, note=r.note)
                      for r in source.rules if r.catalogue_item.is_active]
    db.session.add(year)
    db.session.flush()
    audit.record("program_year.create", year, actor=actor,
                 after={"year": year_number, "budget_vnd": budget_vnd, "intake_open": intake_open,
                        "copied_from": source.year if source else None,
                        "steps": len(year.steps), "checklist": len(year.checklist),
                        "reasons": len(year.reasons), "rules": len(year.rules)})
    return year


def update_program_year(year: ProgramYear, *, actor, budget_vnd: int, target_min: int,
                        target_max: int, authority: str, signer_title: str,
                        signer_name: str | None, plan_reference: str | None,
                        intake_open: bool, payment_threshold_vnd: int | None = None,
                        functions_decision: str | None = _UNCHANGED,
                        plan_number: str | None = _UNCHANGED,
                        plan_date: date | None = _UNCHANGED) -> bool:
    """Change a year's settings; returns False if nothing changed (then nothing is audited).
    ``payment_threshold_vnd`` None keeps the year's threshold for confirming payments; the
    "Căn cứ" settings (``functions_decision``, ``plan_number`` written "05/KH-SKHCN" and
    ``plan_date``) are kept when not given and cleared by None.

    The year row is locked first so a concurrent approval cannot commit money between the
    check and the write. Raises Conflict for a closed year, BudgetBelowCommitted (field
    ``budget_vnd``) and InvalidInput for a bad target range or authority.
    """
    _require_open(year)
    year = db.session.execute(
        lock_for_update(select(ProgramYear).where(ProgramYear.id == year.id))
        .execution_options(populate_existing=True)).scalar_one()
    if budget_vnd < 0:
        raise InvalidInput("Kinh phí không được âm.", field="budget_vnd")
    if budget_vnd < year.committed_vnd:
        raise BudgetBelowCommitted(
            f"Kinh phí không thể thấp hơn số đã cam kết hỗ trợ ({format_vnd(year.committed_vnd)}"
            f"). Muốn giảm kinh phí, trước hết phải giải phóng phần cam kết tương ứng.",
            field="budget_vnd")
    if target_min < 0:
        raise InvalidInput("Mục tiêu tối thiểu không được âm.", field="target_min")
    if target_max < target_min:
        raise InvalidInput("Mục tiêu tối đa phải lớn hơn hoặc bằng mục tiêu tối thiểu.",
                           field="target_max")
    authority = valid_choice(Authority, authority, "Thẩm quyền quyết định không hợp lệ.",
                             "authority")
    if not (signer_title or "").strip():
        raise InvalidInput("Vui lòng nhập chức danh người ký.", field="signer_title")
    if payment_threshold_vnd is None:
        payment_threshold_vnd = year.payment_threshold_vnd
    bases = _plan_bases(year, functions_decision, plan_number, plan_date)
    if payment_threshold_vnd < 0:
        raise InvalidInput("Ngưỡng xác nhận chi không được âm.", field="payment_threshold_vnd")
    wanted = {"payment_threshold_vnd": payment_threshold_vnd,
              "budget_vnd": budget_vnd, "target_min": target_min, "target_max": target_max,
              "authority": authority, "signer_title": signer_title.strip(),
              "signer_name": signer_name or None, "plan_reference": plan_reference or None,
              "intake_open": bool(intake_open), **bases}
    from grants.services.year_defaults import sync_committee_step

    before_steps = {s.key: format_days(s.allotment_days) for s in year.steps}
    changed = bool(audit.change(year, "program_year.update", wanted, actor=actor))
    if sync_committee_step(year):  # the Chairman's path has the Committee's own step
        db.session.flush()
        audit.record("program_year.update_steps", year, actor=actor,
                     before={"allotments": before_steps},
                     after={"allotments": {s.key: format_days(s.allotment_days)
                                           for s in sorted(year.steps,
                                                           key=lambda s: s.position)}},
                     note="Thẩm quyền quyết định thay đổi: bước trình UBND tỉnh")
    return changed


def _plan_bases(year: ProgramYear, functions_decision: str | None, plan_number: str | None,
                plan_date: date | None) -> dict[str, Any]:
    """The year's "Căn cứ" settings as stored: text stripped (None when empty), the plan's
    number with a leading zero below 10 ("5/KH-SKHCN" → "05/KH-SKHCN"). InvalidInput for a
    number not written "number/symbol" or a plan dated after its year."""
    if functions_decision is _UNCHANGED:
        functions_decision = year.functions_decision
    if plan_number is _UNCHANGED:
        plan_number = year.plan_number
    if plan_date is _UNCHANGED:
        plan_date = year.plan_date
    number = (plan_number or "").strip() or None
    if number is not None:
        match = _PLAN_NUMBER.fullmatch(number)
        if match is None or int(match.group(1)) == 0:
            raise InvalidInput("Số kế hoạch viết dạng số/ký hiệu, ví dụ 05/KH-SKHCN.",
                               field="plan_number")
        number = number_symbol(int(match.group(1)), match.group(2))
    if plan_date is not None and plan_date.year > year.year:
        raise InvalidInput(f"Kế hoạch của năm {year.year} không thể ban hành sau năm đó.",
                           field="plan_date")
    return {"functions_decision": (functions_decision or "").strip() or None,
            "plan_number": number, "plan_date": plan_date}


def days_to_minutes(days: Fraction, *, field: str | None = None) -> int:
    """Working days as office minutes (1 day = 480); InvalidInput unless a whole minute."""
    minutes = Fraction(days) * MINUTES_PER_DAY
    if minutes.denominator != 1:
        raise InvalidInput(f"{format_days(days)} ngày không quy đổi được thành số phút nguyên "
                           "(1 ngày làm việc = 480 phút); hãy dùng ví dụ 0,25 hoặc 0,5.",
                           field=field)
    return int(minutes)


def _domain_steps(steps, allotments: Mapping[int, Fraction] | None = None) -> list[Step]:
    allotments = allotments or {}
    return [Step(s.key, s.label, s.role, allotments.get(s.id, s.allotment_days), s.counted)
            for s in steps]


def allotment_problems(year: ProgramYear) -> list[str]:
    """The problems (Vietnamese) of the year's stored steps against its statutory total."""
    return validate_allotments(_domain_steps(year.steps), year.statutory_days)


def update_step_allotments(year: ProgramYear, *, actor, statutory_days: int,
                           allotments: Mapping[int, Fraction]) -> bool:
    """Set the statutory total and each step's allotment (working days, keyed by step id).

    Nothing changes unless the counted steps add up to the total (validate_allotments); then
    AllotmentsInvalid carries the list of problems. Each allotment must be a whole number of
    office minutes (field ``step_<id>``). Raises Conflict for a closed year. Returns False when
    nothing changed.
    """
    _require_open(year)
    missing = [s.label for s in year.steps if s.id not in allotments]
    if missing:
        raise InvalidInput("Thiếu thời gian của bước: " + ", ".join(missing) + ".")
    minutes = {s.id: days_to_minutes(allotments[s.id], field=f"step_{s.id}") for s in year.steps}
    problems = validate_allotments(_domain_steps(year.steps, allotments), statutory_days)
    if problems:
        raise AllotmentsInvalid(problems)
    before = {"statutory_days": year.statutory_days,
              "allotments": {s.key: format_days(s.allotment_days) for s in year.steps}}
    after = {"statutory_days": statutory_days,
             "allotments": {s.key: format_days(allotments[s.id]) for s in year.steps}}
    if before == after:
        return False
    year.statutory_days = statutory_days
    for step in year.steps:
        step.allotment_minutes = minutes[step.id]
    db.session.flush()
    audit.record("program_year.update_steps", year, actor=actor, before=before, after=after)
    return True


# --- checklist and rejection reasons --------------------------------------------------------


def _code(value: str, *, field: str = "code") -> str:
    code = (value or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput("Mã chỉ gồm chữ cái không dấu, chữ số và . _ / -, tối đa 30 ký tự "
                           "(ví dụ ISO9001).", field=field)
    return code


def _checklist_values(year: ProgramYear, code: str, label: str,
                      exclude_id: int | None = None) -> tuple[str, str]:
    """The checked (code, label) of a checklist line; InvalidInput for a malformed code, one
    the year already uses (compared without case), or an empty label."""
    code = _code(code)
    stmt = select(ChecklistItem.id).where(ChecklistItem.program_year_id == year.id,
                                          func.upper(ChecklistItem.code) == code)
    if exclude_id:
        stmt = stmt.where(ChecklistItem.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise InvalidInput(f"Mã «{code}» đã có trong danh mục giấy tờ của năm {year.year}.",
                           field="code")
    if not (label or "").strip():
        raise InvalidInput("Vui lòng nhập tên giấy tờ.", field="label")
    return code, label.strip()


def add_checklist_item(year: ProgramYear, *, actor, code: str, label: str,
                       is_required: bool = True) -> ChecklistItem:
    """Append a line to the year's dossier checklist. Raises Conflict (closed year) or
    InvalidInput (field ``code``/``label``)."""
    _require_open(year)
    code, label = _checklist_values(year, code, label)
    position = 1 + max((c.position for c in year.checklist), default=0)
    item = ChecklistItem(program_year=year, position=position, code=code, label=label,
                         is_required=is_required)
    db.session.add(item)
    db.session.flush()
    audit.record("checklist_item.create", item, actor=actor,
                 after={"year": year.year, "code": code, "label": item.label,
                        "is_required": is_required})
    return item


def update_checklist_item(item: ChecklistItem, *, actor, code: str, label: str,
                          is_required: bool) -> ChecklistItem:
    """Change a checklist line's code, label or required flag (audited)."""
    year = item.program_year
    _require_open(year)
    code, label = _checklist_values(year, code, label, exclude_id=item.id)
    fields = ("code", "label", "is_required")
    before = audit.snapshot(item, fields)
    item.code, item.label, item.is_required = code, label, is_required
    db.session.flush()
    audit.record("checklist_item.update", item, actor=actor, before=before,
                 after=audit.snapshot(item, fields))
    return item


def checklist_item_uses(item: ChecklistItem) -> int:
    """How many dossier checks and attachments refer to this checklist line."""
    results = db.session.scalar(select(func.count()).select_from(ChecklistResult)
                                .where(ChecklistResult.checklist_item_id == item.id))
    files = db.session.scalar(select(func.count()).select_from(Attachment)
                              .where(Attachment.checklist_item_id == item.id))
    return (results or 0) + (files or 0)


def remove_checklist_item(item: ChecklistItem, *, actor) -> None:
    """Delete a checklist line no dossier uses yet. Raises Conflict if it is used or the year
    is closed."""
    _require_open(item.program_year)
    if checklist_item_uses(item):
        raise Conflict(f"Giấy tờ «{item.label}» đã được dùng trong hồ sơ nên không thể xóa; "
                       "có thể bỏ đánh dấu «bắt buộc» thay vì xóa.")
    before = {"year": item.program_year.year, "code": item.code, "label": item.label,
              "is_required": item.is_required}
    audit.record("checklist_item.delete", item, actor=actor, before=before)
    item.program_year.checklist.remove(item)
    db.session.flush()


def add_rejection_reason(year: ProgramYear, *, actor, text: str) -> RejectionReason:
    """Append a reason to the year's list of rejection reasons (audited)."""
    _require_open(year)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Vui lòng nhập nội dung lý do.", field="text")
    position = 1 + max((r.position for r in year.reasons), default=0)
    reason = RejectionReason(program_year=year, position=position, text=text)
    db.session.add(reason)
    db.session.flush()
    audit.record("rejection_reason.create", reason, actor=actor,
                 after={"year": year.year, "text": text})
    return reason


def update_rejection_reason(reason: RejectionReason, *, actor, text: str) -> RejectionReason:
    """Change the text of a rejection reason (decisions already made keep their own copy)."""
    _require_open(reason.program_year)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Vui lòng nhập nội dung lý do.", field="text")
    before = {"text": reason.text}
    reason.text = text
    db.session.flush()
    audit.record("rejection_reason.update", reason, actor=actor, before=before,
                 after={"text": text})
    return reason


def remove_rejection_reason(reason: RejectionReason, *, actor) -> None:
    """Delete a rejection reason (appraisals and decisions store the text, not a link)."""
    _require_open(reason.program_year)
    audit.record("rejection_reason.delete", reason, actor=actor,
                 before={"year": reason.program_year.year, "text": reason.text})
    reason.program_year.reasons.remove(reason)
    db.session.flush()


# --- catalogue and support rules -----------------------------------------------------------


def _catalogue_code_taken(code: str, exclude_id: int | None = None) -> bool:
    stmt = select(CatalogueItem.id).where(func.upper(CatalogueItem.code) == code)
    if exclude_id:
        stmt = stmt.where(CatalogueItem.id != exclude_id)
    return db.session.scalar(stmt) is not None


def _catalogue_values(code: str, name: str, kind: str, exclude_id: int | None = None) -> tuple:
    code = _code(code)
    if _catalogue_code_taken(code, exclude_id):
        raise InvalidInput(f"Mã «{code}» đã được dùng cho một mục khác trong danh mục.",
                           field="code")
    if not (name or "").strip():
        raise InvalidInput("Vui lòng nhập tên.", field="name")
    kind = valid_choice(CatalogueKind, kind, "Loại không hợp lệ.", "kind")
    return code, name.strip(), kind


CATALOGUE_FIELDS = ("code", "name", "kind", "description", "is_active")


def create_catalogue_item(*, actor, code: str, name: str, kind: str,
                          description: str | None = None,
                          is_active: bool = True) -> CatalogueItem:
    """Add a standard/tool/model/method to the catalogue. Raises InvalidInput (field ``code``)
    for a code already in use (compared without case)."""
    code, name, kind = _catalogue_values(code, name, kind)
    item = CatalogueItem(code=code, name=name, kind=kind, description=description or None,
                         is_active=is_active)
    db.session.add(item)
    db.session.flush()
    audit.record("catalogue_item.create", item, actor=actor,
                 after=audit.snapshot(item, CATALOGUE_FIELDS))
    return item


def update_catalogue_item(item: CatalogueItem, *, actor, code: str, name: str, kind: str,
                          description: str | None, is_active: bool) -> CatalogueItem:
    """Change a catalogue item (dossiers link by id, so past dossiers keep pointing at it)."""
    code, name, kind = _catalogue_values(code, name, kind, exclude_id=item.id)
    before = audit.snapshot(item, CATALOGUE_FIELDS)
    item.code, item.name, item.kind = code, name, kind
    item.description, item.is_active = description or None, is_active
    db.session.flush()
    audit.record("catalogue_item.update", item, actor=actor, before=before,
                 after=audit.snapshot(item, CATALOGUE_FIELDS))
    return item


RULE_FIELDS = ("share_percent", "cap_vnd", "is_demo", "note")


def _check_rule(share_percent: int, cap_vnd: int) -> None:
    if not 1 <= share_percent <= 100:
        raise InvalidInput("Tỷ lệ hỗ trợ phải từ 1 đến 100 %.", field="share_percent")
    if cap_vnd <= 0:
        raise InvalidInput("Mức hỗ trợ tối đa phải lớn hơn 0 đồng.", field="cap_vnd")


def set_support_rule(year: ProgramYear, *, actor, item: CatalogueItem, share_percent: int,
                     cap_vnd: int, is_demo: bool = False,
                     note: str | None = None) -> SupportRule:
    """Create or change the year's support rule for ``item``: support = min(share × eligible
    cost, cap, requested). Raises Conflict (closed year) or InvalidInput (share 1–100, cap > 0).
    """
    _require_open(year)
    _check_rule(share_percent, cap_vnd)
    rule = db.session.scalar(select(SupportRule).where(SupportRule.program_year_id == year.id,
                                                       SupportRule.catalogue_item_id == item.id))
    before = audit.snapshot(rule, RULE_FIELDS) if rule else None
    if rule is None:
        rule = SupportRule(program_year=year, catalogue_item=item, share_percent=share_percent,
                           cap_vnd=cap_vnd, is_demo=is_demo, note=note or None)
        db.session.add(rule)
    rule.share_percent, rule.cap_vnd = share_percent, cap_vnd
    rule.is_demo, rule.note = is_demo, note or None
    db.session.flush()
    after = {"year": year.year, "item": item.code, **audit.snapshot(rule, RULE_FIELDS)}
    audit.record("support_rule.update" if before else "support_rule.create", rule,
                 actor=actor, before=before, after=after)
    return rule


def support_rule_uses(rule: SupportRule) -> int:
    """How many dossiers of the rule's year request its catalogue item."""
    return db.session.scalar(
        select(func.count()).select_from(DossierItem).join(Dossier)
        .where(Dossier.program_year_id == rule.program_year_id,
               DossierItem.catalogue_item_id == rule.catalogue_item_id)) or 0


def remove_support_rule(rule: SupportRule, *, actor) -> None:
    """Stop supporting an item in a year. Raises Conflict if dossiers of that year request it
    or the year is closed."""
    _require_open(rule.program_year)
    if support_rule_uses(rule):
        raise Conflict(f"Đã có hồ sơ năm {rule.program_year.year} đề nghị hỗ trợ "
                       f"«{rule.catalogue_item.code}» nên không thể xóa mức hỗ trợ này.")
    audit.record("support_rule.delete", rule, actor=actor,
                 before={"year": rule.program_year.year, "item": rule.catalogue_item.code,
                         **audit.snapshot(rule, RULE_FIELDS)})
    rule.program_year.rules.remove(rule)
    db.session.flush()


# --- users and API tokens ------------------------------------------------------------------


def create_staff_user(*, actor, email: str, full_name: str, roles, link_for,
                      title: str | None = None, tax_code: str | None = None) -> User:
    """Create an account with ``roles`` (see accounts.create_user; audited there) and e-mail
    its owner the invitation to set their own password (``passwords.invite``, the link made
    by ``link_for(token)``): the admin never sets or learns it. Raises InvalidInput with the
    field (``email`` taken, ``roles`` …)."""
    user = accounts.create_user(email=email, password=None, full_name=full_name, roles=roles,
                                tax_code=tax_code or None, title=title or None, actor=actor)
    passwords.invite(user, actor=actor, link_for=link_for)
    return user


def update_user(user: User, *, actor, full_name: str, title: str | None, roles,
                is_active: bool) -> User:
    """Change name, title, roles and the active flag (see accounts.update_user; audited)."""
    return accounts.update_user(user, actor=actor, full_name=full_name, title=title or None,
                                roles=roles, is_active=is_active)


def issue_api_token(user: User, *, actor, label: str | None = None) -> str:
    """A new bearer token for ``user``, who must be ``actor`` (accounts.issue_api_token raises
    Forbidden otherwise); the clear token is returned once, only its hash kept."""
    if not user.is_active:
        raise Conflict("Tài khoản đang bị khóa; không cấp mã truy cập cho tài khoản bị khóa.")
    return accounts.issue_api_token(user, actor=actor, label=label or None)


def revoke_api_token(token: ApiToken, *, actor) -> None:
    """Revoke a token (kept for the record). Raises Conflict if it is already revoked."""
    if token.revoked_at is not None:
        raise Conflict("Mã truy cập này đã bị thu hồi trước đó.")
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("api_token.revoke", token, actor=actor,
                 before={"user": token.user.email, "label": token.label, "revoked_at": None},
                 after={"revoked_at": token.revoked_at})
    security_log.record("token.revoke", user=token.user,
                        detail={"token_id": token.id, "label": token.label,
                                "by_id": getattr(actor, "id", None),
                                "by": getattr(actor, "email", None)})


# --- holiday overrides ---------------------------------------------------------------------


def add_holiday_override(day: date, *, actor, kind: str, note: str | None = None
                         ) -> HolidayOverride:
    """Announce an extra day off or a make-up working day (affects deadlines computed from now).

    Raises InvalidInput (field ``day``) if the day already has an override, if a day off falls
    on a day that is already off, or a make-up working day on an ordinary working day.
    """
    kind = valid_choice(HolidayKind, kind, "Loại ngày không hợp lệ.", "kind")
    if db.session.scalar(select(HolidayOverride.id).where(HolidayOverride.day == day)):
        raise InvalidInput(f"Ngày {day:%d/%m/%Y} đã có điều chỉnh; hãy xóa điều chỉnh cũ trước.",
                           field="day")
    already_off = day.weekday() >= 5 or day in public_holidays([day.year])
    if kind == HolidayKind.DAY_OFF and already_off:
        raise InvalidInput(f"Ngày {day:%d/%m/%Y} đã là ngày nghỉ (cuối tuần hoặc ngày lễ).",
                           field="day")
    if kind == HolidayKind.WORKING_DAY and not already_off:
        raise InvalidInput(f"Ngày {day:%d/%m/%Y} vốn là ngày làm việc; ngày làm bù phải là thứ "
                           "Bảy, Chủ nhật hoặc ngày nghỉ lễ.", field="day")
    row = HolidayOverride(day=day, kind=kind, note=(note or "").strip() or None)
    db.session.add(row)
    db.session.flush()
    audit.record("holiday_override.create", row, actor=actor,
                 after={"day": day, "kind": kind, "note": row.note})
    return row


def remove_holiday_override(override: HolidayOverride, *, actor) -> None:
    """Delete an override (an admin configuration change, so it is audited with its values)."""
    audit.delete(override, "holiday_override.delete", actor=actor, fields=("day", "kind", "note"))


# --- letter texts --------------------------------------------------------------------------


def save_letter_text(kind: str, field: str, *, actor, text: str) -> LetterTemplate | None:
    """Override the default text of ``field`` in letters of ``kind`` (grants.letters.texts);
    an unchanged text writes nothing (and returns the existing override, or None).

    An empty text is allowed (e.g. no "Nơi nhận" lines). Raises InvalidInput (field ``text``)
    for an unknown kind/field or a template that validate_template refuses (syntax error,
    unknown variable, fails on sample data).
    """
    from grants.letters import texts

    if field not in texts.DEFAULT_TEXTS.get(kind, {}):
        raise InvalidInput("Loại văn bản hoặc mục văn bản không tồn tại.", field="text")
    text = (text or "").strip()
    problem = texts.validate_template(text, kind)
    if problem:
        raise InvalidInput(problem, field="text")
    row = db.session.scalar(select(LetterTemplate).where(LetterTemplate.kind == kind,
                                                         LetterTemplate.field == field))
    current = row.text if row else texts.DEFAULT_TEXTS[kind][field].strip()
    if text == current:
        return row
    before = {"text": current, "is_default": row is None}
    actor_id = getattr(actor, "id", None)
    if row is None:
        row = LetterTemplate(kind=kind, field=field, text=text)
        db.session.add(row)
    row.text, row.updated_at, row.updated_by_id = text, utcnow(), actor_id
    db.session.flush()
    audit.record("letter_template.update", row, actor=actor, before=before,
                 after={"kind": kind, "field": field, "text": text})
    return row


def reset_letter_text(template: LetterTemplate, *, actor) -> None:
    """Drop an override so letters use the default text again (audited)."""
    audit.delete(template, "letter_template.delete", actor=actor, fields=("kind", "field", "text"))


# --- read side (lists for the admin pages; no writes) --------------------------------------


def overview() -> dict[str, int]:
    """Counts shown on the admin index cards."""
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {"years": count(ProgramYear), "catalogue": count(CatalogueItem),
            "active_catalogue": count(CatalogueItem, CatalogueItem.is_active.is_(True)),
            "users": count(User), "active_users": count(User, User.is_active_account.is_(True)),
            "holidays": count(HolidayOverride), "letters": count(LetterTemplate),
            "audit": count(AuditEvent)}


def year_rules(year: ProgramYear) -> list[SupportRule]:
    return sorted(year.rules, key=lambda r: r.catalogue_item.code)


def items_without_rule(year: ProgramYear) -> list[CatalogueItem]:
    """Active catalogue items the year has no support rule for yet."""
    ruled = {r.catalogue_item_id for r in year.rules}
    return [i for i in catalogue_items(active_only=True, by_kind=True) if i.id not in ruled]


def users_page(*, role: str | None, q: str | None, page: int, per_page: int):
    """Users filtered by role and a search on name/e-mail, by name; a Flask-SQLAlchemy page."""
    stmt = select(User).order_by(User.full_name, User.id)
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if q:
        stmt = stmt.where(or_(User.full_name.icontains(q, autoescape=True),
                              User.email.icontains(q, autoescape=True),
                              User.title.icontains(q, autoescape=True)))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def holiday_overrides(year: int) -> list[HolidayOverride]:
    return list(db.session.scalars(
        select(HolidayOverride)
        .where(HolidayOverride.day >= date(year, 1, 1), HolidayOverride.day <= date(year, 12, 31))
        .order_by(HolidayOverride.day)))


def letter_overrides() -> dict[tuple[str, str], LetterTemplate]:
    rows = db.session.scalars(select(LetterTemplate).order_by(LetterTemplate.kind,
                                                              LetterTemplate.field))
    return {(r.kind, r.field): r for r in rows}


def letter_override(kind: str, field: str) -> LetterTemplate | None:
    return letter_overrides().get((kind, field))


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters on; every field is optional."""

    action: str | None = None
    object_type: str | None = None
    actor_id: int | None = None
    dossier_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def audit_page(filters: AuditFilter, *, page: int, per_page: int):
    """Audit events matching ``filters``, newest first; dates are local (Vietnam) days."""
    stmt = (select(AuditEvent).options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
    if filters.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.dossier_code:
        stmt = stmt.where(AuditEvent.dossier_id.in_(
            select(Dossier.id).where(Dossier.code.istartswith(filters.dossier_code.strip(),
                                                              autoescape=True))))
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= from_local(datetime.combine(filters.date_from,
                                                                       time.min)))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        stmt = stmt.where(AuditEvent.at < from_local(end))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def dossier_codes(ids) -> dict[int, str]:
    """Dossier codes by id, for showing the audit events of one page."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Dossier.id, Dossier.code).where(Dossier.id.in_(ids)))
                .all())


def audit_choices() -> dict[str, list]:
    """Distinct actions, object types and actors present in the trail (for the filter form)."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    types = db.session.scalars(select(AuditEvent.object_type).distinct()
                               .order_by(AuditEvent.object_type))
    actors = db.session.scalars(select(User).where(User.id.in_(
        select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()))
        .order_by(User.full_name))
    return {"actions": list(actions), "object_types": list(types), "actors": list(actors)}



# --- the security log (read side; the rows are written by services.security_log) ---------


@dataclass(frozen=True)
class SecurityFilter:
    """What the security log page filters on; every field is optional. ``who`` matches the
    e-mail recorded on the event or the name/e-mail of its user."""

    kind: str | None = None
    who: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _security_query(filters: SecurityFilter):
    stmt = (select(SecurityEvent).options(selectinload(SecurityEvent.user))
            .order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()))
    if filters.kind:
        stmt = stmt.where(SecurityEvent.kind == filters.kind)
    if filters.who:
        who = filters.who.strip()
        stmt = stmt.where(or_(
            SecurityEvent.email.icontains(who, autoescape=True),
            SecurityEvent.user_id.in_(select(User.id).where(or_(
                User.email.icontains(who, autoescape=True),
                User.full_name.icontains(who, autoescape=True))))))
    if filters.date_from:
        stmt = stmt.where(SecurityEvent.at >= from_local(datetime.combine(filters.date_from,
                                                                          time.min)))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        stmt = stmt.where(SecurityEvent.at < from_local(end))
    return stmt


def security_page(filters: SecurityFilter, *, page: int, per_page: int):
    """Security events matching ``filters``, newest first; dates are local (Vietnam) days."""
    return db.paginate(_security_query(filters), page=page, per_page=per_page, error_out=False)


SECURITY_EXPORT_MAX = 100_000


def security_rows(filters: SecurityFilter) -> list[SecurityEvent]:
    """The events of an export (newest first, at most SECURITY_EXPORT_MAX)."""
    return list(db.session.scalars(_security_query(filters).limit(SECURITY_EXPORT_MAX)))


def security_kinds() -> list[str]:
    """The kinds present in the log (for the filter form)."""
    return list(db.session.scalars(select(SecurityEvent.kind).distinct()
                                   .order_by(SecurityEvent.kind)))
