"""Email over SMTP (stdlib smtplib): multipart/alternative with the plain text and the HTML.

Security is "starttls" (the default, port 587), "ssl" (implicit TLS, port 465) or "none" (port 25,
for a relay on localhost); ``ca_file`` trusts a private CA. The Message-ID is derived from the
idempotency key, so a retried send carries the same id and mail clients and archives can drop the
duplicate. Replies 4xx and lost connections are temporary; 5xx, failed authentication and TLS
failures are final.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from digest.errors import ConfigError
from digest.notify.base import Channel, DeliveryResult, Message

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")


def message_id(key: str, sender: str) -> str:
    """<key@domain>: the key where it is a valid id, else a safe form with a hash to keep it unique."""
    domain = sender.rpartition("@")[2].strip(" >") or "digest.invalid"
    local = _ATEXT.sub("_", key).strip(".").replace("..", ".")
    if local != key or not local:
        local = f"{local[:64]}.{hashlib.sha256(key.encode()).hexdigest()[:16]}".lstrip(".")
    return f"<{local}@{domain}>"


class EmailChannel(Channel):
    kind = "email"

    def __init__(
        self,
        *,
        host: str,
        sender: str,
        recipients: Sequence[str],
        port: int | None = None,
        security: Security = "starttls",
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ca_file: str | None = None,
        name: str = "",
    ) -> None:
        super().__init__(name, secrets=[password])
        if security not in DEFAULT_PORTS:
            raise ConfigError(
                f"email channel {name!r}: security must be starttls, ssl or none, not {security!r}"
            )
        if not recipients:
            raise ConfigError(f"email channel {name!r}: no recipients; give mailto:… or options.to")
        if not sender:
            raise ConfigError(f"email channel {name!r}: no sender; set options.from")
        if password and not user:
            raise ConfigError(f"email channel {name!r}: a password without a user; set options.user")
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security: Security = security
        self.user = user
        self._password = password
        self.sender = sender
        self.recipients = tuple(recipients)
        self.timeout = timeout
        self.ca_file = ca_file

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{super().describe()} (smtp {who}{self.host}:{self.port}, {self.security})"

    def build(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = message_id(message.idempotency_key, self.sender)
        # The text under its title, as the HTML shows it: a briefing's text leaves it to the channel.
        mail.set_content(message.titled("text"))
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        return mail

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=self._tls())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send(self, message: Message) -> DeliveryResult:
        mail = self.build(message)
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self._password or "")
                refused = smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            return self._classify(exc)
        if refused:
            return DeliveryResult.sent("sent; refused: " + ", ".join(sorted(refused)))
        return DeliveryResult.sent(f"sent to {len(self.recipients)} recipient(s)")

    def _classify(self, exc: smtplib.SMTPException | OSError) -> DeliveryResult:
        """4xx replies and lost connections are temporary; 5xx, authentication and TLS are final."""
        where = f"{self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return DeliveryResult.failed(
                f"authentication failed: {_smtp_reply(exc.smtp_code, exc.smtp_error)}"
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            reason = "all recipients refused: " + "; ".join(
                f"{rcpt}: {_smtp_reply(code, text)}" for rcpt, (code, text) in exc.recipients.items()
            )
            temporary = all(400 <= code < 500 for code, _ in exc.recipients.values())
            return DeliveryResult.retry(reason) if temporary else DeliveryResult.failed(reason)
        if isinstance(exc, smtplib.SMTPNotSupportedError):  # STARTTLS or AUTH not offered
            return DeliveryResult.failed(f"{where} does not support this: {exc}")
        if isinstance(exc, smtplib.SMTPResponseException):  # sender or data refused, HELO, …
            reason = f"{where} answered {_smtp_reply(exc.smtp_code, exc.smtp_error)}"
            return (
                DeliveryResult.retry(reason) if 400 <= exc.smtp_code < 500 else DeliveryResult.failed(reason)
            )
        if isinstance(exc, ssl.SSLError):  # a certificate the client does not trust: configuration
            return DeliveryResult.failed(f"TLS with {where} failed: {exc}")
        # Timeouts, refused or reset connections, a server that hung up: temporary.
        detail = f"timed out after {self.timeout:g} s" if isinstance(exc, TimeoutError) else str(exc)
        return DeliveryResult.retry(f"could not talk to {where}: {detail}")


def _smtp_reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"
