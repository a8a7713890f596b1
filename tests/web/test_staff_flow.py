"""Staff pages through the test client: one-stop desk, head of division, appraiser, leadership,
records; every path (approved, rejected, supplement, refusal, rework), the buttons each role sees,
role gates, bad input kept on the form, stale pages, and the budget limit."""

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grants.db import local_now
from grants.domain.roles import Role
from grants.domain.workflow import Action, Status
from grants.queries import worklists
from grants.services import dossiers as svc
from tests.walk import act as _act
from tests.walk import draft as _draft
from tests.walk import full_checklist as _full_checklist
from tests.walk import to_reviewed as _to_reviewed


def text(response) -> str:
    return response.get_data(as_text=True)


def fresh(db, dossier):
    db.session.expire_all()
    return db.session.get(type(dossier), dossier.id)


def item_rows(*rows, total=5):
    data = {}
    for index in range(total):
        code, cost, requested = rows[index] if index < len(rows) else ("", "", "")
        data.update({f"items-{index}-catalogue_code": code,
                     f"items-{index}-consulting_cost_vnd": cost,
                     f"items-{index}-requested_vnd": requested,
                     f"items-{index}-evidence": "Giấy chứng nhận số 12/2025" if code else ""})
    return data


DEFAULT_ROWS = (("ISO9001", "120.000.000", "50.000.000"), ("5S", "40.000.000", "20.000.000"))


def web_take_in(client, db, w, rows=DEFAULT_ROWS, **extra):
    from grants.models import Dossier

    data = {"op": "create", "tax_code": w["org"].tax_code, "year": str(w["year"].id),
            "channel": "counter", "return_channel": "counter",
            "submitter_name": "Lê Văn Nộp", "submitter_phone": "0912345678",
            **item_rows(*rows), **extra}
    response = client.post("/intake/take-in", data=data)
    assert response.status_code == 302, text(response)[:3000]
    dossier_id = int(re.search(r"/intake/(\d+)/check", response.headers["Location"]).group(1))
    return db.session.get(Dossier, dossier_id)


def checklist_data(dossier, *, missing=(), kind="certified_copy", sighted_code="DON"):
    data = {}
    for line in dossier.program_year.checklist:
        if line.code in missing:
            data.update({f"copy_kind_{line.id}": "", f"note_{line.id}": "Chưa nộp"})
            continue
        data[f"present_{line.id}"] = "y"
        data[f"copy_kind_{line.id}"] = "original_sighted" if line.code == sighted_code else kind
        data[f"note_{line.id}"] = ""
    return data


def web_receive(client, db, dossier):
    response = client.post(f"/intake/{dossier.id}/check",
                           data={"op": "receive", "expected_version": dossier.version,
                                 **checklist_data(dossier)})
    assert response.status_code == 302, text(response)[:3000]
    return fresh(db, dossier)


def web_assign(client, db, dossier, appraiser):
    response = client.post(f"/review/{dossier.id}/assign",
                           data={"appraiser_id": str(appraiser.id),
                                 "expected_version": dossier.version})
    assert response.status_code == 302, text(response)[:3000]
    return fresh(db, dossier)


def visit_time() -> datetime:
    """A visit time the rules accept for a dossier received today: now, to the minute."""
    return local_now().replace(second=0, microsecond=0)


def web_visit(client, db, dossier, when=None):
    response = client.post(f"/appraisal/{dossier.id}/visit", data={
        "expected_version": dossier.version,
        "visited_at": (when or visit_time()).strftime("%d/%m/%Y %H:%M"),
        "place": "Nhà máy số 2, KCN Quế Võ", "team": "Phạm Thị Dung - Chuyên viên\n"
        "Hoàng Văn Em - Chuyên viên", "org_representatives": "Nguyễn Văn An - Giám đốc",
        "findings": "Tổ chức đã áp dụng và duy trì hiệu quả hệ thống quản lý."})
    assert response.status_code == 302, text(response)[:3000]
    return fresh(db, dossier)


def appraise_data(dossier, *, recommendation="support", eligible=None, **extra):
    data = {"expected_version": dossier.version, "documents_ok": "y",
            "documents_note": "Chứng từ hợp lệ", "recommendation": recommendation,
            "conclusion": "Đủ điều kiện hỗ trợ" if recommendation == "support" else "Không đủ",
            "op": "appraise"}
    for item in dossier.items:
        value = (eligible or {}).get(item.catalogue_item.code)
        data[f"eligible_{item.id}"] = value if value is not None else str(
            item.consulting_cost_vnd)
    data.update(extra)
    return data


def web_appraise(client, db, dossier, **kw):
    response = client.post(f"/appraisal/{dossier.id}/appraise", data=appraise_data(dossier, **kw))
    assert response.status_code == 302, text(response)[:3000]
    return fresh(db, dossier)


def web_review(client, db, dossier):
    response = client.post(f"/review/{dossier.id}/submit",
                           data={"expected_version": dossier.version, "note": "Đồng ý trình"})
    assert response.status_code == 302, text(response)[:3000]
    return fresh(db, dossier)


def to_appraised(client, db, login, w, recommendation="support", **kw):
    login(w[Role.CLERK])
    dossier = web_receive(client, db, web_take_in(client, db, w))
    login(w[Role.HEAD])
    dossier = web_assign(client, db, dossier, w[Role.APPRAISER])
    login(w[Role.APPRAISER])
    dossier = web_visit(client, db, dossier)
    return web_appraise(client, db, dossier, recommendation=recommendation, **kw)


# ------------------------------------------------------------------ full walks


def test_approved_dossier_walks_every_staff_page(client, db, login, world):
    from grants.models import ChecklistResult, SiteVisit

    w = world
    login(w[Role.CLERK])
    queue = client.get("/intake/")
    assert queue.status_code == 200 and "Nhận hồ sơ giấy" in text(queue)
    page = client.get("/intake/take-in")
    assert page.status_code == 200 and "Mã số thuế của tổ chức" in text(page)
    lookup = client.post("/intake/take-in", data={"op": "lookup", "tax_code": w["org"].tax_code})
    assert w["org"].name in text(lookup)

    dossier = web_take_in(client, db, w)
    assert dossier.status == Status.SUBMITTED and dossier.channel == "counter"
    assert [i.requested_vnd for i in dossier.items] == [50_000_000, 20_000_000]
    assert dossier.code in text(client.get("/intake/"))
    check = client.get(f"/intake/{dossier.id}/check")
    assert check.status_code == 200
    assert "Hóa đơn, chứng từ thanh toán chi phí" in text(check)
    assert "Bản sao, đã đối chiếu bản chính" in text(check)

    response = client.post(f"/intake/{dossier.id}/check",
                           data={"op": "receive", "expected_version": dossier.version,
                                 **checklist_data(dossier)}, follow_redirects=True)
    assert "Đã tiếp nhận hồ sơ" in text(response) and "Hẹn trả kết quả" in text(response)
    dossier = fresh(db, dossier)
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None
    sighted = db.session.scalar(select(ChecklistResult).where(
        ChecklistResult.dossier_id == dossier.id,
        ChecklistResult.copy_kind == "original_sighted"))
    assert sighted.sighted_by_id == w[Role.CLERK].id and sighted.sighted_at is not None
    assert w[Role.CLERK].full_name in text(client.get(f"/dossiers/{dossier.id}"))

    login(w[Role.HEAD])
    assert dossier.code in text(client.get("/review/"))
    assign_page = client.get(f"/review/{dossier.id}/assign")
    assert "đang thụ lý 0 hồ sơ" in text(assign_page)
    dossier = web_assign(client, db, dossier, w[Role.APPRAISER])
    assert dossier.status == Status.ASSIGNED and dossier.assignee_id == w[Role.APPRAISER].id
    assert "đang thụ lý 1 hồ sơ" in text(client.get(f"/review/{dossier.id}/assign"))

    login(w[Role.APPRAISER])
    assert dossier.code in text(client.get("/appraisal/"))
    assert client.get(f"/appraisal/{dossier.id}/visit").status_code == 200
    when = visit_time()
    dossier = web_visit(client, db, dossier, when)
    visit = db.session.scalar(select(SiteVisit).where(SiteVisit.dossier_id == dossier.id))
    assert visit.visited_local == when
    assert visit.team.splitlines() == ["Phạm Thị Dung - Chuyên viên",
                                       "Hoàng Văn Em - Chuyên viên"]
    form = client.get(f"/appraisal/{dossier.id}/appraise")
    assert "50% chi phí hợp lệ, tối đa 50.000.000 đ" in text(form)
    preview = client.post(f"/appraisal/{dossier.id}/appraise",
                          data=appraise_data(dossier, op="preview",
                                             eligible={"5S": "30.000.000"}))
    assert preview.status_code == 200 and "15.000.000 đ" in text(preview)
    assert fresh(db, dossier).status == Status.ASSIGNED
    dossier = web_appraise(client, db, dossier, eligible={"5S": "30.000.000"})
    assert dossier.status == Status.APPRAISED
    assert {i.catalogue_item.code: i.proposed_vnd for i in dossier.items} == {
        "ISO9001": 50_000_000, "5S": 15_000_000}

    login(w[Role.HEAD])
    review = client.get(f"/review/{dossier.id}")
    assert review.status_code == 200 and "Đề xuất hỗ trợ" in text(review)
    assert "Nhà máy số 2, KCN Quế Võ" in text(review)
    dossier = web_review(client, db, dossier)
    assert dossier.status == Status.REVIEWED

    login(w[Role.APPRAISER])
    page = text(client.get(f"/dossiers/{dossier.id}"))
    assert "Phê duyệt hỗ trợ</a>" not in page and "Hoàn thành thẩm định</a>" not in page

    login(w[Role.LEADER])
    assert dossier.code in text(client.get("/decisions/"))
    decide = text(client.get(f"/decisions/{dossier.id}"))
    assert "Giám đốc Sở Khoa học và Công nghệ" in decide
    assert "800.000.000 đ" in decide and 'value="50.000.000"' in decide
    assert "Phê duyệt hỗ trợ</a>" in text(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/decisions/{dossier.id}/approve",
                           data={"expected_version": dossier.version,
                                 **{f"amount_{i.id}": str(i.proposed_vnd)
                                    for i in dossier.items}}, follow_redirects=True)
    assert "Đã phê duyệt hỗ trợ" in text(response) and "65.000.000 đ" in text(response)
    dossier = fresh(db, dossier)
    assert dossier.status == Status.APPROVED and dossier.approved_vnd == 65_000_000
    assert w["year"].committed_vnd == 65_000_000

    login(w[Role.RECORDS])
    assert dossier.code in text(client.get("/records/"))
    page = text(client.get(f"/dossiers/{dossier.id}"))
    for label in ("Tiếp nhận", "Phân công thẩm định", "Hoàn thành thẩm định", "Trình lãnh đạo",
                  "Phê duyệt hỗ trợ", "Đã trình lãnh đạo → Được phê duyệt hỗ trợ",
                  "Cam kết kinh phí"):
        assert label in page, label

    # The records clerk issues (the documents service's job); then the desk returns the result.
    _act(db, svc.transition, fresh(db, dossier), Action.ISSUE, w[Role.RECORDS])
    login(w[Role.CLERK])
    dossier = fresh(db, dossier)
    assert dossier.code in text(client.get("/intake/"))
    missing = client.post(f"/intake/{dossier.id}/return",
                          data={"expected_version": dossier.version, "channel": "counter"})
    assert missing.status_code == 422 and "Nhập họ tên người nhận kết quả." in text(missing)
    assert fresh(db, dossier).status == Status.ISSUED
    done = client.post(f"/intake/{dossier.id}/return", data={
        "expected_version": dossier.version, "channel": "counter",
        "collected_by": "Nguyễn Văn An", "shown_document": "Giấy hẹn trả kết quả"})
    assert done.status_code == 302
    assert fresh(db, dossier).status == Status.RETURNED


def test_rejected_dossier_walks_every_staff_page(client, db, login, world):
    import json

    w = world
    reasons = w["year"].reasons
    dossier = to_appraised(client, db, login, w, recommendation="reject",
                           reasons=[str(reasons[3].id)],
                           other_reasons="Hóa đơn không khớp hợp đồng")
    assert dossier.status == Status.APPRAISED
    appraisal = svc.latest_appraisal(dossier)
    assert json.loads(appraisal.reasons_json) == [reasons[3].text, "Hóa đơn không khớp hợp đồng"]
    assert all(i.proposed_vnd == 0 for i in dossier.items)

    login(w[Role.HEAD])
    assert "Đề xuất không hỗ trợ" in text(client.get(f"/review/{dossier.id}"))
    dossier = web_review(client, db, dossier)

    login(w[Role.LEADER])
    page = text(client.get(f"/decisions/{dossier.id}"))
    assert reasons[0].text in page and "Hóa đơn không khớp hợp đồng" in page
    # The reject form starts from the appraiser's reasons.
    assert re.search(rf'<input checked[^>]*name="reasons"[^>]*value="{reasons[3].id}"', page)
    assert "Hóa đơn không khớp hợp đồng</textarea>" in page
    empty = client.post(f"/decisions/{dossier.id}/reject",
                        data={"expected_version": dossier.version})
    assert empty.status_code == 422 and "phải nêu rõ lý do" in text(empty)
    response = client.post(f"/decisions/{dossier.id}/reject", data={
        "expected_version": dossier.version, "reasons": [str(reasons[3].id)],
        "other_reasons": "Hóa đơn không khớp hợp đồng\n\n",
        "next_steps": "Có thể nộp lại khi bổ sung chứng từ hợp lệ."})
    assert response.status_code == 302
    dossier = fresh(db, dossier)
    assert dossier.status == Status.REJECTED and w["year"].committed_vnd == 0
    decision = svc.decision_of(dossier)
    assert json.loads(decision.reasons_json) == [reasons[3].text, "Hóa đơn không khớp hợp đồng"]
    page = text(client.get(f"/dossiers/{dossier.id}"))
    assert "Không hỗ trợ" in page and "Có thể nộp lại khi bổ sung" in page

    login(w[Role.RECORDS])
    assert dossier.code in text(client.get("/records/"))


# ------------------------------------------------------------------ other paths


def test_supplement_request_prefilled_then_resubmitted_at_the_desk(client, db, login, world):
    w = world
    login(w[Role.CLERK])
    dossier = web_take_in(client, db, w)
    data = checklist_data(dossier, missing=("HOADON",))
    incomplete = client.post(f"/intake/{dossier.id}/check",
                             data={"op": "receive", "expected_version": dossier.version, **data})
    assert incomplete.status_code == 422 and "Thiếu: Hóa đơn" in text(incomplete)
    assert fresh(db, dossier).status == Status.SUBMITTED
    assert fresh(db, dossier).checklist_results == []

    page = client.post(f"/intake/{dossier.id}/check",
                       data={"op": "supplement", "expected_version": dossier.version, **data})
    assert page.status_code == 200
    assert "Hóa đơn, chứng từ thanh toán chi phí — Chưa nộp</textarea>" in text(page)
    assert fresh(db, dossier).status == Status.SUBMITTED   # nothing written yet

    nothing = client.post(f"/intake/{dossier.id}/supplement",
                          data={"expected_version": dossier.version, "items": "  ", **data})
    assert nothing.status_code == 422 and "ít nhất một giấy tờ" in text(nothing)
    response = client.post(f"/intake/{dossier.id}/supplement", data={
        "expected_version": dossier.version, **data,
        "items": "Hóa đơn, chứng từ thanh toán chi phí — bản sao có chứng thực\n"
                 "Biên bản thanh lý hợp đồng"})
    assert response.status_code == 302
    dossier = fresh(db, dossier)
    assert dossier.status == Status.SUPPLEMENT_REQUESTED and dossier.due_at is None
    (_, items), = worklists.supplement_requests(dossier.id)
    assert items == [{"label": "Hóa đơn, chứng từ thanh toán chi phí",
                      "note": "bản sao có chứng thực"},
                     {"label": "Biên bản thanh lý hợp đồng", "note": ""}]
    page = text(client.get(f"/dossiers/{dossier.id}"))
    assert "Biên bản thanh lý hợp đồng" in page and "Nộp bổ sung</a>" in page

    assert client.get(f"/intake/{dossier.id}/resubmit").status_code == 200
    response = client.post(f"/intake/{dossier.id}/resubmit",
                           data={"expected_version": dossier.version,
                                 "note": "Tổ chức nộp bổ sung hóa đơn bản chứng thực"})
    assert response.status_code == 302
    dossier = fresh(db, dossier)
    assert dossier.status == Status.SUBMITTED
    dossier = web_receive(client, db, dossier)
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None


def test_refusal_needs_a_reason(client, db, login, world):
    login(world[Role.CLERK])
    dossier = web_take_in(client, db, world)
    empty = client.post(f"/intake/{dossier.id}/refuse",
                        data={"expected_version": dossier.version, "reason": " "})
    assert empty.status_code == 422 and "Nhập lý do từ chối tiếp nhận." in text(empty)
    assert fresh(db, dossier).status == Status.SUBMITTED
    response = client.post(f"/intake/{dossier.id}/refuse", data={
        "expected_version": dossier.version,
        "reason": "Tổ chức không thuộc đối tượng hỗ trợ"}, follow_redirects=True)
    assert "Đã từ chối tiếp nhận" in text(response)
    dossier = fresh(db, dossier)
    assert dossier.status == Status.REFUSED
    assert "Tổ chức không thuộc đối tượng hỗ trợ" in text(client.get(f"/dossiers/{dossier.id}"))


def test_rework_by_head_and_by_leader(client, db, login, world):
    w = world
    dossier = to_appraised(client, db, login, w)
    login(w[Role.HEAD])
    empty = client.post(f"/review/{dossier.id}/rework",
                        data={"expected_version": dossier.version, "note": ""})
    assert empty.status_code == 422 and "Ghi rõ nội dung cần thẩm định lại." in text(empty)
    response = client.post(f"/review/{dossier.id}/rework", data={
        "expected_version": dossier.version, "note": "Xác minh lại hóa đơn số 0001234"})
    assert response.status_code == 302
    dossier = fresh(db, dossier)
    assert dossier.status == Status.ASSIGNED and svc.open_appraisal(dossier).round == 2

    login(w[Role.APPRAISER])
    form = text(client.get(f"/appraisal/{dossier.id}/appraise"))
    assert "Xác minh lại hóa đơn số 0001234" in form and 'value="120.000.000"' in form
    dossier = web_appraise(client, db, dossier)
    login(w[Role.HEAD])
    dossier = web_review(client, db, dossier)

    login(w[Role.LEADER])
    response = client.post(f"/decisions/{dossier.id}/rework", data={
        "expected_version": dossier.version, "note": "Làm rõ hiệu quả áp dụng 5S"})
    assert response.status_code == 302
    dossier = fresh(db, dossier)
    assert dossier.status == Status.ASSIGNED and svc.open_appraisal(dossier).round == 3


# ------------------------------------------------------------------ buttons and gates


def test_buttons_follow_the_workflow_table(client, db, login, world):
    w = world
    dossier = _to_reviewed(db, w, _draft(db, w))
    for role, present, absent in [
        (Role.APPRAISER, [], ["Phê duyệt hỗ trợ</a>", "Phân công thẩm định</a>",
                              "Hoàn thành thẩm định</a>"]),
        (Role.CLERK, [], ["Phê duyệt hỗ trợ</a>", "Tiếp nhận</a>"]),
        (Role.HEAD, ["Trả lại để thẩm định lại</a>"], ["Phê duyệt hỗ trợ</a>",
                                                      "Trình lãnh đạo</a>"]),
        (Role.LEADER, ["Phê duyệt hỗ trợ</a>", "Không hỗ trợ</a>",
                       "Trả lại để thẩm định lại</a>"], ["Phân công thẩm định</a>"]),
    ]:
        login(w[role])
        page = text(client.get(f"/dossiers/{dossier.id}"))
        for label in present:
            assert label in page, (role, label)
        for label in absent:
            assert label not in page, (role, label)


def test_other_appraiser_sees_no_appraisal_buttons_and_gets_403(client, db, login, world,
                                                               make_user):
    w = world
    dossier = _draft(db, w)
    _act(db, svc.submit, dossier, actor=w[Role.CLERK])
    _act(db, svc.receive, dossier, actor=w[Role.CLERK], lines=_full_checklist(dossier))
    _act(db, svc.assign, dossier, actor=w[Role.HEAD], appraiser=w[Role.APPRAISER])
    login(w[Role.APPRAISER])
    assert "Hoàn thành thẩm định</a>" in text(client.get(f"/dossiers/{dossier.id}"))
    login(make_user(Role.APPRAISER))
    assert "Hoàn thành thẩm định</a>" not in text(client.get(f"/dossiers/{dossier.id}"))
    assert client.get(f"/appraisal/{dossier.id}/visit").status_code == 403
    assert client.get(f"/appraisal/{dossier.id}/appraise").status_code == 403
    assert dossier.code not in text(client.get("/appraisal/"))


@pytest.mark.parametrize(("role", "url", "method"), [
    (Role.APPRAISER, "/intake/", "get"),
    (Role.APPRAISER, "/intake/take-in", "post"),
    (Role.CLERK, "/decisions/", "get"),
    (Role.CLERK, "/review/", "get"),
    (Role.HEAD, "/appraisal/", "get"),
    (Role.LEADER, "/records/", "get"),
    (Role.FINANCE, "/intake/", "get"),
    (Role.APPLICANT, "/dossiers/", "get"),
    (Role.APPLICANT, "/intake/", "get"),
])
def test_role_gates(client, login_as, world, role, url, method):
    login_as(role)
    assert getattr(client, method)(url).status_code == 403


def test_wrong_role_cannot_post_actions(client, db, login, world):
    w = world
    dossier = _to_reviewed(db, w, _draft(db, w))
    login(w[Role.HEAD])
    response = client.post(f"/decisions/{dossier.id}/approve",
                           data={"expected_version": dossier.version})
    assert response.status_code == 403
    assert fresh(db, dossier).status == Status.REVIEWED


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/dossiers/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_register_lists_and_filters(client, db, login, world):
    w = world
    first = _draft(db, w)
    _act(db, svc.submit, first, actor=w[Role.CLERK])
    second = _draft(db, w, items=[svc.ItemInput("HACCP", 60_000_000, 30_000_000)])
    _act(db, svc.submit, second, actor=w[Role.CLERK])
    login(w[Role.FINANCE])
    page = text(client.get("/dossiers/"))
    assert first.code in page and second.code in page
    page = text(client.get("/dossiers/?catalogue=HACCP"))
    assert first.code not in page and second.code in page
    page = text(client.get(f"/dossiers/?q={first.code}"))
    assert first.code in page and second.code not in page
    page = text(client.get("/dossiers/?status=received"))
    assert first.code not in page and "Không tìm thấy hồ sơ" in page
    assert client.get("/dossiers/?year=abc&status=nonsense&page=0").status_code == 200


# ------------------------------------------------------------------ bad input, stale, budget


def test_bad_eligible_cost_is_shown_beside_the_field(client, db, login, world):
    w = world
    login(w[Role.CLERK])
    dossier = web_receive(client, db, web_take_in(client, db, w))
    login(w[Role.HEAD])
    dossier = web_assign(client, db, dossier, w[Role.APPRAISER])
    login(w[Role.APPRAISER])
    dossier = web_visit(client, db, dossier)
    item = next(i for i in dossier.items if i.catalogue_item.code == "5S")
    response = client.post(f"/appraisal/{dossier.id}/appraise",
                           data=appraise_data(dossier, eligible={"5S": "abc"}))
    page = text(response)
    assert response.status_code == 422
    field = page.index(f'name="eligible_{item.id}"')
    assert "Số tiền không hợp lệ" in page[field:field + 600]
    assert 'value="abc"' in page
    too_much = client.post(f"/appraisal/{dossier.id}/appraise",
                           data=appraise_data(dossier, eligible={"5S": "40.000.001"}))
    assert too_much.status_code == 422 and "Chi phí hợp lệ phải từ 0" in text(too_much)
    no_reason = client.post(f"/appraisal/{dossier.id}/appraise",
                            data=appraise_data(dossier, recommendation="reject"))
    assert no_reason.status_code == 422 and "cần nêu rõ lý do" in text(no_reason)
    dossier = fresh(db, dossier)
    assert dossier.status == Status.ASSIGNED
    assert all(i.eligible_cost_vnd is None and i.proposed_vnd is None for i in dossier.items)


def test_appraisal_without_visit_is_refused_on_the_form(client, db, login, world):
    w = world
    dossier = _draft(db, w)
    _act(db, svc.submit, dossier, actor=w[Role.CLERK])
    _act(db, svc.receive, dossier, actor=w[Role.CLERK], lines=_full_checklist(dossier))
    _act(db, svc.assign, dossier, actor=w[Role.HEAD], appraiser=w[Role.APPRAISER])
    login(w[Role.APPRAISER])
    bad_date = client.post(f"/appraisal/{dossier.id}/visit", data={
        "expected_version": dossier.version, "visited_at": "32/13/2026 25:00", "place": "x",
        "team": "y", "findings": "z"})
    assert bad_date.status_code == 422 and "dd/mm/yyyy HH:MM" in text(bad_date)
    response = client.post(f"/appraisal/{dossier.id}/appraise", data=appraise_data(dossier))
    assert response.status_code == 409 and "thẩm định thực tế" in text(response)
    assert fresh(db, dossier).status == Status.ASSIGNED


def test_approve_above_the_rule_is_shown_beside_the_field(client, db, login, world):
    w = world
    dossier = _to_reviewed(db, w, _draft(db, w))
    item = next(i for i in dossier.items if i.catalogue_item.code == "5S")
    other = next(i for i in dossier.items if i.catalogue_item.code == "ISO9001")
    login(w[Role.LEADER])
    response = client.post(f"/decisions/{dossier.id}/approve", data={
        "expected_version": dossier.version, f"amount_{other.id}": "50.000.000",
        f"amount_{item.id}": "20.000.001"})
    page = text(response)
    assert response.status_code == 422
    field = page.index(f'name="amount_{item.id}"')
    assert "tối đa là 20.000.000 đ" in page[field:field + 600]
    assert 'value="20.000.001"' in page
    garbage = client.post(f"/decisions/{dossier.id}/approve", data={
        "expected_version": dossier.version, f"amount_{other.id}": "năm chục triệu",
        f"amount_{item.id}": "1"})
    assert garbage.status_code == 422
    dossier = fresh(db, dossier)
    assert dossier.status == Status.REVIEWED and w["year"].committed_vnd == 0
    assert all(i.approved_vnd is None for i in dossier.items)


def test_budget_exceeded_is_shown_on_the_form_and_nothing_is_written(client, db, login,
                                                                     world):
    from grants.models import LedgerEntry

    w = world
    dossier = _to_reviewed(db, w, _draft(db, w))
    w["year"].budget_vnd = 60_000_000
    db.session.commit()
    login(w[Role.LEADER])
    assert "60.000.000 đ" in text(client.get(f"/decisions/{dossier.id}"))
    response = client.post(f"/decisions/{dossier.id}/approve", data={
        "expected_version": dossier.version,
        **{f"amount_{i.id}": str(i.proposed_vnd) for i in dossier.items}})
    page = text(response)
    assert response.status_code == 409
    assert "Vượt ngân sách" in page and "chỉ còn 60.000.000 đ" in page
    dossier = fresh(db, dossier)
    assert dossier.status == Status.REVIEWED and dossier.approved_vnd == 0
    assert w["year"].committed_vnd == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_double_support_needs_an_override_reason(client, db, login, world):
    w = world
    first = _to_reviewed(db, w, _draft(db, w))
    _act(db, svc.approve, first, actor=w[Role.LEADER])
    _act(db, svc.transition, first, Action.ISSUE, w[Role.RECORDS])
    second = _to_reviewed(db, w, _draft(db, w, items=[
        svc.ItemInput("ISO9001", 80_000_000, 40_000_000)]))
    item = second.items[0]
    login(w[Role.LEADER])
    page = text(client.get(f"/decisions/{second.id}"))
    assert f'name="override_{item.id}"' in page and first.code in page
    blocked = client.post(f"/decisions/{second.id}/approve", data={
        "expected_version": second.version, f"amount_{item.id}": "40.000.000"})
    assert blocked.status_code == 409 and "hai lần" in text(blocked)
    assert fresh(db, second).status == Status.REVIEWED
    response = client.post(f"/decisions/{second.id}/approve", data={
        "expected_version": second.version, f"amount_{item.id}": "40.000.000",
        f"override_{item.id}": "Chứng nhận lại theo phiên bản mới, lãnh đạo Sở đồng ý"})
    assert response.status_code == 302
    second = fresh(db, second)
    assert second.status == Status.APPROVED
    assert second.items[0].double_support_override.startswith("Chứng nhận lại")


def test_stale_page_gets_a_conflict_flash_and_changes_nothing(client, db, login, world,
                                                              make_user):
    w = world
    dossier = _draft(db, w)
    _act(db, svc.submit, dossier, actor=w[Role.CLERK])
    _act(db, svc.receive, dossier, actor=w[Role.CLERK], lines=_full_checklist(dossier))
    seen = dossier.version
    other = make_user(Role.APPRAISER, full_name="Hoàng Văn Em")
    _act(db, svc.assign, dossier, actor=w[Role.HEAD], appraiser=other)   # someone else acted
    login(w[Role.HEAD])
    response = client.post(f"/review/{dossier.id}/assign", data={
        "appraiser_id": str(w[Role.APPRAISER].id), "expected_version": seen},
        follow_redirects=True)
    assert response.status_code == 200
    assert "Hồ sơ vừa được người khác thay đổi" in text(response)
    assert fresh(db, dossier).assignee_id == other.id
    missing = client.post(f"/review/{dossier.id}/assign",
                          data={"appraiser_id": str(w[Role.APPRAISER].id)},
                          follow_redirects=True)
    assert "Hồ sơ vừa được người khác thay đổi" in text(missing)
    assert fresh(db, dossier).assignee_id == other.id


def test_illegal_action_flashes_and_changes_nothing(client, db, login, world):
    w = world
    dossier = _draft(db, w)
    _act(db, svc.submit, dossier, actor=w[Role.CLERK])
    _act(db, svc.receive, dossier, actor=w[Role.CLERK], lines=_full_checklist(dossier))
    login(w[Role.HEAD])
    response = client.post(f"/review/{dossier.id}/submit",
                           data={"expected_version": dossier.version}, follow_redirects=True)
    assert response.status_code == 200
    assert "Không thể thực hiện thao tác «Trình lãnh đạo»" in text(response)
    assert fresh(db, dossier).status == Status.RECEIVED
    page = client.get(f"/decisions/{dossier.id}")
    assert page.status_code == 403   # the head is not leadership at all
    login(w[Role.LEADER])
    page = client.get(f"/decisions/{dossier.id}", follow_redirects=True)
    assert "Không thể thực hiện thao tác «Phê duyệt hỗ trợ»" in text(page)


def test_take_in_errors_stay_on_the_form(client, db, login, world):
    from grants.models import Dossier

    w = world
    login(w[Role.CLERK])
    base = {"op": "create", "year": str(w["year"].id), "channel": "post",
            "return_channel": "post"}
    unknown = client.post("/intake/take-in", data={**base, "tax_code": "0109999999",
                                                   **item_rows(*DEFAULT_ROWS)})
    assert unknown.status_code == 422 and "Chưa có tổ chức nào" in text(unknown)
    malformed = client.post("/intake/take-in", data={**base, "tax_code": "12ab",
                                                     **item_rows(*DEFAULT_ROWS)})
    assert malformed.status_code == 422 and "Mã số thuế không hợp lệ" in text(malformed)
    too_much = client.post("/intake/take-in", data={
        **base, "tax_code": w["org"].tax_code,
        **item_rows(("", "", ""), ("5S", "10.000.000", "20.000.000"))})
    page = text(too_much)
    assert too_much.status_code == 422
    field = page.index('name="items-1-requested_vnd"')
    assert "không được lớn hơn chi phí" in page[field:field + 600]
    no_items = client.post("/intake/take-in", data={**base, "tax_code": w["org"].tax_code,
                                                    **item_rows()})
    assert no_items.status_code == 422 and "ít nhất một" in text(no_items)
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == 0


# ------------------------------------------------------------------ files


def test_attachments_and_documents_are_served_to_staff_only(client, db, login, world, app):
    import hashlib

    from grants.models import Attachment, Document

    w = world
    dossier = _draft(db, w)
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    body = b"%PDF-1.4 tep dinh kem"
    STORED = "0123456789abcdef0123456789abcdef.pdf"  # noqa: N806
    (folder / STORED).write_bytes(body)
    attachment = Attachment(dossier_id=dossier.id, original_name="Hóa đơn.pdf",
                            stored_name=STORED, content_type="application/pdf",
                            size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest())
    pdf = b"%PDF-1.7 quyet dinh"
    document = Document(dossier_id=dossier.id, kind="support_decision", year=2026, number=12,
                        symbol="QĐ-SKHCN", issued_on=datetime(2026, 4, 1).date(),
                        issued_by_id=w[Role.RECORDS].id, sha256=hashlib.sha256(pdf).hexdigest(),
                        size_bytes=len(pdf), pdf=pdf)
    db.session.add_all([attachment, document])
    db.session.commit()

    login(w[Role.HEAD])
    page = text(client.get(f"/dossiers/{dossier.id}"))
    assert "Hóa đơn.pdf" in page and "12/QĐ-SKHCN" in page
    with client.get(f"/dossiers/{dossier.id}/attachments/{attachment.id}") as got:
        assert got.status_code == 200 and got.data == body
        assert got.mimetype == "application/pdf"
    doc = client.get(f"/dossiers/{dossier.id}/documents/{document.id}")
    assert doc.status_code == 200 and doc.data == pdf and doc.mimetype == "application/pdf"
    other = _draft(db, w)
    assert client.get(f"/dossiers/{other.id}/attachments/{attachment.id}").status_code == 404
    assert client.get(f"/dossiers/{other.id}/documents/{document.id}").status_code == 404

    login(w["applicant"])
    assert client.get(f"/dossiers/{dossier.id}/attachments/{attachment.id}").status_code == 403
    assert client.get(f"/dossiers/{dossier.id}/documents/{document.id}").status_code == 403


def test_pages_have_no_inline_scripts_or_styles(client, db, login, world):
    w = world
    dossier = _to_reviewed(db, w, _draft(db, w))
    login(w[Role.LEADER])
    for url in (f"/dossiers/{dossier.id}", f"/decisions/{dossier.id}", "/decisions/",
                "/dossiers/"):
        page = text(client.get(url))
        assert "<script>" not in page and " style=" not in page, url


def test_records_queue_links_to_the_issuing_page(app, client, db, login, world):
    w = world
    dossier = _to_reviewed(db, w, _draft(db, w))
    _act(db, svc.approve, dossier, actor=w[Role.LEADER])
    with app.test_request_context():
        from flask import url_for

        url = url_for("records.issue", dossier_id=dossier.id)
    login(w[Role.RECORDS])
    assert f'href="{url}"' in text(client.get("/records/"))
    assert "Vào số, ban hành văn bản</a>" in text(client.get(f"/dossiers/{dossier.id}"))


def _visible(response) -> str:
    from tests.security.markup import Page

    return Page(text(response)).text


def test_supplement_request_without_a_copy_kind_says_so_where_the_clerk_sees_it(
        client, db, login, world):
    """Issue 12 #1/#2: "Có" ticked on lines without "Hình thức", then "Yêu cầu bổ sung…": the
    check page says so beside every such line at once (not only the first), and a supplement
    request posted with a line still without its kind (the kinds ride in hidden inputs) shows
    the error in the visible summary, not only on the hidden field."""
    login(world[Role.CLERK])
    dossier = web_take_in(client, db, world)
    lines = list(dossier.program_year.checklist)
    data = {f"present_{line.id}": "y" for line in lines[:2]}
    page = client.post(f"/intake/{dossier.id}/check",
                       data={"op": "supplement", "expected_version": dossier.version, **data})
    assert page.status_code == 422
    shown = _visible(page)
    for line in lines[:2]:
        assert f"Chọn hình thức bản sao cho «{line.label}»." in shown
    response = client.post(f"/intake/{dossier.id}/supplement", data={
        "expected_version": dossier.version, **data, f"copy_kind_{lines[0].id}": "",
        "items": "Hoá đơn, chứng từ thanh toán chi phí"})
    assert response.status_code == 422
    assert f"«{lines[0].label}»" in _visible(response)
    assert fresh(db, dossier).status == Status.SUBMITTED


def test_lines_with_an_uploaded_file_are_ticked_at_the_desk(app, client, db, login, world):
    """Issue 12 #2: an online dossier whose applicant uploaded a file against every line comes
    to the desk with those lines ticked "Có" as electronic copies; receiving it as shown does
    not say "Hồ sơ chưa đầy đủ…"."""
    import io

    from grants.services import uploads
    from tests.security.markup import Page
    from tests.security.scene import PDF

    dossier = _draft(db, world, channel="online")
    lines = list(dossier.program_year.checklist)
    for line in lines:
        _act(db, uploads.store_attachment, dossier, actor=world["applicant"],
             stream=io.BytesIO(PDF), original_name=f"{line.code}.pdf",
             checklist_item_id=line.id, upload_dir=app.config["UPLOAD_DIR"],
             max_bytes=1 << 20, max_dossier_bytes=1 << 24)
    _act(db, svc.submit, dossier, actor=world["applicant"], declaration=True)
    login(world[Role.CLERK])
    page = client.get(f"/intake/{dossier.id}/check")
    form = next(f for f in Page(text(page)).forms if f.action.endswith("/check"))
    sent = dict(form.fields)
    for line in lines:
        assert sent.get(f"present_{line.id}") == "y", line.label
        assert sent.get(f"copy_kind_{line.id}") == "digital", line.label
    response = client.post(f"/intake/{dossier.id}/check", data={**sent, "op": "receive"})
    assert response.status_code == 302, _visible(response)[:2000]
    assert "Hồ sơ chưa đầy đủ" not in text(client.get(response.headers["Location"]))
    assert fresh(db, dossier).status == Status.RECEIVED
