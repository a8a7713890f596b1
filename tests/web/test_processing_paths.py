"""Issue 14, paths 1 and 2 through the pages and the API: papers asked after reception and the
apology with a new return date; bad input re-shown beside its field, nothing written."""

from datetime import timedelta

from sqlalchemy import func, select

from grants.db import to_local, utcnow
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.models import AuditEvent, DelayApology, Document, SupplementRequest
from grants.queries.calendar import calendar_for
from grants.services import dossiers as svc
from grants.services import processing
from tests.walk import act, draft, full_checklist
from tests.web.test_api import Api, token_for  # noqa: F401  (the fixture is used by name)


def text(response) -> str:
    return response.get_data(as_text=True)


def _assigned_now(db, w):
    dossier = draft(db, w)
    act(db, svc.submit, dossier, actor=w[Role.CLERK])
    act(db, svc.receive, dossier, actor=w[Role.CLERK], lines=full_checklist(dossier),
        received_at=utcnow())
    act(db, svc.assign, dossier, actor=w[Role.HEAD], appraiser=w[Role.APPRAISER])
    return dossier


def _fresh(db, dossier):
    db.session.expire_all()
    return db.session.get(type(dossier), dossier.id)


def _count(db, model, dossier):
    return db.session.scalar(select(func.count(model.id)).where(model.dossier_id == dossier.id))


def _after_due(dossier, n=3):
    return calendar_for(2026).add_working_days(to_local(dossier.due_at).date(), n)


# ---------------------------------------------------------------- pages, path 1


def test_appraiser_asks_for_papers_from_the_dossier_page(client, db, world, login):
    dossier = _assigned_now(db, world)
    login(world[Role.APPRAISER])
    page = client.get(f"/dossiers/{dossier.id}")
    assert f"/processing/{dossier.id}/papers" in text(page)
    form = client.get(f"/processing/{dossier.id}/papers")
    assert form.status_code == 200 and "Gửi thông báo yêu cầu bổ sung" in text(form)
    response = client.post(f"/processing/{dossier.id}/papers", data={
        "expected_version": dossier.version,
        "items": "Hợp đồng tư vấn — thiếu phụ lục\nBiên bản nghiệm thu", "note": ""})
    assert response.status_code == 302
    dossier = _fresh(db, dossier)
    assert dossier.status == Status.SUPPLEMENT_DURING_APPRAISAL
    request = db.session.scalar(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id))
    assert "thiếu phụ lục" in request.items_json and "Biên bản nghiệm thu" in request.items_json


def test_a_request_without_lines_is_reshown_with_the_reason(client, db, world, login):
    dossier = _assigned_now(db, world)
    login(world[Role.HEAD])
    response = client.post(f"/processing/{dossier.id}/papers", data={
        "expected_version": dossier.version, "items": "  \n ", "note": "Ghi chú đã gõ"})
    assert response.status_code == 422
    assert "Liệt kê ít nhất một giấy tờ cần bổ sung." in text(response)
    assert "Ghi chú đã gõ" in text(response)
    assert _fresh(db, dossier).status == Status.ASSIGNED
    assert _count(db, SupplementRequest, dossier) == 0


def test_applicant_answers_and_the_dossier_returns_to_its_appraiser(client, db, world, login):
    dossier = _assigned_now(db, world)
    act(db, processing.request_papers, dossier, actor=world[Role.APPRAISER],
        items=[{"label": "Hóa đơn tư vấn", "note": ""}])
    login(world["applicant"])
    shown = client.get(f"/portal/dossiers/{dossier.id}")
    assert "Hóa đơn tư vấn" in text(shown) and "Trả lời yêu cầu bổ sung" in text(shown)
    assert "Tạm dừng" in text(shown)
    page = client.get(f"/portal/dossiers/{dossier.id}/supplement")
    assert page.status_code == 200
    response = client.post(f"/portal/dossiers/{dossier.id}/supplement", data={
        "version": str(_fresh(db, dossier).version), "note": "Đã nộp hóa đơn"})
    assert response.status_code == 302, text(response)[:2000]
    assert _fresh(db, dossier).status == Status.ASSIGNED


def test_clerk_and_leader_cannot_ask_for_papers(client, db, world, login):
    dossier = _assigned_now(db, world)
    for role in (Role.CLERK, Role.LEADER):
        login(world[role])
        assert client.get(f"/processing/{dossier.id}/papers").status_code == 403
    login(world["applicant"])
    assert client.get(f"/processing/{dossier.id}/papers").status_code == 403


# ---------------------------------------------------------------- pages, path 2


def test_apology_from_the_page_shows_the_new_date_everywhere(client, db, world, login):
    dossier = _assigned_now(db, world)
    new_date = _after_due(dossier)
    login(world[Role.APPRAISER])
    assert f"/processing/{dossier.id}/apology" in text(client.get(f"/dossiers/{dossier.id}"))
    response = client.post(f"/processing/{dossier.id}/apology", data={
        "expected_version": dossier.version, "new_return_on": f"{new_date:%d/%m/%Y}",
        "reason": "Cần thẩm định thực tế lần hai."})
    assert response.status_code == 302
    apology = db.session.scalar(select(DelayApology).where(DelayApology.dossier_id == dossier.id))
    assert apology.new_return_on == new_date
    staff_page = text(client.get(f"/dossiers/{dossier.id}"))
    assert "Hẹn lại ngày trả kết quả" in staff_page and f"{new_date:%d/%m/%Y}" in staff_page
    # The apology keeps the state: the history names it once, not "A → A".
    assert "Đang thẩm định → Đang thẩm định" not in staff_page
    login(world["applicant"])
    portal = text(client.get(f"/portal/dossiers/{dossier.id}"))
    assert "Hẹn lại ngày trả kết quả" in portal and f"{new_date:%d/%m/%Y}" in portal
    assert "Đang thẩm định → Đang thẩm định" not in portal
    assert "Xin lỗi và hẹn lại ngày trả kết quả</strong>: Đang thẩm định" in portal
    client.post("/auth/logout")
    lookup = client.get("/tra-cuu/", query_string={"code": dossier.code,
                                                  "tax_code": world["org"].tax_code})
    assert "Hẹn lại ngày trả kết quả" in text(lookup) and f"{new_date:%d/%m/%Y}" in text(lookup)


def test_an_apology_date_not_after_the_due_date_is_reshown_beside_the_field(client, db, world,
                                                                           login):
    dossier = _assigned_now(db, world)
    login(world[Role.APPRAISER])
    due = to_local(dossier.due_at).date()
    response = client.post(f"/processing/{dossier.id}/apology", data={
        "expected_version": dossier.version, "new_return_on": f"{due:%d/%m/%Y}",
        "reason": "Lý do đã gõ"})
    assert response.status_code == 422
    body = text(response)
    assert f"Ngày hẹn trả mới phải sau hạn trả kết quả hiện tại ({due:%d/%m/%Y})." in body
    assert "Lý do đã gõ" in body and f'value="{due:%d/%m/%Y}"' in body
    bad = client.post(f"/processing/{dossier.id}/apology", data={
        "expected_version": dossier.version, "new_return_on": "31/02/2026", "reason": "x"})
    assert bad.status_code == 422 and "31/02/2026" in text(bad)
    assert _count(db, DelayApology, dossier) == 0


def test_only_the_step_holding_the_dossier_sees_and_uses_the_apology(client, db, world, login):
    dossier = _assigned_now(db, world)
    login(world[Role.HEAD])
    assert f"/processing/{dossier.id}/apology" not in text(client.get(f"/dossiers/{dossier.id}"))
    assert client.get(f"/processing/{dossier.id}/apology").status_code == 403


def test_the_heads_queue_flags_overdue_dossiers_without_apology(client, db, world, login):
    late, excused = _assigned_now(db, world), _assigned_now(db, world)
    act(db, processing.apologise, excused, actor=world[Role.APPRAISER],
        new_return_on=_after_due(excused, 400), reason="Chậm")
    for dossier in (late, excused):  # both were due an hour ago
        dossier.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    login(world[Role.HEAD])
    queue = text(client.get("/review/"))
    assert "quá hạn chưa có phiếu xin lỗi" in queue
    assert late.code in queue.split("qua-han-chua-xin-loi")[1].split("</div>")[0]
    assert excused.code not in queue.split("qua-han-chua-xin-loi")[1].split("</div>")[0]


# ---------------------------------------------------------------- API


def _api(client, token_for, world):  # noqa: F811
    return Api(client, token_for, world)


def test_papers_and_apology_over_the_api(client, token_for, db, world):  # noqa: F811
    api = _api(client, token_for, world)
    dossier = _assigned_now(db, world)
    empty = api.act(dossier.id, "request_papers", {"items": [], "version": dossier.version},
                    who=Role.APPRAISER, expect=422)
    assert "items" in empty["error"]["fields"]
    asked = api.act(dossier.id, "request_papers",
                    {"items": [{"label": "Hóa đơn tư vấn"}], "note": "Trong 10 ngày"},
                    who=Role.APPRAISER)
    assert asked["state"] == "supplement_appraisal" and asked["due_date"] is None
    assert asked["supplement_request"]["items"][0]["label"] == "Hóa đơn tư vấn"
    assert any(d["kind"] == "processing_supplement" for d in asked["documents"])
    back = api.act(dossier.id, "resubmit", {"note": "Đã bổ sung"}, who="applicant")
    assert back["state"] == "assigned" and back["due_date"] is not None
    dossier = _fresh(db, dossier)
    due = to_local(dossier.due_at).date()
    refused = api.act(dossier.id, "apologise", {"new_return_date": due.isoformat(),
                                                "reason": "Chậm"},
                      who=Role.APPRAISER, expect=422)
    assert "new_return_date" in refused["error"]["fields"] or "phải sau hạn" in str(refused)
    assert _count(db, DelayApology, dossier) == 0
    new_date = _after_due(dossier)
    done = api.act(dossier.id, "apologise", {"new_return_date": new_date.isoformat(),
                                             "reason": "Cần thẩm định lần hai"},
                   who=Role.APPRAISER)
    assert done["result"]["promised_return_date"] == new_date.isoformat()
    assert done["due_date"] == due.isoformat()
    assert any(d["kind"] == "delay_apology" for d in done["documents"])
    forbidden = api.act(dossier.id, "apologise", {"new_return_date": new_date.isoformat(),
                                                  "reason": "x"}, who=Role.LEADER, expect=403)
    assert forbidden["error"]
    status, lookup = api.get(f"/lookup?code={dossier.code}&tax_code={world['org'].tax_code}",
                             who=None)
    assert status == 200 and lookup["promised_return_date"] == new_date.isoformat()
    actions = {a for (a,) in db.session.execute(select(AuditEvent.action).where(
        AuditEvent.dossier_id == dossier.id))}
    assert {"dossier.request_papers", "dossier.resubmit", "dossier.clock_resume",
            "dossier.apologise", "document.issue"} <= actions
    assert _count(db, Document, dossier) >= 3


def test_the_desk_answers_for_the_organisation_and_the_dossier_skips_intake(client, db, world,
                                                                           login):
    dossier = _assigned_now(db, world)
    act(db, processing.request_papers, dossier, actor=world[Role.HEAD],
        items=[{"label": "Hóa đơn tư vấn", "note": ""}])
    login(world[Role.CLERK])
    staff = text(client.get(f"/dossiers/{dossier.id}"))
    assert "tạm dừng, chờ bổ sung" in staff
    response = client.post(f"/intake/{dossier.id}/resubmit", data={
        "expected_version": _fresh(db, dossier).version, "note": "Tổ chức nộp tại quầy"})
    assert response.status_code == 302
    assert _fresh(db, dossier).status == Status.ASSIGNED
    shown = text(client.get(response.headers["Location"]))
    assert "chuyển lại bước đang giải quyết" in shown
