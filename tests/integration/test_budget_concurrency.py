"""The budget is a hard limit under concurrency: approvals, payments and reversals fired from
several threads at once (each with its own app context, session and connection) never commit
more than the budget, pay more than approved, or reverse one payment twice.

The PostgreSQL tests are the ones that matter (SELECT … FOR UPDATE); CI runs them with
GRANTS_TEST_DATABASE_URL set. On SQLite the same approval race runs against BEGIN IMMEDIATE.
"""

import os
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.budget import BudgetExceeded, PaymentExceedsApproved, ReversalNotAllowed
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier

PG_URL = os.environ.get("GRANTS_TEST_DATABASE_URL")
postgres_only = pytest.mark.skipif(not PG_URL, reason="concurrency on PostgreSQL (SELECT … "
                                   "FOR UPDATE): set GRANTS_TEST_DATABASE_URL to run it; CI runs "
                                   "it on PostgreSQL")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="the SQLite variant; PostgreSQL runs the "
                                 "postgres-marked tests")

THREADS = 8
BUDGET = 100_000_000
EACH = 30_000_000


def run_together(app, work, n=THREADS):
    """Run ``work(i)`` in ``n`` threads released at once; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def runner(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = work(i)
            except Exception as err:  # noqa: BLE001 - the outcome is what we assert on
                results[i] = err

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung (lock never released?)"
    return results


def outcome(result) -> str:
    return "ok" if not isinstance(result, Exception) else type(result).__name__


def setup_reviewed_dossiers(db, make_year, make_user, n=THREADS):
    year = make_year(budget_vnd=BUDGET)
    actor = make_user(Role.LEADER, Role.FINANCE)
    dossiers = [new_dossier(db, year, amounts=(20_000_000, 10_000_000), status="reviewed",
                            outcome=None) for _ in range(n)]
    ids = (year.id, actor.id, [d.id for d in dossiers])
    db.session.commit()  # no open transaction in this thread while the workers run
    return ids


def concurrent_approvals(app, db, make_year, make_user):
    from grants.models import Dossier, LedgerEntry, ProgramYear, User
    from grants.services import ledger

    year_id, actor_id, dossier_ids = setup_reviewed_dossiers(db, make_year, make_user)

    def approve(i):
        with atomic():
            dossier = db.session.get(Dossier, dossier_ids[i])
            actor = db.session.get(User, actor_id)
            # What the lifecycle's approve() does around the commitment, in one transaction.
            dossier.status, dossier.outcome = "approved", "approved"
            entry = ledger.commit_approval(dossier, actor=actor, total_vnd=EACH)
            return entry.id

    results = run_together(app, approve)
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 3, "BudgetExceeded": 5}, results
    refusals = [r for r in results if isinstance(r, BudgetExceeded)]
    assert all(r.remaining_vnd == BUDGET - 3 * EACH for r in refusals)
    assert all("10.000.000 đ" in str(r) for r in refusals)
    year = db.session.get(ProgramYear, year_id)
    db.session.refresh(year)
    assert year.committed_vnd == 3 * EACH <= year.budget_vnd
    assert ledger.check_consistency(year) == []
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 3
    approved = db.session.scalar(select(func.count(Dossier.id))
                                 .where(Dossier.status == "approved"))
    assert approved == 3  # the refused approvals rolled back their status change too


def concurrent_decisions(app, db, make_year, make_user):
    """The leader's approve() as the app runs it (item amounts, decision, transition, audit,
    events) from eight threads: each transaction writes its dossier row twice before the budget
    lock (the items' sums, then the change stamp), and the second write's foreign-key check
    takes a share lock on the year. Locked FOR UPDATE, the year row deadlocked; the budget
    still refuses the five that do not fit, and nothing else fails."""
    from grants.models import Decision, Dossier, DossierItem, ProgramYear, SupportRule, User
    from grants.services import dossiers as lifecycle
    from grants.services import ledger

    year_id, actor_id, dossier_ids = setup_reviewed_dossiers(db, make_year, make_user)
    items = db.session.scalars(select(DossierItem.catalogue_item_id).distinct()
                               .where(DossierItem.dossier_id.in_(dossier_ids))).all()
    db.session.add_all(SupportRule(program_year_id=year_id, catalogue_item_id=item,
                                   share_percent=50, cap_vnd=EACH) for item in items)
    db.session.commit()

    def decide(i):
        with atomic():
            dossier = db.session.get(Dossier, dossier_ids[i])
            amounts = {item.id: item.requested_vnd for item in dossier.items}
            return lifecycle.approve(dossier, actor=db.session.get(User, actor_id),
                                     amounts=amounts).id

    results = run_together(app, decide)
    assert Counter(outcome(r) for r in results) == {"ok": 3, "BudgetExceeded": 5}, results
    year = db.session.get(ProgramYear, year_id)
    db.session.refresh(year)
    assert year.committed_vnd == 3 * EACH
    assert ledger.check_consistency(year) == []
    assert db.session.scalar(select(func.count(Decision.id))) == 3
    assert db.session.scalar(select(func.count(Dossier.id))
                             .where(Dossier.status == "approved")) == 3


def concurrent_payments(app, db, make_year, make_user):
    from grants.models import Dossier, LedgerEntry, ProgramYear, User
    from grants.services import ledger

    year = make_year(budget_vnd=BUDGET)
    actor = make_user(Role.FINANCE)
    dossier = new_dossier(db, year, amounts=(EACH,))
    with atomic():
        ledger.commit_approval(dossier, actor=actor, total_vnd=EACH)
    year_id, actor_id, dossier_id = year.id, actor.id, dossier.id
    db.session.commit()

    def pay(i):
        with atomic():
            entry = ledger.record_payment(
                db.session.get(Dossier, dossier_id), actor=db.session.get(User, actor_id),
                amount_vnd=10_000_000, paid_on=local_today(), voucher_no=f"PC-{i}",
                method="transfer")
            return entry.id

    results = run_together(app, pay)
    assert Counter(outcome(r) for r in results) == {"ok": 3, "PaymentExceedsApproved": 5}, results
    assert all(r.payable_vnd == 0 for r in results if isinstance(r, PaymentExceedsApproved))
    dossier = db.session.get(Dossier, dossier_id)
    db.session.refresh(dossier)
    assert dossier.paid_vnd == dossier.approved_vnd == EACH
    year = db.session.get(ProgramYear, year_id)
    db.session.refresh(year)
    assert year.disbursed_vnd == EACH
    assert ledger.check_consistency(year) == []
    assert db.session.scalar(select(func.count(LedgerEntry.id))
                             .where(LedgerEntry.kind == "disbursement")) == 3


def concurrent_reversals(app, db, make_year, make_user):
    from grants.models import LedgerEntry, ProgramYear, User
    from grants.services import ledger

    year = make_year(budget_vnd=BUDGET)
    actor = make_user(Role.FINANCE)
    dossier = new_dossier(db, year, amounts=(EACH,))
    with atomic():
        ledger.commit_approval(dossier, actor=actor, total_vnd=EACH)
    with atomic():
        payment = ledger.record_payment(dossier, actor=actor, amount_vnd=EACH,
                                        paid_on=local_today(), voucher_no="PC-1",
                                        method="transfer")
    year_id, actor_id, payment_id = year.id, actor.id, payment.id
    db.session.commit()

    def reverse(i):
        with atomic():
            entry = ledger.reverse_payment(db.session.get(LedgerEntry, payment_id),
                                           actor=db.session.get(User, actor_id),
                                           reason=f"Đảo lần {i}")
            return entry.id

    results = run_together(app, reverse, n=4)
    assert Counter(outcome(r) for r in results) == {"ok": 1, "ReversalNotAllowed": 3}, results
    assert all(isinstance(r, int | ReversalNotAllowed) for r in results)
    year = db.session.get(ProgramYear, year_id)
    db.session.refresh(year)
    assert year.disbursed_vnd == 0
    assert ledger.check_consistency(year) == []


def concurrent_confirmations(app, db, make_year, make_user):
    """Issue 13.2: a payment above the threshold confirmed by four people at once (second
    finance officers and the chief accountant) is paid once: one ledger entry, the others told
    it is already confirmed."""
    from grants.domain.budget import ConfirmationNotAllowed
    from grants.models import LedgerEntry, PendingPayment, ProgramYear, User
    from grants.services import ledger

    year = make_year(budget_vnd=BUDGET, payment_threshold_vnd=10_000_000)
    recorder = make_user(Role.FINANCE)
    confirmers = [make_user(Role.FINANCE), make_user(Role.CHIEF_ACCOUNTANT),
                  make_user(Role.FINANCE), make_user(Role.CHIEF_ACCOUNTANT)]
    dossier = new_dossier(db, year, amounts=(EACH,))
    with atomic():
        ledger.commit_approval(dossier, actor=recorder, total_vnd=EACH)
    with atomic():
        pending = ledger.record_payment(dossier, actor=recorder, amount_vnd=EACH,
                                        paid_on=local_today(), voucher_no="PC-1",
                                        method="transfer")
    assert isinstance(pending, PendingPayment)
    year_id, pending_id = year.id, pending.id
    confirmer_ids = [u.id for u in confirmers]
    db.session.commit()

    def confirm(i):
        with atomic():
            entry = ledger.confirm_payment(db.session.get(PendingPayment, pending_id),
                                           actor=db.session.get(User, confirmer_ids[i]))
            return entry.id

    results = run_together(app, confirm, n=4)
    assert Counter(outcome(r) for r in results) == {"ok": 1, "ConfirmationNotAllowed": 3}, \
        results
    assert all(isinstance(r, int | ConfirmationNotAllowed) for r in results)
    entries = db.session.scalars(select(LedgerEntry).where(
        LedgerEntry.kind == "disbursement")).all()
    assert [(e.amount_vnd, e.pending_payment_id) for e in entries] == [(EACH, pending_id)]
    year = db.session.get(ProgramYear, year_id)
    db.session.refresh(year)
    assert year.disbursed_vnd == EACH
    assert ledger.check_consistency(year) == []


def concurrent_claim_decisions(app, db, make_year, make_user):
    """Two clerks decide the same organisation's claim at once (one verifies, one rejects) and
    two other clerks verify two claims on one tax code at once: each claim is decided once,
    never both ways, and at most one organisation per tax code is verified; the others are
    told why (409), nothing fails (a reviewer's finding: no lock, and a 500 from the unique
    index)."""
    from grants.domain.errors import Conflict
    from grants.models import Organisation, OrganisationClaim, User
    from grants.services import identity

    clerks = [make_user(Role.CLERK).id for _ in range(4)]
    claims = []
    for n, tax_code in enumerate(("0100109106", "0100109107", "0100109107")):
        org = Organisation(name=f"Công ty Đăng ký {n}", org_type="enterprise",
                           tax_code=tax_code, verification="pending")
        user = make_user(Role.APPLICANT, organisation=org)
        db.session.add(org)
        db.session.flush()
        claim = OrganisationClaim(user_id=user.id, organisation_id=org.id, tax_code=tax_code,
                                  status="pending", certificate_stored_name=f"gcn-{n}.pdf",
                                  certificate_original_name="gcn.pdf",
                                  certificate_content_type="application/pdf",
                                  certificate_size=1, certificate_sha256="0" * 64)
        db.session.add(claim)
        db.session.flush()
        claims.append(claim.id)
    db.session.commit()
    plan = [("verify", claims[0]), ("reject", claims[0]), ("verify", claims[1]),
            ("verify", claims[2])]

    def decide(i):
        how, claim_id = plan[i]
        with atomic():
            claim = db.session.get(OrganisationClaim, claim_id)
            actor = db.session.get(User, clerks[i])
            if how == "verify":
                return identity.verify_claim(claim, actor=actor).id
            return identity.reject_claim(claim, actor=actor, reason="Giấy chứng nhận giả")

    results = run_together(app, decide, n=4)
    assert all(not isinstance(r, Exception) or isinstance(r, Conflict) for r in results), \
        results
    assert sum(isinstance(r, Conflict) for r in results[:2]) == 1, results
    db.session.expire_all()
    first = db.session.get(OrganisationClaim, claims[0])
    assert first.status in ("verified", "rejected")
    assert first.organisation.verification == first.status
    verified = db.session.scalars(select(Organisation).where(
        Organisation.tax_code == "0100109107", Organisation.verification == "verified")).all()
    assert len(verified) == 1


@pytest.mark.parametrize("scenario", [concurrent_approvals, concurrent_decisions,
                                      concurrent_payments, concurrent_reversals,
                                      concurrent_confirmations, concurrent_claim_decisions],
                         ids=lambda f: f.__name__)
@pytest.mark.postgres
@postgres_only
def test_concurrency_on_postgres(app, db, make_year, make_user, scenario):
    assert db.engine.dialect.name == "postgresql"
    scenario(app, db, make_year, make_user)


@pytest.mark.parametrize("scenario", [concurrent_approvals, concurrent_decisions,
                                      concurrent_payments, concurrent_confirmations],
                         ids=lambda f: f.__name__)
@sqlite_only
def test_concurrency_on_sqlite(app, db, make_year, make_user, scenario):
    assert db.engine.dialect.name == "sqlite"
    scenario(app, db, make_year, make_user)



@postgres_only
@pytest.mark.postgres
def test_a_change_of_state_waiting_for_the_year_lock_does_not_deadlock_with_its_holder(
        app, db, make_year):
    """The interleaving of an approval and a payment: T1 has flushed a dossier's change of
    state and then waits for the year lock, which T2 holds while it changes the state of
    another dossier of the same commune and type. The report summaries moved by both flushes
    must not make a lock cycle (before they were written at commit, PostgreSQL found a deadlock
    and aborted one of the two)."""
    from grants.models import Dossier, Organisation
    from grants.services import summaries
    from grants.services.ledger import lock_year

    year = make_year(budget_vnd=BUDGET)
    org = Organisation(name="Công ty Khóa", org_type="enterprise", tax_code="2399999999",
                       commune="Phường Kinh Bắc")
    first, second = (new_dossier(db, year, org=org, status="received", outcome=None,
                                 approved=False) for _ in range(2))
    year_id, ids = year.id, (first.id, second.id)
    year_locked, first_flushed = threading.Event(), threading.Event()

    def approval(_):  # T1
        assert year_locked.wait(30)
        with atomic():
            db.session.get(Dossier, ids[0]).status = "assigned"
            db.session.flush()
            first_flushed.set()
            lock_year(year_id)  # waits for T2
        return "ok"

    def payment(_):  # T2
        with atomic():
            lock_year(year_id)
            year_locked.set()
            assert first_flushed.wait(30)
            db.session.get(Dossier, ids[1]).status = "assigned"
            db.session.flush()
        return "ok"

    results = run_together(app, lambda i: (approval, payment)[i](i), n=2)
    assert [outcome(r) for r in results] == ["ok", "ok"], results
    db.session.rollback()
    assert db.session.scalars(select(Dossier.status).where(Dossier.id.in_(ids))).all() \
        == ["assigned", "assigned"]
    assert summaries.check() == []
