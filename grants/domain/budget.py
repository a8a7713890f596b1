"""Budget rules: the year's envelope, the commitment/disbursement ledger, and target progress."""

from collections.abc import Iterable
from dataclasses import dataclass

from grants.domain.enums import LabelledEnum
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.roles import FINANCE_ROLES


class BudgetExceeded(Conflict, code="budget_exceeded"):
    """Committing ``requested_vnd`` would take the year's commitments above its budget."""

    def __init__(self, requested_vnd: int, remaining_vnd: int):
        super().__init__(f"Vượt ngân sách: đề nghị cam kết {format_vnd(requested_vnd)} "
                         f"nhưng chỉ còn {format_vnd(max(remaining_vnd, 0))}.",
                         requested_vnd=requested_vnd, remaining_vnd=remaining_vnd)


class PaymentExceedsApproved(InvalidInput, code="payment_exceeds_approved"):
    """A payment would take a dossier's payments above its approved (committed) amount."""

    def __init__(self, approved_vnd: int, paid_vnd: int, requested_vnd: int):
        payable = max(approved_vnd - paid_vnd, 0)
        super().__init__(
            f"Vượt số tiền được duyệt: đề nghị chi {format_vnd(requested_vnd)} nhưng chỉ còn "
            f"được chi {format_vnd(payable)} (đã duyệt {format_vnd(approved_vnd)}, "
            f"đã chi {format_vnd(paid_vnd)}).", "amount_vnd",
            approved_vnd=approved_vnd, paid_vnd=paid_vnd, requested_vnd=requested_vnd,
            payable_vnd=payable)


class ReleaseNotAllowed(Conflict, code="release_not_allowed"):
    """Releasing a commitment would leave less committed than already committed or paid."""


class ReversalNotAllowed(Conflict, code="reversal_not_allowed"):
    """The entry cannot be reversed (it is a reversal/release, or it was reversed already)."""


def _positive_amount(amount: object, field: str = "amount_vnd") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInput("Số tiền phải là một số nguyên đồng.", field)
    if amount <= 0:
        raise InvalidInput("Số tiền phải lớn hơn 0.", field)
    return amount


# --- The year's envelope -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Envelope:
    """A program year's budget and what is committed against it (0 ≤ committed ≤ budget).

    Raises ValueError on construction from inconsistent figures: that is a data bug, not input.
    """

    budget_vnd: int
    committed_vnd: int

    def __post_init__(self) -> None:
        for name in ("budget_vnd", "committed_vnd"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if self.committed_vnd > self.budget_vnd:
            raise ValueError(f"committed {self.committed_vnd} exceeds budget {self.budget_vnd}")

    @property
    def remaining(self) -> int:
        """Budget not yet committed."""
        return self.budget_vnd - self.committed_vnd

    def reserve(self, amount: int) -> "Envelope":
        """Return the envelope with ``amount`` more committed.

        Raises InvalidInput for a non-positive amount, BudgetExceeded if it does not fit.
        """
        _positive_amount(amount)
        if amount > self.remaining:
            raise BudgetExceeded(amount, self.remaining)
        return Envelope(self.budget_vnd, self.committed_vnd + amount)

    def release(self, amount: int) -> "Envelope":
        """Return the envelope with ``amount`` less committed.

        Raises InvalidInput for a non-positive amount, ReleaseNotAllowed above what is committed.
        """
        _positive_amount(amount)
        if amount > self.committed_vnd:
            raise ReleaseNotAllowed(
                f"Không thể giải phóng {format_vnd(amount)}: tổng cam kết hiện chỉ có "
                f"{format_vnd(self.committed_vnd)}."
            )
        return Envelope(self.budget_vnd, self.committed_vnd - amount)

    def with_budget(self, budget_vnd: int) -> "Envelope":
        """Return the envelope with a new budget (an admin edit of the program year).

        Raises InvalidInput for a negative/non-int budget, Conflict below what is committed.
        """
        if isinstance(budget_vnd, bool) or not isinstance(budget_vnd, int) or budget_vnd < 0:
            raise InvalidInput("Ngân sách phải là một số nguyên đồng không âm.", "budget_vnd")
        if budget_vnd < self.committed_vnd:
            raise Conflict(
                f"Không thể đặt ngân sách {format_vnd(budget_vnd)}: đã cam kết "
                f"{format_vnd(self.committed_vnd)}.",
                "budget_vnd",
            )
        return Envelope(budget_vnd, self.committed_vnd)


# --- The ledger ----------------------------------------------------------------------------------


class EntryKind(LabelledEnum):
    COMMITMENT = "commitment", "Cam kết kinh phí"
    COMMITMENT_RELEASE = "commitment_release", "Giải phóng cam kết"
    DISBURSEMENT = "disbursement", "Chi trả"
    DISBURSEMENT_REVERSAL = "disbursement_reversal", "Bút toán đảo chi trả"
    RECOVERY = "recovery", "Quyết định thu hồi (khoản phải thu)"
    RECOVERY_REPAYMENT = "recovery_repayment", "Hoàn trả kinh phí thu hồi"

#: Which kind of entry undoes which.
REVERSING_KIND = {
    EntryKind.COMMITMENT: EntryKind.COMMITMENT_RELEASE,
    EntryKind.DISBURSEMENT: EntryKind.DISBURSEMENT_REVERSAL,
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One append-only money movement of a dossier. ``amount_vnd`` is always positive; the kind
    gives the sign. A disbursement reversal names the payment it undoes in ``reverses_id``; a
    commitment release may name the commitment it undoes."""

    id: int
    kind: EntryKind
    dossier_id: int
    amount_vnd: int
    reverses_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EntryKind(self.kind))
        if isinstance(self.amount_vnd, bool) or not isinstance(self.amount_vnd, int):
            raise ValueError(f"amount_vnd must be an int, got {self.amount_vnd!r}")
        if self.amount_vnd <= 0:
            raise ValueError(f"amount_vnd must be positive, got {self.amount_vnd}")
        if self.kind is EntryKind.DISBURSEMENT_REVERSAL and self.reverses_id is None:
            raise ValueError("a disbursement reversal must name the payment it reverses")
        if self.kind in REVERSING_KIND and self.reverses_id is not None:
            raise ValueError(f"a {self.kind} entry reverses nothing")


@dataclass(frozen=True, slots=True)
class Summary:
    """A year's money position. ``remaining_vnd`` = budget − committed; ``unpaid_committed_vnd``
    = committed − disbursed."""

    budget_vnd: int
    committed_vnd: int
    disbursed_vnd: int
    remaining_vnd: int
    unpaid_committed_vnd: int


@dataclass(frozen=True, slots=True)
class DossierBalance:
    """What is committed (approved) and paid for one dossier."""

    committed_vnd: int = 0
    disbursed_vnd: int = 0

    @property
    def payable_vnd(self) -> int:
        """Approved but not yet paid."""
        return self.committed_vnd - self.disbursed_vnd


LEDGER_SIGNS: dict[EntryKind, tuple[int, int]] = {
    EntryKind.COMMITMENT: (1, 0),
    EntryKind.COMMITMENT_RELEASE: (-1, 0),
    EntryKind.DISBURSEMENT: (0, 1),
    EntryKind.DISBURSEMENT_REVERSAL: (0, -1),
    EntryKind.RECOVERY: (0, 0),
    EntryKind.RECOVERY_REPAYMENT: (-1, -1),
}
"""Ledger kind → (sign in the committed total, sign in the disbursed total): releases and
reversals subtract. A recovery decision moves neither (it is a receivable, see
``RECEIVABLE_SIGNS``); money repaid against it comes back off what was both committed and paid.
The one table of the ledger's signs; the SQL sums are built from it
(grants.queries.sql.signed_sums)."""


RECEIVABLE_SIGNS: dict[EntryKind, int] = {
    EntryKind.RECOVERY: 1,
    EntryKind.RECOVERY_REPAYMENT: -1,
}
"""Ledger kind → its sign in what an organisation owes back (recoveries decided − repaid)."""


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, rounded to one decimal; None when ``whole`` is 0.
    The one rule for every share shown (committed, disbursed or remaining share of the budget,
    the on-time rate), on pages, charts and reports alike."""
    if not whole:
        return None
    return round(part * 100 / whole, 1)


def signed_totals(amounts: Iterable[tuple[EntryKind | str, int]]) -> tuple[int, int]:
    """(committed, disbursed) from (kind, amount) pairs, e.g. the ledger's sums per kind."""
    committed = disbursed = 0
    for kind, amount in amounts:
        c, d = LEDGER_SIGNS[EntryKind(kind)]
        committed += c * amount
        disbursed += d * amount
    return committed, disbursed


def summarise(entries: Iterable[LedgerEntry], budget_vnd: int) -> Summary:
    """Fold ledger entries into the year's totals. Computes, never judges: inconsistent data
    shows up as a negative ``remaining_vnd`` rather than an exception."""
    committed, disbursed = signed_totals((entry.kind, entry.amount_vnd) for entry in entries)
    return Summary(
        budget_vnd=budget_vnd,
        committed_vnd=committed,
        disbursed_vnd=disbursed,
        remaining_vnd=budget_vnd - committed,
        unpaid_committed_vnd=committed - disbursed,
    )


def dossier_balances(entries: Iterable[LedgerEntry]) -> dict[int, DossierBalance]:
    """Fold ledger entries into committed/paid per dossier id."""
    totals: dict[int, list[int]] = {}
    for entry in entries:
        c, d = LEDGER_SIGNS[entry.kind]
        pair = totals.setdefault(entry.dossier_id, [0, 0])
        pair[0] += c * entry.amount_vnd
        pair[1] += d * entry.amount_vnd
    return {k: DossierBalance(c, d) for k, (c, d) in totals.items()}


# --- Recovery of undue support (thu hồi) ----------------------------------------------------------


class RecoveryExceedsPaid(InvalidInput, code="recovery_exceeds_paid"):
    """A recovery decision would claim back more than the organisation was paid and still holds
    (paid, less what earlier recoveries already claim)."""

    def __init__(self, paid_vnd: int, owed_vnd: int, requested_vnd: int):
        recoverable = max(paid_vnd - owed_vnd, 0)
        super().__init__(
            f"Không thể thu hồi {format_vnd(requested_vnd)}: tổ chức mới được chi "
            f"{format_vnd(paid_vnd)}"
            + (f", trong đó {format_vnd(owed_vnd)} đã có quyết định thu hồi" if owed_vnd else "")
            + f"; chỉ có thể thu hồi tối đa {format_vnd(recoverable)}.", "amount_vnd",
            paid_vnd=paid_vnd, owed_vnd=owed_vnd, requested_vnd=requested_vnd,
            recoverable_vnd=recoverable)


class RepaymentExceedsOwed(InvalidInput, code="repayment_exceeds_owed"):
    """A repayment would take what was repaid above what the recovery decisions claim."""

    def __init__(self, owed_vnd: int, requested_vnd: int):
        super().__init__(
            f"Số tiền hoàn trả {format_vnd(requested_vnd)} vượt số còn phải thu hồi "
            f"{format_vnd(owed_vnd)}.", "amount_vnd",
            owed_vnd=owed_vnd, requested_vnd=requested_vnd)


def owed_vnd(recovered_vnd: int, repaid_vnd: int) -> int:
    """What the organisation still owes back: recovery decisions less repayments."""
    return recovered_vnd - repaid_vnd


def recoverable_vnd(paid_vnd: int, recovered_vnd: int, repaid_vnd: int) -> int:
    """The most a new recovery decision may claim: paid and not already being recovered."""
    return max(paid_vnd - owed_vnd(recovered_vnd, repaid_vnd), 0)


def check_recovery(paid_vnd: int, recovered_vnd: int, repaid_vnd: int, amount: int) -> None:
    """Allow a recovery decision of ``amount`` on a dossier with ``paid_vnd`` paid (net of
    earlier repayments) and ``recovered_vnd`` decided / ``repaid_vnd`` repaid before.

    Raises InvalidInput for a non-positive amount, RecoveryExceedsPaid above what was paid and
    is not already being recovered.
    """
    _positive_amount(amount)
    owed = owed_vnd(recovered_vnd, repaid_vnd)
    if owed + amount > paid_vnd:
        raise RecoveryExceedsPaid(paid_vnd, owed, amount)


def check_repayment(recovered_vnd: int, repaid_vnd: int, amount: int) -> None:
    """Allow repaying ``amount`` against the recoveries. Raises InvalidInput for a
    non-positive amount, RepaymentExceedsOwed above what is still owed."""
    _positive_amount(amount)
    owed = owed_vnd(recovered_vnd, repaid_vnd)
    if amount > owed:
        raise RepaymentExceedsOwed(owed, amount)


def check_payment(approved_vnd: int, paid_vnd: int, amount: int) -> None:
    """Allow paying ``amount`` on a dossier approved for ``approved_vnd`` with ``paid_vnd`` paid.

    Raises InvalidInput for a non-positive amount, PaymentExceedsApproved if it would overpay.
    """
    _positive_amount(amount)
    if paid_vnd + amount > approved_vnd:
        raise PaymentExceedsApproved(approved_vnd, paid_vnd, amount)


# --- Payments that need a second person ---------------------------------------------------------

DEFAULT_PAYMENT_THRESHOLD_VND = 100_000_000
"""A new year's default threshold for confirming payments (an admin changes it per year): an
eighth of the 2026 budget (800.000.000 đ), the support of two items at the demo cap
(2 × 50.000.000 đ). A dossier paid up to that by one officer is the common case; beyond it a
second person checks before the money counts as paid."""


class PendingStatus(LabelledEnum):
    PENDING = "pending", "Chờ xác nhận"
    CONFIRMED = "confirmed", "Đã xác nhận"
    CANCELLED = "cancelled", "Đã hủy"


class ConfirmationNotAllowed(Conflict, code="confirmation_not_allowed"):
    """The payment cannot be confirmed (or cancelled) by this person or in its state."""


def needs_confirmation(paid_out_vnd: int, pending_vnd: int, amount: int,
                       threshold_vnd: int) -> bool:
    """Does paying ``amount`` need a second person? Yes when the dossier's payments, with those
    waiting for confirmation and this one, exceed the year's ``threshold_vnd``. Counting the
    dossier's total (not the single payment) means splitting a large payment into small ones
    does not avoid the second signature; ``paid_out_vnd`` is every payment made to the dossier,
    reversed ones included, so reversing a payment and paying it again does not either."""
    return paid_out_vnd + pending_vnd + amount > threshold_vnd


def check_payment_with_pending(approved_vnd: int, paid_vnd: int, pending_vnd: int,
                               amount: int) -> None:
    """Allow recording ``amount`` when ``pending_vnd`` already waits for confirmation: paid +
    pending + amount never exceed what is approved (committed), so every pending payment can
    still be confirmed. Raises InvalidInput / PaymentExceedsApproved (pending counts as paid
    in the message's figures)."""
    _positive_amount(amount)
    if paid_vnd + pending_vnd + amount > approved_vnd:
        raise PaymentExceedsApproved(approved_vnd, paid_vnd + pending_vnd, amount)


def check_confirmer(*, recorded_by_id: int, confirmer_id: int, confirmer_roles) -> None:
    """The confirmer is a second person: not who recorded the payment, and a finance officer or
    the chief accountant. Raises ConfirmationNotAllowed (a Conflict: 409) naming the rule."""
    if confirmer_id == recorded_by_id:
        raise ConfirmationNotAllowed("Người ghi khoản chi không được tự xác nhận: cần một kế "
                                     "toán khác hoặc kế toán trưởng xác nhận.")
    if not set(confirmer_roles) & FINANCE_ROLES:
        raise ConfirmationNotAllowed("Chỉ kế toán hoặc kế toán trưởng được xác nhận khoản chi.")


def check_release(committed_vnd: int, paid_vnd: int, amount: int) -> None:
    """Allow releasing ``amount`` of a dossier's commitment; what stays committed must still
    cover what was paid. Raises InvalidInput / ReleaseNotAllowed."""
    _positive_amount(amount)
    if committed_vnd - amount < paid_vnd:
        raise ReleaseNotAllowed(
            f"Không thể giải phóng {format_vnd(amount)}: hồ sơ đã được cam kết "
            f"{format_vnd(committed_vnd)} và đã chi {format_vnd(paid_vnd)}, nên chỉ giải phóng "
            f"được tối đa {format_vnd(max(committed_vnd - paid_vnd, 0))}. "
            "Hãy đảo các khoản chi trước.",
            "amount_vnd",
        )


def check_reversal(entry: LedgerEntry, already_reversed: bool) -> EntryKind:
    """Allow reversing ``entry`` in full and return the kind of the reversing entry.

    Raises ReversalNotAllowed for a reversal of a reversal, of a commitment release, or of an
    entry already reversed. (Releasing a commitment must still pass ``check_release``.)
    """
    if entry.kind is EntryKind.DISBURSEMENT_REVERSAL:
        raise ReversalNotAllowed(
            f"Bút toán số {entry.id} đã là bút toán đảo, không thể đảo lại. "
            "Nếu cần chi lại, hãy ghi một khoản chi mới."
        )
    if entry.kind is EntryKind.COMMITMENT_RELEASE:
        raise ReversalNotAllowed(
            f"Bút toán số {entry.id} là giải phóng cam kết, không thể đảo. "
            "Nếu cần cam kết lại, hãy phê duyệt lại để kiểm tra ngân sách."
        )
    if entry.kind not in REVERSING_KIND:
        raise ReversalNotAllowed(
            f"Bút toán số {entry.id} ({entry.kind.label.lower()}) thuộc việc thu hồi kinh phí, "
            "không đảo được; sai sót được điều chỉnh bằng quyết định, bút toán mới."
        )
    if already_reversed:
        raise ReversalNotAllowed(
            f"Bút toán số {entry.id} đã được đảo trước đó, không thể đảo lần nữa."
        )
    return REVERSING_KIND[entry.kind]


# --- Target progress -----------------------------------------------------------------------------


class TargetStatus(LabelledEnum):
    SHORT = "short", "Chưa đạt"
    IN_RANGE = "in_range", "Đạt"
    OVER = "over", "Vượt"


@dataclass(frozen=True, slots=True)
class TargetProgress:
    """Approved items against the year's target range, e.g. 16–50 (both ends count as reached)."""

    min_items: int
    max_items: int
    approved_items: int

    def __post_init__(self) -> None:
        values = (self.min_items, self.max_items, self.approved_items)
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in values):
            raise ValueError(f"target figures must be non-negative ints, got {values!r}")
        if self.min_items > self.max_items:
            raise ValueError(f"target range {self.min_items}–{self.max_items} is inverted")

    @property
    def status(self) -> TargetStatus:
        """Short below the minimum, over above the maximum, in range otherwise."""
        if self.approved_items < self.min_items:
            return TargetStatus.SHORT
        if self.approved_items > self.max_items:
            return TargetStatus.OVER
        return TargetStatus.IN_RANGE

    @property
    def label(self) -> str:
        """Vietnamese word for the status: "Chưa đạt", "Đạt", "Vượt"."""
        return self.status.label

    @property
    def shortfall(self) -> int:
        """Items still needed to reach the minimum (0 once reached)."""
        return max(self.min_items - self.approved_items, 0)
