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

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from grants.db import local_today, lock_for_update, utcnow
from grants.domain.budget import (
    EntryKind,
    Envelope,
    ReleaseNotAllowed,
    ReversalNotAllowed,
    Summary,
    check_payment,
    check_release,
    check_reversal,
)
from grants.domain.budget import LedgerEntry as EntryFact
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.money import format_vnd
from grants.domain.workflow_states import Status
from grants.extensions import db
from grants.models import Dossier, LedgerEntry, ProgramYear
from grants.models.enums import Outcome, PaymentMethod
from grants.services import audit

#: Dossier states in which an approved dossier may be paid.
PAYABLE_STATUSES = frozenset({Status.APPROVED, Status.ISSUED, Status.RETURNED})

# Envelope.commit under another name: tests/test_architecture.py flags any ``.commit(`` call in
# services, and this one commits budget, not the transaction.
_grow = Envelope.commit

VOUCHER_MAX = 50
BANK_REFERENCE_MAX = 100


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
    stmt = (select(Dossier).where(Dossier.id == dossier_id)
            .with_for_update(of=Dossier).execution_options(populate_existing=True))
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
        raise Conflict(f"Năm {year.year} đã khoá sổ{when}: không thể ghi thêm cam kết, "
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
    return {"year_committed_vnd": year.committed_vnd, "year_disbursed_vnd": year.disbursed_vnd,
            "dossier_approved_vnd": dossier.approved_vnd, "dossier_paid_vnd": dossier.paid_vnd}


def _entry_facts(entry: LedgerEntry) -> dict:
    return {"entry_id": entry.id, "kind": entry.kind, "amount_vnd": entry.amount_vnd,
            "reverses_id": entry.reverses_id, "entry_on": entry.entry_on,
            "voucher_no": entry.voucher_no, "method": entry.method,
            "bank_reference": entry.bank_reference}


def _append(year: ProgramYear, dossier: Dossier, kind: EntryKind, amount_vnd: int, *, actor,
            entry_on: date, action: str, before: dict, reason: str | None = None,
            reverses_id: int | None = None, **payment) -> LedgerEntry:
    entry = LedgerEntry(program_year_id=year.id, dossier_id=dossier.id, kind=kind.value,
                        amount_vnd=amount_vnd, reverses_id=reverses_id, entry_on=entry_on,
                        reason=reason, created_by_id=_require_actor(actor), **payment)
    db.session.add(entry)
    db.session.flush()
    audit.record(action, entry, actor=actor, before=before,
                 after={**_money_state(year, dossier), **_entry_facts(entry)},
                 note=reason, dossier=dossier)
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
    envelope = _grow(Envelope(year.budget_vnd, year.committed_vnd), total_vnd)
    before = _money_state(year, dossier)
    year.committed_vnd = envelope.committed_vnd
    dossier.approved_vnd = total_vnd
    return _append(year, dossier, EntryKind.COMMITMENT, total_vnd, actor=actor,
                   entry_on=entry_on or local_today(), action="ledger.commit", before=before)


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
                   entry_on=local_today(), action="ledger.release", before=before,
                   reason=reason, reverses_id=commitment.id)


# --- Payments ------------------------------------------------------------------------------------


def _clean_payment_fields(paid_on, voucher_no, method, bank_reference) -> dict:
    if not isinstance(paid_on, date):
        raise InvalidInput("Vui lòng nhập ngày chi (dd/mm/yyyy).", "paid_on")
    if paid_on > local_today():
        raise InvalidInput(f"Ngày chi {paid_on:%d/%m/%Y} ở tương lai.", "paid_on")
    voucher = (voucher_no or "").strip()
    if not voucher:
        raise InvalidInput("Vui lòng nhập số chứng từ (số phiếu chi / uỷ nhiệm chi).",
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


def record_payment(dossier: Dossier, *, actor, amount_vnd: int, paid_on: date, voucher_no: str,
                   method: str, bank_reference: str | None = None,
                   expected_version: int | None = None) -> LedgerEntry:
    """Pay ``amount_vnd`` to an approved dossier (partial payments allowed).

    Locks the year and the dossier, then refuses with Conflict: a dossier changed since the
    form was shown (``expected_version``), a closed year, a dossier not approved (outcome and
    status); with InvalidInput: a missing/future date, a missing voucher number or one already
    used by a live payment of the year, an unknown method, a non-positive amount; with
    PaymentExceedsApproved (message states what can still be paid): paid + amount > approved.
    Raises ``dossier.paid_vnd`` and ``year.disbursed_vnd``.
    """
    year, dossier = _lock(dossier.program_year_id, dossier.id)
    if expected_version is not None and dossier.version != expected_version:
        raise Conflict(f"Hồ sơ {dossier.code} vừa được người khác cập nhật (có thể vừa có khoản "
                       "chi khác). Vui lòng xem lại lịch sử chi trả rồi nhập lại.")
    _require_open(year)
    if dossier.outcome != Outcome.APPROVED or dossier.state not in PAYABLE_STATUSES:
        raise Conflict(f"Chỉ chi trả cho hồ sơ đã được phê duyệt hỗ trợ; hồ sơ {dossier.code} "
                       f"đang ở trạng thái “{dossier.status_label}”.")
    fields = _clean_payment_fields(paid_on, voucher_no, method, bank_reference)
    check_payment(dossier.approved_vnd, dossier.paid_vnd, amount_vnd)
    used = _voucher_in_use(year.id, fields["voucher_no"])
    if used is not None:
        raise InvalidInput(f"Số chứng từ {fields['voucher_no']} đã dùng cho khoản chi số "
                           f"{used.id} ngày {used.entry_on:%d/%m/%Y}.", "voucher_no")
    before = _money_state(year, dossier)
    dossier.paid_vnd += amount_vnd
    year.disbursed_vnd += amount_vnd
    return _append(year, dossier, EntryKind.DISBURSEMENT, amount_vnd, actor=actor,
                   entry_on=paid_on, action="ledger.pay", before=before, **fields)


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
    before = _money_state(year, dossier)
    dossier.paid_vnd -= entry.amount_vnd
    year.disbursed_vnd -= entry.amount_vnd
    return _append(year, dossier, kind, entry.amount_vnd, actor=actor, entry_on=local_today(),
                   action="ledger.reverse", before=before, reason=reason, reverses_id=entry.id,
                   voucher_no=entry.voucher_no, method=entry.method)


# --- Figures -------------------------------------------------------------------------------------


def _kind_totals(program_year_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_vnd))
        .where(LedgerEntry.program_year_id == program_year_id)
        .group_by(LedgerEntry.kind))
    return {kind: int(total or 0) for kind, total in rows}


def ledger_summary(year: ProgramYear) -> Summary:
    """The year's budget, committed, disbursed and remaining, summed from the ledger rows."""
    totals = _kind_totals(year.id)
    committed = (totals.get(EntryKind.COMMITMENT, 0)
                 - totals.get(EntryKind.COMMITMENT_RELEASE, 0))
    disbursed = (totals.get(EntryKind.DISBURSEMENT, 0)
                 - totals.get(EntryKind.DISBURSEMENT_REVERSAL, 0))
    return Summary(budget_vnd=year.budget_vnd, committed_vnd=committed, disbursed_vnd=disbursed,
                   remaining_vnd=year.budget_vnd - committed,
                   unpaid_committed_vnd=committed - disbursed)


def signed_sums():
    """(committed, disbursed) SQL expressions: each entry's signed share of the two totals."""
    kind, amount = LedgerEntry.kind, LedgerEntry.amount_vnd
    committed = case((kind == EntryKind.COMMITMENT.value, amount),
                     (kind == EntryKind.COMMITMENT_RELEASE.value, -amount), else_=0)
    disbursed = case((kind == EntryKind.DISBURSEMENT.value, amount),
                     (kind == EntryKind.DISBURSEMENT_REVERSAL.value, -amount), else_=0)
    return func.sum(committed), func.sum(disbursed)


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


# --- Year close ----------------------------------------------------------------------------------


def close_year(year: ProgramYear, *, actor) -> ProgramYear:
    """Close the year: no more ledger entries, intake closed, the final figures frozen as JSON
    in ``closing_report``. Raises Conflict if already closed or if the counters do not match
    the ledger (the problems are listed)."""
    from grants.services.budget_queries import closing_figures

    _require_actor(actor)
    db.session.flush()
    year = lock_year(year.id)
    if year.is_closed:
        raise Conflict(f"Năm {year.year} đã được khoá sổ trước đó.")
    problems = check_consistency(year)
    if problems:
        raise Conflict("Không thể khoá sổ vì số liệu chưa khớp sổ cái: " + " ".join(problems))
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
                 note=f"Khoá sổ năm {year.year}")
    return year
