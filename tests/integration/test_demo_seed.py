"""Bulk demo dossiers: every state, consistent money and dates, unique codes, safe to re-run."""

import json
import re
from collections import Counter as Tally

import pytest
from sqlalchemy import case, func, select

from grants.db import utcnow
from grants.domain.budget import EntryKind
from grants.domain.roles import Role
from grants.domain.workflow_states import DECIDED, Status

CODE = re.compile(r"HS-(\d{4})-(\d{5})")


@pytest.fixture
def base(db):
    from grants.demo import base

    assert base.seed_base()
    db.session.commit()
    return db


def _bulk(n, **kw):
    from grants.demo.bulk import bulk_dossiers

    return bulk_dossiers(n, **kw)


def _net(kind_plus, kind_minus):
    from grants.models import LedgerEntry

    return func.coalesce(func.sum(case(
        (LedgerEntry.kind == kind_plus.value, LedgerEntry.amount_vnd),
        (LedgerEntry.kind == kind_minus.value, -LedgerEntry.amount_vnd),
        else_=0)), 0)


def _check_invariants(db):
    from grants.models import (
        AuditEvent,
        Counter,
        Decision,
        Dossier,
        DossierItem,
        LedgerEntry,
        Organisation,
        ProgramYear,
        User,
        UserRole,
    )

    s = db.session
    committed = _net(EntryKind.COMMITMENT, EntryKind.COMMITMENT_RELEASE)
    disbursed = _net(EntryKind.DISBURSEMENT, EntryKind.DISBURSEMENT_REVERSAL)

    # Years: committed within budget, paid within committed, counters equal the ledger.
    ledger = {y: (c, d) for y, c, d in s.execute(
        select(LedgerEntry.program_year_id, committed, disbursed)
        .group_by(LedgerEntry.program_year_id))}
    for year in s.scalars(select(ProgramYear)):
        assert 0 <= year.disbursed_vnd <= year.committed_vnd <= year.budget_vnd, year.year
        assert ledger.get(year.id, (0, 0)) == (year.committed_vnd, year.disbursed_vnd), year.year

    # Dossiers: money per dossier matches its ledger rows, items and decision.
    per_dossier = {d: (c, p) for d, c, p in s.execute(
        select(LedgerEntry.dossier_id, committed, disbursed).group_by(LedgerEntry.dossier_id))}
    items = {}
    for dossier_id, item_id, cost, requested, approved in s.execute(
            select(DossierItem.dossier_id, DossierItem.catalogue_item_id,
                   DossierItem.consulting_cost_vnd, DossierItem.requested_vnd,
                   DossierItem.approved_vnd)):
        assert requested == min(cost // 2, 50_000_000)
        items.setdefault(dossier_id, []).append((item_id, approved))
    decisions = {d.dossier_id: d for d in s.scalars(select(Decision))}
    appraisers = set(s.scalars(select(UserRole.user_id)
                               .where(UserRole.role == Role.APPRAISER.value)))
    history = {}
    for dossier_id, to_status in s.execute(
            select(AuditEvent.dossier_id, AuditEvent.to_status)
            .where(AuditEvent.object_type == "Dossier").order_by(AuditEvent.at, AuditEvent.id)):
        history.setdefault(dossier_id, []).append(to_status)
    supported = Tally()
    now = utcnow()
    dossiers = s.scalars(select(Dossier)).all()
    for d in dossiers:
        status = Status(d.status)
        assert d.version >= 1  # 1 as generated; the app bumps it
        assert 0 <= d.paid_vnd <= d.approved_vnd
        assert per_dossier.get(d.id, (0, 0)) == (d.approved_vnd, d.paid_vnd), d.code
        lines = items[d.id]
        assert 1 <= len(lines) <= 3 and len({i for i, _ in lines}) == len(lines)
        assert history[d.id][-1] == d.status, d.code  # the trail ends in the current state
        assert history[d.id][0] == Status.DRAFT.value
        if status in DECIDED:
            decision = decisions[d.id]
            assert decision.outcome == d.outcome
            assert decision.total_vnd == d.approved_vnd
            assert d.decided_at is not None
        else:
            assert d.id not in decisions and d.outcome is None
        if d.outcome == "approved":
            assert d.approved_vnd > 0
            assert d.approved_vnd == sum(a for _, a in lines)
            supported.update((d.organisation_id, i) for i, _ in lines)
        else:
            assert d.approved_vnd == 0 and d.paid_vnd == 0
        if d.outcome == "rejected":
            reasons = json.loads(decisions[d.id].reasons_json)
            assert reasons and all(isinstance(r, str) and r for r in reasons)
        if status in {Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED} | DECIDED:
            assert d.assignee_id in appraisers
        if d.received_at is not None:
            assert d.submitted_at <= d.received_at <= d.clock_started_at < d.due_at
        for moment in (d.created_at, d.submitted_at, d.received_at, d.decided_at,
                       d.finished_at):
            assert moment is None or moment < now
    assert max(supported.values()) == 1  # never supported twice for the same item

    # Codes: unique, of the app's format, and the counters continue after them.
    codes = [d.code for d in dossiers]
    assert len(codes) == len(set(codes))
    top = {}
    for d in dossiers:
        match = CODE.fullmatch(d.code)
        assert match, d.code
        assert int(match[1]) == d.program_year.year
        top[int(match[1])] = max(top.get(int(match[1]), 0), int(match[2]))
    counters = {c.year: c.last_number for c in s.scalars(select(Counter)
                                                          .where(Counter.symbol == "HS"))}
    for year, number in top.items():
        assert counters[year] >= number
    # Every organisation has an applicant account.
    has_member = select(User.id).where(User.organisation_id == Organisation.id).exists()
    assert s.scalar(select(func.count(Organisation.id)).where(~has_member)) == 0
    return dossiers


GENERATED_STATES = {s.value for s in Status} - {Status.SUBMITTED_TO_COMMITTEE.value}
"""Every state but the People's Committee's (issue 14.3): the demo's open year is decided by the
Director, and its past Chairman's years are all finished."""


def test_bulk_seed_covers_every_state_and_keeps_the_invariants(base):
    from grants.models import Dossier, Organisation, ProgramYear

    count, seconds = _bulk(500, seed=7)
    assert count == 500 and seconds >= 0
    dossiers = _check_invariants(base)
    assert len(dossiers) == 500
    assert {d.version for d in dossiers} == {1}
    assert {d.status for d in dossiers} == GENERATED_STATES
    years = {d.program_year.year for d in dossiers}
    assert {2021, 2022, 2023, 2024, 2025} <= years
    assert base.session.scalar(select(func.count(ProgramYear.id))) >= 6
    # 30 demo organisations + 500 // 20 generated, all used.
    assert base.session.scalar(select(func.count(Organisation.id))) == 55
    used = base.session.scalar(select(func.count(func.distinct(Dossier.organisation_id))))
    assert used == 55
    assert {d.channel for d in dossiers} == {"online", "counter", "post"}


def test_due_dates_follow_the_working_day_calendar(base):
    from grants.db import to_local
    from grants.domain.deadlines import dossier_due
    from grants.models import Dossier
    from grants.queries.calendar import calendar_for
    from grants.services.clock import step_due

    _bulk(200, seed=11)
    received = base.session.scalars(select(Dossier).where(Dossier.received_at.is_not(None))
                                    .order_by(Dossier.id).limit(60)).all()
    assert received
    for d in received:
        calendar = calendar_for(d.program_year.year)
        start = to_local(d.clock_started_at)
        assert start == calendar.clock_start(to_local(d.received_at))
        assert to_local(d.due_at) == dossier_due(calendar, start, d.program_year.statutory_days)
        assert d.step_due_at == step_due(d, d.step_key)


def test_running_twice_adds_more_without_collisions(base):
    from grants.models import AuditEvent, Dossier
    from grants.services import audit, numbering

    _bulk(300, seed=43)
    base.session.commit()
    _bulk(300, seed=43)
    base.session.commit()
    dossiers = _check_invariants(base)
    assert len(dossiers) == 600
    # The app's own numbering and id sequences continue after the generated rows.
    code = numbering.dossier_code(2026)
    assert code not in {d.code for d in dossiers}
    template = dossiers[0]
    row = Dossier(code=code, organisation_id=template.organisation_id,
                  program_year_id=template.program_year_id, channel="online",
                  return_channel="online", status="draft", approved_vnd=0, paid_vnd=0)
    base.session.add(row)
    base.session.flush()
    event = audit.record("dossier.create", row, actor=None, dossier=row, to_status="draft")
    assert row.id > max(d.id for d in dossiers)
    assert event.id == base.session.scalar(select(func.max(AuditEvent.id)))
    base.session.commit()


def test_steps_are_the_setup_then_each_batch_and_small_runs_still_cover_every_state(base):
    from grants.demo.bulk import generate
    from grants.models import Dossier

    steps = list(generate(len(GENERATED_STATES), seed=1, batch_size=5))
    assert steps == [0, 5, 10, 15]  # setup, then batches of 5 (15 states)
    statuses = base.session.scalars(select(Dossier.status)).all()
    assert sorted(statuses) == sorted(GENERATED_STATES)
    _check_invariants(base)


def test_needs_the_base_demo_data(db):
    with pytest.raises(RuntimeError):
        _bulk(10)


def test_generated_dossiers_carry_on_in_the_app_services(base):
    from grants.db import local_today
    from grants.models import Dossier, Organisation, ProgramYear, User
    from grants.services import dossiers, ledger

    _bulk(300, seed=5)
    base.session.commit()
    s = base.session
    leader = s.scalar(select(User).where(User.email == "lanhdao@demo.vn"))
    finance = s.scalar(select(User).where(User.email == "ketoan@demo.vn"))
    applicant = s.scalar(select(User).where(User.email == "applicant@demo.vn"))

    reviewed = s.scalars(select(Dossier).where(Dossier.status == Status.REVIEWED.value)
                         .order_by(Dossier.id)).first()
    dossiers.reject(reviewed, actor=leader, reasons=["Hồ sơ chứng từ chi phí không hợp lệ."])

    payable = s.scalars(select(Dossier).where(Dossier.outcome == "approved",
                                              Dossier.paid_vnd < Dossier.approved_vnd)
                        .order_by(Dossier.id)).first()
    entry = ledger.record_payment(payable, actor=finance,
                                  amount_vnd=payable.approved_vnd - payable.paid_vnd,
                                  paid_on=local_today(), voucher_no="PC-KIEM-THU-1",
                                  method="transfer")
    ledger.reverse_payment(entry, actor=finance, reason="Kiểm thử đảo bút toán.")

    year = s.scalar(select(ProgramYear).where(ProgramYear.year == 2026))
    before = {d.code for d in s.scalars(select(Dossier))}
    draft = dossiers.create_draft(applicant.organisation, year, actor=applicant,
                                  items=[dossiers.ItemInput("ISO9001", 80_000_000, 40_000_000)])
    assert draft.code not in before
    assert int(draft.code.rsplit("-", 1)[1]) == len([c for c in before if "-2026-" in c]) + 1
    assert s.get(Organisation, applicant.organisation_id) is not None
    s.commit()
    _check_invariants(base)
