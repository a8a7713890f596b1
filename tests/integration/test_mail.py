"""E-mail out of the app through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from grants.db import atomic
from grants.domain.enums import EmailState
from grants.models import OutgoingEmail
from grants.services import mail


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    box = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks readiness by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none")
    yield box
    controller.stop()


def test_without_a_mail_server_the_message_is_kept_in_the_app(app, db):
    with atomic():
        mail.queue_email("dn@vi.du", "Hồ sơ đã được tiếp nhận", "Nội dung")
    email = db.session.scalars(select(OutgoingEmail)).one()
    assert email.state == EmailState.KEPT


def test_a_committed_message_is_delivered_with_its_key_as_message_id(app, db, smtp_server):
    with atomic():
        key = mail.queue_email("dn@vi.du", "Hồ sơ đã được tiếp nhận", "Xin chào, mã HS-1",
                               "<p>Xin chào</p>").key
    email = db.session.scalars(select(OutgoingEmail)).one()
    assert (email.state, email.attempts) == (EmailState.SENT, 1)
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["dn@vi.du"]
    assert key in received.content.decode()


def test_a_rolled_back_message_is_neither_kept_nor_sent(app, db, smtp_server):
    with pytest.raises(RuntimeError), atomic():
        mail.queue_email("dn@vi.du", "Tiêu đề", "Nội dung")
        raise RuntimeError("the action failed")
    assert db.session.scalars(select(OutgoingEmail)).all() == []
    assert smtp_server.messages == []


def test_a_message_that_cannot_be_built_fails_once_and_is_not_retried(app, db, smtp_server,
                                                                       monkeypatch):
    """A reviewer's finding: an error other than the network's or the server's (a header the
    library refuses) left the row "sending", taken again after every lease, for ever."""
    def broken(_email, _sender):
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(mail, "message_of", broken)
    with atomic():
        mail.queue_email("dn@vi.du", "Tiêu đề", "Nội dung")
    email = db.session.scalars(select(OutgoingEmail)).one()
    db.session.refresh(email)
    assert email.state == EmailState.FAILED and "linefeed" in email.last_error
    with atomic():
        assert mail.stale_ids() == []
    assert smtp_server.messages == []


def test_a_message_cut_off_at_every_attempt_ends_failed(app, db, smtp_server):
    from datetime import timedelta

    from grants.db import utcnow

    with atomic():
        email = mail.queue_email("dn@vi.du", "Tiêu đề", "Nội dung")
        email_id = email.id
    with atomic():  # as a worker killed mid-send at its last attempt leaves it
        row = db.session.get(OutgoingEmail, email_id)
        row.state, row.attempts = EmailState.SENDING, mail.MAX_ATTEMPTS
        row.claimed_at = utcnow() - timedelta(hours=1)
    count = len(smtp_server.messages)
    mail.sweep.call_local()
    with atomic():
        row = db.session.get(OutgoingEmail, email_id, populate_existing=True)
        assert row.state == EmailState.FAILED and "lần thử" in row.last_error
    assert len(smtp_server.messages) == count
