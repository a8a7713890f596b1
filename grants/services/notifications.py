"""Notifications: what people are told when something happens to a dossier or the budget, in
the app (the bell) and by e-mail, written in the transaction of the change (an outbox).

``events.subscribe`` hands every domain event to ``_on_event`` as the transaction that emitted
it commits (``events.publish``). Because a verb emits its event before it has finished
(``receive`` issues the receipt after the change of state, ``assign`` names the appraiser after
it), the notices are so built from the final state of the change, and are written in that
transaction: if it rolls back, nobody is told. The e-mails go through
``mail.queue_email`` (delivered by the queue after the commit) according to each user's
preferences, in plain text and HTML, in Vietnamese, with absolute links (``BASE_URL``) and a
link to the preferences page.

Scheduled work (queue periodic tasks): the daily digest of step deadlines on working days at
``DIGEST_TIME``, and the budget thresholds (committed share passes 80 % / 95 %, once per year
each, told to the leader and finance; also checked when an approval commits money).
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from grants import queue
from grants.charts import percent_text
from grants.db import atomic, local_now, to_local, utcnow
from grants.domain.budget import percent
from grants.domain.enums import DocumentKind, EventKind, Outcome
from grants.domain.money import format_vnd
from grants.domain.notifications import (
    APPLICANT_KINDS,
    BUDGET_RECIPIENTS,
    NotificationKind,
    digest_due,
    email_wanted,
    kinds_for,
    parse_digest_time,
    thresholds_passed,
)
from grants.domain.roles import Role
from grants.domain.workflow import PAUSED_IN_PROCESS, WAITING_FOR, Action, Status
from grants.extensions import db
from grants.letters.words import amount_in_words
from grants.models import (
    Decision,
    Document,
    DomainEvent,
    Dossier,
    Notification,
    NotificationPreference,
    OrganisationContact,
    ProgramYear,
    ScheduledRun,
    SupplementRequest,
    User,
    UserRole,
)
from grants.queries.calendar import calendar_for
from grants.services import events, mail

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)

PREFERENCES_PATH = "/notifications/preferences"
NOTIFICATIONS_PATH = "/notifications/"


# ---------------------------------------------------------------- paths the notices link to
# (services build no URLs with Flask; tests/integration/test_notifications.py checks that each
# of these resolves in the app)

def applicant_dossier_path(dossier_id: int) -> str:
    return f"/portal/dossiers/{dossier_id}"


def applicant_document_path(dossier_id: int, document_id: int) -> str:
    return f"/portal/dossiers/{dossier_id}/documents/{document_id}"


def supplement_path(dossier_id: int) -> str:
    return f"/portal/dossiers/{dossier_id}/supplement"


def staff_dossier_path(dossier_id: int) -> str:
    return f"/dossiers/{dossier_id}"


BUDGET_PATH = "/budget/"


def absolute(path: str | None) -> str | None:
    """``path`` under ``BASE_URL`` (the worker and e-mails run outside any request)."""
    if not path:
        return None
    base = str(queue.settings().get("BASE_URL") or "").rstrip("/")
    return f"{base}{path}"


def _day(at: datetime | date | None) -> str:
    if at is None:
        return "—"
    if isinstance(at, datetime):
        at = to_local(at)
    return at.strftime("%d/%m/%Y")


# ---------------------------------------------------------------- writing one notice


@dataclass
class Notice:
    """What one notice says: a title (the e-mail subject too), its lines, an optional list
    (papers to add, dossiers due) and a link."""

    kind: NotificationKind
    title: str
    lines: list[str]
    link: str | None = None
    link_label: str = "Xem chi tiết"
    items: list[str] = field(default_factory=list)
    dossier_id: int | None = None
    key: str | None = None

    @property
    def body(self) -> str:
        return "\n".join(self.lines + [f"• {item}" for item in self.items])


def email_enabled(user: User, kind: NotificationKind | str) -> bool:
    """The user's choice for ``kind``, or the kind's default."""
    choice = db.session.scalar(select(NotificationPreference.email_enabled).where(
        NotificationPreference.user_id == user.id,
        NotificationPreference.kind == NotificationKind(kind).value))
    return email_wanted(kind, choice)


def render_email(notice: Notice, user_name: str | None) -> tuple[str, str]:
    """(plain text, HTML) of ``notice`` for ``user_name``."""
    context = {"notice": notice, "name": user_name, "link": absolute(notice.link),
               "preferences": absolute(PREFERENCES_PATH),
               "centre": absolute(NOTIFICATIONS_PATH)}
    return (_env.get_template("notification.txt").render(context),
            _env.get_template("notification.html").render(context))


def _email(notice: Notice, user: User | None, address: str, name: str | None, suffix: str):
    text, html = render_email(notice, name)
    key = f"{notice.key or uuid_hex()}-{suffix}"[:64]
    return mail.queue_email(address, notice.title, text, html, user=user, key=key)


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex


def notify(user: User, notice: Notice, *, contact: str | None = None) -> Notification | None:
    """Write ``notice`` for ``user`` and queue its e-mail if the user wants it (flushes);
    ``contact``: the organisation's second address, e-mailed too. None when the notice has a
    ``key`` the user already has (a threshold told once)."""
    if notice.key is not None and db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.key == notice.key)) is not None:
        return None
    row = Notification(user_id=user.id, kind=notice.kind.value, title=notice.title[:300],
                       body=notice.body, link=notice.link, dossier_id=notice.dossier_id,
                       key=notice.key)
    db.session.add(row)
    db.session.flush()
    if email_enabled(user, notice.kind):
        base = notice.key or f"n{row.id}"
        keyed = Notice(**{**notice.__dict__, "key": base})
        email = _email(keyed, user, user.email, user.full_name, f"u{user.id}")
        row.email_id = email.id
        if contact and contact.strip().lower() != user.email.lower():
            _email(keyed, None, contact, None, "org")
    db.session.flush()
    return row


# ---------------------------------------------------------------- who is told


def _active_users(*roles: Role, organisation_id: int | None = None) -> list[User]:
    stmt = (select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role.in_([r.value for r in roles]),
                   User.is_active_account.is_(True)).distinct().order_by(User.id))
    if organisation_id is not None:
        stmt = stmt.where(User.organisation_id == organisation_id)
    return list(db.session.scalars(stmt))


def _contact_of(organisation_id: int) -> str | None:
    return db.session.scalar(select(OrganisationContact.email).where(
        OrganisationContact.organisation_id == organisation_id))


def _tell_applicants(dossier: Dossier, notice: Notice) -> list[Notification]:
    """The notice to every applicant account of the dossier's organisation; the organisation's
    second address gets one copy (with the first account that wants e-mail)."""
    contact = _contact_of(dossier.organisation_id)
    rows = []
    for user in _active_users(Role.APPLICANT, organisation_id=dossier.organisation_id):
        row = notify(user, notice, contact=contact)
        if row is not None:
            rows.append(row)
            if row.email_id is not None:
                contact = None
    return rows


# ---------------------------------------------------------------- the table of the issue


def _latest_document(dossier_id: int, kind: DocumentKind) -> Document | None:
    return db.session.scalar(select(Document).where(Document.dossier_id == dossier_id,
                                                    Document.kind == kind.value)
                             .order_by(Document.id.desc()))


def _received(dossier: Dossier, _event: DomainEvent) -> None:
    receipt = _latest_document(dossier.id, DocumentKind.RECEIPT)
    link = (applicant_document_path(dossier.id, receipt.id) if receipt
            else applicant_dossier_path(dossier.id))
    _tell_applicants(dossier, Notice(
        NotificationKind.DOSSIER_RECEIVED, f"Hồ sơ {dossier.code} đã được tiếp nhận",
        [f"Hồ sơ {dossier.code} của {dossier.organisation.name} đã được tiếp nhận.",
         f"Ngày tiếp nhận: {_day(dossier.received_at)}.",
         f"Ngày hẹn trả kết quả: {_day(dossier.due_at)}.",
         "Giấy tiếp nhận hồ sơ và hẹn trả kết quả ở đường dẫn dưới đây."],
        link=link, link_label="Xem giấy tiếp nhận", dossier_id=dossier.id))


def _supplement(dossier: Dossier, _event: DomainEvent) -> None:
    request = db.session.scalar(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id).order_by(SupplementRequest.id.desc()))
    papers = []
    for item in json.loads(request.items_json) if request else []:
        papers.append(item["label"] + (f" ({item['note']})" if item.get("note") else ""))
    _tell_applicants(dossier, Notice(
        NotificationKind.SUPPLEMENT_REQUESTED, f"Hồ sơ {dossier.code}: yêu cầu bổ sung giấy tờ",
        [f"Bộ phận một cửa đề nghị bổ sung, hoàn thiện hồ sơ {dossier.code}."
         if dossier.status == Status.SUPPLEMENT_REQUESTED else
         f"Trong quá trình thẩm định, Chi cục TĐC đề nghị bổ sung, hoàn thiện hồ sơ "
         f"{dossier.code}; thời hạn giải quyết tạm dừng đến khi nhận đủ hồ sơ bổ sung.",
         "Giấy tờ cần bổ sung:"],
        items=papers, link=supplement_path(dossier.id), link_label="Nộp bổ sung",
        dossier_id=dossier.id))


def _refused(dossier: Dossier, event: DomainEvent) -> None:
    slip = _latest_document(dossier.id, DocumentKind.INTAKE_REFUSAL)
    link = (applicant_document_path(dossier.id, slip.id) if slip
            else applicant_dossier_path(dossier.id))
    _tell_applicants(dossier, Notice(
        NotificationKind.INTAKE_REFUSED, f"Hồ sơ {dossier.code} không được tiếp nhận",
        [f"Hồ sơ {dossier.code} không được tiếp nhận.",
         f"Lý do: {event.payload.get('note') or '—'}.",
         "Phiếu từ chối tiếp nhận ở đường dẫn dưới đây."],
        link=link, link_label="Xem phiếu từ chối", dossier_id=dossier.id))


def _recovery_decided(dossier: Dossier, payload: dict) -> None:
    """The organisation is told of a recovery decision (issue 14.4): what it must pay back."""
    owed = dossier.recovered_vnd - dossier.repaid_vnd
    _tell_applicants(dossier, Notice(
        NotificationKind.DECISION_ISSUED,
        f"Quyết định thu hồi kinh phí hỗ trợ hồ sơ {dossier.code}",
        [f"Quyết định số {payload.get('number') or ''} thu hồi kinh phí hỗ trợ của hồ sơ "
         f"{dossier.code}.",
         f"Số tiền còn phải nộp trả: {format_vnd(owed)} ({amount_in_words(owed)})."],
        link=applicant_document_path(dossier.id, payload["document_id"]),
        link_label="Tải quyết định (PDF)", dossier_id=dossier.id))


def _decision_issued(dossier: Dossier, event: DomainEvent) -> None:
    payload = event.payload
    if payload.get("kind") == DocumentKind.RECOVERY_DECISION:
        return _recovery_decided(dossier, payload)
    if payload.get("kind") not in (DocumentKind.SUPPORT_DECISION, DocumentKind.REJECTION_LETTER):
        return
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    paper = payload.get("number") or ""
    issued_on = date.fromisoformat(payload["issued_on"]) if payload.get("issued_on") else None
    if dossier.outcome == Outcome.APPROVED.value and decision is not None:
        title = f"Hồ sơ {dossier.code} được phê duyệt hỗ trợ"
        lines = [f"Hồ sơ {dossier.code} được phê duyệt hỗ trợ "
                 f"{format_vnd(decision.total_vnd)} ({amount_in_words(decision.total_vnd)}).",
                 f"Quyết định số {paper}, ngày {_day(issued_on)}."]
    else:
        title = f"Hồ sơ {dossier.code} không được hỗ trợ"
        reasons = json.loads(decision.reasons_json or "[]") if decision else []
        lines = [f"Hồ sơ {dossier.code} không được hỗ trợ.",
                 f"Văn bản trả lời số {paper}, ngày {_day(issued_on)}.",
                 "Lý do:" if reasons else "Lý do nêu trong văn bản trả lời."]
        return _tell_applicants(dossier, Notice(
            NotificationKind.DECISION_ISSUED, title, lines, items=reasons,
            link=applicant_document_path(dossier.id, payload["document_id"]),
            link_label="Tải văn bản (PDF)", dossier_id=dossier.id))
    _tell_applicants(dossier, Notice(
        NotificationKind.DECISION_ISSUED, title, lines,
        link=applicant_document_path(dossier.id, payload["document_id"]),
        link_label="Tải quyết định (PDF)", dossier_id=dossier.id))


def _payment(dossier: Dossier, event: DomainEvent) -> None:
    payload = event.payload
    amount = abs(int(payload.get("amount_vnd") or 0))
    entry_on = date.fromisoformat(payload["entry_on"]) if payload.get("entry_on") else None
    paid = int(payload.get("paid_total_vnd") or 0)
    if event.kind == EventKind.PAYMENT_REVERSED:
        title = f"Hồ sơ {dossier.code}: hủy bút toán chi trả {format_vnd(amount)}"
        lines = [f"Khoản chi trả {format_vnd(amount)} cho hồ sơ {dossier.code} đã được hủy "
                 f"(bút toán ngày {_day(entry_on)}, chứng từ {payload.get('voucher_no') or '—'}).",
                 f"Lý do: {payload.get('reason') or '—'}."]
    else:
        title = f"Hồ sơ {dossier.code}: đã chi trả {format_vnd(amount)}"
        lines = [f"Đã chi trả {format_vnd(amount)} ({amount_in_words(amount)}) cho hồ sơ "
                 f"{dossier.code} ngày {_day(entry_on)}, chứng từ số "
                 f"{payload.get('voucher_no') or '—'}."]
    lines.append(f"Tổng đã chi trả đến nay: {format_vnd(paid)} / "
                 f"{format_vnd(dossier.approved_vnd)} được phê duyệt.")
    _tell_applicants(dossier, Notice(NotificationKind.PAYMENT, title, lines,
                                     link=applicant_dossier_path(dossier.id),
                                     link_label="Xem hồ sơ", dossier_id=dossier.id))


def _work_assigned(dossier: Dossier, event: DomainEvent) -> None:
    rework = event.payload.get("action") == Action.RETURN_FOR_REWORK.value
    appraiser = db.session.get(User, dossier.assignee_id) if dossier.assignee_id else None
    what = "được trả lại để thẩm định lại" if rework else "được phân công thẩm định"
    lines = [f"Hồ sơ {dossier.code} của {dossier.organisation.name} {what}"
             + (f" (chuyên viên: {appraiser.full_name})." if appraiser else "."),
             f"Hạn bước thẩm định: {_day(dossier.step_due_at)}."]
    if rework and event.payload.get("note"):
        lines.append(f"Nội dung cần thẩm định lại: {event.payload['note']}")
    notice = Notice(NotificationKind.WORK_ASSIGNED, f"Hồ sơ {dossier.code} {what}", lines,
                    link=staff_dossier_path(dossier.id), link_label="Mở hồ sơ",
                    dossier_id=dossier.id)
    told = set()
    for user in ([appraiser] if appraiser else []) + _active_users(Role.HEAD):
        if user.id in told or (user.id == event.actor_id and user is not appraiser):
            continue
        told.add(user.id)
        notify(user, notice)


PAUSED_VALUES = frozenset(status.value for status in PAUSED_IN_PROCESS)


def _on_status(dossier: Dossier, event: DomainEvent) -> None:
    to_status = event.payload.get("to_status")
    if event.payload.get("from_status") in PAUSED_VALUES and to_status == Status.RECEIVED.value:
        return  # papers answered before assignment: no new receipt to announce (issue 14)
    handler = {Status.RECEIVED.value: _received,
               Status.SUPPLEMENT_REQUESTED.value: _supplement,
               **{status.value: _supplement for status in PAUSED_IN_PROCESS},
               Status.REFUSED.value: _refused,
               Status.ASSIGNED.value: _work_assigned}.get(to_status)
    if handler is not None:
        handler(dossier, event)
    if to_status == Status.APPROVED.value:
        check_budget_thresholds(dossier.program_year)


_HANDLERS = {EventKind.STATUS_CHANGED.value: _on_status,
             EventKind.DOCUMENT_ISSUED.value: _decision_issued,
             EventKind.PAYMENT_RECORDED.value: _payment,
             EventKind.PAYMENT_REVERSED.value: _payment}


@events.subscribe
def _on_event(event: DomainEvent) -> None:
    """Write the event's notices: events are handed over as their transaction commits
    (``events.publish``), so from the final state of the change."""
    handler = _HANDLERS.get(event.kind)
    if handler is not None and event.dossier_id is not None:
        handler(db.session.get(Dossier, event.dossier_id), event)


# ---------------------------------------------------------------- the notification centre


def unread_count(user_id: int) -> int:
    """One narrow indexed count (the bell)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def recent(user_id: int, *, limit: int = 50, offset: int = 0) -> list[Notification]:
    """The user's notifications, newest first."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id.desc())
                                   .limit(limit).offset(offset)))


def mark_read(user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read (None: not the user's); flushes."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        return None
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.flush()
    return row


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many."""
    count = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return count


def preferences_of(user: User) -> list[tuple[NotificationKind, bool]]:
    """(kind, e-mail on?) for every kind the user can receive."""
    return [(kind, email_enabled(user, kind)) for kind in kinds_for(user.roles)]


def set_preferences(user: User, choices: dict[str, bool], *,
                    contact: str | None = None) -> None:
    """Save the user's e-mail choices (kinds the user cannot receive are ignored) and, for an
    applicant, the organisation's second address (blank: none); flushes."""
    from grants.domain.errors import InvalidInput

    for kind in kinds_for(user.roles):
        row = db.session.scalar(select(NotificationPreference).where(
            NotificationPreference.user_id == user.id,
            NotificationPreference.kind == kind.value))
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=kind.value)
            db.session.add(row)
        row.email_enabled = bool(choices.get(kind.value, False))
    if contact is not None and user.has_role(Role.APPLICANT) and user.organisation_id:
        contact = contact.strip()
        existing = db.session.scalar(select(OrganisationContact).where(
            OrganisationContact.organisation_id == user.organisation_id))
        if contact and not mail.valid_address(contact):
            raise InvalidInput("Địa chỉ thư thứ hai không hợp lệ (ví dụ: ketoan@congty.vn).",
                               field="contact_email")
        if contact:
            if existing is None:
                db.session.add(OrganisationContact(organisation_id=user.organisation_id,
                                                   email=contact))
            else:
                existing.email, existing.updated_at = contact, utcnow()
        elif existing is not None:
            db.session.delete(existing)
    db.session.flush()


def organisation_contact(user: User) -> str | None:
    return _contact_of(user.organisation_id) if user.organisation_id else None


# ---------------------------------------------------------------- budget thresholds


def forecast_sentence(year: ProgramYear) -> str:
    """The leader's forecast in one sentence ("at the current pace the year ends with 12 items
    and 310.000.000 đ unspent", with the overrun or the shortfall when they apply), for the
    budget notices (grants/domain/forecast.py computes the projection)."""
    from grants.domain.forecast import forecast_sentence as sentence_of
    from grants.queries.forecast import year_forecast

    return sentence_of(year_forecast(year, local_now().date()))


def check_forecast(year: ProgramYear, *, today: date) -> bool:
    """Tell the leader and finance when the forecast for ``year`` expects a shortfall against
    the minimum target or a budget overrun: at most once a month (the notice's key), so a
    standing warning is repeated as the year goes on but never floods. True when told now;
    flushes."""
    from grants.domain.forecast import forecast_sentence as sentence_of
    from grants.queries.forecast import year_forecast

    key = f"forecast-{year.year}-{today:%Y-%m}"
    if db.session.scalar(select(Notification.id).where(Notification.key == key)
                         .limit(1)) is not None:
        return False
    forecast = year_forecast(year, today)
    if forecast.is_year_over or not forecast.needs_attention:
        return False
    notice = Notice(NotificationKind.FORECAST_WARNING,
                    f"Dự báo ngân sách năm {year.year}: cần chú ý", [sentence_of(forecast)],
                    link=BUDGET_PATH, link_label="Xem dự báo trên bảng ngân sách", key=key)
    for user in _active_users(*BUDGET_RECIPIENTS):
        notify(user, notice)
    return True


def check_budget_thresholds(year: ProgramYear) -> list[int]:
    """Tell the leader and finance when the committed share of ``year`` has passed 80 % / 95 %
    (each threshold once per year: the notice's key); the thresholds told now; flushes."""
    told = []
    for pct in thresholds_passed(year.committed_vnd, year.budget_vnd):
        key = f"budget-{year.year}-{pct}"
        if db.session.scalar(select(Notification.id).where(Notification.key == key)
                             .limit(1)) is not None:
            continue
        share = percent_text(percent(year.committed_vnd, year.budget_vnd))
        lines = [f"Kinh phí đã cam kết năm {year.year} đạt {share} dự toán, vượt ngưỡng "
                 f"{pct} %.",
                 f"Dự toán: {format_vnd(year.budget_vnd)}; đã cam kết: "
                 f"{format_vnd(year.committed_vnd)}; đã giải ngân: "
                 f"{format_vnd(year.disbursed_vnd)}; còn lại: "
                 f"{format_vnd(year.budget_vnd - year.committed_vnd)}."]
        lines.append(forecast_sentence(year))
        notice = Notice(NotificationKind.BUDGET_THRESHOLD,
                        f"Ngân sách năm {year.year} đã cam kết vượt {pct} %", lines,
                        link=BUDGET_PATH, link_label="Xem bảng ngân sách", key=key)
        for user in _active_users(*BUDGET_RECIPIENTS):
            notify(user, notice)
        told.append(pct)
    return told


@queue.periodic_task(queue.crontab(minute="*/15"))
def check_all_budget_thresholds() -> None:
    """Every quarter hour: the thresholds of every open year (a budget lowered by the admin
    can cross one without an approval), and the forecast's warning (once a month)."""
    from grants.services.ledger import lock_year

    with atomic():
        year_ids = list(db.session.scalars(select(ProgramYear.id).where(
            ProgramYear.is_closed.is_(False))))
    for year_id in year_ids:
        try:
            with atomic():
                year = lock_year(year_id)
                check_budget_thresholds(year)
                check_forecast(year, today=local_now().date())
        except IntegrityError:  # an approval told it at the same instant
            log.info("budget notice of year %s already told", year_id)


# ---------------------------------------------------------------- the daily digest


@dataclass
class DigestLine:
    code: str
    organisation: str
    status: str
    due: str
    overdue: bool
    link: str


def digest_lines(user: User, *, today: date, tomorrow: date) -> list[DigestLine]:
    """The user's step deadlines due by the end of ``tomorrow`` (and every overdue one),
    oldest first: the steps of the states waiting for the user's roles (an appraiser's: the
    dossiers assigned to them)."""
    end = datetime.combine(tomorrow + timedelta(days=1), time())
    from grants.db import from_local

    conditions = []
    for role in user.roles:
        states = WAITING_FOR.get(role)
        if not states:
            continue
        cond = Dossier.status.in_([s.value for s in states])
        if role == Role.APPRAISER:
            cond = cond & (Dossier.assignee_id == user.id)
        conditions.append(cond)
    if not conditions:
        return []
    from sqlalchemy import or_

    rows = db.session.scalars(select(Dossier).where(
        or_(*conditions), Dossier.step_due_at.is_not(None),
        Dossier.step_due_at < from_local(end)).order_by(Dossier.step_due_at, Dossier.id)
        .limit(200))
    return [DigestLine(d.code, d.organisation.name, d.status_label, _day(d.step_due_at),
                       d.step_due_at < utcnow(),
                       absolute(staff_dossier_path(d.id))) for d in rows]


def send_digest(*, now_local: datetime | None = None) -> int:
    """Send the day's digest if it is due (a working day, its time come, not yet sent today):
    one e-mail per staff member with deadlines tomorrow or overdue; how many e-mails."""
    now_local = now_local or local_now()
    today = now_local.date()
    calendar = calendar_for(today.year)
    digest_time = parse_digest_time(queue.settings().get("DIGEST_TIME") or "07:30")
    if not digest_due(now_local, digest_time, calendar.is_working_day(today)):
        return 0
    if db.session.scalar(select(ScheduledRun.id).where(ScheduledRun.job == "digest",
                                                       ScheduledRun.day == today)):
        return 0
    db.session.add(ScheduledRun(job="digest", day=today))
    db.session.flush()
    tomorrow = calendar.next_working_day(today)
    sent = 0
    staff = _active_users(*(r for r in Role if r in WAITING_FOR))
    for user in staff:
        if not email_enabled(user, NotificationKind.DEADLINE_DIGEST):
            continue
        lines = digest_lines(user, today=today, tomorrow=tomorrow)
        if not lines:
            continue
        context = {"name": user.full_name, "lines": lines, "today": _day(today),
                   "tomorrow": _day(tomorrow), "preferences": absolute(PREFERENCES_PATH)}
        mail.queue_email(user.email, f"Hạn xử lý hồ sơ ngày {_day(today)}: {len(lines)} hồ sơ",
                         _env.get_template("digest.txt").render(context),
                         _env.get_template("digest.html").render(context), user=user,
                         key=f"digest-{today.isoformat()}-u{user.id}")
        sent += 1
    return sent


@queue.periodic_task(queue.crontab(minute="*/5"))
def daily_digest() -> int:
    """Every five minutes: the digest goes out at the first tick after ``DIGEST_TIME`` on a
    working day (a second worker finds the day's run recorded and does nothing)."""
    try:
        with atomic():
            return send_digest()
    except IntegrityError:
        return 0


__all__ = ["APPLICANT_KINDS", "Notice", "check_budget_thresholds", "mark_all_read",
           "mark_read", "notify", "preferences_of", "recent", "send_digest", "set_preferences",
           "unread_count"]
