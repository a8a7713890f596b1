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


@pytest.mark.parametrize("scenario", [concurrent_approvals, concurrent_payments,
                                      concurrent_reversals], ids=lambda f: f.__name__)
@pytest.mark.postgres
@postgres_only
def test_concurrency_on_postgres(app, db, make_year, make_user, scenario):
    assert db.engine.dialect.name == "postgresql"
    scenario(app, db, make_year, make_user)


@pytest.mark.parametrize("scenario", [concurrent_approvals, concurrent_payments],
                         ids=lambda f: f.__name__)
@sqlite_only
def test_concurrency_on_sqlite(app, db, make_year, make_user, scenario):
    assert db.engine.dialect.name == "sqlite"
    scenario(app, db, make_year, make_user)
