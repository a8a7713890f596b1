"""Webhooks and the event feed through the JSON API: admin-only registration with the secret
shown once, GET /events?after= paging for staff, and an integrator (written from the OpenAPI
document only) keeping a local copy in sync by webhooks on 127.0.0.1, receiver killed for a
while without losing an event."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from grants.db import utcnow
from grants.domain.roles import Role
from grants.services import dossiers as svc
from grants.services import webhooks
from tests.integration.test_webhooks import Receiver, walk_to_paid
from tests.walk import act, draft, to_assigned


@pytest.fixture
def token_for(db):
    from grants.services import accounts

    tokens = {}

    def issue(user):
        if user.id not in tokens:
            tokens[user.id] = accounts.issue_api_token(user, label="test")
            db.session.commit()
        return {"Authorization": f"Bearer {tokens[user.id]}"}

    return issue


@pytest.fixture
def receiver(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    running = Receiver().start()
    yield running
    if running.server is not None:
        running.stop()


class Integrator:
    """The one-stop software's side, from the OpenAPI document and the README only (nothing
    from ``grants``): registers its webhook, checks each delivery's signature, and keeps a
    local copy of each dossier's state, applying events once each, in id order."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers
        self.secret = None
        self.seen: set[int] = set()
        self.states: dict[int, str] = {}
        self.log: list[int] = []

    def register(self, url):
        response = self.client.post("/api/v1/webhooks", json={"url": url, "label": "Một cửa"},
                                    headers=self.headers)
        assert response.status_code == 201, response.get_json()
        self.secret = response.get_json()["secret"]

    def accept(self, headers, body: bytes) -> bool:
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-Grants-Signature", "")):
            return False
        event = json.loads(body)
        if event["id"] not in self.seen:  # at least once: deduplicate by id
            self.seen.add(event["id"])
            self.log.append(event["id"])
            if event["dossier"]:
                self.states[event["dossier"]["id"]] = event["dossier"]["status"]
        return True

    def feed(self):
        events, after = [], 0
        while True:
            page = self.client.get(f"/api/v1/events?after={after}&limit=3",
                                   headers=self.headers).get_json()
            events += page["items"]
            after = page["next_after"]
            if not page["has_more"]:
                return events


def test_an_integrator_keeps_in_sync_by_webhooks_with_the_receiver_killed_a_while(
        app, db, world, client, token_for, receiver):
    integrator = Integrator(client, token_for(world[Role.ADMIN]))
    integrator.register(receiver.url)
    first = draft(db, world)
    to_assigned(db, world, first)
    receiver.stop()  # down while a second dossier is walked to its payment
    second = walk_to_paid(db, world)
    act(db, svc.withdraw, draft(db, world, channel="online"), actor=world["applicant"],
        reason="Không tiếp tục")  # a draft withdrawn: an event too
    receiver.start()
    webhooks.sweep(now=utcnow() + timedelta(hours=1))  # what the worker's sweep does
    assert all(integrator.accept(h, b) for h, b in receiver.received)
    feed = integrator.feed()
    assert integrator.log == [e["id"] for e in feed]  # none lost, in order
    assert integrator.states[first.id] == "assigned"
    assert integrator.states[second.id] == "issued"
    for dossier_id, state in integrator.states.items():
        page = client.get(f"/api/v1/dossiers/{dossier_id}",
                          headers=token_for(world[Role.CLERK])).get_json()
        assert page["state"] == state
    # Delivered means acknowledged: a further sweep sends nothing again.
    count = len(receiver.received)
    webhooks.sweep(now=utcnow() + timedelta(days=1))
    assert len(receiver.received) == count


def test_registering_shows_the_secret_once(app, db, world, client, token_for, receiver):
    headers = token_for(world[Role.ADMIN])
    response = client.post("/api/v1/webhooks", json={
        "url": receiver.url, "events": ["payment.recorded", "document.issued"]}, headers=headers)
    assert response.status_code == 201
    created = response.get_json()
    assert created["events"] == ["document.issued", "payment.recorded"]
    assert created["active"] is True and len(created["secret"]) >= 40
    listed = client.get("/api/v1/webhooks", headers=headers).get_json()["items"]
    assert [w["id"] for w in listed] == [created["id"]]
    assert "secret" not in listed[0] and created["secret"] not in json.dumps(listed)
    assert listed[0]["deliveries"] == {"pending": 0, "sending": 0, "delivered": 0, "failed": 0}
    response = client.post(f"/api/v1/webhooks/{created['id']}/deactivate", headers=headers)
    assert response.status_code == 200 and response.get_json()["active"] is False
    response = client.post(f"/api/v1/webhooks/{created['id']}/deactivate", headers=headers)
    assert response.status_code == 409
    assert client.post("/api/v1/webhooks/999/deactivate", headers=headers).status_code == 404


def test_a_retried_registration_never_keeps_the_secret(app, db, world, client, token_for,
                                                      receiver):
    """The answer of a POST with an Idempotency-Key is kept for its retries; a reviewer found
    the webhook's signing secret stored there in clear. The kept copy has it as null."""
    from sqlalchemy import select

    from grants.models import IdempotencyRecord

    headers = {**token_for(world[Role.ADMIN]), "Idempotency-Key": "dang-ky-webhook-1"}
    first = client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=headers)
    assert first.status_code == 201
    secret = first.get_json()["secret"]
    assert len(secret) >= 40
    kept = db.session.scalars(select(IdempotencyRecord)).one()
    assert secret.encode() not in kept.body
    again = client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["secret"] is None
    assert again.get_json()["id"] == first.get_json()["id"]


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_an_admin_token_manages_webhooks(app, db, world, client, token_for, role):
    user = world["applicant"] if role == Role.APPLICANT else world[role]
    headers = token_for(user)
    assert client.get("/api/v1/webhooks", headers=headers).status_code == 403
    response = client.post("/api/v1/webhooks", json={"url": "https://8.8.8.8/x"},
                           headers=headers)
    assert response.status_code == 403 and response.is_json
    assert client.post("/api/v1/webhooks/1/deactivate", headers=headers).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "http://127.0.0.1:9/x"}, "url"),
    ({"url": "http://169.254.169.254/latest"}, "url"),
    ({"url": "ftp://8.8.8.8/x"}, "url"),
    ({"url": "https://8.8.8.8/x", "events": ["dossier.deleted"]}, "events[0]"),
    ({}, "url"),
    ({"url": "https://8.8.8.8/x", "label": "a\u0000b"}, "label"),
    ({"url": "https://8.8.8.8/x", "secret": "mine"}, "secret"),
])
def test_a_refused_registration_is_422_naming_the_field(app, db, world, client, token_for,
                                                          body, field):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    response = client.post("/api/v1/webhooks", json=body, headers=token_for(world[Role.ADMIN]))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    from grants.models import Webhook

    assert db.session.scalars(db.select(Webhook)).all() == []


def test_events_after_pages_in_id_order_for_staff(app, db, world, client, token_for):
    dossier = draft(db, world)
    to_assigned(db, world, dossier)
    headers = token_for(world[Role.APPRAISER])
    everything = client.get("/api/v1/events", headers=headers).get_json()
    ids = [e["id"] for e in everything["items"]]
    assert len(ids) == 4 and ids == sorted(ids) and everything["has_more"] is False
    assert everything["next_after"] == ids[-1]
    first = client.get("/api/v1/events?limit=2", headers=headers).get_json()
    assert [e["id"] for e in first["items"]] == ids[:2] and first["has_more"] is True
    rest = client.get(f"/api/v1/events?after={first['next_after']}&limit=2",
                      headers=headers).get_json()
    assert [e["id"] for e in rest["items"]] == ids[2:] and rest["has_more"] is False
    empty = client.get(f"/api/v1/events?after={ids[-1]}", headers=headers).get_json()
    assert empty == {"items": [], "next_after": ids[-1], "has_more": False}
    receipt = everything["items"][2]
    assert receipt["type"] == "document.issued"
    assert receipt["dossier"] == {"id": dossier.id, "code": dossier.code, "status": "received"}
    assert set(receipt) == {"id", "type", "time", "dossier", "payload"}


def test_events_refuse_applicants_and_bad_parameters(app, db, world, client, token_for):
    response = client.get("/api/v1/events", headers=token_for(world["applicant"]))
    assert response.status_code == 403
    headers = token_for(world[Role.CLERK])
    for query in ("after=-1", "after=x", "limit=0", "limit=501", "after=99999999999"):
        response = client.get(f"/api/v1/events?{query}", headers=headers)
        assert response.status_code == 422, query
        assert set(response.get_json()["error"]["fields"]) <= {"after", "limit"}


def test_the_openapi_document_describes_webhooks_and_events(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/webhooks", "/webhooks/{webhook_id}/deactivate", "/events"} <= set(
        document["paths"])
    assert "X-Grants-Signature" in document["paths"]["/webhooks"]["post"]["description"]
    schemas = document["components"]["schemas"]
    assert schemas["WebhookInput"]["required"] == ["url"]
    assert set(schemas["Event"]["required"]) == {"id", "type", "time", "dossier", "payload"}
