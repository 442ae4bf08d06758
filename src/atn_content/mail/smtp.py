"""The SMTP relay of ATN_SMTP_URL: `smtp://[user:password@]host[:port][?starttls=1]` (port 25
by default; STARTTLS before the login when asked) or `smtps://…` (implicit TLS, port 465).

`send` blocks (stdlib smtplib, a 10 s timeout on every socket operation): a coroutine calls
`send_async`, which runs it in a thread. Every failure is a MailError whose message names
the relay and the reason, never the password.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from atn_content.mail.message import message_bytes

__all__ = ["MailError", "SmtpRelay"]

#: The setting the URL comes from, named in every complaint about it.
SETTING = "ATN_SMTP_URL"
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_YES = {"1", "true", "yes"}
_NO = {"0", "false", "no"}


#: Hosts a plain smtp:// login may go to (it never leaves the machine).
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class MailError(Exception):
    """The relay could not be reached, or refused the login, the sender or the recipient."""


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    implicit_tls: bool = False
    """smtps://: TLS from the first byte."""
    starttls: bool = False
    """smtp://…?starttls=1: upgrade the connection with STARTTLS before anything else."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    """Seconds, for the connection and for each command."""

    @classmethod
    def from_url(cls, url: str) -> SmtpRelay:
        """The relay a URL names; ValueError naming ATN_SMTP_URL and what is wrong."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(
                f"{SETTING} must start with smtp:// or smtps://, not {scheme or 'no scheme'}"
            )
        if not parts.hostname:
            raise ValueError(f"{SETTING} names no host (smtp://host:port)")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError(f"{SETTING}: the port must be a number from 1 to 65535") from None
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError(f"{SETTING} takes no path: smtp://[user:password@]host[:port]")
        starttls = False
        for name, values in parse_qs(parts.query, keep_blank_values=True).items():
            if name != "starttls" or len(values) != 1 or values[0].lower() not in _YES | _NO:
                raise ValueError(f"{SETTING}: the only query parameter is starttls=1 (or 0)")
            starttls = values[0].lower() in _YES
        if starttls and scheme == "smtps":
            raise ValueError(f"{SETTING}: smtps:// is TLS already; starttls is for smtp://")
        if (
            parts.username is not None
            and scheme == "smtp"
            and not starttls
            and parts.hostname not in _LOOPBACK
        ):
            raise ValueError(
                f"{SETTING}: a password over plain smtp:// would cross the network in clear; "
                "use smtps:// or add ?starttls=1 (plain smtp:// with credentials: loopback only)"
            )
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username is not None else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def send(self, msg: EmailMessage, to: str) -> None:
        """Send `msg` to the address `to`, from the address of its From header."""
        from_header = msg["From"]
        if from_header is None or not from_header.addresses:
            raise ValueError("the message has no From address")
        sender = from_header.addresses[0].addr_spec
        data = message_bytes(msg)
        try:
            with self._connect() as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    client.login(self.username, self.password or "")
                client.sendmail(sender, [to], data)
        except smtplib.SMTPException as exc:
            raise MailError(f"SMTP relay {self.host}:{self.port}: {_reason(exc)}") from None
        except OSError as exc:  # refused, unreachable, timed out, TLS handshake
            raise MailError(f"SMTP relay {self.host}:{self.port} unreachable: {exc}") from None

    async def send_async(self, msg: EmailMessage, to: str) -> None:
        """`send` in a thread: the event loop goes on while the relay answers."""
        await asyncio.to_thread(self.send, msg, to)

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def _reason(exc: smtplib.SMTPException) -> str:
    """What the server said (its code and text), or what smtplib found wrong."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"recipient {rcpt} refused: {code} {_text(text)}"
            for rcpt, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender {exc.sender} refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
