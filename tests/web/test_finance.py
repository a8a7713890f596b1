"""Finance pages: the unpaid list, recording payments (two instalments, bad amounts, over the
approval), reversals, and the dashboard figures moving with each of them."""

import re

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier


def today() -> str:
    """Today in the app's time zone, read when the test runs (a run may pass local midnight)."""
    return local_today().strftime("%d/%m/%Y")


@pytest.fixture
def year(make_year):
    return make_year(budget_vnd=100_000_000)


@pytest.fixture
def approved(db, year, make_user):
    """An approved dossier with 30.000.000 đ committed."""
    from grants.services import ledger

    dossier = new_dossier(db, year, amounts=(20_000_000, 10_000_000))
    with atomic():
        ledger.commit_approval(dossier, actor=make_user(Role.LEADER), total_vnd=30_000_000)
    return dossier


def payment_form(**overrides):
    data = {"paid_on": today(), "amount_vnd": "10.000.000", "voucher_no": "PC-01",
            "method": "transfer", "bank_reference": ""}
    data.update(overrides)
    return data


def entries(db):
    from grants.models import LedgerEntry

    return db.session.scalar(select(func.count(LedgerEntry.id)))


def dashboard_figures(client, year=None):
    page = client.get("/budget/" + (f"?year={year}" if year else "")).get_data(as_text=True)
    figures = {}
    for key in ("budget-vnd", "committed-vnd", "disbursed-vnd", "remaining-vnd"):
        match = re.search(rf'id="{key}">([^<]+)<', page)
        figures[key] = match.group(1)
    return figures


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.ADMIN, Role.APPLICANT,
                                  Role.APPRAISER])
def test_only_finance_officers_enter(client, login_as, year, role):
    login_as(role)
    assert client.get("/finance/").status_code == 403


def test_anonymous_is_sent_to_login(client, year):
    response = client.get("/finance/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_unpaid_list_shows_approved_dossiers_of_the_year(client, login_as, db, year, approved):
    other = new_dossier(db, year, status="reviewed", outcome=None)
    login_as(Role.FINANCE)
    page = client.get("/finance/").get_data(as_text=True)
    assert approved.code in page and other.code not in page
    assert "30.000.000 đ" in page and "năm 2026" in page
    found = client.get("/finance/", query_string={"q": approved.organisation.tax_code})
    assert approved.code in found.get_data(as_text=True)
    missing = client.get("/finance/", query_string={"q": "không có"}).get_data(as_text=True)
    assert approved.code not in missing and "Không có hồ sơ" in missing


def test_unpaid_list_is_paginated(app, client, login_as, db, year, make_user):
    from grants.services import ledger

    leader = make_user(Role.LEADER)
    codes = []
    for _ in range(3):
        dossier = new_dossier(db, year, amounts=(5_000_000,))
        with atomic():
            ledger.commit_approval(dossier, actor=leader, total_vnd=5_000_000)
        codes.append(dossier.code)
    app.config["PER_PAGE"] = 2
    login_as(Role.FINANCE)
    first = client.get("/finance/").get_data(as_text=True)
    second = client.get("/finance/?page=2").get_data(as_text=True)
    assert "Trang 1/2" in first and "page=2" in first
    assert sum(c in first for c in codes) == 2 and sum(c in second for c in codes) == 1


def test_unknown_year_is_404_in_vietnamese(client, login_as, year):
    login_as(Role.FINANCE)
    for arg in ("1999", "abc", "99999999999"):
        response = client.get(f"/finance/?year={arg}")
        assert response.status_code == 404
        assert "Không có năm chương trình" in response.get_data(as_text=True)


def test_pay_in_two_instalments_reverse_one_and_dashboard_follows(client, login_as, db, year,
                                                                  approved):
    from grants.models import Dossier, LedgerEntry

    login_as(Role.FINANCE)
    assert dashboard_figures(client) == {
        "budget-vnd": "100.000.000 đ", "committed-vnd": "30.000.000 đ",
        "disbursed-vnd": "0 đ", "remaining-vnd": "70.000.000 đ"}
    page = client.get(f"/finance/dossiers/{approved.id}").get_data(as_text=True)
    assert "Ghi khoản chi" in page and today() in page and "Cam kết kinh phí" in page

    url = f"/finance/dossiers/{approved.id}/payments"
    first = client.post(url, data=payment_form(amount_vnd="12.000.000", voucher_no="PC-01",
                                               bank_reference="FT2601"))
    assert first.status_code == 302
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Đã ghi khoản chi 12.000.000 đ" in page and 'id="payable">18.000.000 đ' in page
    assert dashboard_figures(client)["disbursed-vnd"] == "12.000.000 đ"

    second = client.post(url, data=payment_form(amount_vnd="18000000", voucher_no="PC-02",
                                                method="cash"))
    assert second.status_code == 302
    dossier = db.session.get(Dossier, approved.id)
    db.session.refresh(dossier)
    assert dossier.paid_vnd == dossier.approved_vnd == 30_000_000
    page = client.get(f"/finance/dossiers/{approved.id}").get_data(as_text=True)
    assert "đã được chi đủ" in page and "Tiền mặt" in page and "FT2601" in page
    assert approved.code not in client.get("/finance/").get_data(as_text=True)
    assert dashboard_figures(client) == {
        "budget-vnd": "100.000.000 đ", "committed-vnd": "30.000.000 đ",
        "disbursed-vnd": "30.000.000 đ", "remaining-vnd": "70.000.000 đ"}

    mistaken = db.session.scalar(select(LedgerEntry).where(LedgerEntry.voucher_no == "PC-02"))
    form_page = client.get(f"/finance/entries/{mistaken.id}/reverse")
    assert form_page.status_code == 200 and "Lý do đảo bút toán" in form_page.get_data(as_text=True)
    reversed_ = client.post(f"/finance/entries/{mistaken.id}/reverse",
                            data={"reason": "Chi nhầm hình thức"})
    assert reversed_.status_code == 302
    page = client.get(reversed_.headers["Location"]).get_data(as_text=True)
    assert "Bút toán đảo chi trả" in page and f"Đảo bút toán <a href=\"#but-toan-{mistaken.id}\"" \
        in page and "Chi nhầm hình thức" in page and "Đã đảo bởi" in page
    assert 'id="payable">18.000.000 đ' in page
    assert approved.code in client.get("/finance/").get_data(as_text=True)
    assert dashboard_figures(client)["disbursed-vnd"] == "12.000.000 đ"
    assert dashboard_figures(client)["remaining-vnd"] == "70.000.000 đ"


@pytest.mark.parametrize(("amount", "message"), [
    ("-5.000.000", "không được âm"),
    ("1,5", "phần thập phân"),
    ("5000000.50", "phần thập phân"),
    ("5,000,000", "dấu chấm, không dùng dấu phẩy"),
    ("năm triệu", "không hợp lệ"),
    ("50.00.000", "không hợp lệ"),
    ("", "Vui lòng nhập số tiền"),
    ("0", "lớn hơn 0"),
])
def test_bad_amounts_are_refused_beside_the_field(client, login_as, db, approved, amount,
                                                  message):
    login_as(Role.FINANCE)
    before = entries(db)
    response = client.post(f"/finance/dossiers/{approved.id}/payments",
                           data=payment_form(amount_vnd=amount, voucher_no="PC-77"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert re.search(r'name="amount_vnd"[^>]*is-invalid|is-invalid[^>]*name="amount_vnd"', page)
    assert 'value="PC-77"' in page  # the rest of the input is kept
    assert entries(db) == before


def test_amount_over_the_approval_shows_what_can_still_be_paid(client, login_as, db, approved):
    login_as(Role.FINANCE)
    url = f"/finance/dossiers/{approved.id}/payments"
    assert client.post(url, data=payment_form(amount_vnd="25.000.000")).status_code == 302
    before = entries(db)
    response = client.post(url, data=payment_form(amount_vnd="5.000.001", voucher_no="PC-02"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "chỉ còn được chi 5.000.000 đ" in page and 'value="5.000.001"' in page
    assert entries(db) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("paid_on", "2026-03-15", "dd/mm/yyyy"),
    ("paid_on", "31/02/2026", "dd/mm/yyyy"),
    ("paid_on", "01/01/2999", "tương lai"),
    ("voucher_no", "", "Vui lòng nhập"),
    ("method", "cheque", "Hình thức chi không hợp lệ"),
])
def test_other_bad_fields(client, login_as, db, approved, field, value, message):
    login_as(Role.FINANCE)
    response = client.post(f"/finance/dossiers/{approved.id}/payments",
                           data=payment_form(**{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert entries(db) == 1


def test_stale_form_is_refused(client, login_as, db, approved):
    login_as(Role.FINANCE)
    url = f"/finance/dossiers/{approved.id}/payments"
    shown = str(approved.version)
    assert client.post(url, data=payment_form(version=shown)).status_code == 302
    again = client.post(url, data=payment_form(version=shown, voucher_no="PC-02"))
    assert again.status_code == 409
    assert "vừa được người khác cập nhật" in again.get_data(as_text=True)
    assert entries(db) == 2


def test_non_approved_dossier_has_no_payment_form_and_post_is_refused(client, login_as, db,
                                                                      year):
    dossier = new_dossier(db, year, status="reviewed", outcome=None)
    login_as(Role.FINANCE)
    page = client.get(f"/finance/dossiers/{dossier.id}").get_data(as_text=True)
    assert "chưa được phê duyệt" in page and "Ghi khoản chi</button>" not in page
    response = client.post(f"/finance/dossiers/{dossier.id}/payments", data=payment_form())
    assert response.status_code == 409
    assert "Chỉ chi trả cho hồ sơ đã được phê duyệt" in response.get_data(as_text=True)
    assert entries(db) == 0


def test_missing_dossier_or_entry_is_404(client, login_as, year):
    login_as(Role.FINANCE)
    assert client.get("/finance/dossiers/999").status_code == 404
    assert client.post("/finance/dossiers/999/payments", data=payment_form()).status_code == 404
    assert client.get("/finance/entries/999/reverse").status_code == 404


def test_reversal_rules_on_the_page(client, login_as, db, approved):
    from grants.models import LedgerEntry

    login_as(Role.FINANCE)
    client.post(f"/finance/dossiers/{approved.id}/payments", data=payment_form())
    payment = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "disbursement"))
    url = f"/finance/entries/{payment.id}/reverse"
    empty = client.post(url, data={"reason": "  "})
    assert empty.status_code == 422 and "Vui lòng nêu lý do" in empty.get_data(as_text=True)
    assert client.post(url, data={"reason": "Nhầm"}).status_code == 302
    twice = client.post(url, data={"reason": "Lần hai"})
    assert twice.status_code == 409 and "đã được đảo" in twice.get_data(as_text=True)
    reversal = db.session.scalar(select(LedgerEntry).where(LedgerEntry.reverses_id == payment.id))
    page = client.get(f"/finance/entries/{reversal.id}/reverse").get_data(as_text=True)
    assert "Ghi bút toán đảo</button>" not in page
    of_reversal = client.post(f"/finance/entries/{reversal.id}/reverse", data={"reason": "X"})
    assert of_reversal.status_code == 409
    assert "đã là bút toán đảo" in of_reversal.get_data(as_text=True)
    commitment = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "commitment"))
    assert client.post(f"/finance/entries/{commitment.id}/reverse",
                       data={"reason": "X"}).status_code == 409
    assert entries(db) == 3


def test_pages_have_no_inline_script_or_style(client, login_as, approved):
    login_as(Role.FINANCE)
    for url in ("/finance/", f"/finance/dossiers/{approved.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "style=" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_unpaid_list_finds_a_name_typed_without_diacritics(client, login_as, approved):
    from grants.domain.text import search_key

    login_as(Role.FINANCE)
    typed = search_key(approved.organisation.name).upper()
    assert typed != approved.organisation.name.upper()
    found = client.get("/finance/", query_string={"q": typed}).get_data(as_text=True)
    assert approved.code in found


# --- two people above the year's threshold (issue 13.2) ------------------------------------


def test_payment_above_the_threshold_waits_for_a_second_person(client, db, year, approved,
                                                              login, make_user):
    from grants.models import PendingPayment

    year.payment_threshold_vnd = 25_000_000
    db.session.commit()
    recorder, chief = make_user(Role.FINANCE), make_user(Role.CHIEF_ACCOUNTANT)
    login(recorder)
    response = client.post(f"/finance/dossiers/{approved.id}/payments",
                           data=payment_form(amount_vnd="30.000.000"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "đang chờ" in page and "Chờ người khác xác nhận" in page
    assert "Xác nhận chi" not in page  # the recorder is offered no confirm button
    assert entries(db) == 1  # only the commitment
    figures = client.get("/budget/").get_data(as_text=True)
    assert re.search(r'id="disbursed-vnd">0 đ<', figures)
    assert "30.000.000 đ" in figures.split('id="pending-vnd"')[1][:200]
    pending = db.session.scalar(select(PendingPayment))
    client.post(f"/finance/pending/{pending.id}/confirm", data={})
    assert entries(db) == 1  # the recorder's own confirmation is refused

    login(chief)
    assert client.post(f"/finance/dossiers/{approved.id}/payments",
                       data=payment_form(voucher_no="PC-02")).status_code == 403
    listed = client.get("/finance/pending").get_data(as_text=True)
    assert "Xác nhận chi" in listed and approved.code in listed
    response = client.post(f"/finance/pending/{pending.id}/confirm", data={"back": "list"},
                           follow_redirects=True)
    assert "Đã xác nhận khoản chi 30.000.000 đ" in response.get_data(as_text=True)
    assert entries(db) == 2
    assert dashboard_figures(client)["disbursed-vnd"] == "30.000.000 đ"


def test_the_payment_page_tells_paid_from_waiting_and_who_may_reverse(client, db, year,
                                                                      approved, login,
                                                                      make_user):
    year.payment_threshold_vnd = 25_000_000
    db.session.commit()
    recorder, chief = make_user(Role.FINANCE), make_user(Role.CHIEF_ACCOUNTANT)
    page_url = f"/finance/dossiers/{approved.id}"
    login(chief)  # nothing paid yet: the chief accountant is not told it is paid in full
    assert "đã được chi đủ" not in client.get(page_url).get_data(as_text=True)
    login(recorder)
    page = client.post(f"{page_url}/payments", data=payment_form(amount_vnd="30.000.000"),
                       follow_redirects=True).get_data(as_text=True)
    assert "đã được chi đủ" not in page  # it only waits
    assert "Phần còn được chi của hồ sơ đang chờ xác nhận" in page
    from grants.models import PendingPayment

    pending = db.session.scalar(select(PendingPayment))
    login(chief)
    client.post(f"/finance/pending/{pending.id}/confirm", data={})
    page = client.get(page_url).get_data(as_text=True)
    assert "Hồ sơ đã được chi đủ số tiền được duyệt." in page
    assert "/reverse" not in page  # the chief accountant never records nor reverses
    login(recorder)
    assert "/reverse" in client.get(page_url).get_data(as_text=True)


def test_cancel_a_pending_payment_needs_a_reason(client, db, year, approved, login, make_user):
    from grants.models import PendingPayment
    from grants.services import ledger

    year.payment_threshold_vnd = 0
    db.session.commit()
    recorder = make_user(Role.FINANCE)
    with atomic():
        ledger.record_payment(approved, actor=recorder, amount_vnd=5_000_000,
                              paid_on=local_today(), voucher_no="PC-9", method="cash")
    pending = db.session.scalar(select(PendingPayment))
    login(make_user(Role.FINANCE))
    assert client.post(f"/finance/pending/{pending.id}/cancel", data={"reason": ""}
                       ).status_code == 422
    assert client.post(f"/finance/pending/{pending.id}/cancel",
                       data={"reason": "Sai số chứng từ"}).status_code == 302
    db.session.refresh(pending)
    assert pending.status == "cancelled" and entries(db) == 1


def test_year_settings_edit_the_threshold(client, db, year, login_as):
    login_as(Role.ADMIN)
    page = client.get(f"/admin/years/{year.id}").get_data(as_text=True)
    assert "100.000.000" in page and "payment_threshold_vnd" in page
    response = client.post(f"/admin/years/{year.id}", data={
        "budget_vnd": "100.000.000", "target_min": "16", "target_max": "50",
        "authority": year.authority, "signer_title": "GIÁM ĐỐC", "intake_open": "y",
        "payment_threshold_vnd": "50.000.000"})
    assert response.status_code == 302
    db.session.refresh(year)
    assert year.payment_threshold_vnd == 50_000_000
