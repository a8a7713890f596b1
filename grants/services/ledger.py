"""The money ledger: commit on approval, release, pay, reverse a payment, close the year.

Every function here locks the program year row before it reads the figures it checks, writes one
append-only ``LedgerEntry``, moves the year's and the dossier's counters by the same amount in the
same transaction, and records an audit event. Services flush; the caller commits (``atomic()``).

Each function first flushes pending changes, then locks the year row and then the dossier row
(``lock_year`` then ``_lock_dossier``), so ledger writes queue on the year and never wait on
each other in opposite orders. On PostgreSQL the locks are ``SELECT … FOR UPDATE``; on SQLite
the transaction already holds the database write lock (``BEGIN IMMEDIATE``).
"""

import json
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from grants.db import local_today, lock_for_update, utcnow
from grants.domain.budget import (
    ConfirmationNotAllowed,
    EntryKind,
    Envelope,
    PendingStatus,
    ReleaseNotAllowed,
    ReversalNotAllowed,
    check_confirmer,
    check_payment,
    check_payment_with_pending,
    check_recovery,
    check_release,
    check_repayment,
    check_reversal,
    needs_confirmation,
)
from grants.domain.budget import LedgerEntry as EntryFact
from grants.domain.enums import DocumentKind, EventKind, Outcome, PaymentMethod
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.roles import FINANCE_ROLES, Role
from grants.domain.workflow_states import APPROVED_OR_LATER
from grants.extensions import db
from grants.models import Dossier, LedgerEntry, PendingPayment, ProgramYear
from grants.queries.budget import closing_figures, ledger_summary
from grants.queries.sql import signed_sums
from grants.services import audit, events

VOUCHER_MAX = 50
BANK_REFERENCE_MAX = 100

#: The audit action recorded with each kind of ledger entry.
AUDIT_ACTIONS = {
    EntryKind.COMMITMENT: "ledger.commit", EntryKind.COMMITMENT_RELEASE: "ledger.release",
    EntryKind.DISBURSEMENT: "ledger.pay", EntryKind.DISBURSEMENT_REVERSAL: "ledger.reverse",
    EntryKind.RECOVERY: "ledger.recover", EntryKind.RECOVERY_REPAYMENT: "ledger.repay",
}

PAYMENT_EVENTS = {EntryKind.DISBURSEMENT: EventKind.PAYMENT_RECORDED,
                  EntryKind.DISBURSEMENT_REVERSAL: EventKind.PAYMENT_REVERSED}


# --- Locks ---------------------------------------------------------------------------------------


def lock_year(program_year_id: int) -> ProgramYear:
    """Lock the program year row for the rest of the transaction and return it, refreshed.

    ``populate_existing`` overwrites any stale copy in the identity map with the row as read
    under the lock. Raises sqlalchemy NoResultFound for an unknown id.
    """
    stmt = lock_for_update(select(ProgramYear).where(ProgramYear.id == program_year_id))
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def _lock_dossier(dossier_id: int) -> Dossier:
    # OF dossiers: the joined eager loads are outer joins, which PostgreSQL will not lock.
    stmt = (lock_for_update(select(Dossier).where(Dossier.id == dossier_id), of=Dossier)
            .execution_options(populate_existing=True))
    return db.session.execute(stmt).scalar_one()


def _lock(program_year_id: int, dossier_id: int) -> tuple[ProgramYear, Dossier]:
    # Pending changes (e.g. the lifecycle's status change) are written first, so refreshing the
    # dossier under the lock cannot discard them.
    db.session.flush()
    year = lock_year(program_year_id)
    return year, _lock_dossier(dossier_id)


def _require_open(year: ProgramYear) -> None:
    if year.is_closed:
        when = f" ngày {year.closed_at:%d/%m/%Y}" if year.closed_at else ""
        raise Conflict(f"Năm {year.year} đã khóa sổ{when}: không thể ghi thêm cam kết, "
                       "chi trả hay bút toán đảo.")


def _require_actor(actor) -> int:
    actor_id = getattr(actor, "id", None)
    if actor_id is None:
        raise ValueError("a ledger entry needs the user who makes it")
    return actor_id


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("Vui lòng nêu lý do.", "reason")
    return text


def _money_state(year: ProgramYear, dossier: Dossier) -> dict:
    state = {"year_committed_vnd": year.committed_vnd, "year_disbursed_vnd": year.disbursed_vnd,
             "dossier_approved_vnd": dossier.approved_vnd, "dossier_paid_vnd": dossier.paid_vnd}
    if dossier.recovered_vnd:
        state.update(dossier_recovered_vnd=dossier.recovered_vnd,
                     dossier_repaid_vnd=dossier.repaid_vnd)
    return state


def _entry_facts(entry: LedgerEntry) -> dict:
    return {"entry_id": entry.id, "kind": entry.kind, "amount_vnd": entry.amount_vnd,
            "reverses_id": entry.reverses_id, "entry_on": entry.entry_on,
            "voucher_no": entry.voucher_no, "method": entry.method,
            "bank_reference": entry.bank_reference}


def _payee_of(entry: LedgerEntry, dossier: Dossier) -> dict:
    """Copy the organisation's bank account onto a payment as it is written (where this money
    went stays on the entry, and on its payment order, whatever the profile says later)."""
    org = dossier.organisation
    entry.payee_account_no = org.bank_account_no
    entry.payee_bank = org.bank_name
    entry.payee_branch = org.bank_branch
    return {"payee_account_no": org.bank_account_no, "payee_bank": org.bank_name}


def _append(year: ProgramYear, dossier: Dossier, kind: EntryKind, amount_vnd: int, *, actor,
            entry_on: date, before: dict, reason: str | None = None,
            reverses_id: int | None = None, extra: dict | None = None,
            **payment) -> LedgerEntry:
    entry = LedgerEntry(program_year_id=year.id, dossier_id=dossier.id, kind=kind.value,
                        amount_vnd=amount_vnd, reverses_id=reverses_id, entry_on=entry_on,
                        reason=reason, created_by_id=_require_actor(actor), **payment)
    if kind == EntryKind.DISBURSEMENT:
        extra = {**_payee_of(entry, dossier), **(extra or {})}
    db.session.add(entry)
    db.session.flush()
    audit.record(AUDIT_ACTIONS[kind], entry, actor=actor, before=before,
                 after={**_money_state(year, dossier), **_entry_facts(entry), **(extra or {})},
                 note=reason, dossier=dossier)
    if kind in PAYMENT_EVENTS:
        events.emit(PAYMENT_EVENTS[kind], dossier=dossier, actor=actor,
                    payload={**_entry_facts(entry), "reason": reason,
                             "paid_total_vnd": dossier.paid_vnd})
    return entry


# --- Commitments ---------------------------------------------------------------------------------


def commit_approval(dossier: Dossier, *, actor, total_vnd: int,
                    entry_on: date | None = None) -> LedgerEntry:
    """Commit ``total_vnd`` of the dossier's program year budget for its approval.

    Locks the year, then checks: the year is not closed (Conflict), the dossier has no live
    commitment yet (Conflict), the amount is a positive int (InvalidInput) and fits the
    remaining budget (BudgetExceeded, whose message states how much is left). Writes a
    commitment entry dated ``entry_on`` (default today; a legacy import gives the decision's
    date), raises ``year.committed_vnd`` and sets ``dossier.approved_vnd``. Does not change the
    dossier's status.
    """
    year, dossier = _lock(dossier.program_year_id, dossier.id)
    _require_open(year)
    if dossier.approved_vnd:
        raise Conflict(f"Hồ sơ {dossier.code} đã có cam kết kinh phí "
                       f"{format_vnd(dossier.approved_vnd)}; không cam kết lần thứ hai.")
    envelope = Envelope(year.budget_vnd, year.committed_vnd).reserve(total_vnd)
    before = _money_state(year, dossier)
    year.committed_vnd = envelope.committed_vnd
    dossier.approved_vnd = total_vnd
    return _append(year, dossier, EntryKind.COMMITMENT, total_vnd, actor=actor,
                   entry_on=entry_on or local_today(), before=before)


def _open_commitment(dossier_id: int) -> LedgerEntry | None:
    release = aliased(LedgerEntry)
    released = select(release.id).where(release.reverses_id == LedgerEntry.id).exists()
    return db.session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.dossier_id == dossier_id,
               LedgerEntry.kind == EntryKind.COMMITMENT.value, ~released)
        .order_by(LedgerEntry.id.desc()).limit(1))


def release_commitment(dossier: Dossier, *, actor, reason: str) -> LedgerEntry:
    """Release the unpaid part of the dossier's commitment (e.g. the decision was withdrawn).

    Writes a ``commitment_release`` entry that names the commitment it reverses and lowers
    ``year.committed_vnd`` and ``dossier.approved_vnd`` by approved − paid. Raises InvalidInput
    without a reason, Conflict for a closed year, ReleaseNotAllowed when there is no open
    commitment or everything committed has been paid.
    """
    reason = _clean_reason(reason)
    year, dossier = _lock(dossier.program_year_id, dossier.id)
    _require_open(year)
    commitment = _open_commitment(dossier.id)
    if commitment is None or dossier.approved_vnd == 0:
        raise ReleaseNotAllowed(f"Hồ sơ {dossier.code} không có cam kết kinh phí nào "
                                "đang hiệu lực để giải phóng.")
    if pending_total(dossier.id):
        raise ReleaseNotAllowed(f"Hồ sơ {dossier.code} có khoản chi đang chờ xác nhận; hãy xác "
                                "nhận hoặc hủy khoản chi đó trước khi giải phóng cam kết.")
    amount = dossier.approved_vnd - dossier.paid_vnd
    if amount <= 0:
        raise ReleaseNotAllowed(f"Hồ sơ {dossier.code} đã được chi đủ "
                                f"{format_vnd(dossier.paid_vnd)}; không còn phần chưa chi để "
                                "giải phóng. Hãy đảo các khoản chi trước.")
    check_release(dossier.approved_vnd, dossier.paid_vnd, amount)
    envelope = Envelope(year.budget_vnd, year.committed_vnd).release(amount)
    before = _money_state(year, dossier)
    year.committed_vnd = envelope.committed_vnd
    dossier.approved_vnd -= amount
    return _append(year, dossier, EntryKind.COMMITMENT_RELEASE, amount, actor=actor,
                   entry_on=local_today(), before=before,
                   reason=reason, reverses_id=commitment.id)


# --- Payments ------------------------------------------------------------------------------------


def _clean_payment_fields(paid_on, voucher_no, method, bank_reference) -> dict:
    if not isinstance(paid_on, date):
        raise InvalidInput("Vui lòng nhập ngày chi (dd/mm/yyyy).", "paid_on")
    if paid_on > local_today():
        raise InvalidInput(f"Ngày chi {paid_on:%d/%m/%Y} ở tương lai.", "paid_on")
    voucher = (voucher_no or "").strip()
    if not voucher:
        raise InvalidInput("Vui lòng nhập số chứng từ (số phiếu chi / ủy nhiệm chi).",
                           "voucher_no")
    if len(voucher) > VOUCHER_MAX:
        raise InvalidInput(f"Số chứng từ dài quá {VOUCHER_MAX} ký tự.", "voucher_no")
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise InvalidInput("Hình thức chi không hợp lệ.", "method") from None
    reference = (bank_reference or "").strip() or None
    if reference and len(reference) > BANK_REFERENCE_MAX:
        raise InvalidInput(f"Số tham chiếu ngân hàng dài quá {BANK_REFERENCE_MAX} ký tự.",
                           "bank_reference")
    return {"voucher_no": voucher, "method": method.value, "bank_reference": reference}


def _voucher_in_use(year_id: int, voucher_no: str) -> LedgerEntry | None:
    reversal = aliased(LedgerEntry)
    reversed_ = select(reversal.id).where(reversal.reverses_id == LedgerEntry.id).exists()
    return db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.program_year_id == year_id,
                                  LedgerEntry.kind == EntryKind.DISBURSEMENT.value,
                                  LedgerEntry.voucher_no == voucher_no, ~reversed_).limit(1))


def pending_total(dossier_id: int) -> int:
    """What the dossier's payments waiting for confirmation add up to (0 if none)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(PendingPayment.amount_vnd), 0))
        .where(PendingPayment.dossier_id == dossier_id,
               PendingPayment.status == PendingStatus.PENDING.value)) or 0)


def _paid_out(dossier_id: int) -> int:
    """Every payment made to the dossier, reversed ones included (the two-person threshold)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_vnd), 0))
        .where(LedgerEntry.dossier_id == dossier_id,
               LedgerEntry.kind == EntryKind.DISBURSEMENT.value)) or 0)


def _voucher_pending(year_id: int, voucher_no: str) -> PendingPayment | None:
    return db.session.scalar(
        select(PendingPayment).where(PendingPayment.program_year_id == year_id,
                                     PendingPayment.status == PendingStatus.PENDING.value,
                                     PendingPayment.voucher_no == voucher_no).limit(1))


def _require_approved(dossier: Dossier, what: str) -> None:
    if dossier.outcome != Outcome.APPROVED or dossier.status not in APPROVED_OR_LATER:
        raise Conflict(f"Chỉ {what} hồ sơ đã được phê duyệt hỗ trợ; hồ sơ {dossier.code} "
                       f"đang ở trạng thái “{dossier.status_label}”.")


def _require_payable(dossier: Dossier) -> None:
    _require_approved(dossier, "chi trả cho")
    if dossier.recovered_vnd:
        raise Conflict(f"Hồ sơ {dossier.code} đã có quyết định thu hồi kinh phí hỗ trợ "
                       f"({format_vnd(dossier.recovered_vnd)}): không chi trả thêm.")


def record_payment(dossier: Dossier, *, actor, amount_vnd: int, paid_on: date, voucher_no: str,
                   method: str, bank_reference: str | None = None,
                   expected_version: int | None = None) -> LedgerEntry | PendingPayment:
    """Pay ``amount_vnd`` to an approved dossier (partial payments allowed).

    Locks the year and the dossier, then refuses with Conflict: a dossier changed since the
    form was shown (``expected_version``), a closed year, a dossier not approved (outcome and
    status); with InvalidInput: a missing/future date, a missing voucher number or one already
    used by a live or pending payment of the year, an unknown method, a non-positive amount;
    with PaymentExceedsApproved (message states what can still be paid): paid + pending +
    amount > approved.

    When the dossier's payments (reversed ones included) with this one stay within the year's
    ``payment_threshold_vnd`` one person suffices: a disbursement entry is written, raising
    ``dossier.paid_vnd`` and ``year.disbursed_vnd``, and returned. Above it the payment is
    recorded as a ``PendingPayment`` (returned) and no money moves until a second person
    confirms it (``confirm_payment``).
    """
    year, dossier = _lock(dossier.program_year_id, dossier.id)
    if expected_version is not None and dossier.version != expected_version:
        raise Conflict(f"Hồ sơ {dossier.code} vừa được người khác cập nhật (có thể vừa có khoản "
                       "chi khác). Vui lòng xem lại lịch sử chi trả rồi nhập lại.")
    _require_open(year)
    _require_payable(dossier)
    fields = _clean_payment_fields(paid_on, voucher_no, method, bank_reference)
    pending = pending_total(dossier.id)
    check_payment_with_pending(dossier.approved_vnd, dossier.paid_vnd, pending, amount_vnd)
    used = _voucher_in_use(year.id, fields["voucher_no"])
    if used is not None:
        raise InvalidInput(f"Số chứng từ {fields['voucher_no']} đã dùng cho khoản chi số "
                           f"{used.id} ngày {used.entry_on:%d/%m/%Y}.", "voucher_no")
    waiting = _voucher_pending(year.id, fields["voucher_no"])
    if waiting is not None:
        raise InvalidInput(f"Số chứng từ {fields['voucher_no']} đã dùng cho khoản chi đang chờ "
                           f"xác nhận số {waiting.id}.", "voucher_no")
    if needs_confirmation(_paid_out(dossier.id), pending, amount_vnd,
                          year.payment_threshold_vnd):
        row = PendingPayment(program_year_id=year.id, dossier_id=dossier.id,
                             amount_vnd=amount_vnd, paid_on=paid_on,
                             status=PendingStatus.PENDING.value,
                             recorded_by_id=_require_actor(actor), **fields)
        db.session.add(row)
        db.session.flush()
        audit.record("payment.request", row, actor=actor, dossier=dossier,
                     after={"amount_vnd": amount_vnd, "paid_on": paid_on,
                            "threshold_vnd": year.payment_threshold_vnd,
                            "pending_total_vnd": pending + amount_vnd, **fields})
        return row
    before = _money_state(year, dossier)
    dossier.paid_vnd += amount_vnd
    year.disbursed_vnd += amount_vnd
    return _append(year, dossier, EntryKind.DISBURSEMENT, amount_vnd, actor=actor,
                   entry_on=paid_on, before=before, **fields)


def _lock_pending(pending_id: int) -> PendingPayment:
    stmt = (lock_for_update(select(PendingPayment).where(PendingPayment.id == pending_id))
            .execution_options(populate_existing=True))
    return db.session.execute(stmt).scalar_one()


def _locked_pending(pending: PendingPayment) -> tuple[ProgramYear, Dossier, PendingPayment]:
    """Lock the year, the dossier, then the pending payment (the ledger's lock order), refreshed;
    Conflict if it is no longer waiting (confirmed or cancelled by someone meanwhile)."""
    year, dossier = _lock(pending.program_year_id, pending.dossier_id)
    row = _lock_pending(pending.id)
    if row.status != PendingStatus.PENDING.value:
        who = row.decided_by.full_name if row.decided_by else ""
        raise ConfirmationNotAllowed(
            f"Khoản chi số {row.id} không còn chờ xác nhận: đã "
            f"{PendingStatus(row.status).label.lower()}"
            f"{' bởi ' + who if who else ''}.")
    return year, dossier, row


def confirm_payment(pending: PendingPayment, *, actor) -> LedgerEntry:
    """Confirm a payment recorded by someone else: the disbursement entry is written now, by
    ``actor``, dated the payment's date; ``dossier.paid_vnd`` and ``year.disbursed_vnd`` rise.

    Locks year, dossier and the pending row, so of two confirmations at once one writes the
    entry and the other finds it confirmed (ConfirmationNotAllowed, a Conflict). Also raises
    ConfirmationNotAllowed when ``actor`` recorded it or is neither finance officer nor chief
    accountant; Conflict for a closed year or a dossier no longer approved;
    PaymentExceedsApproved if the approved amount no longer covers it.
    """
    year, dossier, row = _locked_pending(pending)
    check_confirmer(recorded_by_id=row.recorded_by_id, confirmer_id=_require_actor(actor),
                    confirmer_roles=getattr(actor, "roles", ()))
    _require_open(year)
    _require_payable(dossier)
    check_payment(dossier.approved_vnd, dossier.paid_vnd, row.amount_vnd)
    before = _money_state(year, dossier)
    row.status = PendingStatus.CONFIRMED.value
    row.decided_by_id = actor.id
    row.decided_at = utcnow()
    dossier.paid_vnd += row.amount_vnd
    year.disbursed_vnd += row.amount_vnd
    return _append(year, dossier, EntryKind.DISBURSEMENT, row.amount_vnd, actor=actor,
                   entry_on=row.paid_on, before=before, pending_payment_id=row.id,
                   voucher_no=row.voucher_no, method=row.method,
                   bank_reference=row.bank_reference,
                   extra={"pending_payment_id": row.id, "recorded_by_id": row.recorded_by_id,
                          "confirmed_by_id": actor.id})


def cancel_pending_payment(pending: PendingPayment, *, actor, reason: str) -> PendingPayment:
    """Drop a payment waiting for confirmation (the confirmer refuses it, or its recorder
    withdraws a mistake); nothing was paid, so nothing is written to the ledger. Raises
    InvalidInput without a reason; ConfirmationNotAllowed if it is no longer pending or
    ``actor`` has no finance role."""
    reason = _clean_reason(reason)
    _year, dossier, row = _locked_pending(pending)
    if not set(getattr(actor, "roles", ())) & FINANCE_ROLES:
        raise ConfirmationNotAllowed("Chỉ kế toán hoặc kế toán trưởng được hủy khoản chi chờ "
                                     "xác nhận.")
    row.status = PendingStatus.CANCELLED.value
    row.decided_by_id = _require_actor(actor)
    row.decided_at = utcnow()
    row.reason = reason
    db.session.flush()
    audit.record("payment.cancel", row, actor=actor, dossier=dossier, note=reason,
                 before={"status": PendingStatus.PENDING.value},
                 after={"status": row.status, "amount_vnd": row.amount_vnd,
                        "voucher_no": row.voucher_no})
    return row


def reverse_payment(entry: LedgerEntry, *, actor, reason: str) -> LedgerEntry:
    """Undo a payment in full with a ``disbursement_reversal`` entry dated today.

    Raises InvalidInput without a reason; Conflict for a closed year; ReversalNotAllowed for a
    commitment (use ``release_commitment``), a reversal or release, or a payment already
    reversed. Lowers ``dossier.paid_vnd`` and ``year.disbursed_vnd``.
    """
    reason = _clean_reason(reason)
    year, dossier = _lock(entry.program_year_id, entry.dossier_id)
    _require_open(year)
    if entry.kind == EntryKind.COMMITMENT:
        raise ReversalNotAllowed(f"Bút toán số {entry.id} là cam kết kinh phí: không đảo như "
                                 "khoản chi, hãy giải phóng cam kết (rút quyết định).")
    reversed_by = db.session.scalar(select(LedgerEntry.id)
                                    .where(LedgerEntry.reverses_id == entry.id))
    fact = EntryFact(id=entry.id, kind=EntryKind(entry.kind), dossier_id=entry.dossier_id,
                     amount_vnd=entry.amount_vnd, reverses_id=entry.reverses_id)
    kind = check_reversal(fact, already_reversed=reversed_by is not None)
    if dossier.recovered_vnd:
        raise ReversalNotAllowed(f"Hồ sơ {dossier.code} đã có quyết định thu hồi: số đã chi là "
                                 "căn cứ của khoản phải thu, không đảo khoản chi nữa.")
    before = _money_state(year, dossier)
    dossier.paid_vnd -= entry.amount_vnd
    year.disbursed_vnd -= entry.amount_vnd
    return _append(year, dossier, kind, entry.amount_vnd, actor=actor, entry_on=local_today(),
                   before=before, reason=reason, reverses_id=entry.id,
                   voucher_no=entry.voucher_no, method=entry.method)


# --- Recovery of undue support (thu hồi) ----------------------------------------------------------


def _require_role(actor, role: Role, message: str) -> None:
    if not set(getattr(actor, "roles", ())) & {role}:
        raise Forbidden(message)


def record_recovery(dossier: Dossier, *, actor, amount_vnd: int, reason: str,
                    letterhead=None, expected_version: int | None = None) -> LedgerEntry:
    """Decide to recover ``amount_vnd`` of support found undue (a forged certificate, a double
    support found later), for the ``reason`` stated, and issue the recovery decision.

    Locks the year and the dossier (the ledger's order), then refuses: Forbidden unless
    ``actor`` is the leadership; Conflict for a stale ``expected_version``, a closed year or a
    dossier not approved; InvalidInput without a reason; RecoveryExceedsPaid (an InvalidInput
    naming the most that can be recovered) above what was paid and is not already claimed.

    The unpaid part of the commitment is released first (no more money goes to undue support:
    a ``commitment_release`` entry, as ``release_commitment`` writes), then a ``recovery``
    entry records the receivable: ``dossier.recovered_vnd`` rises, the year's committed and
    disbursed figures do not move until the money comes back (``record_repayment``).
    """
    _require_role(actor, Role.LEADER, "Chỉ lãnh đạo được quyết định thu hồi kinh phí hỗ trợ.")
    reason = _clean_reason(reason)
    year, dossier = _lock(dossier.program_year_id, dossier.id)
    if expected_version is not None and dossier.version != expected_version:
        raise Conflict(f"Hồ sơ {dossier.code} vừa được người khác cập nhật. Vui lòng tải lại "
                       "trang rồi nhập lại.")
    _require_open(year)
    _require_approved(dossier, "thu hồi kinh phí của")
    check_recovery(dossier.paid_vnd, dossier.recovered_vnd, dossier.repaid_vnd, amount_vnd)
    if pending_total(dossier.id):
        raise Conflict(f"Hồ sơ {dossier.code} còn khoản chi chờ xác nhận; hãy hủy khoản chi đó "
                       "trước khi quyết định thu hồi.")
    unpaid = dossier.approved_vnd - dossier.paid_vnd
    commitment = _open_commitment(dossier.id) if unpaid else None
    if commitment is not None:
        before = _money_state(year, dossier)
        year.committed_vnd = Envelope(year.budget_vnd, year.committed_vnd).release(unpaid) \
            .committed_vnd
        dossier.approved_vnd -= unpaid
        _append(year, dossier, EntryKind.COMMITMENT_RELEASE, unpaid, actor=actor,
                entry_on=local_today(), before=before, reverses_id=commitment.id,
                reason=f"Thu hồi kinh phí hỗ trợ: {reason}")
    before = _money_state(year, dossier)
    dossier.recovered_vnd += amount_vnd
    entry = _append(year, dossier, EntryKind.RECOVERY, amount_vnd, actor=actor,
                    entry_on=local_today(), before=before, reason=reason,
                    extra={"dossier_recovered_vnd": dossier.recovered_vnd,
                           "dossier_repaid_vnd": dossier.repaid_vnd,
                           "released_vnd": unpaid if commitment is not None else 0})
    from grants.services import documents  # documents read the ledger; import late

    kwargs = {"letterhead": letterhead} if letterhead is not None else {}
    documents.issue_document(dossier, DocumentKind.RECOVERY_DECISION, actor=actor, **kwargs)
    return entry


def record_repayment(dossier: Dossier, *, actor, amount_vnd: int, paid_on: date,
                     voucher_no: str, method: str, bank_reference: str | None = None,
                     expected_version: int | None = None) -> LedgerEntry:
    """Record money the organisation paid back against its recovery decisions.

    Locks the year and the dossier, then refuses: Forbidden unless ``actor`` is a finance
    officer; Conflict for a stale ``expected_version`` or a closed year; InvalidInput for the
    date, voucher and method as a payment's; RepaymentExceedsOwed (InvalidInput) above what is
    still owed. Writes a ``recovery_repayment`` entry: the money comes off what the dossier and
    the year have both committed and paid (``approved_vnd``, ``paid_vnd``, ``committed_vnd``,
    ``disbursed_vnd`` fall by the amount) and ``dossier.repaid_vnd`` rises.
    """
    _require_role(actor, Role.FINANCE, "Chỉ kế toán được ghi nhận khoản hoàn trả.")
    year, dossier = _lock(dossier.program_year_id, dossier.id)
    if expected_version is not None and dossier.version != expected_version:
        raise Conflict(f"Hồ sơ {dossier.code} vừa được người khác cập nhật. Vui lòng tải lại "
                       "trang rồi nhập lại.")
    _require_open(year)
    fields = _clean_payment_fields(paid_on, voucher_no, method, bank_reference)
    check_repayment(dossier.recovered_vnd, dossier.repaid_vnd, amount_vnd)
    before = _money_state(year, dossier)
    dossier.repaid_vnd += amount_vnd
    dossier.paid_vnd -= amount_vnd
    dossier.approved_vnd -= amount_vnd
    year.disbursed_vnd -= amount_vnd
    year.committed_vnd -= amount_vnd
    return _append(year, dossier, EntryKind.RECOVERY_REPAYMENT, amount_vnd, actor=actor,
                   entry_on=paid_on, before=before,
                   extra={"dossier_recovered_vnd": dossier.recovered_vnd,
                          "dossier_repaid_vnd": dossier.repaid_vnd}, **fields)


def latest_recovery(dossier_id: int) -> LedgerEntry | None:
    """The dossier's latest recovery decision entry (what its recovery decision states)."""
    return db.session.scalar(select(LedgerEntry).where(
        LedgerEntry.dossier_id == dossier_id, LedgerEntry.kind == EntryKind.RECOVERY.value)
        .order_by(LedgerEntry.id.desc()).limit(1))


# --- Figures -------------------------------------------------------------------------------------


def check_consistency(year: ProgramYear) -> list[str]:
    """Problems found comparing the year's and its dossiers' counters with the ledger (Vietnamese
    sentences); an empty list means the counters equal the ledger sums."""
    problems = []
    summary = ledger_summary(year)
    if year.committed_vnd != summary.committed_vnd:
        problems.append(f"Năm {year.year}: tổng cam kết ghi nhận {format_vnd(year.committed_vnd)}"
                        f" khác sổ cái {format_vnd(summary.committed_vnd)}.")
    if year.disbursed_vnd != summary.disbursed_vnd:
        problems.append(f"Năm {year.year}: tổng đã chi ghi nhận {format_vnd(year.disbursed_vnd)}"
                        f" khác sổ cái {format_vnd(summary.disbursed_vnd)}.")
    if not 0 <= summary.committed_vnd <= year.budget_vnd:
        problems.append(f"Năm {year.year}: cam kết theo sổ cái {format_vnd(summary.committed_vnd)}"
                        f" nằm ngoài ngân sách {format_vnd(year.budget_vnd)}.")
    if not 0 <= summary.disbursed_vnd <= summary.committed_vnd:
        problems.append(f"Năm {year.year}: đã chi theo sổ cái {format_vnd(summary.disbursed_vnd)}"
                        " vượt số đã cam kết.")
    committed, disbursed = signed_sums()
    per_dossier = (select(LedgerEntry.dossier_id.label("dossier_id"),
                          committed.label("committed"), disbursed.label("disbursed"))
                   .where(LedgerEntry.program_year_id == year.id)
                   .group_by(LedgerEntry.dossier_id).subquery())
    ledger_committed = func.coalesce(per_dossier.c.committed, 0)
    ledger_disbursed = func.coalesce(per_dossier.c.disbursed, 0)
    rows = db.session.execute(
        select(Dossier.code, Dossier.approved_vnd, Dossier.paid_vnd, ledger_committed,
               ledger_disbursed)
        .outerjoin(per_dossier, per_dossier.c.dossier_id == Dossier.id)
        .where(Dossier.program_year_id == year.id,
               (Dossier.approved_vnd != ledger_committed)
               | (Dossier.paid_vnd != ledger_disbursed)
               | (ledger_disbursed > ledger_committed))
        .order_by(Dossier.code))
    for code, approved, paid, in_ledger_c, in_ledger_d in rows:
        problems.append(f"Hồ sơ {code}: duyệt {format_vnd(approved)} / đã chi {format_vnd(paid)}"
                        f" nhưng sổ cái ghi cam kết {format_vnd(int(in_ledger_c))} / chi "
                        f"{format_vnd(int(in_ledger_d))}.")
    problems.extend(_receivable_problems(year))
    original = aliased(LedgerEntry)
    mismatched = db.session.execute(
        select(LedgerEntry.id, original.id)
        .join(original, LedgerEntry.reverses_id == original.id)
        .where(LedgerEntry.program_year_id == year.id,
               (LedgerEntry.dossier_id != original.dossier_id)
               | ((LedgerEntry.kind == EntryKind.DISBURSEMENT_REVERSAL.value)
                  & ((original.kind != EntryKind.DISBURSEMENT.value)
                     | (LedgerEntry.amount_vnd != original.amount_vnd)))
               | ((LedgerEntry.kind == EntryKind.COMMITMENT_RELEASE.value)
                  & ((original.kind != EntryKind.COMMITMENT.value)
                     | (LedgerEntry.amount_vnd > original.amount_vnd)))))
    for entry_id, original_id in mismatched:
        problems.append(f"Bút toán số {entry_id} không khớp với bút toán số {original_id} "
                        "mà nó đảo.")
    return problems


def _receivable_problems(year: ProgramYear) -> list[str]:
    """The recovery counters of the year's dossiers against the ledger's recovery entries: the
    sums equal, nothing repaid beyond what was decided, nothing owed beyond what was paid."""
    def kind_sum(kind: EntryKind):
        return func.coalesce(func.sum(LedgerEntry.amount_vnd)
                             .filter(LedgerEntry.kind == kind.value), 0)

    per_dossier = (select(LedgerEntry.dossier_id.label("dossier_id"),
                          kind_sum(EntryKind.RECOVERY).label("recovered"),
                          kind_sum(EntryKind.RECOVERY_REPAYMENT).label("repaid"))
                   .where(LedgerEntry.program_year_id == year.id)
                   .group_by(LedgerEntry.dossier_id).subquery())
    recovered = func.coalesce(per_dossier.c.recovered, 0)
    repaid = func.coalesce(per_dossier.c.repaid, 0)
    rows = db.session.execute(
        select(Dossier.code, Dossier.recovered_vnd, Dossier.repaid_vnd, Dossier.paid_vnd,
               recovered, repaid)
        .outerjoin(per_dossier, per_dossier.c.dossier_id == Dossier.id)
        .where(Dossier.program_year_id == year.id,
               (Dossier.recovered_vnd != recovered) | (Dossier.repaid_vnd != repaid)
               | (repaid > recovered) | (recovered - repaid > Dossier.paid_vnd))
        .order_by(Dossier.code))
    return [f"Hồ sơ {code}: thu hồi {format_vnd(rec)} / đã hoàn trả {format_vnd(rep)} (đã chi "
            f"{format_vnd(paid)}) nhưng sổ cái ghi thu hồi {format_vnd(int(l_rec))} / hoàn trả "
            f"{format_vnd(int(l_rep))}."
            for code, rec, rep, paid, l_rec, l_rep in rows]


# --- Year close ----------------------------------------------------------------------------------


def close_year(year: ProgramYear, *, actor) -> ProgramYear:
    """Close the year: no more ledger entries, intake closed, the final figures frozen as JSON
    in ``closing_report``. Raises Conflict if already closed or if the counters do not match
    the ledger (the problems are listed)."""
    _require_actor(actor)
    db.session.flush()
    year = lock_year(year.id)
    if year.is_closed:
        raise Conflict(f"Năm {year.year} đã được khóa sổ trước đó.")
    problems = check_consistency(year)
    waiting = db.session.scalar(select(func.count(PendingPayment.id)).where(
        PendingPayment.program_year_id == year.id,
        PendingPayment.status == PendingStatus.PENDING.value))
    if waiting:
        problems.append(f"Còn {waiting} khoản chi chờ xác nhận; hãy xác nhận hoặc hủy trước.")
    if problems:
        raise Conflict("Không thể khóa sổ vì số liệu chưa khớp sổ cái: " + " ".join(problems))
    before = {"is_closed": year.is_closed, "intake_open": year.intake_open,
              "closed_at": year.closed_at}
    closed_at = utcnow()
    report = closing_figures(year)
    report.update(closed_at=closed_at.isoformat(timespec="seconds"),
                  closed_by=getattr(actor, "full_name", None))
    year.is_closed = True
    year.intake_open = False
    year.closed_at = closed_at
    year.closing_report = json.dumps(report, ensure_ascii=False, sort_keys=True)
    db.session.flush()
    audit.record("year.close", year, actor=actor, before=before,
                 after={"is_closed": True, "intake_open": False, "closed_at": closed_at,
                        "budget_vnd": report["budget_vnd"],
                        "committed_vnd": report["committed_vnd"],
                        "disbursed_vnd": report["disbursed_vnd"],
                        "remaining_vnd": report["remaining_vnd"]},
                 note=f"Khóa sổ năm {year.year}")
    return year
