"""The API's recovery of undue support (issue 14.4): the leadership's recovery decision and the
finance officer's repayments, with the dossier's ``result.recovery``; refusals are 4xx with a
message and write nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants.db import atomic, local_today
from grants.domain.roles import Role
from tests.integration.test_ledger import new_dossier
from tests.web.test_api import Api, token_for  # noqa: F401 - the fixture

REASON = "Phát hiện hỗ trợ trùng: tổ chức đã được hỗ trợ ISO 9001 năm 2024"


@pytest.fixture
def api(client, token_for, world):  # noqa: F811
    return Api(client, token_for, world)


@pytest.fixture
def paid(db, world):
    """An approved dossier of the world's applicant: 30 M committed, 20 M paid."""
    from grants.services import ledger

    dossier = new_dossier(db, world["year"], amounts=(30_000_000,), org=world["org"],
                          status="returned")
    with atomic():
        ledger.commit_approval(dossier, actor=world[Role.LEADER], total_vnd=30_000_000)
    with atomic():
        ledger.record_payment(dossier, actor=world[Role.FINANCE], amount_vnd=20_000_000,
                              paid_on=local_today(), voucher_no="PC-01", method="transfer")
    return dossier


def written(db):
    from grants.models import AuditEvent, Document, LedgerEntry

    return tuple(db.session.scalar(select(func.count(m.id)))
                 for m in (LedgerEntry, AuditEvent, Document))


def test_recover_then_repay_through_the_api(api, db, paid):
    status, body = api.post(f"/dossiers/{paid.id}/recoveries",
                            {"amount_vnd": 12_000_000, "reason": REASON}, who=Role.LEADER)
    assert status == 201, body
    recovery = body["result"]["recovery"]
    assert recovery["recovered_vnd"] == recovery["owed_vnd"] == 12_000_000
    assert recovery["decisions"] == [{"decided_on": local_today().isoformat(),
                                      "amount_vnd": 12_000_000, "reason": REASON}]
    assert body["approved_vnd"] == body["paid_vnd"] == 20_000_000  # unpaid 10 M released
    assert "recovery_decision" in {d["kind"] for d in body["documents"]}
    status, body = api.post(f"/dossiers/{paid.id}/repayments",
                            {"amount_vnd": 2_000_000, "paid_on": local_today().isoformat(),
                             "voucher_no": "PT-01", "method": "transfer"}, who=Role.FINANCE)
    assert status == 201, body
    assert body["result"]["recovery"]["owed_vnd"] == 10_000_000
    assert body["paid_vnd"] == 18_000_000
    status, body = api.get(f"/dossiers/{paid.id}", who=Role.APPLICANT)
    assert status == 200 and body["result"]["recovery"]["owed_vnd"] == 10_000_000


@pytest.mark.parametrize(("who", "path", "body", "expect", "message"), [
    (Role.LEADER, "recoveries", {"amount_vnd": 20_000_001, "reason": REASON}, 422,
     "tối đa 20.000.000 đ"),
    (Role.LEADER, "recoveries", {"amount_vnd": 1_000_000, "reason": "  "}, 422, None),
    (Role.LEADER, "recoveries", {"amount_vnd": 0, "reason": REASON}, 422, None),
    (Role.LEADER, "recoveries", {"reason": REASON}, 422, None),
    (Role.FINANCE, "recoveries", {"amount_vnd": 1_000_000, "reason": REASON}, 403, None),
    (Role.APPLICANT, "recoveries", {"amount_vnd": 1_000_000, "reason": REASON}, 403, None),
    (Role.FINANCE, "repayments", {"amount_vnd": 1, "paid_on": "2026-01-05",
                                  "voucher_no": "PT-9", "method": "transfer"}, 422,
     "vượt số còn phải thu hồi 0 đ"),
    (Role.LEADER, "repayments", {"amount_vnd": 1, "paid_on": "2026-01-05",
                                 "voucher_no": "PT-9", "method": "transfer"}, 403, None),
    (Role.FINANCE, "repayments", {"amount_vnd": 1, "paid_on": "05/01/2026",
                                  "voucher_no": "PT-9", "method": "transfer"}, 422, None),
])
def test_refusals_are_4xx_with_a_message_and_write_nothing(api, db, paid, who, path, body,
                                                           expect, message):
    api.headers(who)  # the token is issued (and audited) first
    before = written(db)
    status, answer = api.post(f"/dossiers/{paid.id}/{path}", body, who=who)
    assert status == expect, answer
    assert answer["error"]["message"]
    if message:
        assert message in answer["error"]["message"]
    assert written(db) == before


def test_a_future_repayment_date_is_refused(api, db, paid, world):
    from grants.services import ledger

    with atomic():
        ledger.record_recovery(paid, actor=world[Role.LEADER], amount_vnd=1_000_000,
                               reason=REASON)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    status, answer = api.post(f"/dossiers/{paid.id}/repayments",
                              {"amount_vnd": 1, "paid_on": tomorrow, "voucher_no": "PT-9",
                               "method": "transfer"}, who=Role.FINANCE)
    assert status == 422 and "tương lai" in answer["error"]["message"]


def test_openapi_documents_the_recovery_routes(client):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/dossiers/{dossier_id}/recoveries", "/dossiers/{dossier_id}/repayments"):
        assert "post" in doc["paths"][path]
    assert "Recovery" in doc["components"]["schemas"]
