"""The email channel against a real SMTP server (aiosmtpd) on 127.0.0.1, STARTTLS and AUTH included."""

# ruff: noqa: S106 - made-up credentials for local test servers

from __future__ import annotations

import email
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

from digest.notify import ChannelSettings, EmailChannel, Message, channel_from_settings  # noqa: E402

USER, PASSWORD = "bot@example.cn", "S3cr3t-SMTP-pa55"
MESSAGE = Message(
    "每日简报 7月26日", "交城县送清凉。\n\n整治人居环境。", "", "<p>交城县送清凉。</p>", {}, "brf_9_mail_1"
)


@dataclass
class Inbox:
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse_rcpt: str | None = None  # an SMTP reply to give every RCPT

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    if ok:
        return aiosmtpd_smtp.AuthResult(success=True)
    # AuthResult defaults to handled=True, which means "already answered": say it is not.
    return aiosmtpd_smtp.AuthResult(
        success=False, handled=False, message="535 5.7.8 Authentication credentials invalid"
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    inbox = Inbox()
    port = _free_port()
    controller = aiosmtpd_controller.Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
        # aiosmtpd's LOGIN exchange stalls smtplib after a refused PLAIN; PLAIN alone is enough here.
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _channel(port: int, cert: Path, *, password: str = PASSWORD) -> EmailChannel:
    settings = ChannelSettings(
        url=f"smtp://127.0.0.1:{port}",
        secret="${SMTP_PASSWORD}",
        options={"user": USER, "to": ["editor@example.cn"], "ca_file": str(cert), "timeout": 5},
    )
    channel = channel_from_settings(settings, environ={"SMTP_PASSWORD": password})
    assert isinstance(channel, EmailChannel)
    return channel


def test_starttls_auth_and_a_multipart_message(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="digest")
    inbox, port = smtp_server
    channel = _channel(port, certificate[0])
    result = channel.send(MESSAGE)
    assert result.ok, result.reason
    sender, recipients, mail = inbox.messages[0]
    assert (sender, recipients) == (USER, ["editor@example.cn"])
    assert mail["Subject"] == MESSAGE.title
    assert mail["Message-ID"] == "<brf_9_mail_1@example.cn>"
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == f"{MESSAGE.title}\n\n{MESSAGE.text}"
    assert rich.get_content().replace("\r\n", "\n").strip() == MESSAGE.html
    # A retry carries the same Message-ID.
    assert channel.send(MESSAGE).ok
    assert inbox.messages[1][2]["Message-ID"] == mail["Message-ID"]
    assert PASSWORD not in caplog.text and PASSWORD not in repr(channel)


def test_a_wrong_password_fails_without_showing_it(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="digest")
    _, port = smtp_server
    result = _channel(port, certificate[0], password="wrong-pa55word").send(MESSAGE)
    assert (result.ok, result.status) == (False, "failed")
    assert result.reason.startswith("authentication failed: 535")
    assert "wrong-pa55word" not in result.reason + caplog.text


def test_an_untrusted_certificate_is_final(smtp_server: tuple[Inbox, int]) -> None:
    _, port = smtp_server
    channel = EmailChannel(host="127.0.0.1", port=port, sender=USER, recipients=["a@example.cn"], timeout=5)
    result = channel.send(MESSAGE)  # the system CAs do not know the test certificate
    assert (result.ok, result.status) == (False, "failed")
    assert "TLS" in result.reason


@pytest.mark.parametrize(
    ("reply", "status"), [("550 5.1.1 no such user", "failed"), ("451 4.3.0 try later", "retry")]
)
def test_refused_recipients(
    smtp_server: tuple[Inbox, int], certificate: tuple[Path, Path], reply: str, status: str
) -> None:
    inbox, port = smtp_server
    inbox.refuse_rcpt = reply
    result = _channel(port, certificate[0]).send(MESSAGE)
    assert (result.ok, result.status) == (False, status)
    assert reply.split(maxsplit=1)[0] in result.reason


def test_nobody_listening_is_temporary() -> None:
    channel = EmailChannel(
        host="127.0.0.1",
        port=_free_port(),
        sender=USER,
        recipients=["a@example.cn"],
        security="none",
        timeout=2,
    )
    result = channel.send(MESSAGE)
    assert (result.ok, result.status) == (False, "retry")
