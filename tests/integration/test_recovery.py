"""Recovery of undue support (thu hồi, issue 14.4): the recovery decision releases what was not
paid, records the receivable and issues its paper; repayments come off what was committed and
paid; every refusal writes nothing; the consistency check sees receivables that do not match."""

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.budget import (
    EntryKind,
    PaymentExceedsApproved,
    RecoveryExceedsPaid,
    RepaymentExceedsOwed,
    ReversalNotAllowed,
)
from grants.domain.enums import DocumentKind
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from tests.integration.test_ledger import approve, assert_consistent, new_dossier, pay

REASON = "Giấy chứng nhận ISO 9001 nộp kèm hồ sơ là giả mạo"


@pytest.fixture
def people(make_user):
    return {"leader": make_user(Role.LEADER), "finance": make_user(Role.FINANCE)}


@pytest.fixture
def paid(db, make_year, people):
    """A dossier approved for 50 M with 30 M paid."""
    year = make_year(budget_vnd=800_000_000, signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
                     signer_name="Vũ Đức Giang")
    dossier = new_dossier(db, year, amounts=(50_000_000,))
    approve(db, dossier, people["leader"])
    pay(dossier, people["finance"], 30_000_000)
    return dossier


def recover(dossier, actor, amount, reason=REASON):
    from grants.services import ledger

    with atomic():
        return ledger.record_recovery(dossier, actor=actor, amount_vnd=amount, reason=reason)


def repay(dossier, actor, amount, voucher="PT-01"):
    from grants.services import ledger

    with atomic():
        return ledger.record_repayment(dossier, actor=actor, amount_vnd=amount,
                                       paid_on=local_today(), voucher_no=voucher,
                                       method="transfer")


def counts(db):
    from grants.models import AuditEvent, Document, LedgerEntry

    return tuple(db.session.scalar(select(func.count(m.id)))
                 for m in (LedgerEntry, AuditEvent, Document))


def test_recovery_releases_the_unpaid_part_records_the_receivable_and_issues_the_decision(
        db, paid, people):
    from grants.models import AuditEvent, Document, LedgerEntry

    entry = recover(paid, people["leader"], 20_000_000)
    db.session.refresh(paid)
    year = paid.program_year
    db.session.refresh(year)
    assert entry.kind == EntryKind.RECOVERY and entry.reason == REASON
    # 20 M unpaid is released: no more money goes to support found undue.
    assert (paid.approved_vnd, paid.paid_vnd) == (30_000_000, 30_000_000)
    assert (year.committed_vnd, year.disbursed_vnd) == (30_000_000, 30_000_000)
    assert (paid.recovered_vnd, paid.repaid_vnd) == (20_000_000, 0)
    kinds = db.session.scalars(select(LedgerEntry.kind).where(LedgerEntry.dossier_id == paid.id)
                               .order_by(LedgerEntry.id)).all()
    assert kinds == ["commitment", "disbursement", "commitment_release", "recovery"]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.dossier_id == paid.id).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["ledger.release", "ledger.recover", "document.issue"]
    document = db.session.scalar(select(Document).where(
        Document.kind == DocumentKind.RECOVERY_DECISION.value))
    assert document.symbol == "QĐ-SKHCN" and document.number
    assert document.pdf.startswith(b"%PDF-")
    assert_consistent(db, year)


def test_repayments_come_off_committed_and_paid_until_nothing_is_owed(db, paid, people):
    from grants.models import AuditEvent

    recover(paid, people["leader"], 20_000_000)
    entry = repay(paid, people["finance"], 15_000_000)
    assert entry.kind == EntryKind.RECOVERY_REPAYMENT and entry.voucher_no == "PT-01"
    db.session.refresh(paid)
    year = paid.program_year
    db.session.refresh(year)
    assert (paid.approved_vnd, paid.paid_vnd) == (15_000_000, 15_000_000)
    assert (paid.recovered_vnd, paid.repaid_vnd) == (20_000_000, 15_000_000)
    assert (year.committed_vnd, year.disbursed_vnd) == (15_000_000, 15_000_000)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.repay"))
    assert audit.actor_id == people["finance"].id
    assert_consistent(db, year)
    with pytest.raises(RepaymentExceedsOwed, match="5.000.000"):
        repay(paid, people["finance"], 5_000_001, voucher="PT-02")
    repay(paid, people["finance"], 5_000_000, voucher="PT-02")
    db.session.refresh(paid)
    assert paid.recovered_vnd == paid.repaid_vnd == 20_000_000
    assert_consistent(db, paid.program_year)


def test_a_recovery_above_what_was_paid_is_refused_and_writes_nothing(db, paid, people):
    before = counts(db)
    with pytest.raises(RecoveryExceedsPaid, match="tối đa 30.000.000"):
        recover(paid, people["leader"], 30_000_001)
    assert counts(db) == before
    recover(paid, people["leader"], 10_000_000)
    # 30 M paid, 10 M already claimed: 20 M more at most.
    with pytest.raises(RecoveryExceedsPaid, match="tối đa 20.000.000"):
        recover(paid, people["leader"], 20_000_001)
    recover(paid, people["leader"], 20_000_000)
    db.session.refresh(paid)
    assert paid.recovered_vnd == 30_000_000


@pytest.mark.parametrize(("amount", "reason", "error"), [
    (0, REASON, InvalidInput), (-5, REASON, InvalidInput), (1_000_000, "  ", InvalidInput),
])
def test_bad_recovery_input_is_refused(db, paid, people, amount, reason, error):
    before = counts(db)
    with pytest.raises(error):
        recover(paid, people["leader"], amount, reason=reason)
    assert counts(db) == before


def test_only_the_leadership_recovers_and_only_finance_records_repayments(db, paid, people):
    with pytest.raises(Forbidden):
        recover(paid, people["finance"], 1_000_000)
    recover(paid, people["leader"], 1_000_000)
    with pytest.raises(Forbidden):
        repay(paid, people["leader"], 1_000_000)


def test_nothing_recovers_from_a_dossier_never_paid_or_not_approved(db, make_year, people):
    year = make_year(year=2031)
    unpaid = new_dossier(db, year)
    approve(db, unpaid, people["leader"])
    with pytest.raises(RecoveryExceedsPaid):
        recover(unpaid, people["leader"], 1)
    rejected = new_dossier(db, year, status="rejected", outcome="rejected", approved=False)
    with pytest.raises(Conflict):
        recover(rejected, people["leader"], 1)


def test_after_a_recovery_no_payment_and_no_reversal(db, paid, people):
    from grants.models import LedgerEntry

    payment = db.session.scalar(select(LedgerEntry).where(
        LedgerEntry.dossier_id == paid.id, LedgerEntry.kind == "disbursement"))
    recovery = recover(paid, people["leader"], 5_000_000)
    with pytest.raises((Conflict, PaymentExceedsApproved)):
        pay(paid, people["finance"], 1_000_000)
    from grants.services import ledger

    for entry in (payment, recovery):
        with pytest.raises(ReversalNotAllowed), atomic():
            ledger.reverse_payment(entry, actor=people["finance"], reason="Thử đảo")


def test_a_repayment_without_a_recovery_is_refused(db, paid, people):
    with pytest.raises(RepaymentExceedsOwed):
        repay(paid, people["finance"], 1)


def test_the_consistency_check_sees_a_receivable_that_does_not_match(db, paid, people):
    from grants.services import ledger

    recover(paid, people["leader"], 10_000_000)
    db.session.refresh(paid)
    paid.recovered_vnd = 12_000_000  # a counter moved without its ledger entry
    db.session.commit()
    problems = ledger.check_consistency(paid.program_year)
    assert any("thu hồi 12.000.000 đ" in p and "sổ cái ghi thu hồi 10.000.000 đ" in p
               for p in problems), problems


def test_a_closed_year_takes_no_recovery(db, paid, people):
    from grants.services import ledger

    with atomic():
        ledger.close_year(paid.program_year, actor=people["finance"])
    with pytest.raises(Conflict, match="khóa sổ"):
        recover(paid, people["leader"], 1_000_000)


def test_the_organisation_is_told_what_it_must_pay_back(db, world):
    from grants.models import Notification
    from grants.services import dossiers as svc
    from grants.services import ledger
    from tests.walk import act, draft, to_reviewed

    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    act(db, ledger.record_payment, dossier, actor=world[Role.FINANCE], amount_vnd=20_000_000,
        paid_on=local_today(), voucher_no="PC-1", method="transfer")
    act(db, ledger.record_recovery, dossier, actor=world[Role.LEADER], amount_vnd=20_000_000,
        reason=REASON)
    [notice] = db.session.scalars(select(Notification).where(
        Notification.user_id == world["applicant"].id,
        Notification.title.contains("thu hồi"))).all()
    assert dossier.code in notice.title
    assert "20.000.000 đ" in notice.body and "/QĐ-SKHCN" in notice.body
