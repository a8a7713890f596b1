"""Budget rules: envelope, ledger folding, payment/reversal checks, target progress."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.domain.budget import (
    BudgetExceeded,
    DossierBalance,
    EntryKind,
    Envelope,
    LedgerEntry,
    PaymentExceedsApproved,
    ReleaseNotAllowed,
    ReversalNotAllowed,
    Summary,
    TargetProgress,
    TargetStatus,
    check_payment,
    check_release,
    check_reversal,
    dossier_balances,
    summarise,
)
from grants.domain.errors import Conflict, DomainError, InvalidInput

# --- Envelope -------------------------------------------------------------------------------------


def test_envelope_reserve_and_release_return_new_envelopes():
    envelope = Envelope(budget_vnd=800_000_000, committed_vnd=0)
    after = envelope.reserve(50_000_000)
    assert after == Envelope(800_000_000, 50_000_000)
    assert after.remaining == 750_000_000
    assert envelope.remaining == 800_000_000  # the original is untouched
    assert after.release(20_000_000) == Envelope(800_000_000, 30_000_000)


def test_envelope_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Envelope(10, 0).committed_vnd = 5


def test_reserve_up_to_the_last_dong_is_allowed():
    assert Envelope(800_000_000, 760_000_000).reserve(40_000_000).remaining == 0


def test_budget_exceeded_says_how_much_is_left():
    with pytest.raises(BudgetExceeded) as caught:
        Envelope(800_000_000, 760_000_000).reserve(60_000_000)
    err = caught.value
    expected = "Vượt ngân sách: đề nghị cam kết 60.000.000 đ nhưng chỉ còn 40.000.000 đ."
    assert err.message == str(err) == expected
    assert isinstance(err, Conflict)
    assert (err.requested_vnd, err.remaining_vnd) == (60_000_000, 40_000_000)


def test_reserve_on_a_spent_budget():
    with pytest.raises(BudgetExceeded, match="chỉ còn 0 đ"):
        Envelope(800_000_000, 800_000_000).reserve(1)


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "1000", None])
def test_reserve_and_release_need_positive_int(amount):
    envelope = Envelope(1_000, 500)
    with pytest.raises(InvalidInput):
        envelope.reserve(amount)
    with pytest.raises(InvalidInput):
        envelope.release(amount)


def test_release_above_committed_is_refused():
    with pytest.raises(ReleaseNotAllowed, match="tổng cam kết hiện chỉ có 500 đ"):
        Envelope(1_000, 500).release(501)


@pytest.mark.parametrize(
    ("budget", "committed"), [(-1, 0), (10, -1), (10, 11), (10.0, 0), (True, 0), (10, None)]
)
def test_inconsistent_envelope_is_a_bug(budget, committed):
    with pytest.raises(ValueError):
        Envelope(budget, committed)


def test_with_budget():
    envelope = Envelope(800_000_000, 300_000_000)
    assert envelope.with_budget(900_000_000).remaining == 600_000_000
    assert envelope.with_budget(300_000_000).remaining == 0
    with pytest.raises(Conflict, match="đã cam kết 300.000.000 đ") as caught:
        envelope.with_budget(299_999_999)
    assert caught.value.field == "budget_vnd"
    with pytest.raises(InvalidInput):
        envelope.with_budget(-1)


# --- Ledger entries and summaries ----------------------------------------------------------------


def entry(id_, kind, dossier_id, amount, reverses_id=None):
    return LedgerEntry(id_, kind, dossier_id, amount, reverses_id)


def test_ledger_entry_accepts_kind_strings_from_the_database():
    assert entry(1, "commitment", 7, 10).kind is EntryKind.COMMITMENT


@pytest.mark.parametrize(
    ("kind", "amount", "reverses_id"),
    [
        (EntryKind.COMMITMENT, 0, None),
        (EntryKind.DISBURSEMENT, -5, None),
        (EntryKind.DISBURSEMENT, 5.0, None),
        (EntryKind.DISBURSEMENT_REVERSAL, 5, None),  # must name the payment it reverses
        (EntryKind.COMMITMENT, 5, 1),
        (EntryKind.DISBURSEMENT, 5, 1),
        ("refund", 5, None),
    ],
)
def test_malformed_ledger_entries(kind, amount, reverses_id):
    with pytest.raises(ValueError):
        entry(9, kind, 1, amount, reverses_id)


def test_entry_kinds_have_vietnamese_labels():
    assert EntryKind.DISBURSEMENT_REVERSAL.label == "Bút toán đảo chi trả"
    assert all(kind.label for kind in EntryKind)


def test_summarise():
    entries = [
        entry(1, EntryKind.COMMITMENT, 1, 50_000_000),
        entry(2, EntryKind.COMMITMENT, 2, 40_000_000),
        entry(3, EntryKind.COMMITMENT_RELEASE, 2, 10_000_000),
        entry(4, EntryKind.DISBURSEMENT, 1, 30_000_000),
        entry(5, EntryKind.DISBURSEMENT, 1, 20_000_000),
        entry(6, EntryKind.DISBURSEMENT_REVERSAL, 1, 20_000_000, reverses_id=5),
    ]
    assert summarise(entries, 800_000_000) == Summary(
        budget_vnd=800_000_000,
        committed_vnd=80_000_000,
        disbursed_vnd=30_000_000,
        remaining_vnd=720_000_000,
        unpaid_committed_vnd=50_000_000,
    )
    assert dossier_balances(entries) == {
        1: DossierBalance(50_000_000, 30_000_000),
        2: DossierBalance(30_000_000, 0),
    }
    assert dossier_balances(entries)[1].payable_vnd == 20_000_000


def test_summarise_nothing():
    assert summarise([], 800_000_000) == Summary(800_000_000, 0, 0, 800_000_000, 0)
    assert summarise(iter([]), 0).remaining_vnd == 0


# --- Payment, release and reversal checks --------------------------------------------------------


@pytest.mark.parametrize(("approved", "paid", "amount"), [
    (50_000_000, 30_000_000, 20_000_000),  # exactly what is left
    (50_000_000, 0, 50_000_000),  # the whole approved amount at once
    (50_000_000, 30_000_000, 1),
])
def test_payment_up_to_the_approved_amount(approved, paid, amount):
    assert check_payment(approved, paid, amount) is None  # allowed: no refusal raised


def test_payment_above_the_approved_amount():
    with pytest.raises(PaymentExceedsApproved) as caught:
        check_payment(50_000_000, 30_000_000, 20_000_001)
    err = caught.value
    assert err.message == (
        "Vượt số tiền được duyệt: đề nghị chi 20.000.001 đ nhưng chỉ còn được chi 20.000.000 đ "
        "(đã duyệt 50.000.000 đ, đã chi 30.000.000 đ)."
    )
    assert err.field == "amount_vnd"
    assert err.payable_vnd == 20_000_000
    assert isinstance(err, DomainError)


def test_an_unapproved_dossier_cannot_be_paid():
    with pytest.raises(PaymentExceedsApproved, match="chỉ còn được chi 0 đ"):
        check_payment(0, 0, 1)


@pytest.mark.parametrize("amount", [0, -1, 2.5, False])
def test_payment_amount_must_be_positive_int(amount):
    with pytest.raises(InvalidInput):
        check_payment(50_000_000, 0, amount)


def test_release_must_leave_what_was_paid_committed():
    assert check_release(50_000_000, 30_000_000, 20_000_000) is None  # allowed
    with pytest.raises(ReleaseNotAllowed, match="tối đa 20.000.000 đ"):
        check_release(50_000_000, 30_000_000, 20_000_001)


@pytest.mark.parametrize(
    ("kind", "already_reversed", "expected"),
    [
        (EntryKind.DISBURSEMENT, False, EntryKind.DISBURSEMENT_REVERSAL),
        (EntryKind.COMMITMENT, False, EntryKind.COMMITMENT_RELEASE),
        (EntryKind.DISBURSEMENT, True, "đã được đảo trước đó"),
        (EntryKind.COMMITMENT, True, "đã được đảo trước đó"),
        (EntryKind.DISBURSEMENT_REVERSAL, False, "đã là bút toán đảo"),
        (EntryKind.DISBURSEMENT_REVERSAL, True, "đã là bút toán đảo"),
        (EntryKind.COMMITMENT_RELEASE, False, "giải phóng cam kết, không thể đảo"),
    ],
)
def test_check_reversal(kind, already_reversed, expected):
    reverses_id = 1 if kind is EntryKind.DISBURSEMENT_REVERSAL else None
    target = entry(42, kind, 1, 1_000, reverses_id)
    if isinstance(expected, EntryKind):
        assert check_reversal(target, already_reversed) is expected
    else:
        with pytest.raises(ReversalNotAllowed, match=expected) as caught:
            check_reversal(target, already_reversed)
        assert "Bút toán số 42" in caught.value.message
        assert isinstance(caught.value, Conflict)


# --- Property test: random sequences of money operations through the domain functions -----------

DOSSIERS = st.integers(min_value=1, max_value=3)
# Mostly small amounts so that payments and releases often fit; some large ones to hit the limits.
SMALL = st.integers(min_value=1, max_value=60)
AMOUNTS = st.one_of(SMALL, SMALL, SMALL, st.integers(min_value=1, max_value=1_200))
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["commit", "pay", "release", "pay", "reverse", "commit"]),
        DOSSIERS,
        AMOUNTS,
        st.integers(min_value=0, max_value=10_000),  # which entry a "reverse" picks
    ),
    min_size=10,  # hypothesis favours short lists; money bugs need a few steps to show
    max_size=60,
)


def apply(budget, operations):
    """Run operations the way the services will: check with the domain, then append entries."""
    envelope = Envelope(budget, 0)
    entries: list[LedgerEntry] = []
    reversed_ids: set[int] = set()

    def append(kind, dossier_id, amount, reverses_id=None):
        entries.append(LedgerEntry(len(entries) + 1, kind, dossier_id, amount, reverses_id))

    for op, dossier_id, amount, pick in operations:
        before = (envelope, len(entries))
        try:
            if op == "commit":
                envelope = envelope.reserve(amount)
                append(EntryKind.COMMITMENT, dossier_id, amount)
            elif op == "release":
                balance = dossier_balances(entries).get(dossier_id, DossierBalance())
                check_release(balance.committed_vnd, balance.disbursed_vnd, amount)
                envelope = envelope.release(amount)
                append(EntryKind.COMMITMENT_RELEASE, dossier_id, amount)
            elif op == "pay":
                balance = dossier_balances(entries).get(dossier_id, DossierBalance())
                check_payment(balance.committed_vnd, balance.disbursed_vnd, amount)
                append(EntryKind.DISBURSEMENT, dossier_id, amount)
            elif entries:
                target = entries[pick % len(entries)]
                kind = check_reversal(target, target.id in reversed_ids)
                if kind is EntryKind.COMMITMENT_RELEASE:
                    balance = dossier_balances(entries)[target.dossier_id]
                    check_release(balance.committed_vnd, balance.disbursed_vnd, target.amount_vnd)
                    envelope = envelope.release(target.amount_vnd)
                append(kind, target.dossier_id, target.amount_vnd, target.id)
                reversed_ids.add(target.id)
        except DomainError:
            assert (envelope, len(entries)) == before  # a refusal changes nothing
        yield envelope, entries


def hand_fold(entries, budget):
    committed = disbursed = 0
    for e in entries:
        if e.kind == "commitment":
            committed += e.amount_vnd
        elif e.kind == "commitment_release":
            committed -= e.amount_vnd
        elif e.kind == "disbursement":
            disbursed += e.amount_vnd
        elif e.kind == "disbursement_reversal":
            disbursed -= e.amount_vnd
    return Summary(budget, committed, disbursed, budget - committed, committed - disbursed)


@settings(max_examples=300, deadline=None)
@given(budget=st.integers(min_value=0, max_value=1_000), operations=OPERATIONS)
def test_money_invariants_hold_after_every_operation(budget, operations):
    for envelope, entries in apply(budget, operations):
        summary = summarise(entries, budget)
        assert summary == hand_fold(entries, budget)
        assert 0 <= summary.committed_vnd <= budget
        assert summary.committed_vnd == envelope.committed_vnd
        assert summary.remaining_vnd == budget - summary.committed_vnd == envelope.remaining
        assert 0 <= summary.disbursed_vnd <= summary.committed_vnd
        assert summary.unpaid_committed_vnd >= 0
        balances = dossier_balances(entries)
        for balance in balances.values():
            assert 0 <= balance.disbursed_vnd <= balance.committed_vnd
        assert sum(b.committed_vnd for b in balances.values()) == summary.committed_vnd
        reversed_targets = [e.reverses_id for e in entries if e.reverses_id is not None]
        assert len(reversed_targets) == len(set(reversed_targets))  # nothing reversed twice
        by_id = {e.id: e for e in entries}
        for e in entries:
            if e.reverses_id is not None:
                original = by_id[e.reverses_id]
                assert original.kind in (EntryKind.COMMITMENT, EntryKind.DISBURSEMENT)
                assert (original.dossier_id, original.amount_vnd) == (e.dossier_id, e.amount_vnd)


# --- Target progress -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approved", "status", "label", "shortfall"),
    [
        (0, TargetStatus.SHORT, "Chưa đạt", 16),
        (15, TargetStatus.SHORT, "Chưa đạt", 1),
        (16, TargetStatus.IN_RANGE, "Đạt", 0),
        (50, TargetStatus.IN_RANGE, "Đạt", 0),
        (51, TargetStatus.OVER, "Vượt", 0),
    ],
)
def test_target_progress(approved, status, label, shortfall):
    progress = TargetProgress(16, 50, approved)
    assert progress.status is status
    assert progress.status == status.value
    assert progress.label == status.label == label
    assert progress.shortfall == shortfall


@pytest.mark.parametrize("figures", [(50, 16, 0), (-1, 50, 0), (16, 50, -1), (16.0, 50, 0)])
def test_target_progress_refuses_nonsense(figures):
    with pytest.raises(ValueError):
        TargetProgress(*figures)
