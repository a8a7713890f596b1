"""Ledger services: commitments within the budget, payments within the approval, reversals,
releases and the year close, with the counters equal to the ledger after every operation."""

import itertools
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.budget import (
    BudgetExceeded,
    PaymentExceedsApproved,
    ReleaseNotAllowed,
    ReversalNotAllowed,
)
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.roles import Role

_codes = itertools.count(1)


def new_dossier(db, year, *, amounts=(30_000_000,), status="approved", outcome="approved",
                org=None, commune="Phường Kinh Bắc", approved=True):
    """A dossier of ``year`` with one item per amount (requested = approved = amount), created
    directly as the lifecycle would leave it; the caller commits it with commit_approval."""
    from grants.models import CatalogueItem, Dossier, DossierItem, Organisation

    n = next(_codes)
    if org is None:
        org = Organisation(name=f"Công ty Sổ cái {n}", org_type="enterprise",
                           tax_code=f"23{n:08d}", commune=commune)
    dossier = Dossier(code=f"HS-L-{year.year}-{n:05d}", organisation=org, program_year=year,
                      status=status, outcome=outcome)
    db.session.add(dossier)
    for i, amount in enumerate(amounts):
        code = f"ITEM{i}"
        item = db.session.scalar(select(CatalogueItem).where(CatalogueItem.code == code))
        if item is None:
            item = CatalogueItem(code=code, name=f"Tiêu chuẩn thử {i}", kind="standard")
        dossier.items.append(DossierItem(catalogue_item=item, consulting_cost_vnd=2 * amount,
                                         requested_vnd=amount,
                                         approved_vnd=amount if approved else None))
    db.session.commit()
    return dossier


def approve(db, dossier, actor, total=None):
    from grants.services import ledger

    total = dossier.requested_vnd if total is None else total
    with atomic():
        return ledger.commit_approval(dossier, actor=actor, total_vnd=total)


def pay(dossier, actor, amount, voucher=None, **kw):
    from grants.services import ledger

    kw.setdefault("paid_on", local_today())
    kw.setdefault("method", "transfer")
    with atomic():
        return ledger.record_payment(dossier, actor=actor, amount_vnd=amount,
                                     voucher_no=voucher or f"PC-{next(_codes)}", **kw)


def assert_consistent(db, year):
    from grants.queries import budget as budget_queries
    from grants.services import ledger

    db.session.refresh(year)
    assert ledger.check_consistency(year) == []
    summary = budget_queries.ledger_summary(year)
    assert (summary.committed_vnd, summary.disbursed_vnd) == (year.committed_vnd,
                                                              year.disbursed_vnd)
    assert summary.remaining_vnd == year.budget_vnd - year.committed_vnd
    figures = budget_queries.program_figures(year)
    assert figures["committed_vnd"] == year.committed_vnd
    assert figures["disbursed_vnd"] == year.disbursed_vnd
    assert figures["remaining_vnd"] == year.remaining_vnd


def ledger_count(db):
    from grants.models import LedgerEntry

    return db.session.scalar(select(func.count(LedgerEntry.id)))


@pytest.fixture
def finance(make_user):
    return make_user(Role.FINANCE, Role.LEADER)


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=100_000_000)


def test_commit_writes_entry_counters_and_audit(db, year, finance):
    from grants.models import AuditEvent

    dossier = new_dossier(db, year, amounts=(20_000_000, 10_000_000))
    entry = approve(db, dossier, finance)
    assert (entry.kind, entry.amount_vnd, entry.entry_on) == ("commitment", 30_000_000,
                                                              local_today())
    assert dossier.approved_vnd == 30_000_000 and dossier.status == "approved"
    assert year.committed_vnd == 30_000_000 and year.remaining_vnd == 70_000_000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.commit"))
    assert json.loads(event.before_json)["year_committed_vnd"] == 0
    assert json.loads(event.after_json)["year_committed_vnd"] == 30_000_000
    assert event.dossier_id == dossier.id and event.actor_id == finance.id
    assert_consistent(db, year)


def test_commit_over_budget_is_refused_with_remaining_and_nothing_written(db, year, finance):
    approve(db, new_dossier(db, year, amounts=(80_000_000,)), finance)
    late = new_dossier(db, year, amounts=(30_000_000,))
    before = ledger_count(db)
    with pytest.raises(BudgetExceeded) as err:
        approve(db, late, finance)
    assert "20.000.000 đ" in str(err.value) and "30.000.000 đ" in str(err.value)
    assert err.value.remaining_vnd == 20_000_000
    assert ledger_count(db) == before
    db.session.refresh(late)
    assert late.approved_vnd == 0 and year.committed_vnd == 80_000_000
    assert_consistent(db, year)


def test_commit_exactly_the_remaining_budget_is_allowed(db, year, finance):
    approve(db, new_dossier(db, year, amounts=(60_000_000,)), finance)
    approve(db, new_dossier(db, year, amounts=(40_000_000,)), finance)
    assert year.committed_vnd == year.budget_vnd and year.remaining_vnd == 0
    assert_consistent(db, year)


@pytest.mark.parametrize("total", [0, -5, 1.5, "30000000", True])
def test_commit_refuses_non_positive_or_non_integer(db, year, finance, total):
    dossier = new_dossier(db, year)
    with pytest.raises(InvalidInput):
        approve(db, dossier, finance, total=total)
    assert ledger_count(db) == 0


def test_second_commit_of_one_dossier_is_refused(db, year, finance):
    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    with pytest.raises(Conflict, match="đã có cam kết"):
        approve(db, dossier, finance)
    assert_consistent(db, year)


def test_payment_on_non_approved_dossier_is_refused(db, year, finance):
    for status, outcome in (("reviewed", None), ("rejected", "rejected"),
                            ("withdrawn", "approved")):
        dossier = new_dossier(db, year, status=status, outcome=outcome)
        with pytest.raises(Conflict, match="đã được phê duyệt"):
            pay(dossier, finance, 1_000_000)
    assert ledger_count(db) == 0


@pytest.mark.parametrize("status", ["approved", "issued", "returned"])
def test_payment_allowed_once_approved_issued_or_returned(db, year, finance, status):
    dossier = new_dossier(db, year, status=status)
    approve(db, dossier, finance)
    assert pay(dossier, finance, 1_000_000).amount_vnd == 1_000_000


def test_payment_on_approved_dossier_without_commitment_is_refused(db, year, finance):
    dossier = new_dossier(db, year)
    with pytest.raises(PaymentExceedsApproved, match="chỉ còn được chi 0 đ"):
        pay(dossier, finance, 1_000_000)


def test_partial_payments_then_over_approved_refused(db, year, finance):
    from grants.models import LedgerEntry

    dossier = new_dossier(db, year, amounts=(30_000_000,))
    approve(db, dossier, finance)
    first = pay(dossier, finance, 12_000_000, voucher="PC-01",
                paid_on=local_today() - timedelta(days=3), bank_reference="FT123")
    assert (first.kind, first.voucher_no, first.method, first.bank_reference) == (
        "disbursement", "PC-01", "transfer", "FT123")
    assert first.entry_on == local_today() - timedelta(days=3)
    pay(dossier, finance, 8_000_000, voucher="PC-02", method="cash")
    assert dossier.paid_vnd == 20_000_000 and year.disbursed_vnd == 20_000_000
    assert_consistent(db, year)
    before = ledger_count(db)
    with pytest.raises(PaymentExceedsApproved) as err:
        pay(dossier, finance, 10_000_001, voucher="PC-03")
    assert "chỉ còn được chi 10.000.000 đ" in err.value.message
    assert err.value.field == "amount_vnd"
    assert ledger_count(db) == before
    pay(dossier, finance, 10_000_000, voucher="PC-03")
    assert dossier.paid_vnd == dossier.approved_vnd == 30_000_000
    assert db.session.scalar(select(func.count(LedgerEntry.id))
                             .where(LedgerEntry.kind == "disbursement")) == 3
    assert_consistent(db, year)


@pytest.mark.parametrize(("kw", "field"), [
    ({"voucher": "   "}, "voucher_no"),
    ({"voucher": "x" * 51}, "voucher_no"),
    ({"method": "cheque"}, "method"),
    ({"paid_on": None}, "paid_on"),
    ({"paid_on": "tomorrow"}, "paid_on"),
    ({"bank_reference": "r" * 101}, "bank_reference"),
])
def test_payment_field_errors_name_the_field(db, year, finance, kw, field):
    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    amount = kw.pop("amount", 1_000_000)
    voucher = kw.pop("voucher", "PC-9")
    from grants.services import ledger

    kw.setdefault("paid_on", local_today())
    if kw["paid_on"] == "tomorrow":  # resolved when the test runs (a run may pass midnight)
        kw["paid_on"] = local_today() + timedelta(days=1)
    kw.setdefault("method", "transfer")
    with pytest.raises(InvalidInput) as err, atomic():
        ledger.record_payment(dossier, actor=finance, amount_vnd=amount, voucher_no=voucher, **kw)
    assert err.value.field == field
    assert_consistent(db, year)


@pytest.mark.parametrize("amount", [0, -1, 2.5, "1000"])
def test_payment_amount_must_be_positive_int(db, year, finance, amount):
    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    with pytest.raises(InvalidInput) as err:
        pay(dossier, finance, amount)
    assert err.value.field == "amount_vnd"


def test_voucher_number_cannot_be_reused_while_its_payment_stands(db, year, finance):
    from grants.services import ledger

    one, two = new_dossier(db, year), new_dossier(db, year)
    approve(db, one, finance)
    approve(db, two, finance)
    payment = pay(one, finance, 5_000_000, voucher="UNC-7")
    with pytest.raises(InvalidInput, match="UNC-7 đã dùng") as err:
        pay(two, finance, 5_000_000, voucher="UNC-7")
    assert err.value.field == "voucher_no"
    with atomic():
        ledger.reverse_payment(payment, actor=finance, reason="Nhầm hồ sơ")
    pay(two, finance, 5_000_000, voucher="UNC-7")
    assert_consistent(db, year)


def test_stale_version_is_refused(db, year, finance):
    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    shown = dossier.version
    pay(dossier, finance, 1_000_000, expected_version=shown)
    with pytest.raises(Conflict, match="vừa được người khác cập nhật"):
        pay(dossier, finance, 1_000_000, expected_version=shown)
    assert dossier.paid_vnd == 1_000_000


def test_reversal_restores_payable_and_is_linked(db, year, finance):
    from grants.models import AuditEvent
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(30_000_000,))
    approve(db, dossier, finance)
    payment = pay(dossier, finance, 25_000_000, voucher="PC-1")
    with atomic():
        reversal = ledger.reverse_payment(payment, actor=finance, reason="Sai số tiền")
    assert (reversal.kind, reversal.amount_vnd, reversal.reverses_id, reversal.reason) == (
        "disbursement_reversal", 25_000_000, payment.id, "Sai số tiền")
    assert dossier.paid_vnd == 0 and year.disbursed_vnd == 0
    assert db.session.scalar(select(AuditEvent.note).where(AuditEvent.action ==
                                                           "ledger.reverse")) == "Sai số tiền"
    pay(dossier, finance, 15_000_000, voucher="PC-2")
    assert_consistent(db, year)


def test_reversal_needs_a_reason(db, year, finance):
    from grants.services import ledger

    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    payment = pay(dossier, finance, 1_000_000)
    with pytest.raises(InvalidInput) as err, atomic():
        ledger.reverse_payment(payment, actor=finance, reason="  ")
    assert err.value.field == "reason"


def test_reversal_of_a_reversal_and_double_reversal_are_refused(db, year, finance):
    from grants.services import ledger

    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    payment = pay(dossier, finance, 10_000_000)
    with atomic():
        reversal = ledger.reverse_payment(payment, actor=finance, reason="Nhầm")
    count = ledger_count(db)
    with pytest.raises(ReversalNotAllowed, match="đã là bút toán đảo"), atomic():
        ledger.reverse_payment(reversal, actor=finance, reason="Đảo lại")
    with pytest.raises(ReversalNotAllowed, match="đã được đảo"), atomic():
        ledger.reverse_payment(payment, actor=finance, reason="Lần hai")
    assert ledger_count(db) == count
    assert_consistent(db, year)


def test_commitment_cannot_be_reversed_as_a_payment(db, year, finance):
    from grants.services import ledger

    dossier = new_dossier(db, year)
    commitment = approve(db, dossier, finance)
    with pytest.raises(ReversalNotAllowed, match="giải phóng cam kết"), atomic():
        ledger.reverse_payment(commitment, actor=finance, reason="Thử")


def test_release_frees_only_the_unpaid_part(db, year, finance):
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(40_000_000,))
    commitment = approve(db, dossier, finance)
    pay(dossier, finance, 15_000_000)
    with atomic():
        release = ledger.release_commitment(dossier, actor=finance, reason="Thu hồi quyết định")
    assert (release.kind, release.amount_vnd, release.reverses_id) == (
        "commitment_release", 25_000_000, commitment.id)
    assert dossier.approved_vnd == dossier.paid_vnd == 15_000_000
    assert year.committed_vnd == 15_000_000 and year.remaining_vnd == 85_000_000
    assert_consistent(db, year)
    with pytest.raises(ReleaseNotAllowed), atomic():
        ledger.release_commitment(dossier, actor=finance, reason="Lần hai")
    with pytest.raises(ReversalNotAllowed, match="giải phóng cam kết"), atomic():
        ledger.reverse_payment(release, actor=finance, reason="Đảo giải phóng")


def test_released_budget_can_be_committed_again(db, year, finance):
    from grants.services import ledger

    first = new_dossier(db, year, amounts=(90_000_000,))
    approve(db, first, finance)
    second = new_dossier(db, year, amounts=(50_000_000,))
    with pytest.raises(BudgetExceeded):
        approve(db, second, finance)
    with atomic():
        ledger.release_commitment(first, actor=finance, reason="Rút quyết định")
    approve(db, second, finance)
    assert year.committed_vnd == 50_000_000
    approve(db, first, finance, total=40_000_000)  # a new decision for a smaller amount
    assert year.committed_vnd == 90_000_000
    assert_consistent(db, year)


def test_release_without_commitment_or_reason_is_refused(db, year, finance):
    from grants.services import ledger

    dossier = new_dossier(db, year)
    with pytest.raises(ReleaseNotAllowed), atomic():
        ledger.release_commitment(dossier, actor=finance, reason="Không có gì")
    approve(db, dossier, finance)
    with pytest.raises(InvalidInput), atomic():
        ledger.release_commitment(dossier, actor=finance, reason="")


def test_close_year_freezes_figures_and_blocks_every_entry(db, year, finance):
    from grants.models import AuditEvent
    from grants.queries import budget as budget_queries
    from grants.services import ledger

    paid = new_dossier(db, year, amounts=(20_000_000, 10_000_000))
    approve(db, paid, finance)
    payment = pay(paid, finance, 30_000_000)
    waiting = new_dossier(db, year, amounts=(10_000_000,), status="reviewed", outcome=None)
    with atomic():
        ledger.close_year(year, actor=finance)
    assert year.is_closed and not year.intake_open and year.closed_at is not None
    report = budget_queries.frozen_report(year)
    assert (report["budget_vnd"], report["committed_vnd"], report["disbursed_vnd"],
            report["remaining_vnd"], report["items_approved"]) == (
        100_000_000, 30_000_000, 30_000_000, 70_000_000, 2)
    assert report["dossiers_by_status"] == {"approved": 1, "reviewed": 1}
    today = local_today()
    assert {"year": today.year, "month": today.month, "committed_vnd": 30_000_000,
            "disbursed_vnd": 30_000_000} in report["by_month"]
    assert report["target_status"] == "short"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "year.close"))
    count = ledger_count(db)
    with pytest.raises(Conflict, match="đã khóa sổ"):
        approve(db, waiting, finance, total=10_000_000)
    with pytest.raises(Conflict, match="đã khóa sổ"), atomic():
        ledger.reverse_payment(payment, actor=finance, reason="Sau khóa sổ")
    with pytest.raises(Conflict, match="đã được khóa sổ"), atomic():
        ledger.close_year(year, actor=finance)
    assert ledger_count(db) == count


def test_close_year_refuses_inconsistent_counters(db, year, finance):
    from grants.services import ledger

    approve(db, new_dossier(db, year), finance)
    year.committed_vnd += 1  # a counter edited behind the ledger's back
    db.session.commit()
    problems = ledger.check_consistency(year)
    assert len(problems) == 1 and "khác sổ cái" in problems[0]
    with pytest.raises(Conflict, match="chưa khớp"), atomic():
        ledger.close_year(year, actor=finance)
    assert not year.is_closed


def test_consistency_names_a_dossier_whose_counter_drifted(db, year, finance):
    from grants.services import ledger

    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    dossier.approved_vnd -= 1
    db.session.commit()
    problems = ledger.check_consistency(year)
    assert any(dossier.code in p for p in problems)


def test_years_are_separate(db, make_year, finance):
    first = make_year(year=2025, budget_vnd=50_000_000)
    second = make_year(year=2026, budget_vnd=50_000_000)
    approve(db, new_dossier(db, first, amounts=(50_000_000,)), finance)
    approve(db, new_dossier(db, second, amounts=(50_000_000,)), finance)
    assert first.committed_vnd == second.committed_vnd == 50_000_000
    assert_consistent(db, first)
    assert_consistent(db, second)


def test_lock_year_refreshes_a_stale_identity_map_copy(db, year):
    from sqlalchemy import inspect, text
    from sqlalchemy.orm.attributes import set_committed_value

    from grants.services import ledger

    year_id = inspect(year).identity[0]  # without loading: SQLite would take the write lock
    with db.engine.begin() as conn:  # another connection moves the counter
        conn.execute(text("UPDATE program_years SET committed_vnd = 7 WHERE id = :id"),
                     {"id": year_id})
    set_committed_value(year, "committed_vnd", 0)  # the session's copy is stale
    with atomic():
        locked = ledger.lock_year(year_id)
        assert locked is year and locked.committed_vnd == 7


def test_breakdowns_are_grouped_in_sql(db, year, finance, make_org):
    from grants.queries import budget as budget_queries

    org_a = make_org(commune="Xã Tiên Du")
    org_b = make_org(commune="Xã Yên Phong")
    one = new_dossier(db, year, amounts=(20_000_000, 5_000_000), org=org_a)
    two = new_dossier(db, year, amounts=(30_000_000,), org=org_b)
    three = new_dossier(db, year, amounts=(10_000_000,), org=org_a)
    for d in (one, two, three):
        approve(db, d, finance)
    pay(two, finance, 12_000_000)
    items = {r.code: (r.items, r.approved_vnd) for r in budget_queries.by_catalogue_item(year)}
    assert items == {"ITEM0": (3, 60_000_000), "ITEM1": (1, 5_000_000)}
    communes = {r.commune: (r.dossiers, r.approved_vnd, r.paid_vnd)
                for r in budget_queries.by_commune(year)}
    assert communes == {"Xã Tiên Du": (2, 35_000_000, 0),
                        "Xã Yên Phong": (1, 30_000_000, 12_000_000)}
    flows = budget_queries.monthly_figures(year)
    assert len(flows) >= 12
    assert sum(f.committed_vnd for f in flows) == 65_000_000
    assert sum(f.disbursed_vnd for f in flows) == 12_000_000
    assert budget_queries.items_approved(year.id) == 4
    assert budget_queries.target_progress(year).label == "Chưa đạt"
    totals = budget_queries.unpaid_totals(year.id)
    assert totals == {"count": 3, "approved_vnd": 65_000_000, "paid_vnd": 12_000_000,
                      "payable_vnd": 53_000_000}
    assert budget_queries.unpaid_totals(year.id, org_b.tax_code)["count"] == 1
    assert budget_queries.unpaid_totals(year.id, "100%")["count"] == 0


def test_program_figures_by_number_and_missing_year(db, year, finance):
    from grants.domain.errors import NotFound
    from grants.queries import budget as budget_queries

    approve(db, new_dossier(db, year, amounts=(30_000_000,)), finance)
    assert budget_queries.program_figures(year.year) == {
        "budget_vnd": 100_000_000, "committed_vnd": 30_000_000, "disbursed_vnd": 0,
        "remaining_vnd": 70_000_000, "target_min": 16, "target_max": 50, "items_approved": 1}
    with pytest.raises(NotFound):
        budget_queries.program_figures(1999)


def test_payment_date_can_be_in_the_past(db, year, finance):
    dossier = new_dossier(db, year)
    approve(db, dossier, finance)
    entry = pay(dossier, finance, 1_000_000, paid_on=date(year.year, 1, 15))
    assert entry.entry_on == date(year.year, 1, 15)
