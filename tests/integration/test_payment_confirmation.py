"""Issue 13.2: payments need two people above the year's threshold. The finance officer records;
a second finance officer (never the recorder) or the chief accountant confirms; only then is a
ledger entry written. Below the threshold one person suffices."""

import json

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.budget import ConfirmationNotAllowed, PaymentExceedsApproved, ReleaseNotAllowed
from grants.domain.errors import Conflict
from grants.domain.roles import Role
from tests.integration.test_ledger import approve, new_dossier, pay

M = 1_000_000


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=800 * M, payment_threshold_vnd=100 * M)


@pytest.fixture
def people(make_user):
    return {"recorder": make_user(Role.FINANCE), "second": make_user(Role.FINANCE),
            "chief": make_user(Role.CHIEF_ACCOUNTANT), "leader": make_user(Role.LEADER)}


def _entries(db):
    from grants.models import LedgerEntry

    return db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "disbursement")
                              .order_by(LedgerEntry.id)).all()


def confirm(pending, actor):
    from grants.services import ledger

    with atomic():
        return ledger.confirm_payment(pending, actor=actor)


def test_below_the_threshold_one_person_pays(db, year, people):
    from grants.models import LedgerEntry

    dossier = new_dossier(db, year, amounts=(100 * M,))
    approve(db, dossier, people["recorder"])
    entry = pay(dossier, people["recorder"], 100 * M)  # exactly the threshold: not above it
    assert isinstance(entry, LedgerEntry) and dossier.paid_vnd == 100 * M


def test_above_the_threshold_nothing_is_paid_until_a_second_person_confirms(db, year, people):
    from grants.models import AuditEvent, PendingPayment
    from grants.queries import budget

    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    pending = pay(dossier, people["recorder"], 150 * M, voucher="PC-150")
    assert isinstance(pending, PendingPayment) and pending.status == "pending"
    assert _entries(db) == [] and dossier.paid_vnd == 0
    assert (budget.program_figures(year)["disbursed_vnd"],
            budget.pending_payments_total(year.id)) == (0, 150 * M)

    with pytest.raises(ConfirmationNotAllowed, match="không được tự xác nhận"):
        confirm(pending, people["recorder"])
    with pytest.raises(ConfirmationNotAllowed, match="kế toán trưởng"):
        confirm(pending, people["leader"])
    assert _entries(db) == []

    entry = confirm(pending, people["second"])
    assert (entry.amount_vnd, entry.voucher_no, entry.pending_payment_id) == \
        (150 * M, "PC-150", pending.id)
    assert entry.created_by_id == people["second"].id
    db.session.refresh(dossier)
    assert dossier.paid_vnd == 150 * M
    assert (budget.program_figures(year)["disbursed_vnd"],
            budget.pending_payments_total(year.id)) == (150 * M, 0)
    pay_audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.pay"))
    assert pay_audit.actor_id == people["second"].id  # the real actor: who confirmed
    assert json.loads(pay_audit.after_json)["recorded_by_id"] == people["recorder"].id
    with pytest.raises(ConfirmationNotAllowed, match="không còn chờ xác nhận"):
        confirm(pending, people["chief"])
    assert len(_entries(db)) == 1


def test_the_chief_accountant_confirms(db, year, people):
    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    entry = confirm(pay(dossier, people["recorder"], 120 * M), people["chief"])
    assert entry.created_by_id == people["chief"].id


def test_splitting_a_payment_does_not_avoid_the_second_person(db, year, people):
    """The threshold counts the dossier's total: 60 M + 60 M is 120 M paid to one dossier."""
    from grants.models import LedgerEntry, PendingPayment

    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    assert isinstance(pay(dossier, people["recorder"], 60 * M), LedgerEntry)
    assert isinstance(pay(dossier, people["recorder"], 60 * M), PendingPayment)


def test_reversing_and_paying_again_does_not_avoid_the_second_person(db, year, people):
    """A reviewer's finding: 100 M paid alone, reversed "as a mistake" (one person), then paid
    again alone would put 200 M out with nobody else involved. The threshold counts every
    payment made to the dossier, reversed or not."""
    from grants.models import LedgerEntry, PendingPayment
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    first = pay(dossier, people["recorder"], 100 * M, voucher="PC-1")
    assert isinstance(first, LedgerEntry)
    with atomic():
        ledger.reverse_payment(first, actor=people["recorder"], reason="Nhập nhầm")
    assert dossier.paid_vnd == 0
    again = pay(dossier, people["recorder"], 100 * M, voucher="PC-1")
    assert isinstance(again, PendingPayment) and dossier.paid_vnd == 0


def test_pending_is_held_against_the_approved_amount(db, year, people):
    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    pay(dossier, people["recorder"], 120 * M)
    with pytest.raises(PaymentExceedsApproved, match="30.000.000"):
        pay(dossier, people["recorder"], 40 * M)
    with pytest.raises(Exception, match="chờ xác nhận"):
        pay(dossier, people["recorder"], 10 * M, voucher=_voucher_of_pending(db))


def _voucher_of_pending(db):
    from grants.models import PendingPayment

    return db.session.scalar(select(PendingPayment.voucher_no))


def test_cancel_writes_nothing_to_the_ledger(db, year, people):
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    pending = pay(dossier, people["recorder"], 150 * M)
    with atomic():
        ledger.cancel_pending_payment(pending, actor=people["chief"], reason="Sai số tiền")
    assert pending.status == "cancelled" and _entries(db) == []
    with pytest.raises(ConfirmationNotAllowed):
        confirm(pending, people["second"])
    assert isinstance(pay(dossier, people["recorder"], 90 * M).id, int)  # room again


def test_release_and_close_wait_for_pending_payments(db, year, people):
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    pay(dossier, people["recorder"], 150 * M)
    with pytest.raises(ReleaseNotAllowed, match="chờ xác nhận"), atomic():
        ledger.release_commitment(dossier, actor=people["leader"], reason="Rút quyết định")
    with pytest.raises(Conflict, match="chờ xác nhận"), atomic():
        ledger.close_year(year, actor=people["recorder"])


def test_database_refuses_a_confirmation_by_the_recorder(db, year, people):
    from sqlalchemy.exc import IntegrityError

    dossier = new_dossier(db, year, amounts=(150 * M,))
    approve(db, dossier, people["recorder"])
    pending = pay(dossier, people["recorder"], 150 * M)
    recorded_at = pending.recorded_at
    with pytest.raises(IntegrityError):
        pending.status, pending.decided_by_id = "confirmed", people["recorder"].id
        pending.decided_at = recorded_at
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(type(pending))) == 1


def test_threshold_is_a_setting_of_the_year(db, people, make_year):
    from grants.services import admin

    year = make_year(budget_vnd=800 * M)
    assert year.payment_threshold_vnd == 100 * M  # the default
    admin.update_program_year(year, actor=people["leader"], budget_vnd=800 * M, target_min=16,
                              target_max=50, authority=year.authority,
                              signer_title=year.signer_title, signer_name=None,
                              plan_reference=None, intake_open=True,
                              payment_threshold_vnd=20 * M)
    db.session.commit()
    dossier = new_dossier(db, year, amounts=(30 * M,))
    approve(db, dossier, people["recorder"])
    assert pay(dossier, people["recorder"], 30 * M).__tablename__ == "pending_payments"
    assert local_today()
