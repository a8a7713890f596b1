"""Internal procedure steps, their working-day allotments, and the deadlines they produce."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from grants.domain.calendar import DAY_END, DayCount, WorkCalendar, as_days
from grants.domain.enums import LabelledEnum
from grants.domain.errors import InvalidInput
from grants.domain.roles import Role
from grants.domain.workflow import ROLE_OF_STEP, StepKey


@dataclass(frozen=True)
class Step:
    """One step of the internal procedure: who does it and how many working days it gets.

    ``allotment_days`` accepts int, Fraction, Decimal or a string like "0.5" and is stored as
    an exact Fraction. A step that is not ``counted`` (returning results) is outside the
    statutory total and gets no deadline of its own.
    """

    key: str
    label_vi: str
    role: Role
    allotment_days: Fraction
    counted: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "allotment_days", as_days(self.allotment_days))


DEFAULT_STATUTORY_DAYS = 16
"""Statutory processing time in working days (demo value; each program year sets its own)."""

DEFAULT_STEPS: tuple[Step, ...] = (
    Step(StepKey.RECEPTION, "Tiếp nhận hồ sơ", ROLE_OF_STEP[StepKey.RECEPTION], Fraction(1, 2)),
    Step(
        StepKey.ASSIGNMENT,
        "Phân công thụ lý hồ sơ",
        ROLE_OF_STEP[StepKey.ASSIGNMENT],
        Fraction(1, 2),
    ),
    Step(
        StepKey.APPRAISAL,
        "Thẩm định hồ sơ và thẩm định thực tế tại tổ chức",
        ROLE_OF_STEP[StepKey.APPRAISAL],
        Fraction(10),
    ),
    Step(StepKey.REVIEW, "Xem xét, trình lãnh đạo Sở", ROLE_OF_STEP[StepKey.REVIEW], Fraction(2)),
    Step(
        StepKey.DECISION,
        "Quyết định hỗ trợ hoặc trả lời không hỗ trợ",
        ROLE_OF_STEP[StepKey.DECISION],
        Fraction(5, 2),
    ),
    Step(
        StepKey.ISSUING,
        "Vào số, ban hành văn bản",
        ROLE_OF_STEP[StepKey.ISSUING],
        Fraction(1, 2),
    ),
    Step(
        StepKey.RETURN,
        "Trả kết quả cho tổ chức",
        ROLE_OF_STEP[StepKey.RETURN],
        Fraction(0),
        counted=False,
    ),
)
"""The demo template for this procedure; the counted allotments add up to 16 days."""


class DeadlineStatus(LabelledEnum):
    """Where a step or dossier stands against its deadline."""

    ON_TIME = "on_time", "Trong hạn"
    DUE_SOON = "due_soon", "Sắp đến hạn"
    LATE = "late", "Quá hạn"


def format_days(value: DayCount) -> str:
    """Format a number of days the Vietnamese way: 16 -> "16", 2.5 -> "2,5", 0.25 -> "0,25"."""
    days = as_days(value)
    amount = Decimal(days.numerator) / Decimal(days.denominator)
    if Fraction(amount) != days:
        amount = amount.quantize(Decimal("0.01"))
    return format(amount.normalize(), "f").replace(".", ",")


def _whole_days(statutory_days: DayCount) -> int:
    total = as_days(statutory_days)
    if total <= 0 or total.denominator != 1:
        raise InvalidInput(
            "Tổng thời hạn giải quyết phải là số nguyên dương ngày làm việc "
            f"(đang là {format_days(total)})."
        )
    return int(total)


def validate_allotments(steps: Sequence[Step], statutory_days: DayCount) -> list[str]:
    """Return the problems with a step template, in Vietnamese; an empty list means valid.

    Checks: at least one step; the statutory total is a positive whole number of days; step
    keys are unique; no allotment is negative; every counted step has more than 0 days; steps
    that are not counted come last; and the counted allotments add up to the statutory total.
    """
    problems: list[str] = []
    try:
        total = as_days(statutory_days)
    except InvalidInput as err:
        return [err.message]
    if total <= 0 or total.denominator != 1:
        problems.append(
            "Tổng thời hạn giải quyết phải là số nguyên dương ngày làm việc "
            f"(đang là {format_days(total)})."
        )
    if not steps:
        problems.append("Quy trình nội bộ phải có ít nhất một bước.")
        return problems

    seen: set[str] = set()
    uncounted_seen = None
    for step in steps:
        if step.key in seen:
            problems.append(f"Mã bước «{step.key}» bị trùng.")
        seen.add(step.key)
        if step.allotment_days < 0:
            problems.append(
                f"Bước «{step.label_vi}»: thời gian không được âm "
                f"(đang là {format_days(step.allotment_days)} ngày)."
            )
        elif step.counted and step.allotment_days == 0:
            problems.append(f"Bước «{step.label_vi}»: thời gian phải lớn hơn 0 ngày làm việc.")
        if not step.counted:
            uncounted_seen = uncounted_seen or step
        elif uncounted_seen is not None:
            problems.append(
                f"Bước «{uncounted_seen.label_vi}» không tính vào thời hạn giải quyết "
                "nên phải nằm ở cuối quy trình."
            )
            uncounted_seen = None

    counted_sum = sum((s.allotment_days for s in steps if s.counted), Fraction(0))
    if counted_sum != total:
        problems.append(
            f"Tổng thời gian các bước ({format_days(counted_sum)} ngày) khác tổng thời hạn "
            f"giải quyết ({format_days(total)} ngày)."
        )
    return problems


def dossier_due(
    calendar: WorkCalendar, clock_start: datetime, statutory_days: DayCount
) -> datetime:
    """Return the legal due moment of a dossier: 17:00 on the n-th working day after the start.

    Rule: the day the clock starts is day 0; day 1 is the next working day; the dossier is due at
    17:00 on ``calendar.add_working_days(clock_start.date(), statutory_days)``. Example with 16
    days: received Monday 2026-03-02 09:00 -> due Tuesday 2026-03-24 17:00. A dossier received
    after the 15:00 cut-off starts on the next working day (``WorkCalendar.clock_start``), so
    that day becomes day 0. The due moment is never earlier than the last step deadline
    from ``step_deadlines``. Raises InvalidInput unless ``statutory_days`` is a positive whole
    number.
    """
    return datetime.combine(
        calendar.add_working_days(clock_start.date(), _whole_days(statutory_days)), DAY_END
    )


def step_deadlines(
    calendar: WorkCalendar, clock_start: datetime, steps: Iterable[Step]
) -> dict[str, datetime]:
    """Return each counted step's deadline, keyed by step key, in procedure order.

    Deadlines are cumulative office time from ``clock_start`` (see
    ``WorkCalendar.add_working_time``): a step is due when the allotments of all counted steps
    up to and including it have elapsed. Steps that are not counted are left out.
    """
    deadlines: dict[str, datetime] = {}
    elapsed = Fraction(0)
    for step in steps:
        if not step.counted:
            continue
        elapsed += step.allotment_days
        deadlines[step.key] = calendar.add_working_time(clock_start, elapsed)
    return deadlines


def status_of_deadline(
    now: datetime,
    due: datetime,
    calendar: WorkCalendar | None = None,
    *,
    soon_days: DayCount = 1,
) -> DeadlineStatus:
    """Return LATE if ``now`` is past ``due``, DUE_SOON if ``due`` is at most ``soon_days`` away,
    else ON_TIME.

    With a ``calendar`` the distance is office time (1 day = 8 office hours), so on a Friday
    afternoon a Monday-noon deadline is due soon; without one it is wall-clock days.
    """
    if now > due:
        return DeadlineStatus.LATE
    if calendar is not None:
        horizon = calendar.add_working_time(now, soon_days)
    else:
        horizon = now + timedelta(days=float(as_days(soon_days)))
    return DeadlineStatus.DUE_SOON if due <= horizon else DeadlineStatus.ON_TIME


def is_on_time(finished_at: datetime, due: datetime) -> bool:
    """True if the work finished at or before the due moment."""
    return finished_at <= due


def working_days_late(calendar: WorkCalendar, due: datetime, finished_at: datetime) -> int:
    """Return how many working days late ``finished_at`` is; 0 if on time.

    Counted by date: the working days in (due date, finished date]. Finishing late on the due
    date itself, or on a day off just after it, counts as 1 day late.
    """
    if is_on_time(finished_at, due):
        return 0
    return max(1, calendar.working_days_between(due.date(), finished_at.date()))


def remaining_after_pause(statutory_days: DayCount) -> Fraction:
    """Return the working days the office has after the applicant answers a supplement request.

    Model: a supplement request stops the clock, and the resubmitted dossier is a new receipt
    (a new receipt slip and return date are issued), so the clock restarts from the new
    reception with the full statutory total. Time spent before the request is not carried over.
    """
    return Fraction(_whole_days(statutory_days))


def restart_clock(
    calendar: WorkCalendar, resubmitted_at: datetime, statutory_days: DayCount
) -> tuple[datetime, datetime]:
    """Return ``(clock_start, due)`` for a dossier resubmitted after a supplement request.

    The resubmission is treated as a new reception (see ``remaining_after_pause``): the 15:00
    cut-off applies again and the full statutory total is counted from the new clock start.
    """
    start = calendar.clock_start(resubmitted_at)
    return start, dossier_due(calendar, start, remaining_after_pause(statutory_days))
