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
    assert repaired.exit_code == 1 and "đã dựng lại" in repaired.output
    again = runner.invoke(check_summaries_command, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert summaries.check() == []
