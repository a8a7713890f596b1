"""Webhooks: the admin registers an integrator's URL; every domain event it subscribes to is
POSTed there, signed, through the task queue, at least once.

Writing: ``on_event`` (subscribed to ``grants.services.events``) writes one pending
``WebhookDelivery`` per active webhook that wants the event, in the transaction of the change
itself (an outbox), and enqueues their delivery once that transaction commits. A rolled-back
action therefore writes and sends nothing.

Sending (``deliver``, a task): the body is the event as ``grants.queries.events.event_body``
gives it, JSON-encoded once; the headers carry ``X-Grants-Event-Id`` and
``X-Grants-Signature: sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>``.
A 2xx answer marks the delivery delivered. Anything else (another status, a redirect, a
timeout, a refused connection) is retried by the queue with growing delays (30 s, 1 min,
2 min … about two hours in all, ``RETRIES``); the last failed attempt marks it failed. The
attempts are counted in the row, so a delivery is tried ``MAX_ATTEMPTS`` times at most, however
it got back into the queue. An attempt first *claims* the delivery ("sending", until a lease
runs out), as the e-mails do: two runs of one delivery (a retry and a sweep) never POST it at
the same time.

Losing nothing (``sweep``, every minute): a pending delivery whose next attempt is more than
``SWEEP_GRACE`` overdue (its task was lost: a worker killed mid-delivery, a queue unreachable
at commit time) is enqueued again.

Request forgery: a URL must be http(s) and every address its host resolves to must be a public
one (no private, loopback, link-local, shared, multicast or reserved address), checked when it
is registered and again by each delivery's connection, which connects only to the addresses
it has just checked (a name that resolves elsewhere later, DNS rebinding), unless the setting
WEBHOOK_ALLOW_PRIVATE is true. Redirects are not followed. A name that does not resolve at
delivery time is retried like a refused connection.

The secret is generated here (``secrets``), shown once, and stored encrypted (Fernet, with
grants.services.secrets_box) with a key derived from the app's SECRET_KEY: a change of SECRET_KEY
makes the stored secrets unreadable (deliveries then fail with that reason; register the
webhooks again).
"""

import functools
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import requests
import requests.adapters
from sqlalchemy import update
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from grants import queue
from grants.db import after_commit, atomic, utcnow
from grants.domain.enums import DeliveryState, EventKind
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.extensions import db
from grants.models import DomainEvent, Webhook, WebhookDelivery
from grants.models.webhook import ALL_EVENTS
from grants.queries.events import due_deliveries, event_body
from grants.services import audit, events, secrets_box, security_log

RETRIES = 8
RETRY_DELAY_SECONDS = 30
MAX_ATTEMPTS = RETRIES + 1
SWEEP_GRACE = timedelta(minutes=10)
URL_MAX = 2000
USER_AGENT = "grants-webhooks/1"


class DeliveryFailed(Exception):
    """An attempt failed and will be retried (raised so the queue schedules the retry)."""


class Unresolvable(InvalidInput):
    """The host name does not resolve: refused at registration, retried at delivery (a name
    server that does not answer for a moment must not lose the delivery)."""


# ---------------------------------------------------------------- the URL check


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return not address.is_global or address.is_multicast or address.is_reserved


def _addresses(host: str) -> list[str]:
    try:
        return [ipaddress.ip_address(host).compressed]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise Unresolvable(f"Không phân giải được tên máy «{host}».", field="url") from None
    return sorted({info[4][0].split("%", 1)[0] for info in infos})


def _allowed_addresses(host: str, *, allow_private: bool) -> list[str]:
    """The addresses ``host`` resolves to, once; InvalidInput (field ``url``) if it does not
    resolve or (unless ``allow_private``) any of them is not a public address."""
    addresses = _addresses(host)
    if not allow_private:
        refused = [a for a in addresses if _refused(ipaddress.ip_address(a))]
        if refused:
            raise InvalidInput(
                f"Địa chỉ «{host}» trỏ tới địa chỉ nội bộ, loopback, link-local hoặc dành riêng "
                f"({', '.join(refused)}): không được phép (chống giả mạo yêu cầu từ máy chủ).",
                field="url")
    return addresses


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL, stripped, if the app may POST to it; InvalidInput (field ``url``) otherwise:
    not http(s), no host, credentials in it, too long, a host that does not resolve, or (unless
    ``allow_private``) any address of the host that is not a public one."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("Vui lòng nhập địa chỉ URL.", field="url")
    if len(url) > URL_MAX or "\x00" in url:
        raise InvalidInput(f"Địa chỉ URL dài quá {URL_MAX} ký tự hoặc chứa ký tự không hợp lệ.",
                           field="url")
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise InvalidInput("Địa chỉ URL không hợp lệ.", field="url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInput("Địa chỉ URL phải bắt đầu bằng http:// hoặc https:// và có tên máy.",
                           field="url")
    if parts.username or parts.password:
        raise InvalidInput("Địa chỉ URL không được chứa tên đăng nhập hoặc mật khẩu.",
                           field="url")
    _allowed_addresses(host, allow_private=allow_private)
    return url


# ---------------------------------------------------------------- the secret


#: What the key of the stored secrets is derived for (grants.services.secrets_box).
KEY_PURPOSE = "webhook secrets"


def _encrypt(secret: str) -> str:
    return secrets_box.encrypt(secret, purpose=KEY_PURPOSE)


def _decrypt(token: str) -> str:
    return secrets_box.decrypt(token, purpose=KEY_PURPOSE)


def signature(secret: str, body: bytes) -> str:
    """The ``X-Grants-Signature`` header value of ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(body: dict) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON, keys sorted."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------- registering


def _require_admin(actor) -> None:
    if Role.ADMIN not in frozenset(getattr(actor, "roles", ())):
        raise Forbidden("Chỉ quản trị viên được quản lý webhook.")


def event_kinds(events: list[str] | None) -> list[str]:
    """The kinds a webhook receives: ``["*"]`` (all) for none or ``*``; otherwise the known
    kinds named, in EventKind order. InvalidInput (field ``events``) for an unknown kind."""
    if not events:
        return [ALL_EVENTS]
    unknown = [e for e in events if e != ALL_EVENTS and e not in EventKind._value2member_map_]
    if unknown:
        raise InvalidInput("Loại sự kiện không hợp lệ: " + ", ".join(map(str, unknown))
                           + " (chọn trong: *, " + ", ".join(k.value for k in EventKind) + ").",
                           field="events")
    if ALL_EVENTS in events:
        return [ALL_EVENTS]
    return [k.value for k in EventKind if k.value in events]


def register_webhook(*, actor, url: str, events: list[str] | None = None,
                     label: str | None = None) -> tuple[Webhook, str]:
    """Register ``url`` for the ``events`` kinds (all by default); returns the webhook and its
    secret in clear, the only time it is shown. Raises Forbidden (not an admin), InvalidInput
    (the URL, see ``check_url``; an unknown event kind)."""
    _require_admin(actor)
    config = queue.settings()
    url = check_url(url, allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")))
    kinds = event_kinds(events)
    label = (label or "").strip() or None
    if label is not None and (len(label) > 100 or "\x00" in label):
        raise InvalidInput("Ghi chú dài quá 100 ký tự hoặc chứa ký tự không hợp lệ.",
                           field="label")
    secret = secrets.token_urlsafe(32)
    webhook = Webhook(url=url, label=label, events_json=json.dumps(kinds),
                      secret_encrypted=_encrypt(secret), created_by_id=actor.id, is_active=True)
    db.session.add(webhook)
    db.session.flush()
    audit.record("webhook.create", webhook, actor=actor,
                 after={"url": url, "events": kinds, "label": webhook.label})
    security_log.record("webhook.registered", user=actor,
                        detail={"webhook_id": webhook.id, "url": url})
    return webhook, secret


def deactivate_webhook(webhook: Webhook, *, actor) -> None:
    """Stop sending to ``webhook`` (kept, with its log); its pending deliveries (and those in
    flight) are marked failed. Raises Forbidden (not an admin), Conflict (already inactive)."""
    _require_admin(actor)
    if not webhook.is_active:
        raise Conflict("Webhook này đã ngừng hoạt động trước đó.")
    now = utcnow()
    webhook.is_active = False
    webhook.deactivated_at = now
    for delivery in db.session.scalars(db.select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.state.in_((DeliveryState.PENDING.value,
                                       DeliveryState.SENDING.value)))):
        delivery.state = DeliveryState.FAILED
        delivery.last_error = "Webhook đã ngừng hoạt động."
        delivery.next_attempt_at = None
    db.session.flush()
    audit.record("webhook.deactivate", webhook, actor=actor, before={"is_active": True},
                 after={"is_active": False})
    security_log.record("webhook.deactivated", user=actor,
                        detail={"webhook_id": webhook.id, "url": webhook.url})


def redeliver(delivery: WebhookDelivery, *, actor) -> None:
    """Send the delivery again (whatever its state), with a fresh count of attempts, after the
    commit. Raises Forbidden (not an admin), Conflict (the webhook is inactive, or an attempt
    is in flight)."""
    _require_admin(actor)
    if not delivery.webhook.is_active:
        raise Conflict("Webhook đã ngừng hoạt động; không gửi lại được.")
    if _in_flight(delivery, utcnow()):
        raise Conflict("Lần gửi này đang diễn ra; hãy chờ kết quả rồi gửi lại nếu cần.")
    before = {"state": str(delivery.state), "attempts": delivery.attempts}
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.delivered_at = None
    db.session.flush()
    audit.record("webhook.redeliver", delivery.webhook, actor=actor, before=before,
                 after={"delivery_id": delivery.id, "event_id": delivery.event_id,
                        "state": DeliveryState.PENDING.value})
    delivery_id = delivery.id
    after_commit(lambda: deliver(delivery_id))


# ---------------------------------------------------------------- the outbox


@events.subscribe
def on_event(event: DomainEvent) -> None:
    """Write a pending delivery of ``event`` to every active webhook that wants it, in the
    caller's transaction; their delivery is enqueued after the commit."""
    hooks = [h for h in db.session.scalars(db.select(Webhook).where(Webhook.is_active)
                                           .order_by(Webhook.id)) if h.wants(event.kind)]
    if not hooks:
        return
    now = utcnow()
    rows = [WebhookDelivery(webhook_id=h.id, event_id=event.id, state=DeliveryState.PENDING,
                            attempts=0, next_attempt_at=now) for h in hooks]
    db.session.add_all(rows)
    db.session.flush()
    ids = [row.id for row in rows]
    after_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    for delivery_id in ids:
        deliver(delivery_id)


# ---------------------------------------------------------------- sending


def _delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAY_SECONDS * 2 ** max(attempts - 1, 0))


def _lease(timeout: float) -> timedelta:
    """How long a claimed delivery belongs to the run that claimed it: well past its request's
    connect and read timeouts."""
    return timedelta(seconds=2 * timeout + 60)


def _in_flight(delivery: WebhookDelivery, now) -> bool:
    """Claimed by a run whose lease has not run out."""
    return delivery.state == DeliveryState.SENDING and (delivery.next_attempt_at is None
                                                        or delivery.next_attempt_at > now)


def _claim(delivery: WebhookDelivery, attempts: int, now, *, lease: timedelta) -> bool:
    """Move the delivery, as read, to "sending" (attempt counted, ``next_attempt_at`` the end
    of the lease): one UPDATE conditioned on the state and count read, so of two runs (a retry
    and a sweep) only one claims it; the other's condition no longer holds once the first
    commits (PostgreSQL re-reads the row it waited for; SQLite serialises writers)."""
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.state == delivery.state,
               WebhookDelivery.attempts == delivery.attempts)
        .values(state=DeliveryState.SENDING.value, attempts=attempts, last_attempt_at=now,
                next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)).rowcount
    return claimed == 1


def _finish(delivery_id: int, **values) -> None:
    """The outcome of a claimed attempt, unless the delivery has left "sending" meanwhile (the
    webhook deactivated: it stays failed)."""
    with atomic():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is not None and delivery.state == DeliveryState.SENDING:
            for field, value in values.items():
                setattr(delivery, field, value)


class _CheckedConnection:
    """A connection that resolves its host once, checks every address (``_allowed_addresses``)
    and connects only to those: the address checked is the address POSTed to (a name server
    that answers a public address to the check and a private one to the connection, DNS
    rebinding, gets nowhere). TLS still names and verifies the host."""

    allow_private = False

    def _new_conn(self):
        name, error = self._dns_host, None
        for address in _allowed_addresses(name, allow_private=self.allow_private):
            self._dns_host = address  # what urllib3 connects to; restored for TLS below
            try:
                return super()._new_conn()
            except NewConnectionError as err:
                error = err
            finally:
                self._dns_host = name
        raise error or NewConnectionError(self, f"{name}: no address to connect to")


@functools.cache
def _checked_pools(allow_private: bool) -> dict[str, type]:
    """urllib3's connection pools by scheme, with ``_CheckedConnection``s."""
    def pool(base_pool, base_connection):
        connection = type(base_connection.__name__, (_CheckedConnection, base_connection),
                          {"allow_private": allow_private})
        return type(base_pool.__name__, (base_pool,), {"ConnectionCls": connection})

    return {"http": pool(HTTPConnectionPool, HTTPConnection),
            "https": pool(HTTPSConnectionPool, HTTPSConnection)}


class _CheckedAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _checked_pools(self.allow_private)


def _checked_session(allow_private: bool) -> requests.Session:
    """A requests session whose connections are ``_CheckedConnection``s, without a proxy from
    the environment (the address checked must be the one connected to)."""
    session = requests.Session()
    session.trust_env = False
    for prefix in ("http://", "https://"):
        session.mount(prefix, _CheckedAdapter(allow_private))
    return session


def _post(url: str, body: bytes, headers: dict, timeout: float, *,
          allow_private: bool) -> requests.Response:
    with _checked_session(allow_private) as session:
        return session.post(url, data=body, headers=headers, timeout=timeout,
                            allow_redirects=False)


@queue.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS, retry_backoff=2)
def deliver(delivery_id: int) -> str | None:
    """One attempt at one delivery; returns its state after it (None when the row is gone).
    Raises DeliveryFailed when the attempt failed and another is due (the queue retries)."""
    config = queue.settings()
    now = utcnow()
    timeout = float(config.get("WEBHOOK_TIMEOUT") or 10)
    with atomic():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return None
        if (delivery.state not in (DeliveryState.PENDING, DeliveryState.SENDING)
                or _in_flight(delivery, now)):
            return delivery.state  # done, or another run has it in flight
        webhook = delivery.webhook
        if not webhook.is_active:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = "Webhook đã ngừng hoạt động."
            return delivery.state
        attempts = delivery.attempts + 1
        if not _claim(delivery, attempts, now, lease=_lease(timeout)):
            return DeliveryState.SENDING  # another run claimed it first
        url, event_id = webhook.url, delivery.event_id
        body = encode(event_body(delivery.event))
        kind = delivery.event.kind
        try:
            secret = _decrypt(webhook.secret_encrypted)
        except secrets_box.InvalidToken:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = ("Không giải mã được khóa bí mật của webhook (SECRET_KEY đã "
                                   "đổi?): hãy đăng ký lại webhook.")
            return delivery.state
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-Grants-Event-Id": str(event_id), "X-Grants-Event-Type": kind,
               "X-Grants-Delivery-Id": str(delivery_id),
               "X-Grants-Signature": signature(secret, body)}
    status, error = None, None
    try:
        response = _post(url, body, headers, timeout,
                         allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")))
        status = response.status_code
        if 200 <= status < 300:
            _finish(delivery_id, state=DeliveryState.DELIVERED, delivered_at=utcnow(),
                    last_status_code=status, last_error=None, next_attempt_at=None)
            return DeliveryState.DELIVERED
        error = f"HTTP {status}: {response.text[:500]}"
    except Unresolvable as err:  # the name server did not answer: tried again later
        error = err.message
    except InvalidInput as err:  # the name now resolves to a refused address: final
        _finish(delivery_id, state=DeliveryState.FAILED, last_error=err.message[:2000],
                last_status_code=None, next_attempt_at=None)
        return DeliveryState.FAILED
    except requests.RequestException as err:
        error = f"{type(err).__name__}: {err}"
    last = attempts >= MAX_ATTEMPTS
    _finish(delivery_id, state=DeliveryState.FAILED if last else DeliveryState.PENDING,
            last_status_code=status, last_error=error[:2000],
            next_attempt_at=None if last else utcnow() + _delay(attempts))
    if last:
        return DeliveryState.FAILED
    raise DeliveryFailed(f"delivery {delivery_id} attempt {attempts}: {error}")


def sweep(now=None) -> list[int]:
    """Enqueue again every pending delivery more than SWEEP_GRACE overdue (its task was lost);
    returns their ids. Run every minute by the worker; tests call it with a later ``now``."""
    with atomic():
        ids = due_deliveries((now or utcnow()) - SWEEP_GRACE)
    _enqueue(ids)
    return ids


@queue.periodic_task(queue.crontab(minute="*"))
def sweep_deliveries() -> None:
    """The periodic sweep (every minute)."""
    sweep()
