"""Issue 14 points 5 and 6 through the pages and the API: the bank account on the portal and the
finance pages (errors beside the field, the value typed shown again), the payment order PDF,
the rating on the portal and at the desk, the ratings in the processing report."""

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier
from tests.web import test_api


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def approved(db, world):
    from grants.services import ledger

    dossier = new_dossier(db, world["year"], amounts=(30_000_000,), org=world["org"])
    with atomic():
        ledger.commit_approval(dossier, actor=world[Role.LEADER], total_vnd=30_000_000)
    return dossier


@pytest.fixture
def returned(db, world):
    return new_dossier(db, world["year"], org=world["org"], status="returned")


# ---------------------------------------------------------------- bank account pages


def test_the_applicant_keeps_its_account_in_the_profile(client, login, db, world):
    login(world["applicant"])
    profile = client.get("/portal/profile").get_data(as_text=True)
    assert "Chưa có tài khoản ngân hàng" in profile and "/portal/profile/bank-account" in profile
    bad = client.post("/portal/profile/bank-account", data={
        "bank_account_no": "1903-4567-89", "bank_name": "VietinBank", "bank_branch": "Bắc Ninh"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "chỉ gồm chữ số" in page
    assert 'value="1903-4567-89"' in page and 'value="VietinBank"' in page
    assert world["org"].bank_account_no is None
    short = client.post("/portal/profile/bank-account", data={
        "bank_account_no": "", "bank_name": "", "bank_branch": ""})
    assert short.status_code == 422 and "Vui lòng nhập số tài khoản" in short.get_data(True)
    ok = client.post("/portal/profile/bank-account", data={
        "bank_account_no": "1903 4567 8901 23", "bank_name": "VietinBank",
        "bank_branch": "Chi nhánh Bắc Ninh"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/portal/profile")
    shown = client.get("/portal/profile").get_data(as_text=True)
    assert "1903 4567 8901 23" in shown and "Chi nhánh Bắc Ninh" in shown


def test_finance_sees_and_records_the_account_on_the_payment_page(client, login, db, world,
                                                                  approved):
    login(world[Role.FINANCE])
    page = client.get(f"/finance/dossiers/{approved.id}").get_data(as_text=True)
    assert "Chưa có tài khoản ngân hàng" in page
    url = f"/finance/dossiers/{approved.id}/bank-account"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"bank_account_no": "12345", "bank_name": "VCB"})
    assert bad.status_code == 422 and "đã nhập 5" in bad.get_data(as_text=True)
    ok = client.post(url, data={"bank_account_no": "0011001234567", "bank_name": "Vietcombank"})
    assert ok.status_code == 302
    page = client.get(f"/finance/dossiers/{approved.id}").get_data(as_text=True)
    assert "0011 0012 3456 7" in page and "Vietcombank" in page


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.APPLICANT])
def test_others_do_not_reach_the_finance_account_page(client, login_as, approved, role):
    login_as(role)
    assert client.get(f"/finance/dossiers/{approved.id}/bank-account").status_code == 403


def test_the_payment_order_is_printed_from_a_payment(client, login, db, world, approved):
    from grants.models import LedgerEntry
    from grants.services import ledger, organisations

    with atomic():
        organisations.record_bank_account(world["org"], actor=world["applicant"],
                                          number="19034567890123", bank="VietinBank")
    login(world[Role.FINANCE])
    client.post(f"/finance/dossiers/{approved.id}/payments", data={
        "paid_on": local_today().strftime("%d/%m/%Y"), "amount_vnd": "10.000.000",
        "voucher_no": "UNC-07", "method": "transfer", "bank_reference": "",
        "version": str(approved.version)})
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "disbursement"))
    assert entry.payee_account_no == "19034567890123"
    page = client.get(f"/finance/dossiers/{approved.id}").get_data(as_text=True)
    link = f"/finance/entries/{entry.id}/payment-order.pdf"
    assert link in page and "Giấy rút dự toán" in page
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    commitment = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "commitment"))
    refused = client.get(f"/finance/entries/{commitment.id}/payment-order.pdf")
    assert refused.status_code == 302
    assert "không phải một khoản chi" in client.get(refused.headers["Location"]).get_data(True)
    with atomic():
        ledger.reverse_payment(entry, actor=world[Role.FINANCE], reason="Nhầm số tiền")
    page = client.get(f"/finance/dossiers/{approved.id}").get_data(as_text=True)
    assert link not in page
    assert client.get(link).status_code == 302


# ---------------------------------------------------------------- ratings


def test_the_applicant_rates_a_returned_dossier_on_the_portal(client, login, db, world,
                                                              returned):
    from grants.models import ServiceRating

    login(world["applicant"])
    page = client.get(f"/portal/dossiers/{returned.id}").get_data(as_text=True)
    assert "Đánh giá mức độ hài lòng" in page and "Không hài lòng" in page
    url = f"/portal/dossiers/{returned.id}/rating"
    empty = client.post(url, data={})
    assert empty.status_code == 422 and "Vui lòng chọn mức độ hài lòng" in empty.get_data(True)
    no_reason = client.post(url, data={"level": "not_satisfied", "comment": ""})
    assert no_reason.status_code == 422
    assert "điều chưa hài lòng" in no_reason.get_data(as_text=True)
    assert count(db, ServiceRating) == 0
    ok = client.post(url, data={"level": "satisfied", "comment": "Cán bộ hướng dẫn tận tình"})
    assert ok.status_code == 302
    shown = client.get(f"/portal/dossiers/{returned.id}").get_data(as_text=True)
    assert "Hài lòng" in shown and "Cán bộ hướng dẫn tận tình" in shown
    again = client.post(url, data={"level": "acceptable"}, follow_redirects=True)
    assert "chỉ đánh giá một lần" in again.get_data(as_text=True)
    assert count(db, ServiceRating) == 1


def test_a_dossier_not_returned_is_refused_with_the_reason(client, login, db, world, approved):
    from grants.models import ServiceRating

    login(world["applicant"])
    answer = client.post(f"/portal/dossiers/{approved.id}/rating", data={"level": "satisfied"},
                         follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "Chỉ đánh giá được khi đã trả kết quả" in text and approved.status_label in text
    assert count(db, ServiceRating) == 0


def test_the_clerk_records_the_rating_at_the_desk(client, login, db, world, returned):
    login(world[Role.CLERK])
    show = client.get(f"/dossiers/{returned.id}").get_data(as_text=True)
    assert "Tổ chức chưa đánh giá" in show and f"/intake/{returned.id}/rating" in show
    url = f"/intake/{returned.id}/rating"
    assert client.get(url).status_code == 200
    assert client.post(url, data={}).status_code == 422
    ok = client.post(url, data={"level": "acceptable", "comment": "Thủ tục còn nhiều giấy tờ"})
    assert ok.status_code == 302
    show = client.get(f"/dossiers/{returned.id}").get_data(as_text=True)
    assert "Chấp nhận được" in show and "Tại Bộ phận một cửa" in show


def test_the_processing_report_shows_the_ratings(client, login, db, world):
    from grants.services import ratings

    for level, comment in (("satisfied", None), ("satisfied", None),
                           ("not_satisfied", "Trả kết quả chậm")):
        dossier = new_dossier(db, world["year"], org=world["org"], status="returned")
        with atomic():
            ratings.rate_service(dossier, actor=world[Role.CLERK], level=level, comment=comment)
    login(world[Role.LEADER])
    page = client.get("/reports/2026/processing").get_data(as_text=True)
    assert 'id="ratings-rated">3<' in page and "Trả kết quả chậm" in page
    assert "66,7 %" in page and "33,3 %" in page


# ---------------------------------------------------------------- API

token_for = test_api.token_for  # the fixture that issues a token


@pytest.fixture
def rest(client, token_for, world):
    return test_api.Api(client, token_for, world)


def test_bank_account_over_the_api(rest, world, make_user, db):
    org_id = world["org"].id
    status, body = rest.get(f"/organisations/{org_id}/bank-account", who="applicant")
    assert status == 200 and body["bank_account_no"] is None
    status, body = rest.post(f"/organisations/{org_id}/bank-account",
                            {"bank_account_no": "1903ABC", "bank_name": "VietinBank"},
                            who=Role.FINANCE)
    assert status == 422 and "bank_account_no" in body["error"]["fields"]
    status, body = rest.post(f"/organisations/{org_id}/bank-account",
                            {"bank_account_no": "12345", "bank_name": "VietinBank"},
                            who=Role.FINANCE)
    assert status == 422 and body["error"]["fields"] == {
        "bank_account_no": [body["error"]["message"]]}
    status, body = rest.post(f"/organisations/{org_id}/bank-account",
                            {"bank_account_no": "1903 4567 8901 23", "bank_name": "VietinBank"},
                            who=Role.FINANCE)
    assert status == 200 and body["bank_account_no"] == "19034567890123"
    status, _ = rest.get(f"/organisations/{org_id}/bank-account", who=Role.CLERK)
    assert status == 403
    status, _ = rest.post(f"/organisations/{org_id}/bank-account",
                         {"bank_account_no": "123456", "bank_name": "VCB"}, who=Role.CLERK)
    assert status == 403
    other = make_user(Role.APPLICANT)
    status, _ = rest.get(f"/organisations/{org_id}/bank-account", who=other)
    assert status == 404
    db.session.expire_all()
    assert world["org"].bank_account_no == "19034567890123"


def test_rating_over_the_api(rest, world, db, approved, returned):
    status, body = rest.post(f"/dossiers/{approved.id}/rating", {"level": "satisfied"},
                            who="applicant")
    assert status == 409 and body["error"]["code"] == "rating_not_allowed"
    assert approved.status_label in body["error"]["message"]
    status, body = rest.post(f"/dossiers/{returned.id}/rating", {"level": "great"},
                            who="applicant")
    assert status == 422 and "level" in body["error"]["fields"]
    status, body = rest.get(f"/dossiers/{returned.id}/rating", who="applicant")
    assert status == 200 and body == {"dossier_id": returned.id, "rating": None}
    status, body = rest.post(f"/dossiers/{returned.id}/rating", {"level": "satisfied"},
                            who=Role.FINANCE)
    assert status == 403
    status, body = rest.post(f"/dossiers/{returned.id}/rating",
                            {"level": "acceptable", "comment": "Ổn"}, who="applicant")
    assert status == 201 and body["channel"] == "portal" and body["level_label"] == "Chấp nhận được"
    assert body["rated_at"].endswith("+07:00")
    status, again = rest.post(f"/dossiers/{returned.id}/rating", {"level": "satisfied"},
                             who=Role.CLERK)
    assert status == 409
    status, body = rest.get(f"/dossiers/{returned.id}/rating", who=Role.CLERK)
    assert body["rating"]["comment"] == "Ổn"


def test_payment_order_over_the_api(rest, world, db, approved):
    from grants.models import LedgerEntry
    from grants.services import ledger

    with atomic():
        entry = ledger.record_payment(approved, actor=world[Role.FINANCE], amount_vnd=5_000_000,
                                      paid_on=local_today(), voucher_no="UNC-9",
                                      method="transfer")
    response = rest.client.get(f"/api/v1/payments/{entry.id}/payment-order",
                              headers=rest.headers(Role.CHIEF_ACCOUNTANT))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    status, body = rest.get(f"/payments/{entry.id}/payment-order", who=Role.CLERK)
    assert status == 403
    commitment = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "commitment"))
    status, body = rest.get(f"/payments/{commitment.id}/payment-order", who=Role.FINANCE)
    assert status == 404
    status, body = rest.get("/payments/2147483648/payment-order", who=Role.FINANCE)
    assert status == 404
