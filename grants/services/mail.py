"""E-mail out of the app: ``queue_email`` writes the message in the caller's transaction (an
outbox row) and, once that commits, the task queue delivers it through SMTP.

Settings: SMTP_HOST, SMTP_PORT, SMTP_TLS ("none", "starttls" or "ssl"), SMTP_USER,
SMTP_PASSWORD, MAIL_SENDER; MAIL_MAX_ATTEMPTS, MAIL_RETRY_SECONDS, MAIL_LEASE_SECONDS. With no
SMTP_HOST the message is kept in the app (state "kept", visible to the admin) and nothing is
sent.

Delivery (``deliver``, a task) and the guarantee "nothing lost, at most one extra copy":

- A delivery first *claims* the row in a committed transaction: one UPDATE that moves it from
  "pending" (or from a "sending" whose lease has run out: a worker killed mid-send) to
  "sending", counts the attempt and stamps ``claimed_at``. Two tasks for the same row (a retry
  and a sweep) cannot both claim it; a claimed row is re-sent only once its lease has expired.
- After the SMTP conversation the row is "sent" in another transaction. A worker killed between
  the two leaves a "sending" row that the sweep re-delivers after the lease, with the same
  Message-ID (the idempotency key): the receiving side sees at most one extra copy.
- A refused recipient (5xx for the address or the data: unknown or bounced address) is final:
  "failed" with the server's answer, never retried. A server that cannot be reached (or answers
  4xx) is retried with growing delays (``MAIL_RETRY_SECONDS`` doubled each time, at most an
  hour) until ``MAIL_MAX_ATTEMPTS``; then "failed" with the reason, which the admin sees and
  can retry (``retry``).
- ``sweep`` (periodic, every minute, and when the worker starts) re-enqueues rows left
  "pending" past their time or "sending" past their lease, so no message is silently dropped
  by a lost task.
- Enqueueing never fails the request that caused the message: if the queue cannot be reached
  the row stays "pending" and the sweep picks it up.
"""

import logging
import smtplib
import ssl
import threading
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from huey.exceptions import RetryTask
from sqlalchemy import and_, func, or_, select, update

from grants import queue
from grants.db import after_commit, atomic, utcnow
from grants.domain.enums import EmailState
from grants.extensions import db
from grants.models.mail import OutgoingEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 9
RETRY_SECONDS = 30
"""The first retry after 30 s, then doubling (at most an hour apart): 9 attempts span about two
hours, so a mail server down for a while loses nothing."""
LEASE_SECONDS = 120
"""How long a claimed ("sending") row belongs to the worker that claimed it."""
SWEEP_BATCH = 500


def _setting(name: str, default):
    try:
        value = queue.settings().get(name)
    except RuntimeError:
        return default
    return default if value in (None, "") else value


def valid_address(address: str | None) -> bool:
    """A plausible single mailbox (name@domain.tld), as far as a form can tell."""
    _name, mailbox = parseaddr(address or "")
    local, _, domain = mailbox.rpartition("@")
    return bool(local) and "." in domain and mailbox == (address or "").strip() and \
        not any(c.isspace() for c in mailbox)


def queue_email(to_address: str, subject: str, text_body: str, html_body: str | None = None, *,
                user=None, key: str | None = None) -> OutgoingEmail:
    """Write the message (flushes) and schedule its delivery for after the commit. An address
    that cannot be one is recorded as failed at once (the in-app notice still stands)."""
    to_address = (to_address or "").strip()
    email = OutgoingEmail(key=key or uuid.uuid4().hex, user_id=getattr(user, "id", None),
                          to_address=to_address[:254], subject=subject[:300],
                          text_body=text_body, html_body=html_body, state=EmailState.PENDING)
    if not valid_address(to_address):
        email.state = EmailState.FAILED
        email.last_error = f"Địa chỉ thư không hợp lệ: «{to_address}»."
    db.session.add(email)
    db.session.flush()
    if email.state == EmailState.PENDING:
        email_id = email.id
        after_commit(lambda: enqueue(email_id))
    return email


def enqueue(email_id: int) -> None:
    """Hand the delivery to the queue; never raises (a row left pending is swept later)."""
    try:
        deliver(email_id)
    except Exception:  # the queue's storage is down: the sweep re-enqueues the row
        log.exception("could not enqueue e-mail %s; the sweep will retry it", email_id)


def message_of(email: OutgoingEmail, sender: str) -> EmailMessage:
    """The MIME message: plain text, and HTML as the alternative when there is one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # The same Message-ID on every attempt: a copy sent again after a worker was killed is
    # recognisably the same message (receivers and the tests count by it).
    domain = sender.rpartition("@")[2].strip(" >") or "grants"
    message["Message-ID"] = f"<{email.key}@{domain}>"
    message.set_content(email.text_body)
    if email.html_body:
        message.add_alternative(email.html_body, subtype="html")
    return message


def _smtp(config):
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    mode = (config.get("SMTP_TLS") or "none").lower()
    timeout = config.get("SMTP_TIMEOUT", 30)
    if mode == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
        if mode == "starttls":
            client.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        client.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    return client


def _mark(email_id: int, **values) -> None:
    with atomic():
        db.session.execute(update(OutgoingEmail).where(OutgoingEmail.id == email_id)
                           .values(**values))


def _claim(email_id: int) -> OutgoingEmail | None:
    """Move the row to "sending" if no one else holds it (committed); the row, or None."""
    now = utcnow()
    lease = timedelta(seconds=int(_setting("MAIL_LEASE_SECONDS", LEASE_SECONDS)))
    with atomic():
        claimed = db.session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id,
                   or_(OutgoingEmail.state == EmailState.PENDING,
                       and_(OutgoingEmail.state == EmailState.SENDING,
                            OutgoingEmail.claimed_at < now - lease)))
            .values(state=EmailState.SENDING, attempts=OutgoingEmail.attempts + 1,
                    claimed_at=now, next_attempt_at=None)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return None
        email = db.session.get(OutgoingEmail, email_id, populate_existing=True)
        db.session.expunge(email)
        return email


def _permanent(err: Exception) -> bool:
    """The server refused the address or the message for good (5xx): do not try again."""
    if isinstance(err, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused):
        return True
    return isinstance(err, smtplib.SMTPResponseException) and 500 <= err.smtp_code < 600


@queue.task()
def deliver(email_id: int) -> str | None:
    """Send one queued e-mail; returns its state after this attempt (None: not ours to send,
    because it is already sent, failed, kept, or being sent by another worker)."""
    config = queue.settings()
    if not config.get("SMTP_HOST"):
        with atomic():
            email = db.session.get(OutgoingEmail, email_id)
            if email is None or email.state != EmailState.PENDING:
                return None
            email.state = EmailState.KEPT
            return email.state
    email = _claim(email_id)
    if email is None:
        return None
    try:
        message = message_of(email, formataddr(("", config["MAIL_SENDER"])))
        with _smtp(config) as client:
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as err:
        reason = f"{type(err).__name__}: {err}"[:2000]
        max_attempts = int(_setting("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS))
        if _permanent(err) or email.attempts >= max_attempts:
            _mark(email_id, state=EmailState.FAILED, last_error=reason)
            return EmailState.FAILED
        delay = min(int(_setting("MAIL_RETRY_SECONDS", RETRY_SECONDS))
                    * 2 ** (email.attempts - 1), 3600)
        _mark(email_id, state=EmailState.PENDING, last_error=reason,
              next_attempt_at=utcnow() + timedelta(seconds=delay))
        raise RetryTask(delay=delay) from err
    except Exception as err:  # a message that cannot be built or sent will not heal by waiting
        log.exception("e-mail %s cannot be sent", email_id)
        _mark(email_id, state=EmailState.FAILED, last_error=f"{type(err).__name__}: {err}"[:2000])
        return EmailState.FAILED
    _mark(email_id, state=EmailState.SENT, sent_at=utcnow(), last_error=None)
    return EmailState.SENT


def stale_ids(limit: int = SWEEP_BATCH) -> list[int]:
    """Rows a lost task would leave behind: pending past their time (with a minute's grace for
    the queue's own retry) or sending past their lease."""
    now = utcnow()
    lease = timedelta(seconds=int(_setting("MAIL_LEASE_SECONDS", LEASE_SECONDS)))
    grace = timedelta(seconds=int(_setting("MAIL_SWEEP_GRACE_SECONDS", 60)))
    due = func.coalesce(OutgoingEmail.next_attempt_at, OutgoingEmail.created_at)
    return list(db.session.scalars(
        select(OutgoingEmail.id)
        .where(or_(and_(OutgoingEmail.state == EmailState.PENDING, due < now - grace),
                   and_(OutgoingEmail.state == EmailState.SENDING,
                        OutgoingEmail.claimed_at < now - lease)))
        .order_by(OutgoingEmail.id).limit(limit)))


@queue.task()
def sweep() -> int:
    """Re-enqueue what ``stale_ids`` finds; returns how many. A row whose every attempt was cut
    off mid-send (a worker killed by that message each time) is marked failed instead of being
    tried for ever."""
    max_attempts = int(_setting("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS))
    lease = timedelta(seconds=int(_setting("MAIL_LEASE_SECONDS", LEASE_SECONDS)))
    with atomic():
        db.session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.state == EmailState.SENDING,
                   OutgoingEmail.claimed_at < utcnow() - lease,
                   OutgoingEmail.attempts >= max_attempts)
            .values(state=EmailState.FAILED,
                    last_error=f"Gửi không được sau {max_attempts} lần thử: lần nào cũng bị "
                               "dừng giữa chừng.")
            .execution_options(synchronize_session=False))
    with atomic():
        ids = stale_ids()
    for email_id in ids:
        enqueue(email_id)
    return len(ids)


@queue.periodic_task(queue.crontab(minute="*"))
def sweep_every_minute() -> int:
    return sweep.call_local()


_startup_lock = threading.Lock()
_swept_at_startup = False


@queue.huey.on_startup()
def _sweep_when_the_worker_starts() -> None:
    """A restarted worker looks for what its predecessor left: now, and once the leases of the
    rows it was sending have run out."""
    global _swept_at_startup
    with _startup_lock:
        if queue.huey.immediate or _swept_at_startup:
            return
        _swept_at_startup = True  # once per worker process, not once per thread
    lease = int(_setting("MAIL_LEASE_SECONDS", LEASE_SECONDS))
    try:
        sweep.schedule(delay=lease + 1)
        sweep()
    except Exception:
        log.exception("could not schedule the e-mail sweep")


def retry(email: OutgoingEmail) -> None:
    """The admin's retry of a failed (or kept) message: pending again, delivered after the
    commit; flushes. The attempts count starts again."""
    if email.state not in (EmailState.FAILED, EmailState.KEPT):
        return
    email.state = EmailState.PENDING
    email.attempts = 0
    email.next_attempt_at = None
    db.session.flush()
    email_id = email.id
    after_commit(lambda: enqueue(email_id))
