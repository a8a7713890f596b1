"""The office time of each step is stored with the change of state that ends it: by the flush
hook for events written through the ORM (services, imports, hand-made trails) and by the bulk
seeder for the rows it writes itself; both agree with grants.domain.office_time."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from grants.domain.office_time import office_days_between
from grants.domain.roles import Role
from grants.domain.workflow_states import Status


def _event(dossier, at, before, after, actor=None, action="dossier.test"):
    from grants.models import AuditEvent

    return AuditEvent(at=at, actor_id=getattr(actor, "id", None), action=action,
                      object_type="Dossier", object_id=dossier.id, dossier_id=dossier.id,
                      from_status=before, to_status=after)


def _expected_steps(events):
    """(id, step_days) recomputed from the trail: office time since the previous change."""
    previous, out = {}, []
    for e in sorted(events, key=lambda e: e.id):
        if e.to_status is None or e.from_status == e.to_status:
            out.append((e.id, None))
            continue
        last = previous.get(e.dossier_id)
        out.append((e.id, office_days_between(last, e.at) if last else None))
        previous[e.dossier_id] = e.at
    return out


def test_steps_are_chained_within_a_flush_and_across_flushes(db, make_year, make_org,
                                                             make_user):
    from grants.models import AuditEvent, Dossier

    year, org, clerk = make_year(year=2019), make_org(), make_user(Role.CLERK)
    dossier = Dossier(code="HS-2019-90001", organisation=org, program_year=year,
                      status="received", channel="counter", return_channel="counter")
    db.session.add(dossier)
    db.session.flush()
    monday = datetime(2019, 3, 4, 1, 0)  # 08:00 in Vietnam
    db.session.add_all([
        _event(dossier, monday, None, "draft", clerk),
        _event(dossier, monday + timedelta(hours=1), "draft", "submitted", clerk),
        _event(dossier, monday + timedelta(hours=2), "submitted", "submitted", clerk),  # no change
    ])
    db.session.commit()
    payment = _event(dossier, monday + timedelta(hours=3), None, None, clerk, "ledger.payment")
    db.session.add(payment)
    db.session.commit()
    db.session.add(_event(dossier, monday + timedelta(hours=5), "submitted", "received", clerk))
    db.session.commit()

    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
                                     .order_by(AuditEvent.id)))
    # 08:00 → 09:00 is one office hour; 09:00 → 13:00 three (lunch is not counted).
    assert [e.step_days for e in events] == [None, 0.125, None, None, 0.375]
    assert [(e.id, e.step_days) for e in events] == _expected_steps(events)
    assert {e.program_year_id for e in events} == {year.id}


def test_services_store_the_step_with_the_change(db):
    from grants.demo import base
    from grants.demo.bulk import bulk_dossiers
    from grants.models import AuditEvent, Dossier, User
    from grants.services import dossiers

    assert base.seed_base()
    bulk_dossiers(120, seed=11)
    db.session.commit()
    leader = db.session.scalar(select(User).where(User.email == "lanhdao@demo.vn"))
    reviewed = db.session.scalars(select(Dossier).where(Dossier.status == Status.REVIEWED.value)
                                  .order_by(Dossier.id)).first()
    dossiers.reject(reviewed, actor=leader, reasons=["Chi phí không hợp lệ."])
    db.session.commit()

    trail = list(db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id.is_not(None))
                                    .order_by(AuditEvent.id)))
    # The seeder's own rows and the service's new event follow the same rule.
    expected = dict(_expected_steps(trail))
    for event in trail:
        if expected[event.id] is None:
            assert event.step_days is None, event.id
        else:
            assert event.step_days == pytest.approx(expected[event.id], abs=1e-9), event.id
    years = dict(db.session.execute(select(Dossier.id, Dossier.program_year_id)).all())
    assert all(e.program_year_id == years[e.dossier_id] for e in trail)
    last = trail[-1]
    assert (last.dossier_id, last.from_status, last.to_status) == (
        reviewed.id, "reviewed", "rejected")
    assert last.step_days is not None
