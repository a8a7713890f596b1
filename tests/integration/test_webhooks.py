"""Webhooks: domain events POSTed, signed, to a receiver on 127.0.0.1 (http.server in a thread),
written in the transaction of the change, retried until delivered, none lost."""

import hashlib
import hmac
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from grants import queue
from grants.db import atomic, utcnow
from grants.domain.enums import DeliveryState, EventKind
from grants.domain.errors import Conflict, InvalidInput
from grants.domain.roles import Role
from grants.extensions import db as _db
from grants.models import DomainEvent, Webhook, WebhookDelivery
from grants.services import documents, ledger, webhooks
from grants.services import dossiers as svc
from tests.walk import act, draft, to_reviewed


class Receiver:
    """An integrator's endpoint: records every POST (headers, raw body); answers ``status``.
    ``stop()`` kills it (connections refused), ``start()`` brings it back on the same port."""

    def __init__(self, tls=None):
        self.tls = tls  # an ssl.SSLContext: an HTTPS receiver
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        self.gate = None  # a threading.Event each POST waits for (a slow receiver)
        self.port = 0
        self.server = None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                if receiver.gate is not None:
                    receiver.gate.wait(timeout=10)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/grants"

    def events(self):
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    running = Receiver().start()
    yield running
    if running.server is not None:
        running.stop()


def register(world, url, events=None):
    with atomic():
        webhook, secret = webhooks.register_webhook(actor=world[Role.ADMIN], url=url,
                                                    events=events, label="Phần mềm một cửa")
    return webhook, secret


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What an integrator writes to check a delivery (the README's recipe)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Grants-Signature"])


def walk_to_paid(db, world):
    dossier = draft(db, world)
    to_reviewed(db, world, dossier)
    act(db, svc.approve, dossier, actor=world[Role.LEADER], note="Đồng ý")
    act(db, documents.issue_outcome, dossier, actor=world[Role.RECORDS])
    act(db, ledger.record_payment, dossier, actor=world[Role.FINANCE], amount_vnd=10_000_000,
        paid_on=date(2026, 3, 20), voucher_no="PC-01", method="transfer")
    return dossier


def event_ids(dossier_id=None):
    stmt = select(DomainEvent.id).order_by(DomainEvent.id)
    if dossier_id is not None:
        stmt = stmt.where(DomainEvent.dossier_id == dossier_id)
    return list(_db.session.scalars(stmt))


def test_every_event_of_a_walk_arrives_in_order_signed(app, db, world, receiver):
    _, secret = register(world, receiver.url)
    dossier = walk_to_paid(db, world)
    assert [e["id"] for e in receiver.events()] == event_ids(dossier.id)
    kinds = [e["type"] for e in receiver.events()]
    assert kinds.count(EventKind.STATUS_CHANGED) == 8  # submit … approve, issue
    assert {EventKind.DOCUMENT_ISSUED, EventKind.PAYMENT_RECORDED} <= set(kinds)
    for headers, body in receiver.received:
        assert verify(secret, headers, body)
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Grants-Event-Id"] == str(json.loads(body)["id"])
    first, last = receiver.events()[0], receiver.events()[-1]
    assert first["dossier"] == {"id": dossier.id, "code": dossier.code, "status": "submitted"}
    assert first["payload"]["to_status"] == "submitted"
    assert last["type"] == EventKind.PAYMENT_RECORDED and last["dossier"]["status"] == "issued"
    assert last["payload"]["amount_vnd"] == 10_000_000
    assert first["time"].endswith("+07:00")
    deliveries = db.session.scalars(select(WebhookDelivery)).all()
    assert {(d.state, d.attempts, d.last_status_code) for d in deliveries} == {
        (DeliveryState.DELIVERED, 1, 200)}


def test_a_tampered_body_fails_the_signature(app, db, world, receiver):
    _, secret = register(world, receiver.url)
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    [(headers, body)] = receiver.received
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body.replace(b"submitted", b"approved"))
    assert not verify("another secret", headers, body)


def test_only_the_kinds_subscribed_are_sent(app, db, world, receiver):
    register(world, receiver.url, events=[EventKind.PAYMENT_RECORDED.value])
    walk_to_paid(db, world)
    assert [e["type"] for e in receiver.events()] == [EventKind.PAYMENT_RECORDED]


def test_receiver_down_then_back_loses_nothing(app, db, world, receiver):
    """Kill the receiver for a while: deliveries stay pending with the error; once it is back,
    the retries (driven here by the sweep, as a restarted worker would) deliver every event,
    in order, and a delivered event is not sent twice."""
    register(world, receiver.url)
    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    assert len(receiver.received) == 1
    receiver.stop()
    to_reviewed(db, world, dossier)  # receive, assign, visit, appraise, review while it is down
    pending = db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.state == DeliveryState.PENDING).order_by(WebhookDelivery.id)).all()
    assert len(pending) >= 5
    assert all(d.attempts == 1 and d.last_error and d.next_attempt_at > utcnow()
               for d in pending)
    assert webhooks.sweep() == []  # not overdue yet: the queue's own retry is due first
    # Still down at the next attempt: counted, still pending.
    webhooks.sweep(now=utcnow() + timedelta(hours=1))
    db.session.expire_all()
    assert {d.attempts for d in pending} == {2}
    receiver.start()
    requeued = webhooks.sweep(now=utcnow() + timedelta(hours=1))
    assert requeued == [d.id for d in pending]
    assert [e["id"] for e in receiver.events()] == event_ids(dossier.id)
    assert db.session.scalars(select(WebhookDelivery.state).distinct()).all() == [
        DeliveryState.DELIVERED]
    assert webhooks.sweep(now=utcnow() + timedelta(days=1)) == []


def test_the_queue_retries_then_marks_failed_after_the_last_attempt(app, db, world, receiver):
    receiver.status = 500
    register(world, receiver.url)
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.state, delivery.last_status_code) == (DeliveryState.PENDING, 500)
    delay = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=29) < delay <= timedelta(seconds=31)
    delivery_id = delivery.id
    db.session.commit()  # the attempts below run in their own transactions, as in a worker
    for attempt in range(2, webhooks.MAX_ATTEMPTS + 1):
        with pytest.raises(webhooks.DeliveryFailed) if attempt < webhooks.MAX_ATTEMPTS \
                else _nothing():
            webhooks.deliver.call_local(delivery_id)
    db.session.expire_all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, webhooks.MAX_ATTEMPTS)
    assert "HTTP 500" in delivery.last_error
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_delivery_in_flight_is_not_sent_again_by_a_second_run(app, db, world, receiver):
    """A retry and a sweep (or two workers) run the same delivery: the first claims it
    ("sending") and POSTs; the second, while the first waits for the receiver's answer, sends
    nothing. The admin cannot send it again meanwhile either. Once the claim's lease has run out
    (a worker killed mid-attempt), the sweep takes it again."""
    register(world, receiver.url)
    receiver.stop()
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    delivery_id, admin = delivery.id, world[Role.ADMIN]
    db.session.commit()
    receiver.start()
    receiver.gate = threading.Event()
    first = {}

    def run_first():
        with app.app_context():
            first["state"] = webhooks.deliver.call_local(delivery_id)

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        for _ in range(200):
            if receiver.received:
                break
            thread.join(timeout=0.05)
        assert len(receiver.received) == 1  # the first run is waiting for the answer
        assert webhooks.deliver.call_local(delivery_id) == DeliveryState.SENDING
        held = db.session.get(WebhookDelivery, delivery_id)
        assert (held.state, held.attempts) == (DeliveryState.SENDING, 2)
        with pytest.raises(Conflict):
            webhooks.redeliver(held, actor=admin)
        db.session.rollback()
    finally:
        receiver.gate.set()
        thread.join(timeout=30)
    assert first["state"] == DeliveryState.DELIVERED and len(receiver.received) == 1
    db.session.expire_all()
    done = db.session.get(WebhookDelivery, delivery_id)
    assert (done.state, done.attempts) == (DeliveryState.DELIVERED, 2)
    # A claim whose worker died: the sweep hands it back once the lease is well past.
    receiver.gate = None
    done.state, done.next_attempt_at = DeliveryState.SENDING, utcnow() + timedelta(minutes=1)
    db.session.commit()
    assert webhooks.sweep() == []  # its lease runs
    done.next_attempt_at = utcnow() - webhooks.SWEEP_GRACE - timedelta(seconds=1)
    db.session.commit()
    assert webhooks.sweep() == [delivery_id]
    assert len(receiver.received) == 2
    assert db.session.get(WebhookDelivery, delivery_id).state == DeliveryState.DELIVERED


def test_manual_redelivery_sends_again(app, db, world, receiver):
    register(world, receiver.url)
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    act(db, webhooks.redeliver, delivery, actor=world[Role.ADMIN])
    assert len(receiver.received) == 2
    assert receiver.received[0][1] == receiver.received[1][1]  # the same body, byte for byte
    db.session.expire_all()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 1)


def test_a_rolled_back_action_writes_and_sends_no_delivery(app, db, world, receiver):
    register(world, receiver.url)
    dossier = draft(db, world)
    with pytest.raises(RuntimeError), atomic():
        svc.submit(dossier, actor=world[Role.CLERK])
        raise RuntimeError("the action failed")
    assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert receiver.received == []


def test_an_inactive_webhook_gets_nothing(app, db, world, receiver):
    webhook, _ = register(world, receiver.url)
    act(db, webhooks.deactivate_webhook, webhook, actor=world[Role.ADMIN])
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    assert receiver.received == [] and db.session.scalars(select(WebhookDelivery)).all() == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/x", "http://192.168.1.1/",
    "http://172.16.0.5/", "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x", "http://100.64.0.1/", "http://0.0.0.0/", "http://240.0.0.1/",
])
def test_private_addresses_are_refused_unless_allowed(app, db, world, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    with pytest.raises(InvalidInput) as refused:
        register(world, url)
    assert refused.value.field == "url"
    assert db.session.scalars(select(Webhook)).all() == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "example.com",
                                 "http://user:pw@8.8.8.8/", "http:///x", ""])
def test_only_plain_http_urls(app, db, world, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    with pytest.raises(InvalidInput):
        register(world, url)


def test_a_public_address_is_accepted(app, db, world):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    webhook, secret = register(world, "https://8.8.8.8/hooks")
    assert webhook.url == "https://8.8.8.8/hooks" and len(secret) >= 40
    assert secret not in webhook.secret_encrypted  # stored encrypted, not as is


def test_delivery_checks_the_address_again(app, db, world, receiver):
    """A URL accepted while private addresses were allowed (or a name that now resolves to
    one: DNS rebinding) is not POSTed to once they are refused."""
    register(world, receiver.url)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state == DeliveryState.FAILED and "nội bộ" in delivery.last_error
    assert receiver.received == []


class NameServer:
    """``socket.getaddrinfo`` for one made-up host name: each lookup takes the next answer (the
    last one repeats; an exception is raised); other names resolve as usual. ``connected``
    records where urllib3 connected; ``unreachable`` addresses refuse at once."""

    def __init__(self, monkeypatch, host, *answers, unreachable=()):
        import socket

        import urllib3.util.connection

        self.host, self.answers, self.lookups, self.connected = host, list(answers), 0, []
        real_lookup, real_connect = socket.getaddrinfo, urllib3.util.connection.create_connection

        def lookup(name, port, *args, **kw):
            if name != host:
                return real_lookup(name, port, *args, **kw)
            self.lookups += 1
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            if isinstance(answer, Exception):
                raise answer
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     (answer, port or 0))]

        def connect(address, *args, **kw):
            self.connected.append(address[0])
            if address[0] in unreachable:
                raise ConnectionRefusedError(f"{address[0]} unreachable (test)")
            return real_connect(address, *args, **kw)

        monkeypatch.setattr(socket, "getaddrinfo", lookup)
        monkeypatch.setattr(urllib3.util.connection, "create_connection", connect)


def test_the_address_checked_is_the_address_posted_to(app, db, world, receiver, monkeypatch):
    """DNS rebinding: the name answers a public address to the check, then the receiver's
    loopback address. The delivery connects only to what it checked: nothing reaches the
    receiver, and the attempt is retried later."""
    names = NameServer(monkeypatch, "rebind.example", "8.8.8.8", "8.8.8.8", "127.0.0.1",
                       unreachable={"8.8.8.8"})
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    register(world, f"http://rebind.example:{receiver.port}/hooks/grants")
    names.lookups = 0
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert receiver.received == []
    assert names.connected == ["8.8.8.8"] and names.lookups == 1
    assert delivery.state == DeliveryState.PENDING and "8.8.8.8" in delivery.last_error


def test_https_connects_to_the_checked_address_and_verifies_the_name(monkeypatch, tmp_path):
    """The connection goes to the address checked, while TLS still sends and verifies the host
    name: a certificate for the name is accepted, one for another name is refused."""
    import ssl

    import requests
    import trustme

    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example").configure_cert(tls)
    server = Receiver(tls=tls).start()
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    names = NameServer(monkeypatch, "hooks.example", "127.0.0.1")
    NameServer(monkeypatch, "other.example", "127.0.0.1")
    try:
        with webhooks._checked_session(allow_private=True) as session:
            answer = session.post(f"https://hooks.example:{server.port}/x", data=b"{}",
                                  verify=str(tmp_path / "ca.pem"), timeout=5)
            assert answer.status_code == 200 and names.connected == ["127.0.0.1"]
            with pytest.raises(requests.exceptions.SSLError, match="other.example"):
                session.post(f"https://other.example:{server.port}/x", data=b"{}",
                             verify=str(tmp_path / "ca.pem"), timeout=5)
        with webhooks._checked_session(allow_private=False) as session, \
                pytest.raises(InvalidInput, match="nội bộ"):
            session.post(f"https://hooks.example:{server.port}/x", data=b"{}", timeout=5)
    finally:
        server.stop()
    assert len(server.received) == 1


def test_a_name_that_does_not_resolve_for_a_moment_is_tried_again(app, db, world, receiver,
                                                                    monkeypatch):
    """A name server that fails at delivery time leaves the delivery pending, to be retried
    (it used to fail it for good); once the name resolves again, it is delivered."""
    import socket

    NameServer(monkeypatch, "hooks.example", "127.0.0.1",
               socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
               "127.0.0.1")
    register(world, f"http://hooks.example:{receiver.port}/hooks/grants")
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert "Không phân giải được tên máy «hooks.example»" in delivery.last_error
    assert receiver.received == []
    delivery_id = delivery.id
    db.session.commit()  # the worker's task runs in its own transaction
    assert webhooks.deliver.call_local(delivery_id) == DeliveryState.DELIVERED
    assert len(receiver.received) == 1


def test_a_changed_secret_key_fails_the_delivery_with_the_reason(app, db, world, receiver):
    register(world, receiver.url)
    app.config["SECRET_KEY"] = "another-secret-key"
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state == DeliveryState.FAILED and "SECRET_KEY" in delivery.last_error
    assert receiver.received == []


def test_the_worker_sweep_every_minute_resends_what_a_lost_task_left_pending(
        app, db, world, receiver):
    """A delivery whose task was lost (a worker killed mid-attempt) stays pending; once it is
    more than SWEEP_GRACE overdue, the periodic task (every minute) sends it."""
    from datetime import datetime

    register(world, receiver.url)
    receiver.stop()
    act(db, svc.submit, draft(db, world), actor=world[Role.CLERK])
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state == DeliveryState.PENDING
    receiver.start()
    db.session.commit()  # the worker's task runs in its own transaction
    webhooks.sweep_deliveries.call_local()
    assert receiver.received == []  # its own retry is not overdue yet
    delivery.next_attempt_at = utcnow() - webhooks.SWEEP_GRACE - timedelta(seconds=1)
    db.session.commit()
    webhooks.sweep_deliveries.call_local()
    assert len(receiver.received) == 1
    due = queue.huey.read_periodic(datetime(2026, 3, 2, 9, 17))
    assert "grants.services.webhooks.sweep_deliveries" in {t.name for t in due}
