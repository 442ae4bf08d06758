"""SmtpRelay against a real SMTP server on loopback (aiosmtpd), read back as it arrived."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from tests.conftest import free_port
from tests.mail.conftest import SENDER

from atn_content.api.schemas import RenderResponse
from atn_content.mail import MailError, SmtpRelay, to_message

TO = "hina.teriitahi@example.pf"
USER, PASSWORD = "studio@atn", "p@ss:w/rd s3cret"
#: The URL spelling of USER:PASSWORD (RFC 3986 percent-encoding).
CREDENTIALS = "studio%40atn:p%40ss%3Aw%2Frd%20s3cret"


class Inbox:
    """An aiosmtpd handler keeping what it accepts; refuses `refuse` as a recipient."""

    def __init__(self, refuse: str = "") -> None:
        self.envelopes: list[Envelope] = []
        self.refuse = refuse

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


Serve = Callable[..., tuple[Inbox, int]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """`inbox, port = serve()`: a server on 127.0.0.1, stopped after; `auth=True` offers
    AUTH without TLS (loopback), `required=True` refuses mail before a login."""
    started: list[Controller] = []

    def start(auth: bool = False, required: bool = False, refuse: str = "") -> tuple[Inbox, int]:
        inbox, port = Inbox(refuse), free_port()
        options: dict[str, Any] = (
            {"auth_require_tls": False, "authenticator": _authenticator, "auth_required": required}
            if auth
            else {}
        )
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return inbox, port

    yield start
    for controller in started:
        controller.stop()


def arrived(inbox: Inbox) -> email.message.EmailMessage:
    (envelope,) = inbox.envelopes
    assert isinstance(envelope.content, bytes)
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_a_message_arrives_as_it_was_sent(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    inbox, port = serve()
    rendered = render("ja")
    SmtpRelay.from_url(f"smtp://127.0.0.1:{port}").send(
        to_message(rendered, to=TO, sender=SENDER), TO
    )
    (envelope,) = inbox.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("news@airtahitinui.com", [TO])
    message = arrived(inbox)
    assert message["Subject"] == rendered.subject
    assert message["List-Unsubscribe"] == rendered.headers["List-Unsubscribe"]
    text, html = message.iter_parts()
    assert text.get_content().replace("\r\n", "\n").rstrip("\n") == rendered.text.rstrip("\n")
    assert html.get_content().replace("\r\n", "\n").rstrip("\n") == rendered.html.rstrip("\n")


def test_credentials_from_the_url_log_in(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    inbox, port = serve(auth=True)
    relay = SmtpRelay.from_url(f"smtp://{CREDENTIALS}@127.0.0.1:{port}")
    assert (relay.username, relay.password) == (USER, PASSWORD)
    relay.send(to_message(render("fr"), to=TO, sender=SENDER), TO)
    assert arrived(inbox)["Subject"] == render("fr").subject


def test_a_refused_login_is_a_mail_error_without_the_password(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    inbox, port = serve(auth=True)
    relay = SmtpRelay.from_url(f"smtp://studio:wrong-{CREDENTIALS}@127.0.0.1:{port}")
    with pytest.raises(MailError, match="login refused: 535") as caught:
        relay.send(to_message(render("en"), to=TO, sender=SENDER), TO)
    assert "wrong" not in str(caught.value) and "s3cret" not in str(caught.value)
    assert "s3cret" not in repr(relay)
    assert inbox.envelopes == []


# aiosmtpd warns about its own configuration (AUTH required over plain text): fine on loopback.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_no_login_where_the_relay_requires_one(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    _, port = serve(auth=True, required=True)
    with pytest.raises(MailError, match="530"):
        SmtpRelay.from_url(f"smtp://127.0.0.1:{port}").send(
            to_message(render("en"), to=TO, sender=SENDER), TO
        )


def test_a_refused_recipient_is_a_mail_error(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    _, port = serve(refuse=TO)
    with pytest.raises(MailError, match=f"recipient {TO} refused: 550"):
        SmtpRelay.from_url(f"smtp://127.0.0.1:{port}").send(
            to_message(render("en"), to=TO, sender=SENDER), TO
        )


def test_an_unreachable_relay_is_a_mail_error(render: Callable[..., RenderResponse]) -> None:
    port = free_port()  # nobody listens there
    with pytest.raises(MailError, match=f"127.0.0.1:{port} unreachable: .*refused"):
        SmtpRelay.from_url(f"smtp://{CREDENTIALS}@127.0.0.1:{port}").send(
            to_message(render("en"), to=TO, sender=SENDER), TO
        )


def test_a_silent_relay_times_out(render: Callable[..., RenderResponse]) -> None:
    with socket.socket() as listener:  # accepts the connection (backlog), never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        relay = dataclasses.replace(SmtpRelay.from_url(f"smtp://127.0.0.1:{port}"), timeout=0.3)
        with pytest.raises(MailError, match=f"127.0.0.1:{port}: .*timed out"):
            relay.send(to_message(render("en"), to=TO, sender=SENDER), TO)


def test_tls_asked_of_a_plain_server_is_a_mail_error(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    inbox, port = serve()
    message = to_message(render("en"), to=TO, sender=SENDER)
    with pytest.raises(MailError, match="STARTTLS"):
        SmtpRelay.from_url(f"smtp://127.0.0.1:{port}?starttls=1").send(message, TO)
    with pytest.raises(MailError, match="unreachable"):  # smtps://: the TLS handshake fails
        SmtpRelay.from_url(f"smtps://127.0.0.1:{port}").send(message, TO)
    assert inbox.envelopes == []


async def test_send_async_leaves_the_loop_free(
    serve: Serve, render: Callable[..., RenderResponse]
) -> None:
    inbox, port = serve()
    relay = SmtpRelay.from_url(f"smtp://127.0.0.1:{port}")
    await relay.send_async(to_message(render("fr"), to=TO, sender=SENDER), TO)
    assert arrived(inbox)["To"] == TO


@pytest.mark.parametrize(
    ("url", "relay"),
    [
        ("smtp://relay.example.pf", SmtpRelay("relay.example.pf", 25)),
        ("smtps://relay.example.pf", SmtpRelay("relay.example.pf", 465, implicit_tls=True)),
        (
            "SMTP://u:p@relay.example.pf:587/?starttls=1",
            SmtpRelay("relay.example.pf", 587, starttls=True, username="u", password="p"),
        ),
        ("smtp://u@127.0.0.1?starttls=0", SmtpRelay("127.0.0.1", 25, username="u")),
    ],
)
def test_urls(url: str, relay: SmtpRelay) -> None:
    assert SmtpRelay.from_url(url) == relay


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("relay.example.pf:25", "must start with smtp:// or smtps://"),
        ("https://relay.example.pf", "must start with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://relay.example.pf:smtp", "port must be a number"),
        ("smtp://relay.example.pf:70000", "port must be a number"),
        ("smtp://relay.example.pf/inbox", "takes no path"),
        ("smtp://relay.example.pf?tls=1", "only query parameter is starttls"),
        ("smtp://relay.example.pf?starttls=maybe", "only query parameter is starttls"),
        ("smtps://relay.example.pf?starttls=1", "TLS already"),
        ("smtp://u:p@relay.example.pf", "in clear"),  # a password off the machine, plain
        ("smtp://u@relay.example.pf?starttls=0", "in clear"),
    ],
)
def test_bad_urls_name_the_setting(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=f"ATN_SMTP_URL.*{complaint}"):
        SmtpRelay.from_url(url)


def test_a_bad_url_never_shows_the_password() -> None:
    with pytest.raises(ValueError) as caught:
        SmtpRelay.from_url(f"smtp://{CREDENTIALS}@relay.example.pf:port")
    assert "s3cret" not in str(caught.value)
