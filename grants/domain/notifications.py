"""What people are told: the kinds of notification, who gets each, and the e-mail defaults.

Pure rules (standard library only). The service ``grants.services.notifications`` writes the
notifications; the preferences page lets each user switch the e-mail of a kind on or off.
"""

from datetime import date, datetime, time

from grants.domain.enums import LabelledEnum
from grants.domain.roles import Role


class NotificationKind(LabelledEnum):
    """A kind of notification; each user chooses per kind whether it also comes by e-mail."""

    DOSSIER_RECEIVED = "dossier_received", "Hồ sơ được tiếp nhận"
    SUPPLEMENT_REQUESTED = "supplement_requested", "Yêu cầu bổ sung giấy tờ"
    INTAKE_REFUSED = "intake_refused", "Hồ sơ không được tiếp nhận"
    DECISION_ISSUED = "decision_issued", "Quyết định hỗ trợ / văn bản trả lời"
    PAYMENT = "payment", "Chi trả kinh phí hỗ trợ (và bút toán hủy)"
    WORK_ASSIGNED = "work_assigned", "Hồ sơ được phân công / trả lại để thẩm định lại"
    DEADLINE_DIGEST = "deadline_digest", "Bản tin hạn xử lý hằng ngày (ngày làm việc)"
    BUDGET_THRESHOLD = "budget_threshold", "Ngân sách đã cam kết vượt ngưỡng 80 % / 95 %"
    FORECAST_WARNING = "forecast_warning", "Dự báo cuối năm thiếu chỉ tiêu hoặc vượt dự toán"


APPLICANT_KINDS = frozenset({
    NotificationKind.DOSSIER_RECEIVED, NotificationKind.SUPPLEMENT_REQUESTED,
    NotificationKind.INTAKE_REFUSED, NotificationKind.DECISION_ISSUED, NotificationKind.PAYMENT,
})
"""The applicant's own dossier events: e-mailed unless the user switches them off."""

EMAIL_ON_BY_DEFAULT = APPLICANT_KINDS | {NotificationKind.DEADLINE_DIGEST,
                                         NotificationKind.BUDGET_THRESHOLD,
                                         NotificationKind.FORECAST_WARNING}
"""E-mail is on by default for these; a staff member's per-dossier assignment notices are
in-app only until they switch the e-mail on (the daily digest already lists their work)."""

BUDGET_THRESHOLDS = (80, 95)
"""Committed share of the year's budget (percent) at which the leader and finance are told,
each threshold once per year."""

BUDGET_RECIPIENTS = frozenset({Role.LEADER, Role.FINANCE})


def kinds_for(roles) -> list[NotificationKind]:
    """The kinds a holder of ``roles`` can receive (the preferences page lists these)."""
    roles = set(roles)
    kinds: list[NotificationKind] = []
    if Role.APPLICANT in roles:
        kinds += [k for k in NotificationKind if k in APPLICANT_KINDS]
    if roles & {Role.APPRAISER, Role.HEAD}:
        kinds.append(NotificationKind.WORK_ASSIGNED)
    if roles - {Role.APPLICANT, Role.ADMIN}:
        kinds.append(NotificationKind.DEADLINE_DIGEST)
    if roles & BUDGET_RECIPIENTS:
        kinds += [NotificationKind.BUDGET_THRESHOLD, NotificationKind.FORECAST_WARNING]
    return kinds


def email_wanted(kind: NotificationKind | str, choice: bool | None) -> bool:
    """Whether to e-mail a notification of ``kind``: the user's choice, else the default."""
    if choice is not None:
        return choice
    return NotificationKind(kind) in EMAIL_ON_BY_DEFAULT


def thresholds_passed(committed_vnd: int, budget_vnd: int) -> list[int]:
    """The thresholds (percent) the committed share has reached: committed ≥ pct × budget."""
    if budget_vnd <= 0:
        return []
    return [pct for pct in BUDGET_THRESHOLDS if committed_vnd * 100 >= pct * budget_vnd]


def parse_digest_time(text: str) -> time:
    """"HH:MM" (the DIGEST_TIME setting) as a time; 07:30 when it cannot be read."""
    try:
        hours, minutes = (int(part) for part in str(text).strip().split(":", 1))
        return time(hours, minutes)
    except (ValueError, TypeError):
        return time(7, 30)


def digest_due(now_local: datetime, digest_time: time, is_working_day: bool) -> bool:
    """The digest goes out on a working day once its time of day has come."""
    return is_working_day and now_local.time() >= digest_time


def deadline_cutoff(today: date, next_working_day: date) -> date:
    """The digest lists steps due by the end of the next working day (``tomorrow``), and every
    overdue one; ``today`` is kept for symmetry with the caller."""
    return max(today, next_working_day)
