"""The forecast's inputs read from the database (grants.queries.forecast): pipeline grouped by
step and due date with proposed-else-requested amounts, the pace per year, a fixed number of
statements whatever the number of dossiers."""

import itertools
from datetime import date, datetime

import pytest
from sqlalchemy import event

from grants.db import atomic
from grants.domain.forecast import PipelineEntry, RateBasis
from grants.domain.roles import Role
from grants.domain.workflow_states import Status
from grants.queries.forecast import forecast_inputs, pace, year_forecast

M = 1_000_000
TODAY = date(2026, 6, 15)
_codes = itertools.count(1)


def add_dossier(db, year, status, amounts, *, proposed=None, due=None, received=None,
                outcome=None, approved_vnd=0):
    """A dossier of ``year`` in ``status`` with one item per requested amount (``proposed``:
    the proposed amounts, None where the appraisal proposed nothing)."""
    from grants.models import CatalogueItem, Dossier, DossierItem, Organisation

    n = next(_codes)
    org = Organisation(name=f"Công ty Dự báo {n}", org_type="enterprise", tax_code=f"27{n:08d}")
    dossier = Dossier(code=f"HS-F-{year.year}-{n:05d}", organisation=org, program_year=year,
                      status=status, outcome=outcome, due_at=due, received_at=received,
                      approved_vnd=approved_vnd)
    db.session.add(dossier)
    proposed = proposed or [None] * len(amounts)
    for i, (amount, offer) in enumerate(zip(amounts, proposed, strict=True)):
        code = f"FC{i}"
        item = db.session.query(CatalogueItem).filter_by(code=code).one_or_none()
        if item is None:
            item = CatalogueItem(code=code, name=f"Tiêu chuẩn dự báo {i}", kind="standard")
        dossier.items.append(DossierItem(catalogue_item=item, consulting_cost_vnd=2 * amount,
                                         requested_vnd=amount, proposed_vnd=offer))
    db.session.commit()
    return dossier


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=800_000_000, intake_open=False)


def test_pipeline_is_grouped_by_step_and_due_date_with_proposed_else_requested(db, year):
    due = datetime(2026, 7, 10, 10, 0)
    add_dossier(db, year, Status.APPRAISED, [30 * M, 20 * M], proposed=[25 * M, None], due=due)
    add_dossier(db, year, Status.APPRAISED, [10 * M], proposed=[8 * M], due=due)
    add_dossier(db, year, Status.RECEIVED, [40 * M], due=datetime(2026, 8, 3, 10, 0))
    add_dossier(db, year, Status.REVIEWED, [15 * M])
    for status in (Status.DRAFT, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED,
                   Status.APPROVED, Status.REJECTED, Status.WITHDRAWN):
        add_dossier(db, year, status, [99 * M], due=due)  # not in process: left out
    found = set(forecast_inputs(year, TODAY).pipeline)
    assert found == {
        PipelineEntry(Status.APPRAISED, 2, 3, 53 * M, date(2026, 7, 10)),
        PipelineEntry(Status.RECEIVED, 1, 1, 40 * M, date(2026, 8, 3)),
        PipelineEntry(Status.REVIEWED, 1, 1, 15 * M, None),
    }


def test_pace_counts_this_year_and_the_earlier_years_apart(db, year, make_year):
    earlier = make_year(year=2025)
    later = make_year(year=2027)
    received = datetime(2026, 2, 2, 2, 0)
    for _ in range(3):
        add_dossier(db, earlier, Status.RETURNED, [10 * M], outcome="approved", received=received,
                    approved_vnd=10 * M)
    add_dossier(db, earlier, Status.REJECTED, [10 * M], outcome="rejected", received=received)
    add_dossier(db, later, Status.APPROVED, [10 * M], outcome="approved", received=received,
                approved_vnd=10 * M)
    add_dossier(db, year, Status.APPROVED, [10 * M, 5 * M], outcome="approved",
                received=datetime(2026, 3, 2, 2, 0), approved_vnd=15 * M)
    add_dossier(db, year, Status.ISSUED, [10 * M], outcome="rejected", received=received)
    add_dossier(db, year, Status.WITHDRAWN, [10 * M], received=received)  # ended after receipt
    add_dossier(db, year, Status.WITHDRAWN, [10 * M])  # a withdrawn draft: never received
    add_dossier(db, year, Status.ASSIGNED, [20 * M], received=received)
    p = pace(year)
    assert (p.this_year.ended, p.this_year.approved) == (3, 1)
    assert (p.earlier_years.ended, p.earlier_years.approved) == (4, 3)
    assert (p.received, p.received_items, p.received_vnd) == (4, 5, 55 * M)
    assert p.intake_since == date(2026, 1, 1) and not p.intake_open
    assert p.processing_days == year.statutory_days
    assert p.approval_rate() == (pytest.approx(4 / 7), RateBasis.HISTORY)


def test_forecast_reads_the_ledger_and_projects_the_pipeline(db, year, make_user):
    from grants.services import ledger

    leader = make_user(Role.LEADER)
    approved = add_dossier(db, year, Status.APPROVED, [50 * M], outcome="approved",
                           received=datetime(2026, 3, 2, 2, 0))
    approved.items[0].approved_vnd = 50 * M
    db.session.commit()
    with atomic():
        ledger.commit_approval(approved, actor=leader, total_vnd=50 * M)
    add_dossier(db, year, Status.REVIEWED, [30 * M, 20 * M], proposed=[25 * M, 20 * M],
                due=datetime(2026, 6, 20, 10, 0))
    f = year_forecast(year, TODAY)
    assert (f.items_now, f.committed_now_vnd) == (1, 50 * M)
    assert (f.items, f.committed_vnd, f.remaining_vnd) == (3, 95 * M, 705 * M)
    assert f.months[0].label == "06/2026" and f.months[0].committed_vnd == 95 * M
    assert f.pipeline_dossiers == 1 and f.pipeline_items == 2


def test_statements_do_not_grow_with_the_dossiers(db, year):
    def statements_for_forecast():
        seen = []

        def count(_conn, _cursor, statement, *_args):
            if statement.startswith("SELECT"):
                seen.append(statement)

        db.session.refresh(year)  # the year itself is the caller's: loaded before counting
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            year_forecast(year, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen

    add_dossier(db, year, Status.RECEIVED, [10 * M], due=datetime(2026, 7, 1, 10, 0))
    few = len(statements_for_forecast())
    for day in range(1, 25):
        add_dossier(db, year, Status.ASSIGNED, [10 * M, 5 * M],
                    due=datetime(2026, 7, day, 10, 0), received=datetime(2026, 3, day, 2, 0))
    seen = statements_for_forecast()
    assert len(seen) == few <= 9, seen
