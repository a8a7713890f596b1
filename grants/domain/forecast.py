"""The leader's forecast: approved items and commitments projected month by month to the year's
end, from the dossiers in process and the pace observed so far (pure rules, no I/O).

How the projection is made, and why (this is what the dashboard's sentence stands on):

1. **The dossiers in process** (received, assigned, appraised, reviewed: ``IN_PROCESS``) are each
   expected to be decided by their statutory due date: a dossier overdue today is counted in
   the current month, one due after the year's end not at all. What a dossier would be granted
   is what the appraisal proposed, or else what it requested (support never exceeds the request,
   so this is the ceiling, the prudent figure for the budget).
2. **Not every dossier is approved.** Each one counts with the *conversion rate*: of the dossiers
   received at the desk that have since ended (decided, or withdrawn after receipt), the share
   approved. This year's rate is used once it rests on ``MIN_SAMPLE`` dossiers; before that the
   earlier years are pooled in, and with no history at all every dossier counts as approved
   (again the prudent side for the budget). The figures are expectations, so a month may hold
   "0.75 of a dossier"; totals are rounded only when shown (items to the unit, the expected
   money down to the million đồng, added to the exact amount already committed).
3. **New dossiers keep arriving while intake is open**, at the rate observed this year (dossiers
   received per day since 1 January, over at least ``MIN_WINDOW_DAYS`` so that one early
   dossier does not set the pace), each like the average received dossier (items and requested
   amount), converted at the same rate. A dossier received on day *d* is decided
   after the statutory processing time (working days × 7/5 calendar days); decisions that would
   fall after the year's end do not count.
4. **The budget is a hard limit**: in the month the expected commitments would pass it, only the
   part that fits is committed (with the items in proportion), and nothing after; the uncapped
   demand is kept, so the overrun can be said.

The projection is cumulative: each month shows the items approved and the money committed by the
end of that month (what is already approved plus what is expected), never decreasing, never
above the budget.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from math import ceil, floor

from grants.domain.budget import TargetProgress, TargetStatus
from grants.domain.money import format_vnd
from grants.domain.workflow_states import IN_PROCESS, Status

PIPELINE = IN_PROCESS
"""The states whose dossiers the forecast projects (received to reviewed)."""

MIN_SAMPLE = 10
"""Ended dossiers this year needed before this year's conversion rate is used alone."""

MIN_WINDOW_DAYS = 30
"""The shortest period over which the intake pace is measured."""

ROUNDING_VND = 1_000_000
"""Expected amounts are shown to the million đồng (what is already committed, exactly)."""


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")


class RateBasis:
    """Where the conversion rate came from (shown beside the forecast)."""

    YEAR = "year"
    HISTORY = "history"
    NONE = "none"


RATE_BASIS_LABELS = {
    RateBasis.YEAR: "tỷ lệ được duyệt của năm nay",
    RateBasis.HISTORY: "tỷ lệ được duyệt của các năm trước và năm nay",
    RateBasis.NONE: "chưa có hồ sơ nào được quyết định: coi như mọi hồ sơ đều được duyệt",
}


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    """Dossiers in process: one dossier, or several of the same step and due date grouped by the
    query. ``amount_vnd`` is their proposed amounts where the appraisal proposed one, else their
    requested amounts; ``due_on`` their statutory due date (None: not known)."""

    step: Status
    dossiers: int
    items: int
    amount_vnd: int
    due_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", Status(self.step))
        if self.step not in PIPELINE:
            raise ValueError(f"{self.step} is not a step in process")
        for name in ("dossiers", "items", "amount_vnd"):
            _check_count(name, getattr(self, name))


def spread_step(step: Status, due_counts: Sequence[tuple[date | None, int]], items: int,
                amount_vnd: int) -> list[PipelineEntry]:
    """The dossiers of one step as entries per due date: ``due_counts`` gives how many are due
    on each date, ``items`` and ``amount_vnd`` are the step's totals, shared in proportion to
    the dossiers (the dossiers of a step taken as alike), in whole units summing exactly to
    the totals."""
    total = sum(n for _due, n in due_counts)
    entries, seen, given_items, given_vnd = [], 0, 0, 0
    for due_on, n in due_counts:
        seen += n
        upto_items, upto_vnd = items * seen // total, amount_vnd * seen // total
        entries.append(PipelineEntry(step, n, upto_items - given_items, upto_vnd - given_vnd,
                                     due_on))
        given_items, given_vnd = upto_items, upto_vnd
    return entries


@dataclass(frozen=True, slots=True)
class Conversion:
    """Dossiers received at the desk that have ended (decided, or withdrawn after receipt), and
    how many of them were approved."""

    ended: int = 0
    approved: int = 0

    def __post_init__(self) -> None:
        _check_count("ended", self.ended)
        _check_count("approved", self.approved)
        if self.approved > self.ended:
            raise ValueError(f"approved {self.approved} exceeds ended {self.ended}")

    def __add__(self, other: "Conversion") -> "Conversion":
        return Conversion(self.ended + other.ended, self.approved + other.approved)

    @property
    def rate(self) -> Fraction | None:
        """Approved / ended, or None when nothing has ended."""
        return Fraction(self.approved, self.ended) if self.ended else None


@dataclass(frozen=True, slots=True)
class Pace:
    """What the year so far (and the earlier years) say about the months ahead.

    ``received*``: this year's dossiers received at the desk so far, their items and requested
    amounts; ``intake_since``: the day from which they were counted (the year's 1 January);
    ``processing_days``: the statutory processing time in working days; ``intake_open``:
    whether new dossiers may still come.
    """

    this_year: Conversion = Conversion()
    earlier_years: Conversion = Conversion()
    received: int = 0
    received_items: int = 0
    received_vnd: int = 0
    intake_since: date | None = None
    processing_days: int = 16
    intake_open: bool = True

    def __post_init__(self) -> None:
        for name in ("received", "received_items", "received_vnd", "processing_days"):
            _check_count(name, getattr(self, name))

    def approval_rate(self) -> tuple[Fraction, str]:
        """The conversion rate to use and its ``RateBasis`` (see the module's docstring)."""
        if self.this_year.ended >= MIN_SAMPLE:
            return self.this_year.rate, RateBasis.YEAR
        pooled = self.this_year + self.earlier_years
        if pooled.ended:
            return pooled.rate, RateBasis.HISTORY
        return Fraction(1), RateBasis.NONE

    @property
    def lag_days(self) -> int:
        """Calendar days from receipt to decision (working days × 7/5, rounded up)."""
        return ceil(self.processing_days * 7 / 5)

    def intake_per_day(self, today: date) -> Fraction:
        """Dossiers expected to be received per day from now on (0 once intake is closed)."""
        if not self.intake_open or not self.received or self.intake_since is None:
            return Fraction(0)
        window = max(MIN_WINDOW_DAYS, (today - self.intake_since).days + 1)
        return Fraction(self.received, window)


@dataclass(frozen=True, slots=True)
class ForecastInputs:
    """Everything the projection needs about a program year, as of ``today``.

    ``committed_vnd`` and ``items_approved``: what is already committed and the items already
    approved; ``year_end``: the last day of the program year.
    """

    budget_vnd: int
    target_min: int
    target_max: int
    committed_vnd: int
    items_approved: int
    pipeline: tuple[PipelineEntry, ...]
    pace: Pace
    today: date
    year_end: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "pipeline", tuple(self.pipeline))
        for name in ("budget_vnd", "target_min", "target_max", "committed_vnd",
                     "items_approved"):
            _check_count(name, getattr(self, name))
        if self.target_min > self.target_max:
            raise ValueError(f"target range {self.target_min}–{self.target_max} is inverted")


@dataclass(frozen=True, slots=True)
class MonthProjection:
    """The position expected at the end of one month: items approved and money committed since
    the year began (cumulative), and the budget still uncommitted."""

    year: int
    month: int
    items: int
    committed_vnd: int
    remaining_vnd: int

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


@dataclass(frozen=True, slots=True)
class Forecast:
    """The projection to the year's end and its end-of-year figures.

    ``demand_vnd`` is what would be committed with no budget limit (to the đồng, rounded up,
    so that it passes the budget exactly when the projection is capped); ``exhausted_in`` the month
    (label "mm/yyyy") in which the budget runs out, if it does; ``is_year_over`` says the year
    had ended on the day of the forecast (the figures are then the final ones);
    ``pipeline_*`` count the dossiers in process and their items, as the basis of the figures.
    """

    budget_vnd: int
    target_min: int
    target_max: int
    items_now: int
    committed_now_vnd: int
    months: tuple[MonthProjection, ...]
    items: int
    committed_vnd: int
    demand_vnd: int
    exhausted_in: str | None
    approval_rate: Fraction
    rate_basis: str
    is_year_over: bool
    pipeline_dossiers: int = 0
    pipeline_items: int = 0

    @property
    def remaining_vnd(self) -> int:
        """Budget left uncommitted at the year's end."""
        return self.budget_vnd - self.committed_vnd

    @property
    def overrun_vnd(self) -> int:
        """How far the uncapped demand goes past the budget (0 if it fits)."""
        return max(self.demand_vnd - self.budget_vnd, 0)

    @property
    def exceeds_budget(self) -> bool:
        """The expected commitments would pass the budget (so the projection is capped)."""
        return self.demand_vnd > self.budget_vnd

    @property
    def target(self) -> TargetProgress:
        return TargetProgress(self.target_min, self.target_max, self.items)

    @property
    def is_short(self) -> bool:
        """The year is expected to end below the minimum target."""
        return self.target.status is TargetStatus.SHORT

    @property
    def shortfall(self) -> int:
        """Items missing to the minimum target at the year's end (0 if reached)."""
        return self.target.shortfall

    @property
    def needs_attention(self) -> bool:
        """A shortfall or a budget overrun is expected: what the leader is to be told about."""
        return self.is_short or self.exceeds_budget

    @property
    def approval_percent(self) -> float:
        """The conversion rate used, as a percentage with one decimal."""
        return round(float(self.approval_rate) * 100, 1)

    @property
    def rate_basis_label(self) -> str:
        return RATE_BASIS_LABELS[self.rate_basis]


def project(inputs: ForecastInputs) -> Forecast:
    """Project ``inputs`` month by month from today's month to the year's end (see the module's
    docstring for the method). A year already over gives no months and today's figures."""
    pace, today, end = inputs.pace, inputs.today, inputs.year_end
    rate, basis = pace.approval_rate()
    cap = max(inputs.budget_vnd, inputs.committed_vnd)
    per_day = pace.intake_per_day(today) * rate
    items_each = Fraction(pace.received_items, pace.received) if pace.received else Fraction(0)
    vnd_each = Fraction(pace.received_vnd, pace.received) if pace.received else Fraction(0)

    items = Fraction(inputs.items_approved)
    start = inputs.committed_vnd
    funded = demand = Fraction(start)
    exhausted_in = None
    months = []
    for first, last in _months(today, end):
        add_items, add_vnd = _pipeline_in(inputs.pipeline, first, last, today, pace.lag_days)
        arrivals = _arrival_days(first, last, today, end, pace.lag_days) * per_day
        add_items = add_items * rate + arrivals * items_each
        add_vnd = add_vnd * rate + arrivals * vnd_each
        demand += add_vnd
        room = cap - funded
        if add_vnd > room:
            items += add_items * room / add_vnd
            funded = Fraction(cap)
            exhausted_in = exhausted_in or f"{first.month:02d}/{first.year}"
        else:
            items += add_items
            funded += add_vnd
        committed = cap if funded == cap else min(_estimate(funded, start), cap)
        months.append(MonthProjection(first.year, first.month, _round(items), committed,
                                      inputs.budget_vnd - committed))
    final_items = months[-1].items if months else inputs.items_approved
    final_vnd = months[-1].committed_vnd if months else inputs.committed_vnd
    return Forecast(
        budget_vnd=inputs.budget_vnd, target_min=inputs.target_min,
        target_max=inputs.target_max, items_now=inputs.items_approved,
        committed_now_vnd=inputs.committed_vnd, months=tuple(months), items=final_items,
        committed_vnd=final_vnd, demand_vnd=ceil(demand), exhausted_in=exhausted_in,
        approval_rate=rate, rate_basis=basis, is_year_over=today > end,
        pipeline_dossiers=sum(e.dossiers for e in inputs.pipeline),
        pipeline_items=sum(e.items for e in inputs.pipeline))


def forecast_sentence(forecast: Forecast) -> str:
    """The forecast in one or a few Vietnamese sentences, e.g. "Với tốc độ hiện nay, đến cuối
    năm sẽ hỗ trợ 12 lượt nội dung và còn 310.000.000 đ chưa sử dụng." followed, when it applies,
    by the budget overrun and the shortfall against the minimum target (or the excess over the
    maximum). Used on the budget dashboard and in the threshold notices."""
    f = forecast
    if f.remaining_vnd > 0:
        money = f"còn {format_vnd(f.remaining_vnd)} chưa sử dụng"
    else:
        money = f"sử dụng hết kinh phí {format_vnd(f.budget_vnd)}"
    if f.is_year_over:
        parts = [f"Năm đã kết thúc: đã hỗ trợ {f.items} lượt nội dung và {money}."]
    else:
        parts = [f"Với tốc độ hiện nay, đến cuối năm sẽ hỗ trợ {f.items} lượt nội dung "
                 f"và {money}."]
    if f.exceeds_budget:
        over = f.overrun_vnd
        if over >= ROUNDING_VND:  # an expectation: to the million, as the months show it
            over = _round(Fraction(over, ROUNDING_VND)) * ROUNDING_VND
        parts.append(f"Nhu cầu dự kiến (khoảng {format_vnd(f.budget_vnd + over)}) vượt kinh phí "
                     f"được giao {format_vnd(over)}: kinh phí sẽ hết trong tháng "
                     f"{f.exhausted_in}, các hồ sơ sau đó không còn kinh phí để hỗ trợ.")
    status = f.target.status
    if status is TargetStatus.SHORT:
        parts.append(f"Thấp hơn mục tiêu tối thiểu {f.target_min} lượt nội dung "
                     f"(còn thiếu {f.shortfall}).")
    elif status is TargetStatus.OVER:
        parts.append(f"Vượt mức tối đa {f.target_max} lượt nội dung của mục tiêu.")
    return " ".join(parts)


def forecast_figures(forecast: Forecast) -> dict:
    """The forecast as plain JSON-ready data (the API's answer, a notice's payload): the
    end-of-year figures, the flags, the sentence and the months."""
    f = forecast
    return {
        "items": f.items, "committed_vnd": f.committed_vnd, "remaining_vnd": f.remaining_vnd,
        "demand_vnd": f.demand_vnd, "overrun_vnd": f.overrun_vnd,
        "exceeds_budget": f.exceeds_budget, "exhausted_in": f.exhausted_in,
        "target_min": f.target_min, "target_max": f.target_max,
        "target_status": f.target.status.value, "shortfall": f.shortfall,
        "approval_percent": f.approval_percent, "rate_basis": f.rate_basis,
        "pipeline_dossiers": f.pipeline_dossiers, "pipeline_items": f.pipeline_items,
        "sentence": forecast_sentence(f),
        "months": [{"month": m.label, "items": m.items, "committed_vnd": m.committed_vnd,
                    "remaining_vnd": m.remaining_vnd} for m in f.months],
    }


# --- helpers -------------------------------------------------------------------------------------


def _round(value: Fraction) -> int:
    # Half up, the way people round; monotone, so a non-decreasing total stays non-decreasing.
    return floor(value + Fraction(1, 2))


def _estimate(total: Fraction, known: int) -> int:
    """``total`` with its expected part (above the ``known`` commitments) rounded down to the
    million: an expectation shown to the đồng would claim a precision it does not have, and
    rounding down never shows more than the exact expectation (nor passes the budget)."""
    return known + floor((total - known) / ROUNDING_VND) * ROUNDING_VND


def _months(today: date, end: date):
    """(first day, last day) of each month from today's to the year end's, the first starting
    today and the last ending at ``end``."""
    first = today
    while first <= end:
        nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        yield first, min(nxt - timedelta(days=1), end)
        first = nxt


def _pipeline_in(pipeline, first: date, last: date, today: date,
                 lag_days: int) -> tuple[Fraction, Fraction]:
    """Items and amounts of the pipeline expected to be decided between ``first`` and ``last``
    (before the conversion rate)."""
    items = vnd = 0
    for entry in pipeline:
        expected = entry.due_on or today + timedelta(days=lag_days)
        if first <= max(expected, today) <= last:
            items += entry.items
            vnd += entry.amount_vnd
    return Fraction(items), Fraction(vnd)


def _arrival_days(first: date, last: date, today: date, end: date, lag_days: int) -> int:
    """Days after today on which a dossier received would be decided between ``first`` and
    ``last`` (received no later than the year's end)."""
    lag = timedelta(days=lag_days)
    start = max(today + timedelta(days=1), first - lag)
    stop = min(last - lag, end)
    return max((stop - start).days + 1, 0)
