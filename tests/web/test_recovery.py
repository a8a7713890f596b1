"""Recovery pages (issue 14.4): the leadership decides a recovery from the dossier, the finance
officer records repayments on the payment page, the dossier, the applicant's dossier and its
organisation's profile show what is owed; bad input is refused beside the field, nothing
written."""

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier


def today() -> str:
    """Today in the app's time zone, read when the test runs (a run may pass local midnight)."""
    return local_today().strftime("%d/%m/%Y")
REASON = "Giấy chứng nhận ISO 9001 nộp kèm hồ sơ là giả mạo"


@pytest.fixture
def paid(db, make_year, make_user):
    """An approved dossier (30 M committed) of an applicant's organisation, 20 M paid."""
    from grants.services import ledger

    year = make_year(budget_vnd=100_000_000)
    applicant = make_user(Role.APPLICANT)
    dossier = new_dossier(db, year, amounts=(20_000_000, 10_000_000),
                          org=applicant.organisation, status="returned")
    with atomic():
        ledger.commit_approval(dossier, actor=make_user(Role.LEADER), total_vnd=30_000_000)
    with atomic():
        ledger.record_payment(dossier, actor=make_user(Role.FINANCE), amount_vnd=20_000_000,
                              paid_on=local_today(), voucher_no="PC-01", method="transfer")
    dossier.applicant = applicant
    return dossier


def written(db):
    from grants.models import AuditEvent, Document, LedgerEntry

    return tuple(db.session.scalar(select(func.count(m.id)))
                 for m in (LedgerEntry, AuditEvent, Document))


def recovery_form(paid, **overrides):
    return {"amount_vnd": "15.000.000", "reason": REASON, "version": paid.version,
            **overrides}


def repayment_form(**overrides):
    data = {"repay-paid_on": today(), "repay-amount_vnd": "5.000.000",
            "repay-voucher_no": "PT-01", "repay-method": "transfer"}
    return {**data, **{f"repay-{k}": v for k, v in overrides.items()}}


def test_the_leadership_decides_a_recovery_and_everyone_sees_it(client, db, paid, login,
                                                                 login_as):
    leader = login_as(Role.LEADER)
    page = client.get(f"/dossiers/{paid.id}").get_data(as_text=True)
    assert f"/decisions/{paid.id}/recovery" in page
    page = client.get(f"/decisions/{paid.id}/recovery").get_data(as_text=True)
    assert 'id="recoverable">20.000.000 đ' in page
    response = client.post(f"/decisions/{paid.id}/recovery", data=recovery_form(paid))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã quyết định thu hồi 15.000.000 đ" in page
    assert "Thu hồi kinh phí hỗ trợ" in page and REASON in page
    assert "Quyết định thu hồi kinh phí hỗ trợ số" in page  # the issued paper is listed
    from grants.models import AuditEvent

    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.recover"))
    assert audit.actor_id == leader.id and audit.note == REASON

    login(paid.applicant)
    page = client.get(f"/portal/dossiers/{paid.id}").get_data(as_text=True)
    assert "Thu hồi kinh phí hỗ trợ" in page and "15.000.000 đ" in page and REASON in page
    page = client.get("/portal/profile").get_data(as_text=True)
    assert "Kinh phí hỗ trợ bị thu hồi" in page and paid.code in page


def test_a_recovery_above_what_was_paid_is_refused_beside_the_amount(client, db, paid,
                                                                      login_as):
    login_as(Role.LEADER)
    before = written(db)
    response = client.post(f"/decisions/{paid.id}/recovery",
                           data=recovery_form(paid, amount_vnd="20.000.001"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "chỉ có thể thu hồi tối đa 20.000.000 đ" in page
    assert 'value="20.000.001"' in page and REASON in page  # what was typed stays
    assert written(db) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reason", "", "Vui lòng nêu lý do thu hồi."),
    ("amount_vnd", "", "Vui lòng nhập số tiền thu hồi."),
    ("amount_vnd", "0", "Số tiền phải lớn hơn 0."),
])
def test_bad_recovery_fields(client, db, paid, login_as, field, value, message):
    login_as(Role.LEADER)
    before = written(db)
    response = client.post(f"/decisions/{paid.id}/recovery",
                           data=recovery_form(paid, **{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert written(db) == before


def test_finance_records_repayments_against_the_receivable(client, db, paid, login_as,
                                                            make_user):
    from grants.services import ledger

    with atomic():
        ledger.record_recovery(paid, actor=make_user(Role.LEADER), amount_vnd=15_000_000,
                               reason=REASON)
    login_as(Role.FINANCE)
    page = client.get(f"/finance/dossiers/{paid.id}").get_data(as_text=True)
    assert 'id="owed">15.000.000 đ' in page
    assert "không chi trả thêm" in page and "Ghi khoản chi</button>" not in page
    before = written(db)
    response = client.post(f"/finance/dossiers/{paid.id}/repayments",
                           data=repayment_form(amount_vnd="15.000.001"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "vượt số còn phải thu hồi 15.000.000 đ" in page and 'value="15.000.001"' in page
    assert written(db) == before
    response = client.post(f"/finance/dossiers/{paid.id}/repayments", data=repayment_form())
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi khoản hoàn trả 5.000.000 đ" in page and 'id="owed">10.000.000 đ' in page
    assert "Hoàn trả kinh phí thu hồi" in page  # the ledger history names the entry


def test_a_repayment_without_a_voucher_is_refused_beside_the_field(client, db, paid, login_as,
                                                                    make_user):
    from grants.services import ledger

    with atomic():
        ledger.record_recovery(paid, actor=make_user(Role.LEADER), amount_vnd=1_000_000,
                               reason=REASON)
    login_as(Role.FINANCE)
    response = client.post(f"/finance/dossiers/{paid.id}/repayments",
                           data=repayment_form(voucher_no=""))
    assert response.status_code == 422
    assert "Vui lòng nhập thông tin này." in response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "url"), [
    (Role.FINANCE, "/decisions/{id}/recovery"),
    (Role.CHIEF_ACCOUNTANT, "/finance/dossiers/{id}/repayments"),
    (Role.LEADER, "/finance/dossiers/{id}/repayments"),
])
def test_others_may_not_recover_or_record_repayments(client, db, paid, login_as, role, url):
    login_as(role)
    before = written(db)
    assert client.post(url.format(id=paid.id), data=recovery_form(paid)).status_code == 403
    assert written(db) == before


def test_no_recovery_button_for_an_unpaid_dossier(client, db, make_year, make_user, login_as):
    from grants.services import ledger

    year = make_year(year=2032)
    dossier = new_dossier(db, year)
    with atomic():
        ledger.commit_approval(dossier, actor=make_user(Role.LEADER), total_vnd=30_000_000)
    login_as(Role.LEADER)
    assert f"/decisions/{dossier.id}/recovery" not in client.get(
        f"/dossiers/{dossier.id}").get_data(as_text=True)
    page = client.get(f"/decisions/{dossier.id}/recovery").get_data(as_text=True)
    assert "Không còn khoản đã chi nào có thể thu hồi." in page
