"""A real SMTP server on 127.0.0.1 for tests and the benchmark (aiosmtpd), and helpers to read
what it received."""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


class Mailbox:
    """Collects every message the server accepts (thread-safe); ``refuse`` names addresses the
    server answers 550 for (an unknown mailbox); ``delay`` slows each DATA (a slow server)."""

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 Không có hộp thư này (mailbox unavailable)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(envelope)
        return "250 OK"

    def parsed(self) -> list[email.message.EmailMessage]:
        with self._lock:
            raw = [m.content for m in self.messages]
        return [email.message_from_bytes(r, policy=email.policy.default) for r in raw]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m, env in zip(self.parsed(), list(self.messages), strict=True)
                if address in env.rcpt_tos]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """Start/stop an aiosmtpd server on a fixed port (stop it to simulate an outage)."""

    def __init__(self, port: int | None = None):
        self.box = Mailbox()
        self.box.port = None
        self.port = port or free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.box.port = self.port
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
