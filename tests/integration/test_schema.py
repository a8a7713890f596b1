"""Migrations build the schema and match the models; the database enforces the invariants."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import DBAPIError, IntegrityError

from grants.domain.roles import Role


def test_models_and_migrations_do_not_drift(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run flask db migrate: {diff}"


def _commit_raises(db, *rows, exc=IntegrityError):
    db.session.add_all(rows)
    with pytest.raises(exc):
        db.session.commit()
    db.session.rollback()


def test_tax_code_is_unique(db, make_org):
    from grants.models import Organisation

    make_org(tax_code="2300000001")
    _commit_raises(db, Organisation(name="Trùng", org_type="enterprise", tax_code="2300000001"))


def test_org_type_must_be_known(db):
    from grants.models import Organisation

    _commit_raises(db, Organisation(name="X", org_type="ngan_hang", tax_code="2300000002"))


def test_budget_cannot_be_negative(db):
    from grants.models import ProgramYear

    _commit_raises(db, ProgramYear(year=2030, budget_vnd=-1, committed_vnd=0, disbursed_vnd=0))


def test_committed_cannot_exceed_budget(db, make_year):
    year = make_year(budget_vnd=100)
    year.committed_vnd = 101
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_target_range_must_be_ordered(db):
    from grants.models import ProgramYear

    _commit_raises(db, ProgramYear(year=2031, budget_vnd=1, committed_vnd=0, disbursed_vnd=0,
                                   target_min=50, target_max=16))


def test_dossier_status_and_code(db, make_year, make_org):
    from grants.models import Dossier

    year, org = make_year(), make_org()
    db.session.add(Dossier(code="HS-1", organisation=org, program_year=year))
    db.session.commit()
    _commit_raises(db, Dossier(code="HS-1", organisation=org, program_year=year))
    _commit_raises(db, Dossier(code="HS-2", organisation=org, program_year=year,
                               status="bogus"))


def test_paid_cannot_exceed_approved(db, make_year, make_org):
    from grants.models import Dossier

    _commit_raises(db, Dossier(code="HS-3", organisation=make_org(), program_year=make_year(),
                               approved_vnd=10, paid_vnd=11))


def test_role_must_be_known(db, make_user):
    from grants.models import UserRole

    user = make_user(Role.CLERK)
    _commit_raises(db, UserRole(user_id=user.id, role="superuser"))


def test_rejected_decision_needs_reasons(db, make_year, make_org, make_user):
    from grants.models import Decision, Dossier

    leader = make_user(Role.LEADER)
    dossier = Dossier(code="HS-4", organisation=make_org(), program_year=make_year())
    db.session.add(dossier)
    db.session.commit()
    _commit_raises(db, Decision(dossier_id=dossier.id, outcome="rejected", authority="director",
                                total_vnd=0, decided_by_id=leader.id))


def test_ledger_amount_positive_and_reversal_shape(db, make_year, make_org, make_user):
    from grants.models import Dossier, LedgerEntry

    year, user = make_year(), make_user(Role.FINANCE)
    dossier = Dossier(code="HS-5", organisation=make_org(), program_year=year)
    db.session.add(dossier)
    db.session.commit()
    base = dict(program_year_id=year.id, dossier_id=dossier.id, created_by_id=user.id,
                entry_on=__import__("datetime").date(2026, 3, 5))
    _commit_raises(db, LedgerEntry(kind="disbursement", amount_vnd=0, **base))
    _commit_raises(db, LedgerEntry(kind="disbursement_reversal", amount_vnd=5, **base))


def test_audit_trail_is_append_only_in_the_database(db):
    from grants.models import AuditEvent

    event = AuditEvent(action="test", object_type="System")
    db.session.add(event)
    db.session.commit()
    event.note = "sửa"
    with pytest.raises(DBAPIError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(DBAPIError):
        db.session.commit()
    db.session.rollback()


def test_dossier_status_is_the_status_enum_however_it_was_set(db, make_year, make_org):
    from sqlalchemy import select

    from grants.domain.workflow_states import Status
    from grants.models import Dossier

    dossier = Dossier(code="HS-9", organisation=make_org(), program_year=make_year())
    db.session.add(dossier)
    db.session.flush()
    assert dossier.status is Status.DRAFT  # the default
    dossier.status = "submitted"
    assert dossier.status is Status.SUBMITTED  # assigned as its value
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status is Status.SUBMITTED  # loaded
    assert db.session.scalar(select(Dossier.status)) is Status.SUBMITTED
    assert db.session.scalar(select(Dossier.id).where(Dossier.status == "submitted")) \
        == db.session.scalar(select(Dossier.id).where(Dossier.status == Status.SUBMITTED))
