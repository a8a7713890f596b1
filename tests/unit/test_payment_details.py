"""Issue 14 points 5 and 6, the rules: a bank account's shape, when a service may be rated, and
the payment order paper (one A4 page, the Treasury form's parts, amounts in figures and words)."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from grants.domain.errors import InvalidInput
from grants.domain.payment_details import check_bank_account, group_account
from grants.domain.ratings import RatingLevel, RatingNotAllowed, check_rating
from grants.domain.workflow_states import Status
from grants.letters.payment_order import PaymentOrder, build_payment_order


def test_an_account_is_digits_typed_in_groups():
    account = check_bank_account(" 1903 4567\u00a08901 23 ", "  Ngân hàng   VietinBank ", "")
    assert account.number == "19034567890123"
    assert account.bank == "Ngân hàng VietinBank" and account.branch is None
    assert group_account(account.number) == "1903 4567 8901 23"


@pytest.mark.parametrize(("number", "bank", "field", "words"), [
    ("", "VietinBank", "bank_account_no", "nhập số tài khoản"),
    (None, "VietinBank", "bank_account_no", "nhập số tài khoản"),
    ("1903-4567-8901", "VietinBank", "bank_account_no", "chỉ gồm chữ số"),
    ("1903.4567.8901", "VietinBank", "bank_account_no", "chỉ gồm chữ số"),
    ("ABC123456", "VietinBank", "bank_account_no", "chỉ gồm chữ số"),
    ("١٢٣٤٥٦٧٨", "VietinBank", "bank_account_no", "chỉ gồm chữ số"),  # non-ASCII digits
    ("12345", "VietinBank", "bank_account_no", "từ 6 đến 19 chữ số (đã nhập 5)"),
    ("1" * 20, "VietinBank", "bank_account_no", "đã nhập 20"),
    ("123456", "", "bank_name", "tên ngân hàng"),
    ("123456", "A", "bank_name", "tên ngân hàng"),
    ("123456", "B" * 201, "bank_name", "Tối đa 200"),
])
def test_a_bad_account_is_refused_naming_the_field(number, bank, field, words):
    with pytest.raises(InvalidInput) as refused:
        check_bank_account(number, bank)
    assert refused.value.field == field and words in refused.value.message


def test_a_long_branch_is_refused():
    with pytest.raises(InvalidInput) as refused:
        check_bank_account("123456", "VietinBank", "C" * 201)
    assert refused.value.field == "bank_branch"


def test_six_and_nineteen_digits_are_accepted():
    assert check_bank_account("123456", "VCB").number == "123456"
    assert check_bank_account("1" * 19, "VCB").number == "1" * 19


@pytest.mark.parametrize("status", [s for s in Status if s != Status.RETURNED])
def test_a_dossier_not_returned_cannot_be_rated_and_the_reason_names_its_state(status):
    with pytest.raises(RatingNotAllowed) as refused:
        check_rating(status, already_rated=False, level="satisfied", comment=None)
    assert "đã trả kết quả" in refused.value.message and status.label in refused.value.message


def test_a_dossier_is_rated_once():
    with pytest.raises(RatingNotAllowed, match="một lần"):
        check_rating(Status.RETURNED, already_rated=True, level="satisfied", comment=None)


def test_rating_levels_and_comments():
    assert check_rating("returned", already_rated=False, level="acceptable",
                        comment="  ") == (RatingLevel.ACCEPTABLE, None)
    assert check_rating("returned", already_rated=False, level="not_satisfied",
                        comment=" Chờ lâu ") == (RatingLevel.NOT_SATISFIED, "Chờ lâu")
    for level, comment, field in (("excellent", None, "level"), (None, None, "level"),
                                  ("not_satisfied", "", "comment"),
                                  ("satisfied", "x" * 2001, "comment"),
                                  ("satisfied", 5, "comment")):
        with pytest.raises(InvalidInput) as refused:
            check_rating("returned", already_rated=False, level=level, comment=comment)
        assert refused.value.field == field


def _order(**overrides) -> PaymentOrder:
    values = dict(
        number="UNC-015", paid_on=date(2026, 3, 5), amount_vnd=30_000_000,
        content="Hỗ trợ áp dụng ISO 9001 theo Nghị quyết 43/2022/NQ-HĐND, hồ sơ HS-2026-00012",
        is_transfer=True, payer_name="Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Bắc Ninh",
        payer_account="9523.2.1234567", treasury="Kho bạc Nhà nước Bắc Ninh",
        budget_level_code="2", chapter_code="417", payee_name="Công ty TNHH Kinh Bắc",
        payee_tax_code="2300123456", payee_address="Phường Kinh Bắc, Bắc Ninh",
        payee_account_no="19034567890123", payee_bank="VietinBank",
        payee_branch="Chi nhánh Bắc Ninh", dossier_code="HS-2026-00012")
    values.update(overrides)
    return PaymentOrder(**values)


def _text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    return len(reader.pages), " ".join(text.split())


def test_the_payment_order_is_the_treasury_form_on_one_page():
    pages, text = _text(build_payment_order(_order()))
    assert pages == 1
    for expected in ("GIẤY RÚT DỰ TOÁN NGÂN SÁCH NHÀ NƯỚC", "Mẫu số C2-02a/NS",
                     "Số: UNC-015", "Đơn vị rút dự toán: Chi cục Tiêu chuẩn Đo lường",
                     "Tài khoản: 9523.2.1234567", "Tại KBNN: Kho bạc Nhà nước Bắc Ninh",
                     "Mã chương", "Mã NDKT", "30.000.000", "Ba mươi triệu đồng",
                     "Đơn vị nhận tiền: Công ty TNHH Kinh Bắc", "1903 4567 8901 23",
                     "VietinBank - Chi nhánh Bắc Ninh", "Kế toán trưởng", "Thủ trưởng đơn vị",
                     "Ngày 05 tháng 3 năm 2026", "BỘ PHẬN KIỂM SOÁT CỦA KBNN"):
        assert expected in text, expected


def test_a_long_content_and_missing_codes_still_fit_one_page():
    pages, text = _text(build_payment_order(_order(content="Nội dung rất dài " * 25,
                                                   payer_account="", treasury="",
                                                   payee_account_no="", payee_bank="",
                                                   payee_name="Công ty Rất Dài " * 20,
                                                   payee_address="Địa chỉ dài " * 45)))
    assert pages == 1 and "Tại KBNN: ....." in text


@pytest.mark.parametrize(("overrides", "error"), [
    ({"number": " "}, ValueError), ({"payee_name": ""}, ValueError),
    ({"content": ""}, ValueError), ({"amount_vnd": 0}, ValueError),
    ({"amount_vnd": 1.5}, ValueError),
])
def test_a_payment_order_needs_its_parts(overrides, error):
    with pytest.raises(error):
        build_payment_order(_order(**overrides))
    with pytest.raises(TypeError):
        build_payment_order({"number": "1"})
