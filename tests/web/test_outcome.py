"""Issue 12, points 4 and 5: the maximum support of each item is shown from the draft on (to the
applicant, the desk, the appraiser and on the staff dossier page, and in the API), and the
organisation sees its outcome (in words and figures, with the payments) after the paper is
issued; the public lookup shows the outcome without the amount, and why a dossier has no due
date."""

import re

import pytest

from grants.api_schemas import SCHEMAS, validate
from grants.db import local_today
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import documents, ledger
from grants.services import dossiers as svc
from grants.services.dossiers import ItemInput
from tests.walk import act, draft, full_checklist, to_reviewed

OVER = [ItemInput("ISO9001", 120_000_000, 70_000_000, "Chứng chỉ số 123")]  # the issue's case
WARNING = "vượt mức hỗ trợ tối đa"


def text_of(response) -> str:
    """The visible text of a page, tags removed and whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def issued(db, world, items=OVER, *, approve=True):
    """A dossier decided (approved by default, else rejected) and its paper issued."""
    dossier = to_reviewed(db, world, draft(db, world, items))
    if approve:
        act(db, svc.approve, dossier, actor=world[Role.LEADER])
    else:
        act(db, svc.reject, dossier, actor=world[Role.LEADER],
            reasons=["Chưa áp dụng đủ 12 tháng"])
    act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    return dossier


def lookup(client, dossier):
    response = client.get("/tra-cuu/", query_string={"code": dossier.code,
                                                     "tax_code": dossier.organisation.tax_code})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", page[page.index('id="ket-qua"'):
                                                   page.index("</main>")]).split())


# ---------------------------------------------------------------- 4. the maximum support


def form_data(*rows, total=5):
    data = {"return_channel": "online", "note": ""}
    for index in range(total):
        code, cost, requested = rows[index] if index < len(rows) else ("", "", "")
        data.update({f"items-{index}-catalogue_code": code,
                     f"items-{index}-consulting_cost_vnd": cost,
                     f"items-{index}-requested_vnd": requested,
                     f"items-{index}-evidence": ""})
    return data


def test_applicant_form_carries_the_rules_and_the_script(client, world, login):
    login(world["applicant"])
    page = client.get("/portal/dossiers/new").get_data(as_text=True)
    rules = re.search(r"data-support-rules='([^']*)'", page)
    assert rules, "the form embeds the year's rules for the script"
    assert '"ISO9001": {"cap_vnd": 50000000, "share_percent": 50}' in rules.group(1)
    assert "/static/js/support_max.js" in page
    assert page.count("data-max-support") == 5  # one place per item row
    script = client.get("/static/js/support_max.js")
    assert script.status_code == 200
    script.close()


def test_applicant_sees_the_maximum_and_the_warning_after_saving(client, db, world, login):
    login(world["applicant"])
    response = client.post("/portal/dossiers/new", data=form_data(
        ("ISO9001", "120.000.000", "70.000.000"), ("5S", "40.000.000", "20.000.000")))
    assert response.status_code == 302  # a warning, not a refusal
    page = text_of(client.get(response.headers["Location"]))
    assert "Tối đa theo quy định" in page
    assert ("Số tiền đề nghị cho ISO9001 (70.000.000 đ) vượt mức hỗ trợ tối đa 50.000.000 đ "
            "(50% chi phí, không quá 50.000.000 đ)") in page
    assert "Số tiền đề nghị cho 5S" not in page  # 20 M is within 50 % of 40 M
    dossier_id = int(re.search(r"/portal/dossiers/(\d+)", response.headers["Location"]).group(1))
    edit = text_of(client.get(f"/portal/dossiers/{dossier_id}/edit"))
    assert "Mức hỗ trợ tối đa: 50.000.000 đ (50% × 120.000.000 đ, không quá 50.000.000 đ)" in edit
    assert "Mức hỗ trợ tối đa: 20.000.000 đ (50% × 40.000.000 đ" in edit
    assert edit.count(WARNING) == 1


def test_a_form_shown_again_keeps_the_maximum_beside_the_row(client, world, login):
    login(world["applicant"])
    response = client.post("/portal/dossiers/new", data=form_data(
        ("ISO9001", "120.000.000", "70.000.000"), ("5S", "", "1.000.000")))
    assert response.status_code == 422  # row 2 has no cost
    page = text_of(response)
    assert "Mức hỗ trợ tối đa: 50.000.000 đ" in page and WARNING in page


def test_desk_appraiser_and_staff_page_show_the_same_maximum(client, db, world, login):
    dossier = draft(db, world, OVER)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    login(world[Role.CLERK])
    expected = "ISO9001 : tối đa 50.000.000 đ (50% × 120.000.000 đ, không quá 50.000.000 đ)"
    check = text_of(client.get(f"/intake/{dossier.id}/check"))
    assert expected in check and "Đề nghị vượt mức tối đa" in check
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))
    act(db, svc.assign, dossier, actor=world[Role.HEAD], appraiser=world[Role.APPRAISER])
    login(world[Role.HEAD])
    show = text_of(client.get(f"/dossiers/{dossier.id}"))
    assert expected in show and "Đề nghị vượt mức tối đa" in show
    login(world[Role.APPRAISER])
    appraise = text_of(client.get(f"/appraisal/{dossier.id}/appraise"))
    assert expected in appraise and "Đề nghị vượt mức tối đa" in appraise


def test_api_returns_the_maximum_per_item(client, db, world, token_for):
    dossier = draft(db, world, OVER + [ItemInput("5S", 40_000_000, 20_000_000)])
    token = token_for(world[Role.CLERK])
    body = client.get(f"/api/v1/dossiers/{dossier.id}",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    items = {i["catalogue_code"]: i for i in body["items"]}
    assert items["ISO9001"]["max_support_vnd"] == 50_000_000
    assert items["ISO9001"]["above_max_support"] is True
    assert items["5S"]["max_support_vnd"] == 20_000_000
    assert items["5S"]["above_max_support"] is False
    assert body["result"]["outcome"] is None and body["result"]["text"] is None
    assert "max_support_vnd" in SCHEMAS["DossierItem"]["properties"]
    assert validate(body, "Dossier") is body


# ---------------------------------------------------------------- 5. the outcome


def test_applicant_sees_the_approved_outcome_and_payments(client, db, world, login):
    dossier = issued(db, world)
    act(db, ledger.record_payment, dossier, actor=world[Role.FINANCE], amount_vnd=20_000_000,
        paid_on=local_today(), voucher_no="PC-01", method="transfer")
    today = f"{local_today():%d/%m/%Y}"
    headline = f"Được hỗ trợ 50.000.000 đ – Quyết định số 01/QĐ-SKHCN ngày {today}"
    login(world["applicant"])
    listing = text_of(client.get("/portal/dossiers"))
    assert headline in listing and "Đã nhận 20.000.000 đ" in listing
    page = text_of(client.get(f"/portal/dossiers/{dossier.id}"))
    assert headline in page
    assert "Đã nhận 20.000.000 đ" in page and "Còn được nhận 30.000.000 đ" in page
    assert f"Ngày {today}: 20.000.000 đ (chứng từ PC-01)" in page


def test_applicant_sees_the_rejection(client, db, world, login):
    dossier = issued(db, world, approve=False)
    today = f"{local_today():%d/%m/%Y}"
    login(world["applicant"])
    for url in ("/portal/dossiers", f"/portal/dossiers/{dossier.id}"):
        page = text_of(client.get(url))
        assert f"Không được hỗ trợ – Văn bản số 01/SKHCN-TĐC ngày {today}" in page, url
        assert "Được hỗ trợ" not in page.replace("Không được hỗ trợ", ""), url


def test_lookup_shows_the_outcome_without_the_amount(client, db, world):
    approved = issued(db, world)
    rejected = issued(db, world, [ItemInput("5S", 40_000_000, 20_000_000)], approve=False)
    today = f"{local_today():%d/%m/%Y}"
    shown = lookup(client, approved)
    assert f"Kết quả Được hỗ trợ – Quyết định số 01/QĐ-SKHCN ngày {today}" in shown
    assert "50.000.000" not in shown and not re.search(r"\d đ", shown)
    assert (f"Kết quả Không được hỗ trợ – Văn bản số 01/SKHCN-TĐC ngày {today}"
            in lookup(client, rejected))


def test_lookup_says_why_a_resubmitted_dossier_has_no_due_date(client, db, world):
    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    act(db, svc.request_supplement, dossier, actor=world[Role.CLERK],
        items=[{"label": "Hoá đơn", "note": "Bản chụp rõ"}])
    waiting = lookup(client, dossier)
    assert "Tạm dừng tính thời hạn: chờ tổ chức bổ sung" in waiting
    act(db, svc.resubmit, dossier, actor=world[Role.CLERK], note="Đã bổ sung hoá đơn")
    resubmitted = lookup(client, dossier)
    assert "Hạn trả kết quả Chưa xác định: tổ chức đã nộp bổ sung, chờ Bộ phận một cửa tiếp " \
           "nhận" in resubmitted
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))
    db.session.refresh(dossier)
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None
    received = lookup(client, dossier)
    assert re.search(r"Hạn trả kết quả \d{2}/\d{2}/\d{4}", received), received


def test_api_dossier_carries_the_result(client, db, world, token_for):
    dossier = issued(db, world)
    act(db, ledger.record_payment, dossier, actor=world[Role.FINANCE], amount_vnd=20_000_000,
        paid_on=local_today(), voucher_no="PC-02", method="transfer")
    token = token_for(world["applicant"])
    body = client.get(f"/api/v1/dossiers/{dossier.id}",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    result = body["result"]
    assert result["outcome"] == "approved" and result["issued"] is True
    assert result["text"].startswith("Được hỗ trợ 50.000.000 đ – Quyết định số 01/QĐ-SKHCN")
    assert result["document_number"] == "01/QĐ-SKHCN"
    assert result["approved_vnd"] == 50_000_000 and result["paid_vnd"] == 20_000_000
    assert [p["amount_vnd"] for p in result["payments"]] == [20_000_000]
    assert set(result) <= set(SCHEMAS["DossierResult"]["properties"])
    assert validate(body, "Dossier") is body


@pytest.fixture
def token_for(db):
    from grants.services import accounts

    def issue(user):
        token = accounts.issue_api_token(user, label="test")
        db.session.commit()
        return token

    return issue
