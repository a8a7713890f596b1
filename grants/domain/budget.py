"""Budget rules: the year's envelope, the commitment/disbursement ledger, and target progress."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from grants.domain.errors import Conflict, InvalidInput
from grants.domain.money import format_vnd


class BudgetExceeded(Conflict):
    """Committing ``requested_vnd`` would take the year's commitments above its budget."""

    code = "budget_exceeded"

    def __init__(self, requested_vnd: int, remaining_vnd: int):
        super().__init__(
            f"Vượt ngân sách: đề nghị cam kết {format_vnd(requested_vnd)} "
            f"nhưng chỉ còn {format_vnd(max(remaining_vnd, 0))}."
        )
        self.requested_vnd = requested_vnd
        self.remaining_vnd = remaining_vnd


class PaymentExceedsApproved(InvalidInput):
    """A payment would take a dossier's payments above its approved (committed) amount."""

    code = "payment_exceeds_approved"

    def __init__(self, approved_vnd: int, paid_vnd: int, requested_vnd: int):
        payable = max(approved_vnd - paid_vnd, 0)
        super().__init__(
            f"Vượt số tiền được duyệt: đề nghị chi {format_vnd(requested_vnd)} nhưng chỉ còn "
            f"được chi {format_vnd(payable)} (đã duyệt {format_vnd(approved_vnd)}, "
            f"đã chi {format_vnd(paid_vnd)}).",
            "amount_vnd",
        )
        self.approved_vnd = approved_vnd
        self.paid_vnd = paid_vnd
        self.requested_vnd = requested_vnd
        self.payable_vnd = payable


class ReleaseNotAllowed(Conflict):
    """Releasing a commitment would leave less committed than already committed or paid."""

    code = "release_not_allowed"


class ReversalNotAllowed(Conflict):
    """The entry cannot be reversed (it is a reversal/release, or it was reversed already)."""

    code = "reversal_not_allowed"


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

    def commit(self, amount: int) -> "Envelope":
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


class EntryKind(StrEnum):
    COMMITMENT = "commitment"
    COMMITMENT_RELEASE = "commitment_release"
    DISBURSEMENT = "disbursement"
    DISBURSEMENT_REVERSAL = "disbursement_reversal"

    @property
    def label(self) -> str:
        return ENTRY_KIND_LABELS[self]


ENTRY_KIND_LABELS = {
    EntryKind.COMMITMENT: "Cam kết kinh phí",
    EntryKind.COMMITMENT_RELEASE: "Giải phóng cam kết",
    EntryKind.DISBURSEMENT: "Chi trả",
    EntryKind.DISBURSEMENT_REVERSAL: "Bút toán đảo chi trả",
}

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


_SIGNS = {
    EntryKind.COMMITMENT: (1, 0),
    EntryKind.COMMITMENT_RELEASE: (-1, 0),
    EntryKind.DISBURSEMENT: (0, 1),
    EntryKind.DISBURSEMENT_REVERSAL: (0, -1),
}


def summarise(entries: Iterable[LedgerEntry], budget_vnd: int) -> Summary:
    """Fold ledger entries into the year's totals. Computes, never judges: inconsistent data
    shows up as a negative ``remaining_vnd`` rather than an exception."""
    committed = disbursed = 0
    for entry in entries:
        c, d = _SIGNS[entry.kind]
        committed += c * entry.amount_vnd
        disbursed += d * entry.amount_vnd
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
        c, d = _SIGNS[entry.kind]
        pair = totals.setdefault(entry.dossier_id, [0, 0])
        pair[0] += c * entry.amount_vnd
        pair[1] += d * entry.amount_vnd
    return {k: DossierBalance(c, d) for k, (c, d) in totals.items()}


def check_payment(approved_vnd: int, paid_vnd: int, amount: int) -> None:
    """Allow paying ``amount`` on a dossier approved for ``approved_vnd`` with ``paid_vnd`` paid.

    Raises InvalidInput for a non-positive amount, PaymentExceedsApproved if it would overpay.
    """
    _positive_amount(amount)
    if paid_vnd + amount > approved_vnd:
        raise PaymentExceedsApproved(approved_vnd, paid_vnd, amount)


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
    if already_reversed:
        raise ReversalNotAllowed(
            f"Bút toán số {entry.id} đã được đảo trước đó, không thể đảo lần nữa."
        )
    return REVERSING_KIND[entry.kind]


# --- Target progress -----------------------------------------------------------------------------


class TargetStatus(StrEnum):
    SHORT = "short"
    IN_RANGE = "in_range"
    OVER = "over"

    @property
    def label(self) -> str:
        return TARGET_STATUS_LABELS[self]


TARGET_STATUS_LABELS = {
    TargetStatus.SHORT: "Chưa đạt",
    TargetStatus.IN_RANGE: "Đạt",
    TargetStatus.OVER: "Vượt",
}


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
