"""Report summaries (issue 15.2): the rows the reports read equal the figures recomputed from
the source rows after every kind of change, and the check finds and repairs a difference.

Every test of the suite is also checked when it ends (tests/conftest.py); this module builds
the scenes the other tests do not: the demo data (services for the base, Core bulk inserts for
the generated dossiers), an organisation that changes commune and type, a year whose step
allotments change, an item removed, and two organisations merged.
"""

from fractions import Fraction

import pytest
from sqlalchemy import select, update

from grants.cli import check_summaries_command
from grants.queries import summaries as q
from grants.queries.reports.cache import clear_cache
from grants.queries.reports.demand import demand_summary
from grants.queries.reports.processing import processing_report
from grants.queries.reports.targets import target_report
from grants.queries.reports.year_over_year import year_over_year
from grants.services import summaries


def _reports(year):
    clear_cache()
    return (demand_summary(year, cache_seconds=0), target_report(year, cache_seconds=0),
            processing_report(year, page=None, cache_seconds=0).__dict__,
            year_over_year(cache_seconds=0))


@pytest.fixture
def demo(db):
    from grants.demo import base, bulk

    base.seed_base()
    db.session.commit()
    for _ in bulk.generate(400, seed=11, batch_size=150):
        db.session.commit()
    from grants.models import ProgramYear

    return db.session.scalar(select(ProgramYear).order_by(ProgramYear.year.desc()))


def test_demo_data_summaries_match_the_source_rows(db, demo):
    assert summaries.check() == []
    stored = q.stored().tables
    assert sum(v[0] for v in stored[q.SummaryDossiers].values()) == 400
    assert stored[q.SummarySteps] and stored[q.SummaryLedger]


def test_reports_are_the_same_when_rebuilt_from_the_source_rows(db, demo):
    from grants.models import ProgramYear

    for year in db.session.scalars(select(ProgramYear)):
        before = _reports(year)
        summaries.rebuild(db.session)
        assert _reports(year) == before


def test_moving_organisations_allotments_and_deleting_keep_the_summaries(db, demo):
    from grants.domain.workflow_states import Status
    from grants.models import Dossier, DossierItem, Organisation
    from grants.services import admin

    org = db.session.scalars(select(Organisation).join(Dossier, Dossier.organisation_id
                                                       == Organisation.id)).first()
    org.commune = "Xã Mới Lập"
    org.org_type = "cooperative" if org.org_type != "cooperative" else "enterprise"
    db.session.flush()
    assert summaries.check() == []

    year = demo
    steps = sorted(year.steps, key=lambda s: s.position)
    counted = sorted((s for s in steps if s.counted), key=lambda s: -s.allotment_days)
    allotments = {s.id: s.allotment_days for s in steps}
    # move half a day from the longest counted step to another: the totals stay valid
    allotments[counted[0].id] -= Fraction(1, 2)
    allotments[counted[1].id] += Fraction(1, 2)
    from grants.models import User

    actor = db.session.scalars(select(User)).first()
    assert admin.update_step_allotments(year, actor=actor, statutory_days=year.statutory_days,
                                        allotments=allotments)
    db.session.flush()
    assert summaries.check() == []

    item = db.session.scalars(select(DossierItem).join(Dossier).where(
        Dossier.status == Status.SUBMITTED.value)).first()
    db.session.delete(item)
    db.session.flush()
    assert summaries.check() == []


def test_organisations_merged_behind_the_orm_move_their_dossiers(db, demo):
    from grants.models import Dossier, Organisation

    source, target = db.session.scalars(
        select(Organisation).join(Dossier, Dossier.organisation_id == Organisation.id)
        .where(Organisation.commune.is_not(None)).distinct().order_by(Organisation.id)).all()[:2]
    target.commune, target.org_type = "Phường Hợp Nhất", "union"
    db.session.flush()
    ids = db.session.scalars(select(Dossier.id).where(Dossier.organisation_id == source.id))
    with summaries.moving_dossiers(db.session, ids):
        db.session.execute(update(Dossier).where(Dossier.organisation_id == source.id)
                           .values(organisation_id=target.id))
    assert summaries.check() == []


@pytest.mark.summaries_unchecked
def test_the_check_finds_a_difference_and_repairs_it(app, db, demo):
    from grants.models import Dossier

    db.session.execute(update(Dossier).where(Dossier.program_year_id == demo.id)
                       .values(items_requested_vnd=Dossier.items_requested_vnd + 1))
    db.session.commit()
    runner = app.test_cli_runner()
    found = runner.invoke(check_summaries_command, catch_exceptions=False)
    assert found.exit_code == 1 and "summary_dossiers" in found.output
    repaired = runner.invoke(check_summaries_command, ["--repair"], catch_exceptions=False)
    assert repaired.exit_code == 0 and "đã dựng lại" in repaired.output
    again = runner.invoke(check_summaries_command, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert summaries.check() == []


@pytest.mark.slow  # about a minute: random walks of dossiers through the real services
def test_summaries_hold_for_any_sequence_of_changes(app, db, world):
    """Random sequences of drafts, filing, appraisal, approvals, rejections, withdrawals,
    payments and organisation moves through the real services: after every step the summary
    rows equal the figures recomputed from the source rows."""
    import itertools

    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import (
        RuleBasedStateMachine,
        initialize,
        invariant,
        rule,
        run_state_machine_as_test,
    )

    from grants.db import atomic, local_now, local_today
    from grants.domain.errors import DomainError
    from grants.domain.roles import Role
    from grants.domain.workflow_states import Status
    from grants.services import dossiers as svc
    from grants.services import ledger
    from grants.services.dossiers import ItemInput
    from tests.walk import draft, to_assigned

    vouchers = itertools.count(1)
    codes = ["ISO9001", "5S", "KPI", "KAIZEN", "HACCP"]

    def attempt(fn, *args, **kw):
        try:
            with atomic():
                fn(*args, **kw)
        except DomainError:
            pass

    def in_state(dossiers, *states):
        return [d for d in dossiers if Status(d.status) in states]

    class SummaryMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.dossiers = []

        @rule(picks=st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True),
              cost=st.integers(min_value=1, max_value=90))
        def new_draft(self, picks, cost):
            items = [ItemInput(code, cost * 1_000_000, cost * 500_000) for code in picks]
            self.dossiers.append(draft(db, world, items=items))

        @rule(data=st.data())
        def file_and_assign(self, data):
            drafts = in_state(self.dossiers, Status.DRAFT)
            if drafts:
                to_assigned(db, world, data.draw(st.sampled_from(drafts)))

        @rule(data=st.data())
        def appraise_and_review(self, data):
            assigned = in_state(self.dossiers, Status.ASSIGNED)
            if not assigned:
                return
            d = data.draw(st.sampled_from(assigned))
            appraiser, head = world[Role.APPRAISER], world[Role.HEAD]
            attempt(svc.record_visit, d, actor=appraiser, visited_at=local_now(),
                    place="Trụ sở", team="Tổ thẩm định", findings="Đã áp dụng.")
            attempt(svc.appraise, d, actor=appraiser, documents_ok=True, documents_note=None,
                    eligible_costs={i.id: i.consulting_cost_vnd for i in d.items},
                    recommendation="support", reasons=[], conclusion=None)
            attempt(svc.review, d, actor=head)

        @rule(data=st.data(), approve=st.booleans())
        def decide(self, data, approve):
            reviewed = in_state(self.dossiers, Status.REVIEWED)
            if not reviewed:
                return
            d = data.draw(st.sampled_from(reviewed))
            if approve:
                attempt(svc.approve, d, actor=world[Role.LEADER])
            else:
                attempt(svc.reject, d, actor=world[Role.LEADER], reasons=["Chưa đạt"])

        @rule(data=st.data())
        def withdraw(self, data):
            open_ = in_state(self.dossiers, Status.DRAFT, Status.SUBMITTED, Status.RECEIVED,
                             Status.ASSIGNED)
            if open_:
                attempt(svc.withdraw, data.draw(st.sampled_from(open_)),
                        actor=world["applicant"], reason="Không tiếp tục")

        @rule(data=st.data(), millions=st.integers(min_value=1, max_value=30))
        def pay(self, data, millions):
            approved = in_state(self.dossiers, Status.APPROVED, Status.ISSUED)
            if approved:
                attempt(ledger.record_payment, data.draw(st.sampled_from(approved)),
                        actor=world[Role.FINANCE], amount_vnd=millions * 1_000_000,
                        paid_on=local_today(), voucher_no=f"PC-{next(vouchers)}",
                        method="transfer")

        @rule(commune=st.sampled_from(["Xã Tiên Du", "Phường Kinh Bắc", None]),
              org_type=st.sampled_from(["enterprise", "cooperative"]))
        def move_organisation(self, commune, org_type):
            with atomic():
                world["org"].commune, world["org"].org_type = commune, org_type

        @invariant()
        def summaries_match_the_source_rows(self):
            assert summaries.check() == []

    run_state_machine_as_test(SummaryMachine, settings=settings(
        max_examples=6, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))


def test_a_change_made_through_a_relationship_alone_keeps_the_summaries(db, demo):
    """A dossier moved to another organisation or year, or an item to another catalogue item,
    by setting the relationship (the foreign key is written by the flush) moves its figures."""
    from grants.models import CatalogueItem, Dossier, DossierItem, Organisation, ProgramYear

    dossier = db.session.scalars(select(Dossier).where(Dossier.program_year_id == demo.id)
                                 .order_by(Dossier.id)).first()
    other_org = db.session.scalars(select(Organisation).where(
        Organisation.id != dossier.organisation_id,
        Organisation.commune != dossier.organisation.commune)).first()
    dossier.organisation = other_org
    db.session.flush()
    assert summaries.check() == []

    other_year = db.session.scalars(select(ProgramYear).where(ProgramYear.id != demo.id)).first()
    dossier.program_year = other_year
    db.session.flush()
    assert summaries.check() == []

    item = db.session.scalars(select(DossierItem).where(DossierItem.dossier_id == dossier.id)
                              ).first()
    item.catalogue_item = db.session.scalars(select(CatalogueItem).where(
        CatalogueItem.id != item.catalogue_item_id)).first()
    db.session.flush()
    assert summaries.check() == []
