"""Notifications (issue 16): the table of what people are told, preferences, the notification
centre, the digest, the budget thresholds, and delivery faults, against a real SMTP server on
127.0.0.1 (aiosmtpd). Links in the e-mails are followed in the app through the test client."""

import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from grants.db import atomic, local_today
from grants.domain.enums import EmailState
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.models import HolidayOverride, Notification, OutgoingEmail
from grants.services import documents, ledger, mail, notifications
from grants.services import dossiers as svc
from tests.mailbox import SmtpServer, html_of, text_of
from tests.walk import act, draft, full_checklist, to_assigned, to_reviewed

BASE = "http://grants.test"


@pytest.fixture
def smtp(app):
    server = SmtpServer().start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none")
    yield server
    server.stop()


def run(db, task, *args):
    """Run a queue task here, as the worker would, after committing the test's reads (SQLite
    lets one writer in at a time, and the task is another session)."""
    db.session.commit()
    return task.call_local(*args)


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def follow(client, url: str):
    """GET ``url`` (an absolute link from an e-mail) in the app; it must live under BASE_URL."""
    assert url.startswith(BASE + "/"), url
    return client.get(url[len(BASE):])


def only_mail_to(smtp, address):
    [message] = smtp.box.to(address)
    return message


def notices(db, user, kind=None):
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def submitted(db, world):
    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    return dossier


# ---------------------------------------------------------------- the table of the issue


def test_dossier_received_tells_the_applicant_with_code_dates_and_receipt_link(
        client, db, world, smtp, login):
    dossier = submitted(db, world)
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier),
        received_at=datetime(2026, 3, 2, 2, 0))
    applicant = world["applicant"]
    [row] = notices(db, applicant, "dossier_received")
    assert dossier.code in row.title and "02/03/2026" in row.body
    message = only_mail_to(smtp, applicant.email)
    assert message["Subject"] == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    body = text_of(message)
    assert "Ngày tiếp nhận: 02/03/2026" in body
    assert f"Ngày hẹn trả kết quả: {dossier.due_at:%d/%m/%Y}" in body or "hẹn trả" in body
    assert "đã được tiếp nhận" in html_of(message)
    login(applicant)
    receipt, _centre, prefs = links_in(body)
    response = follow(client, receipt)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert follow(client, prefs).status_code == 200
    assert row.email.state == EmailState.SENT


def test_supplement_request_lists_the_papers_and_links_to_the_answer(
        client, db, world, smtp, login):
    dossier = submitted(db, world)
    act(db, svc.request_supplement, dossier, actor=world[Role.CLERK],
        items=[{"label": "Bản sao giấy chứng nhận ISO 9001", "note": "còn hiệu lực"},
               {"label": "Hợp đồng tư vấn"}])
    message = only_mail_to(smtp, world["applicant"].email)
    body = text_of(message)
    assert "yêu cầu bổ sung giấy tờ" in message["Subject"]
    assert "Bản sao giấy chứng nhận ISO 9001 (còn hiệu lực)" in body
    assert "Hợp đồng tư vấn" in body
    login(world["applicant"])
    answer = links_in(body)[0]
    assert answer.endswith(f"/portal/dossiers/{dossier.id}/supplement")
    assert follow(client, answer).status_code == 200


def test_refusal_at_intake_gives_the_reason_and_the_slip(client, db, world, smtp, login):
    dossier = submitted(db, world)
    act(db, svc.refuse, dossier, actor=world[Role.CLERK],
        reason="Tổ chức không thuộc đối tượng hỗ trợ")
    message = only_mail_to(smtp, world["applicant"].email)
    body = text_of(message)
    assert "không được tiếp nhận" in message["Subject"]
    assert "Lý do: Tổ chức không thuộc đối tượng hỗ trợ" in body
    login(world["applicant"])
    response = follow(client, links_in(body)[0])
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_decision_issued_gives_the_outcome_in_words_and_figures_and_the_pdf(
        client, db, world, smtp, login):
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    subjects = [m["Subject"] for m in smtp.box.to(world["applicant"].email)]
    assert all("tiếp nhận" in s for s in subjects)  # nothing about the outcome before issuing
    act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    [message] = [m for m in smtp.box.to(world["applicant"].email)
                 if "phê duyệt" in m["Subject"]]
    body = text_of(message)
    total = dossier.approved_vnd
    assert f"{total:,}".replace(",", ".") + " đ" in body
    assert "mươi triệu đồng" in body  # the amount in words
    assert f"Quyết định số 01/QĐ-SKHCN, ngày {local_today():%d/%m/%Y}" in body
    login(world["applicant"])
    response = follow(client, links_in(body)[0])
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_rejection_letter_issued_gives_the_reasons_and_the_letter(
        client, db, world, smtp, login):
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.reject, dossier, actor=world[Role.LEADER], reasons=["Chưa áp dụng đủ 12 tháng"])
    act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    [message] = [m for m in smtp.box.to(world["applicant"].email)
                 if "không được hỗ trợ" in m["Subject"]]
    body = text_of(message)
    assert "Chưa áp dụng đủ 12 tháng" in body and "Văn bản trả lời số" in body
    login(world["applicant"])
    assert follow(client, links_in(body)[0]).mimetype == "application/pdf"


def test_payment_recorded_and_reversed_give_amount_date_voucher_and_total(
        client, db, world, smtp, login):
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    entry = act(db, ledger.record_payment, dossier, actor=world[Role.FINANCE],
                amount_vnd=20_000_000, paid_on=local_today(), voucher_no="PC-07",
                method="transfer")
    act(db, ledger.reverse_payment, entry, actor=world[Role.FINANCE], reason="Sai số tài khoản")
    mails = smtp.box.to(world["applicant"].email)
    [paid] = [m for m in mails if "đã chi trả" in m["Subject"]]
    [undone] = [m for m in mails if "hủy bút toán" in m["Subject"]]
    body = text_of(paid)
    assert "Đã chi trả 20.000.000 đ (Hai mươi triệu đồng)" in body
    assert "chứng từ số PC-07" in body and f"ngày {local_today():%d/%m/%Y}" in body
    assert "Tổng đã chi trả đến nay: 20.000.000 đ" in body
    assert "Tổng đã chi trả đến nay: 0 đ" in text_of(undone)
    assert "Sai số tài khoản" in text_of(undone)
    login(world["applicant"])
    assert follow(client, links_in(body)[0]).status_code == 200


def test_assignment_and_rework_tell_the_appraiser_and_head_with_the_step_deadline(
        client, db, world, smtp, login, make_user):
    other_head = make_user(Role.HEAD)
    appraiser = world[Role.APPRAISER]
    with atomic():  # the appraiser wants these by e-mail (off by default: the digest lists them)
        notifications.set_preferences(appraiser, {"work_assigned": True,
                                                  "deadline_digest": True})
    dossier = to_assigned(db, world, draft(db, world))
    [row] = notices(db, appraiser, "work_assigned")
    assert "được phân công thẩm định" in row.title and "Hạn bước thẩm định:" in row.body
    assert notices(db, other_head, "work_assigned")  # heads are told too
    assert not notices(db, world[Role.HEAD], "work_assigned")  # not the head who acted
    assert not smtp.box.to(other_head.email)  # in-app only by default for staff
    message = only_mail_to(smtp, appraiser.email)
    body = text_of(message)
    assert dossier.code in body and dossier.organisation.name in body
    assert f"Hạn bước thẩm định: {dossier.step_due_at:%d/%m/%Y}" in body or "Hạn bước" in body
    login(appraiser)
    assert follow(client, links_in(body)[0]).status_code == 200
    # returned for rework
    to_reviewed_dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.return_for_rework, to_reviewed_dossier, actor=world[Role.HEAD],
        note="Bổ sung biên bản")
    rework = [n for n in notices(db, appraiser, "work_assigned") if "thẩm định lại" in n.title]
    assert rework and "Bổ sung biên bản" in rework[0].body


def test_nobody_is_told_when_the_change_rolls_back(db, world, smtp):
    dossier = submitted(db, world)
    with pytest.raises(RuntimeError), atomic():
        svc.refuse(dossier, actor=world[Role.CLERK], reason="Sai đối tượng")
        raise RuntimeError("the action failed")
    assert db.session.scalars(select(Notification)).all() == []
    assert smtp.box.messages == []


# ---------------------------------------------------------------- preferences


def test_preferences_switch_email_off_and_the_organisation_second_address_gets_a_copy(
        client, db, world, smtp, login):
    applicant = world["applicant"]
    login(applicant)
    page = client.get("/notifications/preferences")
    assert page.status_code == 200 and "Gửi thư: Hồ sơ được tiếp nhận" in page.get_data(True)
    response = client.post("/notifications/preferences", data={
        "supplement_requested": "y", "intake_refused": "y", "decision_issued": "y",
        "payment": "y", "contact_email": "ketoan@congty.vn"})  # dossier_received unticked
    assert response.status_code == 302
    bad = client.post("/notifications/preferences", data={"contact_email": "không phải thư"})
    assert bad.status_code == 422 and "Địa chỉ thư thứ hai không hợp lệ" in bad.get_data(True)
    dossier = submitted(db, world)
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier))
    assert notices(db, applicant, "dossier_received")  # still in the app
    assert smtp.box.messages == []  # but no e-mail, to anyone
    act(db, svc.request_supplement, submitted(db, world), actor=world[Role.CLERK],
        items=[{"label": "Giấy phép"}])
    assert len(smtp.box.to(applicant.email)) == 1
    [copy] = smtp.box.to("ketoan@congty.vn")
    assert "Giấy phép" in text_of(copy)


# ---------------------------------------------------------------- the notification centre


def test_bell_list_mark_read_and_mark_all_read(client, db, world, login):
    dossier = submitted(db, world)
    act(db, svc.request_supplement, dossier, actor=world[Role.CLERK],
        items=[{"label": "Giấy phép kinh doanh"}])
    other = submitted(db, world)
    act(db, svc.refuse, other, actor=world[Role.CLERK], reason="Sai đối tượng")
    login(world["applicant"])
    home = client.get("/notifications/").get_data(as_text=True)
    assert 'id="notification-count">2<' in home
    assert "Giấy phép kinh doanh" in home and "Sai đối tượng" in home
    first, second = notices(db, world["applicant"])
    response = client.post(f"/notifications/{first.id}/read", data={"open": "1"})
    assert response.headers["Location"].endswith(f"/portal/dossiers/{dossier.id}/supplement")
    assert 'id="notification-count">1<' in client.get("/notifications/").get_data(True)
    client.post("/notifications/read-all")
    assert 'id="notification-count"' not in client.get("/notifications/").get_data(True)
    # someone else's notification is not one's own
    login(world[Role.CLERK])
    assert client.post(f"/notifications/{second.id}/read").status_code == 404


def test_api_lists_the_tokens_own_notifications_and_marks_one_read(client, db, world):
    from grants.services import accounts

    dossier = submitted(db, world)
    act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Sai đối tượng")
    dossier2 = submitted(db, world)
    act(db, svc.request_supplement, dossier2, actor=world[Role.CLERK],
        items=[{"label": "Giấy phép"}])
    with atomic():
        token = accounts.issue_api_token(world["applicant"], label="t")
        clerk_token = accounts.issue_api_token(world[Role.CLERK], label="t")
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/notifications", headers=headers).json
    assert body["unread"] == 2 and [i["read"] for i in body["items"]] == [False, False]
    newest, oldest = body["items"]
    assert newest["id"] > oldest["id"] and "bổ sung" in newest["title"]
    assert newest["link"].startswith(BASE + "/portal/")
    read = client.post(f"/api/v1/notifications/{oldest['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read"] is True
    assert client.get("/api/v1/notifications", headers=headers).json["unread"] == 1
    other = client.post(f"/api/v1/notifications/{oldest['id']}/read",
                        headers={"Authorization": f"Bearer {clerk_token}"})
    assert other.status_code == 404 and other.json["error"]["message"]
    assert client.get("/api/v1/notifications").status_code == 401


def test_every_page_shows_the_bell_with_one_narrow_query(client, db, world, login, app):
    from grants.extensions import db as ext_db
    from tests.round_trips import counted_round_trips

    login(world["applicant"])
    with app.app_context():
        engine = ext_db.engine
    # Counted at the driver: on PostgreSQL a page view's account statement (the bell's count
    # with it) runs on psycopg's own cursor (grants.db.read_alone).
    with counted_round_trips(engine) as seen:
        page = client.get("/portal/dossiers").get_data(as_text=True)
    assert 'id="notification-bell"' in page
    bell = [s for s in seen.statements if "notifications" in s]
    assert len(bell) == 1 and "count(" in bell[0].lower()


# ---------------------------------------------------------------- the daily digest


def _due_tomorrow(db, world):
    """A dossier assigned on 02/03/2026: its appraisal step is due some days later."""
    return to_assigned(db, world, draft(db, world))


def test_digest_on_a_working_day_lists_deadlines_oldest_first_with_links(
        client, db, world, smtp, app, login):
    first = _due_tomorrow(db, world)
    second = _due_tomorrow(db, world)
    due = first.step_due_at
    app.config["DIGEST_TIME"] = "07:30"
    # the working day before the step deadline, at 08:00 local
    from grants.queries.calendar import calendar_for

    cal = calendar_for(due.year)
    day_before = cal.previous_working_day(due.date())
    with atomic():
        sent = notifications.send_digest(now_local=datetime.combine(
            day_before, datetime.min.time()).replace(hour=8))
    assert sent >= 1
    message = only_mail_to(smtp, world[Role.APPRAISER].email)
    body = text_of(message)
    assert "Hạn xử lý hồ sơ" in message["Subject"]
    assert body.index(first.code) < body.index(second.code)
    login(world[Role.APPRAISER])
    assert follow(client, links_in(body)[0]).status_code == 200
    with atomic():  # once a day
        assert notifications.send_digest(now_local=datetime.combine(
            day_before, datetime.min.time()).replace(hour=9)) == 0


def test_no_digest_on_a_day_off_nor_before_its_time(db, world, smtp, app):
    _due_tomorrow(db, world)
    app.config["DIGEST_TIME"] = "07:30"
    with atomic():
        db.session.add(HolidayOverride(day=date(2026, 3, 4), kind="day_off",
                                       note="Nghỉ bù"))
    with atomic():
        assert notifications.send_digest(now_local=datetime(2026, 3, 4, 9, 0)) == 0  # day off
        assert notifications.send_digest(now_local=datetime(2026, 3, 7, 9, 0)) == 0  # Saturday
        assert notifications.send_digest(now_local=datetime(2026, 3, 5, 7, 0)) == 0  # too early
    assert not [m for m in smtp.box.parsed() if "Hạn xử lý" in m["Subject"]]


# ---------------------------------------------------------------- budget thresholds


def test_budget_thresholds_are_told_to_leader_and_finance_once_each(db, world, smtp):
    year = world["year"]
    with atomic():
        year.budget_vnd = 100_000_000  # an approval of 70 M: 70 %
    first = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, first, actor=world[Role.LEADER])
    assert not notices(db, world[Role.LEADER], "budget_threshold")
    with atomic():
        year.budget_vnd = 84_000_000  # 70 M of 84 M: 83 %
    run(db, notifications.check_all_budget_thresholds)
    [eighty] = notices(db, world[Role.FINANCE], "budget_threshold")
    assert "80 %" in eighty.title and "83,3 %" in eighty.body
    assert "Với tốc độ hiện nay" in eighty.body  # the leader's forecast, in one sentence
    run(db, notifications.check_all_budget_thresholds)  # again: nothing new
    assert len(notices(db, world[Role.LEADER], "budget_threshold")) == 1
    with atomic():
        year.budget_vnd = 72_000_000  # 97 %
    run(db, notifications.check_all_budget_thresholds)
    titles = [n.title for n in notices(db, world[Role.LEADER], "budget_threshold")]
    assert len(titles) == 2 and "95 %" in titles[1]
    threshold_mails = [m for m in smtp.box.to(world[Role.LEADER].email)
                       if "đã cam kết vượt" in m["Subject"]]
    assert len(threshold_mails) == 2
    assert "Ngân sách năm 2026" in threshold_mails[1]["Subject"]


def test_an_approval_that_passes_a_threshold_tells_it_in_its_transaction(db, world, smtp):
    with atomic():
        world["year"].budget_vnd = 72_000_000
    dossier = to_reviewed(db, world, draft(db, world))
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    titles = [n.title for n in notices(db, world[Role.LEADER], "budget_threshold")]
    assert len(titles) == 2  # 70 of 72 M: both 80 % and 95 %


def test_a_forecast_shortfall_is_told_to_leader_and_finance_once_a_month(db, world, smtp):
    from grants.domain.forecast import forecast_sentence
    from grants.queries.forecast import year_forecast

    year = world["year"]
    with atomic():
        year.target_min, year.target_max = 16, 50  # one dossier in process: far from 16 items
    to_reviewed(db, world, draft(db, world))
    today = date(2026, 3, 10)
    with atomic():
        assert notifications.check_forecast(year, today=today)
    [notice] = notices(db, world[Role.LEADER], "forecast_warning")
    with atomic():
        expected = forecast_sentence(year_forecast(year, today))
    assert "thiếu" in expected or "chỉ tiêu" in expected
    assert expected in notice.body
    assert notices(db, world[Role.FINANCE], "forecast_warning")
    assert any("Dự báo ngân sách năm 2026" in m["Subject"]
               for m in smtp.box.to(world[Role.FINANCE].email))
    with atomic():  # the same month: not again; the next month: again
        assert not notifications.check_forecast(year, today=date(2026, 3, 25))
        assert notifications.check_forecast(year, today=date(2026, 4, 1))
    assert len(notices(db, world[Role.LEADER], "forecast_warning")) == 2


def test_no_forecast_notice_when_the_year_is_on_course(db, world, smtp):
    year = world["year"]
    with atomic():
        year.target_min, year.target_max = 0, 50
        assert not notifications.check_forecast(year, today=date(2026, 3, 10))
    assert not notices(db, world[Role.LEADER], "forecast_warning")


# ---------------------------------------------------------------- delivery faults


def test_smtp_down_then_back_every_notification_is_delivered(db, world, app):
    server = SmtpServer()  # not started: connection refused
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none",
                      MAIL_SWEEP_GRACE_SECONDS=0)
    for _ in range(3):
        dossier = submitted(db, world)
        act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Sai đối tượng")
    rows = db.session.scalars(select(OutgoingEmail)).all()
    assert len(rows) == 3
    assert {(r.state, r.attempts) for r in rows} == {(EmailState.PENDING, 1)}
    assert all("ConnectionRefused" in r.last_error for r in rows)
    server.start()
    try:
        with atomic():
            db.session.execute(OutgoingEmail.__table__.update().values(
                next_attempt_at=datetime(2000, 1, 1)))
        assert run(db, mail.sweep) == 3
        assert len(server.box.messages) == 3
        db.session.expire_all()
        assert {r.state for r in db.session.scalars(select(OutgoingEmail))} == {EmailState.SENT}
    finally:
        server.stop()


def test_after_the_last_attempt_the_row_is_failed_shown_to_the_admin_who_retries_it(
        client, db, world, app, login):
    server = SmtpServer()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_MAX_ATTEMPTS=2)
    dossier = submitted(db, world)
    act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Sai đối tượng")
    email = db.session.scalars(select(OutgoingEmail)).one()
    assert email.state == EmailState.PENDING
    email_id = email.id
    # the queue's retry, the last attempt allowed: failed, with the reason, no further retry
    assert run(db, mail.deliver, email_id) == EmailState.FAILED
    db.session.expire_all()
    assert (email.state, email.attempts) == (EmailState.FAILED, 2)
    login(world[Role.ADMIN])
    page = client.get("/admin/mail").get_data(as_text=True)
    assert world["applicant"].email in page and "ConnectionRefused" in page
    server.start()
    try:
        assert client.post(f"/admin/mail/{email.id}/retry").status_code == 302
        db.session.expire_all()
        assert email.state == EmailState.SENT and len(server.box.messages) == 1
    finally:
        server.stop()
    login(world[Role.CLERK])
    assert client.get("/admin/mail").status_code == 403


def test_a_refused_address_is_recorded_not_retried(db, world, smtp, make_user):
    smtp.box.refuse.add(world["applicant"].email)
    dossier = submitted(db, world)
    act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Sai đối tượng")
    [row] = notices(db, world["applicant"])
    assert row.email.state == EmailState.FAILED and "550" in row.email.last_error
    assert row.email.attempts == 1
    with atomic():
        assert mail.stale_ids() == []  # the sweep leaves it alone


def test_an_impossible_address_is_recorded_at_once(db, world, smtp):
    with atomic():
        email = mail.queue_email("không-phải-địa-chỉ", "Tiêu đề", "Nội dung")
    assert email.state == EmailState.FAILED and "không hợp lệ" in email.last_error
    assert smtp.box.messages == []


def test_a_web_action_never_fails_because_mail_does(client, db, world, app, login):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=SmtpServer().port)  # nobody listens
    dossier = submitted(db, world)
    login(world[Role.CLERK])
    response = client.post(f"/intake/{dossier.id}/refuse",
                           data={"reason": "Sai đối tượng", "expected_version": dossier.version})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert dossier.status == Status.REFUSED
    assert notices(db, world["applicant"], "intake_refused")


def test_a_sending_row_left_by_a_killed_worker_is_sent_once_more_after_its_lease(
        db, world, smtp, app):
    app.config["MAIL_LEASE_SECONDS"] = 60
    with atomic():
        row = mail.OutgoingEmail(key="k-1", to_address="dn@vi.du", subject="S",
                                 text_body="B", state=EmailState.SENDING, attempts=1,
                                 claimed_at=datetime(2000, 1, 1))
        db.session.add(row)
        fresh = mail.OutgoingEmail(key="k-2", to_address="dn@vi.du", subject="S",
                                   text_body="B", state=EmailState.SENDING, attempts=1,
                                   claimed_at=mail.utcnow())
        db.session.add(fresh)
    with atomic():
        assert mail.stale_ids() == [row.id]  # the fresh one is still someone's
    fresh_id = fresh.id
    assert run(db, mail.deliver, fresh_id) is None  # cannot claim it
    run(db, mail.sweep)
    assert len(smtp.box.messages) == 1
    db.session.expire_all()
    assert (row.state, row.attempts) == (EmailState.SENT, 2)


def test_the_applicant_sees_that_a_mail_failed_not_the_servers_words(client, db, world, smtp,
                                                                      login):
    """The mail server's reply (in English, naming internal hosts) stays on the admin's mail
    page; the applicant reads only that the e-mail could not be sent."""
    smtp.box.refuse.add(world["applicant"].email)
    dossier = submitted(db, world)
    act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Sai đối tượng")
    [row] = notices(db, world["applicant"])
    assert "550" in row.email.last_error
    login(world["applicant"])
    page = client.get("/notifications/").get_data(as_text=True)
    assert EmailState.FAILED.label in page and row.email.last_error not in page
    assert "550" not in page
