"""Issue 14 points 5 and 6 through the services: the bank account (who may record it, audit,
nothing written on bad input), the account copied onto each payment and its payment order, the
rating at the return of the result (once, only when returned, portal or desk) and the year's
rating summary."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from grants.domain.ratings import RatingNotAllowed
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier

SETTINGS = {"PAYMENT_PAYER_NAME": "Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Bắc Ninh",
            "PAYMENT_PAYER_ACCOUNT": "9523.2.1234567", "PAYMENT_TREASURY": "KBNN Bắc Ninh",
            "PAYMENT_CHAPTER_CODE": "417"}


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_count(db, action):
    from grants.models import AuditEvent

    return count(db, AuditEvent, AuditEvent.action == action)


def record(org, actor, number="1903 4567 8901 23", bank="VietinBank", branch="Bắc Ninh"):
    from grants.services import organisations

    with atomic():
        return organisations.record_bank_account(org, actor=actor, number=number, bank=bank,
                                                 branch=branch)


# ---------------------------------------------------------------- bank account


def test_the_applicant_records_its_own_account_with_an_audit_row(db, world):
    org = record(world["org"], world["applicant"])
    assert (org.bank_account_no, org.bank_name, org.bank_branch) == (
        "19034567890123", "VietinBank", "Bắc Ninh")
    assert audit_count(db, "organisation.bank_account") == 1
    record(world["org"], world["applicant"])  # the same again: nothing changed, no row
    assert audit_count(db, "organisation.bank_account") == 1


@pytest.mark.parametrize("role", [Role.FINANCE, Role.CHIEF_ACCOUNTANT, Role.ADMIN])
def test_finance_and_the_admin_record_it_too(db, world, role):
    assert record(world["org"], world[role]).bank_account_no == "19034567890123"


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.APPRAISER, "other"])
def test_no_one_else_records_it(db, world, make_user, role):
    actor = make_user(Role.APPLICANT) if role == "other" else world[role]
    with pytest.raises(Forbidden):
        record(world["org"], actor)
    assert world["org"].bank_account_no is None
    assert audit_count(db, "organisation.bank_account") == 0


def test_a_bad_account_writes_nothing(db, world):
    record(world["org"], world["applicant"])
    with pytest.raises(InvalidInput) as refused:
        record(world["org"], world["applicant"], number="1903-4567")
    assert refused.value.field == "bank_account_no"
    db.session.expire_all()
    assert world["org"].bank_account_no == "19034567890123"
    assert audit_count(db, "organisation.bank_account") == 1


def test_a_number_without_a_bank_is_refused_by_the_database(db, make_org):
    from sqlalchemy.exc import IntegrityError

    org = make_org()
    org.bank_account_no = "123456"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# ---------------------------------------------------------------- payments and their order


@pytest.fixture
def approved(db, world):
    from grants.services import ledger

    dossier = new_dossier(db, world["year"], amounts=(30_000_000,), org=world["org"])
    with atomic():
        ledger.commit_approval(dossier, actor=world[Role.LEADER], total_vnd=30_000_000)
    return dossier


def pay(dossier, actor, amount=10_000_000, voucher="UNC-01", method="transfer"):
    from grants.services import ledger

    with atomic():
        return ledger.record_payment(dossier, actor=actor, amount_vnd=amount,
                                     paid_on=local_today(), voucher_no=voucher, method=method)


def order_text(entry, actor, settings=SETTINGS):
    from grants.services import payment_orders

    pdf = payment_orders.payment_order_pdf(entry, actor=actor, settings=settings)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().replace("\xa0", " ").split())


def test_a_payment_keeps_the_account_it_was_paid_to(db, world, approved):
    from grants.models import AuditEvent

    record(world["org"], world["applicant"])
    entry = pay(approved, world[Role.FINANCE])
    assert (entry.payee_account_no, entry.payee_bank, entry.payee_branch) == (
        "19034567890123", "VietinBank", "Bắc Ninh")
    after = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.pay"))
    assert '"payee_account_no": "19034567890123"' in after.after_json
    record(world["org"], world["applicant"], number="999999999", bank="Vietcombank")
    db.session.expire_all()
    assert entry.payee_account_no == "19034567890123"
    text = order_text(entry, world[Role.FINANCE])
    assert "1903 4567 8901 23" in text and "VietinBank - Bắc Ninh" in text
    assert "9999 9999 9" not in text
    assert "Số: UNC-01" in text and "10.000.000" in text and "Mười triệu đồng" in text
    assert approved.code in text and "Tài khoản: 9523.2.1234567" in text
    assert "Đơn vị nhận tiền: " + world["org"].name in text


def test_the_next_payment_goes_to_the_new_account(db, world, approved):
    record(world["org"], world["applicant"])
    pay(approved, world[Role.FINANCE])
    record(world["org"], world[Role.FINANCE], number="0011001234567", bank="Vietcombank",
           branch=None)
    second = pay(approved, world[Role.FINANCE], voucher="UNC-02")
    assert (second.payee_account_no, second.payee_bank) == ("0011001234567", "Vietcombank")


def test_a_payment_before_any_account_prints_blank_lines(db, world, approved):
    entry = pay(approved, world[Role.FINANCE], method="cash")
    assert entry.payee_account_no is None
    text = order_text(entry, world[Role.CHIEF_ACCOUNTANT], settings={})
    assert "Tại KBNN (NH): ....." in text and "Mã ĐVQHNS: ....." in text


def test_only_finance_prints_and_only_live_payments(db, world, approved):
    from grants.models import LedgerEntry
    from grants.services import ledger, payment_orders

    entry = pay(approved, world[Role.FINANCE])
    for role in (Role.CLERK, Role.LEADER, Role.ADMIN):
        with pytest.raises(Forbidden):
            payment_orders.payment_order_pdf(entry, actor=world[role], settings=SETTINGS)
    commitment = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "commitment"))
    with pytest.raises(NotFound):
        payment_orders.payment_order_pdf(commitment, actor=world[Role.FINANCE],
                                         settings=SETTINGS)
    with atomic():
        reversal = ledger.reverse_payment(entry, actor=world[Role.FINANCE], reason="Nhầm")
    with pytest.raises(Conflict, match="đã bị đảo"):
        payment_orders.payment_order_pdf(entry, actor=world[Role.FINANCE], settings=SETTINGS)
    with pytest.raises(NotFound):
        payment_orders.payment_order_pdf(reversal, actor=world[Role.FINANCE],
                                         settings=SETTINGS)


def test_the_order_names_the_support_decision_when_issued(db, world, approved):
    from grants.models import Document

    db.session.add(Document(dossier_id=approved.id, kind="support_decision", number=7,
                            year=2026, symbol="QĐ-SKHCN", issued_on=local_today(), pdf=b"%PDF-",
                            sha256="0" * 64, size_bytes=5, issued_by_id=world[Role.RECORDS].id))
    db.session.commit()
    text = order_text(pay(approved, world[Role.FINANCE]), world[Role.FINANCE])
    assert "Quyết định số 07/QĐ-SKHCN" in text


# ---------------------------------------------------------------- ratings


@pytest.fixture
def returned(db, world):
    return new_dossier(db, world["year"], org=world["org"], status="returned")


def rate(dossier, actor, level="satisfied", comment=None):
    from grants.services import ratings

    with atomic():
        return ratings.rate_service(dossier, actor=actor, level=level, comment=comment)


def test_the_applicant_rates_once_on_the_portal(db, world, returned):
    from grants.models import DomainEvent, ServiceRating

    rating = rate(returned, world["applicant"], "not_satisfied", "Phải chờ lâu ở quầy")
    assert (rating.level, rating.channel, rating.comment) == (
        "not_satisfied", "portal", "Phải chờ lâu ở quầy")
    assert audit_count(db, "dossier.rate") == 1
    assert count(db, DomainEvent, DomainEvent.kind == "dossier.rated") == 1
    with pytest.raises(RatingNotAllowed, match="một lần"):
        rate(returned, world[Role.CLERK])
    assert count(db, ServiceRating) == 1 and audit_count(db, "dossier.rate") == 1


def test_the_clerk_records_it_at_the_desk(db, world, returned):
    rating = rate(returned, world[Role.CLERK], "acceptable")
    assert rating.channel == "desk" and rating.recorded_by_id == world[Role.CLERK].id


@pytest.mark.parametrize("status", ["approved", "issued", "received"])
def test_a_dossier_not_returned_is_refused_with_its_state(db, world, status):
    from grants.models import ServiceRating

    dossier = new_dossier(db, world["year"], org=world["org"], status=status)
    with pytest.raises(RatingNotAllowed) as refused:
        rate(dossier, world["applicant"])
    assert dossier.status_label in refused.value.message
    assert count(db, ServiceRating) == 0 and audit_count(db, "dossier.rate") == 0


def test_who_may_rate(db, world, returned, make_user):
    with pytest.raises(NotFound):
        rate(returned, make_user(Role.APPLICANT))  # another organisation's applicant
    for role in (Role.FINANCE, Role.LEADER, Role.ADMIN):
        with pytest.raises(Forbidden):
            rate(returned, world[role])


def test_a_not_satisfied_rating_needs_a_comment_and_writes_nothing_without(db, world, returned):
    from grants.models import ServiceRating

    with pytest.raises(InvalidInput) as refused:
        rate(returned, world["applicant"], "not_satisfied", "  ")
    assert refused.value.field == "comment" and count(db, ServiceRating) == 0


def test_the_year_summary_counts_shares_and_lists_comments(db, world, make_org):
    from grants.queries.reports.ratings import rating_summary

    levels = ["satisfied", "satisfied", "acceptable", "not_satisfied"]
    for level in levels:
        dossier = new_dossier(db, world["year"], org=world["org"], status="returned")
        rate(dossier, world[Role.CLERK], level, "Cán bộ chậm" if level == "not_satisfied"
             else None)
    new_dossier(db, world["year"], org=world["org"], status="returned")  # not rated
    summary = rating_summary(world["year"])
    assert summary.rated == 4 and summary.returned == 5 and summary.not_rated == 1
    assert [(r.level.value, r.count, r.share_percent) for r in summary.levels] == [
        ("satisfied", 2, 50.0), ("acceptable", 1, 25.0), ("not_satisfied", 1, 25.0)]
    assert [c.comment for c in summary.comments] == ["Cán bộ chậm"]
    assert summary.comment_count == 1


def test_two_ratings_at_once_record_one(app, db, world, returned):
    """The applicant on the portal and the clerk at the desk rate at the same instant: one
    rating is written, the others are refused with the reason (the dossier lock on PostgreSQL,
    the write lock on SQLite; the unique index underneath)."""
    from grants.models import Dossier, ServiceRating, User
    from grants.services import ratings
    from tests.integration.test_budget_concurrency import outcome, run_together

    people = [world["applicant"].id, world[Role.CLERK].id] * 2
    dossier_id = returned.id
    db.session.commit()

    def rate_now(i):
        with atomic():
            return ratings.rate_service(db.session.get(Dossier, dossier_id),
                                        actor=db.session.get(User, people[i]), level="satisfied")

    results = run_together(app, rate_now, n=len(people))
    outcomes = sorted(outcome(r) for r in results)
    assert outcomes == ["RatingNotAllowed"] * (len(people) - 1) + ["ok"], outcomes
    assert count(db, ServiceRating) == 1 and audit_count(db, "dossier.rate") == 1
