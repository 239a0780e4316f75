"""A real SMTP server on loopback (aiosmtpd) for the e-mail tests: what the application
sends arrives here through smtplib and a TCP socket, as it would at a real server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it by this name
        self.envelopes.append(envelope)
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def settings(self) -> dict[str, Any]:
        """The application's settings that send to this server."""
        return {
            "MAIL_SMTP_HOST": self.host,
            "MAIL_SMTP_PORT": self.port,
            "MAIL_SMTP_STARTTLS": False,
            "MAIL_SMTP_SSL": False,
            "MAIL_SMTP_USERNAME": None,
            "MAIL_SMTP_TIMEOUT": 5,
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def receiving(port: int | None = None) -> Iterator[Mailbox]:
    """An SMTP server listening on loopback while the block runs."""
    box = Mailbox(port=port or free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
