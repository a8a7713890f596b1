"""The admin's webhook pages: register (the secret shown once), the delivery log with filters,
manual redelivery, deactivation; admin only."""

import pytest
from sqlalchemy import select

from grants.domain.enums import DeliveryState
from grants.domain.roles import Role
from grants.models import Webhook, WebhookDelivery
from grants.services import dossiers as svc
from tests.integration.test_webhooks import Receiver
from tests.walk import RECEIVED_UTC, act, draft, full_checklist


@pytest.fixture
def receiver(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    running = Receiver().start()
    yield running
    running.stop()


def register(client, url, events=()):
    return client.post("/admin/webhooks/new", data={"url": url, "label": "Một cửa tỉnh",
                                                    "events": list(events)})


def test_register_shows_the_secret_once_and_delivers(app, db, world, client, login_as,
                                                     receiver):
    login_as(Role.ADMIN)
    page = register(client, receiver.url)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    webhook = db.session.scalars(select(Webhook)).one()
    html = page.get_data(as_text=True)
    assert "chỉ hiển thị một lần" in html and webhook.secret_encrypted not in html
    listed = client.get("/admin/webhooks/").get_data(as_text=True)
    assert receiver.url in listed and "Một cửa tỉnh" in listed
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    assert len(receiver.received) == 1
    shown = client.get(f"/admin/webhooks/{webhook.id}").get_data(as_text=True)
    assert "Đã gửi" in shown and "HTTP 200" in shown


def test_a_private_url_is_refused_beside_the_field(app, db, world, client, login_as):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    login_as(Role.ADMIN)
    page = register(client, "http://127.0.0.1:8000/hook")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "địa chỉ nội bộ" in html and 'value="http://127.0.0.1:8000/hook"' in html
    assert db.session.scalars(select(Webhook)).all() == []


def test_delivery_log_filters_and_manual_redelivery(app, db, world, client, login_as,
                                                     receiver):
    login_as(Role.ADMIN)
    register(client, receiver.url, events=["dossier.status_changed"])
    webhook = db.session.scalars(select(Webhook)).one()
    dossier = draft(db, world)
    receiver.status = 503
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    receiver.status = 200
    act(db, svc.receive, dossier, actor=world[Role.CLERK], lines=full_checklist(dossier),
        received_at=RECEIVED_UTC)  # its receipt slip is not a kind this webhook takes
    failed, ok = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert (failed.state, ok.state) == (DeliveryState.PENDING, DeliveryState.DELIVERED)
    page = client.get(f"/admin/webhooks/{webhook.id}?state=pending").get_data(as_text=True)
    assert f"Số {failed.event_id}" in page and f"Số {ok.event_id}" not in page
    assert "HTTP 503" in page
    # Event kinds read in Vietnamese, in the log and in the list (a reviewer's finding).
    assert "Hồ sơ chuyển trạng thái" in page and "dossier.status_changed</div>" not in page
    listed = client.get("/admin/webhooks/").get_data(as_text=True)
    assert "Hồ sơ chuyển trạng thái" in listed and "dossier.status_changed" not in listed
    page = client.get(f"/admin/webhooks/{webhook.id}?event_id={ok.event_id}")
    assert f"Số {ok.event_id}" in page.get_data(as_text=True)
    assert client.get(f"/admin/webhooks/{webhook.id}?event_id=abc").status_code == 200
    response = client.post(f"/admin/webhooks/deliveries/{failed.id}/redeliver")
    assert response.status_code == 302
    db.session.expire_all()
    assert failed.state == DeliveryState.DELIVERED and len(receiver.received) == 3


def test_deactivate_stops_the_deliveries(app, db, world, client, login_as, receiver):
    login_as(Role.ADMIN)
    register(client, receiver.url)
    webhook = db.session.scalars(select(Webhook)).one()
    assert client.post(f"/admin/webhooks/{webhook.id}/deactivate").status_code == 302
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    assert receiver.received == []
    again = client.post(f"/admin/webhooks/{webhook.id}/deactivate", follow_redirects=True)
    assert "đã ngừng hoạt động" in again.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.APPLICANT])
def test_only_admins_reach_the_pages(app, db, client, login_as, role):
    login_as(role)
    assert client.get("/admin/webhooks/").status_code == 403
    assert client.post("/admin/webhooks/new", data={"url": "https://8.8.8.8/"}).status_code \
        == 403
    assert db.session.scalars(select(Webhook)).all() == []


def test_the_list_names_the_event_kinds_in_vietnamese(app, db, client, login_as):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    login_as(Role.ADMIN)
    register(client, "https://203.113.131.1/hook",
             events=["dossier.status_changed", "document.issued"])
    webhook = db.session.scalars(select(Webhook)).one()
    for url in ("/admin/webhooks/", f"/admin/webhooks/{webhook.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Hồ sơ chuyển trạng thái, Văn bản được phát hành" in page
    assert "dossier.status_changed" not in client.get("/admin/webhooks/").get_data(as_text=True)
