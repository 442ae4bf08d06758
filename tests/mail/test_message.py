"""to_message: a render as an RFC 5322 message, read back the way a mail client reads it."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from email.message import EmailMessage

import msgspec
import pytest
from tests.mail.conftest import SENDER

from atn_content.api.schemas import RenderResponse
from atn_content.mail import (
    UNDISCLOSED_RECIPIENTS,
    message_bytes,
    parse_sender,
    recipient_address,
    to_message,
)

Render = Callable[..., RenderResponse]
TO = "hina.teriitahi@example.pf"


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def canonical(text: str) -> str:
    """A text part as MIME carries it: CRLF line endings, ending with a line break."""
    text = text.replace("\r\n", "\n")
    return (text if text.endswith("\n") else text + "\n").replace("\n", "\r\n")


def header_block(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")


def test_a_multipart_alternative_of_the_text_then_the_html(render: Render) -> None:
    rendered = render("fr")
    message = parsed(message_bytes(to_message(rendered, to=TO, sender=SENDER)))
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    for part in (text, html):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert "MIME-Version" not in part
    assert text.get_content() == canonical(rendered.text)
    assert html.get_content() == canonical(rendered.html)


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("ja", "ボラボラ島へもう一度、15%オフ"),
        ("fr", "Revenez à Bora Bora avec -15 %"),
    ],
)
def test_the_subject_round_trips_through_encoded_words(
    render: Render, locale: str, subject: str
) -> None:
    rendered = render(locale)
    assert rendered.subject == subject
    raw = message_bytes(to_message(rendered, to=TO, sender=SENDER))
    assert raw.isascii(), "8-bit text travels as encoded words and quoted-printable"
    written = next(line for line in header_block(raw) if line.startswith(b"Subject: "))
    assert b"=?utf-8?" in written
    message = parsed(raw)
    assert message["Subject"] == subject
    assert message["Content-Language"] == locale
    assert subject in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_line_lengths_and_crlf(render: Render) -> None:
    raw = message_bytes(to_message(render("ja"), to=TO, sender=SENDER))
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines)
    headers = header_block(raw)
    long = [line for line in headers if len(line) > 76]
    # The one exception RFC 5322 allows: a URL no fold may split, alone on its line.
    assert all(line.startswith(b"List-Unsubscribe: <https://") for line in long), long
    body = raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")
    assert all(len(line) <= 76 for line in body), "quoted-printable lines are at most 76"


def test_the_envelope_headers(render: Render) -> None:
    message = parsed(message_bytes(to_message(render("en"), to=TO, sender=SENDER)))
    assert message["From"] == SENDER
    assert message["To"] == TO
    assert message["MIME-Version"] == "1.0"
    assert message["Date"].datetime.tzinfo is not None
    assert re.fullmatch(r"<[^@<>\s]+@airtahitinui\.com>", message["Message-ID"])
    assert message["Content-Language"] == "en"


def test_the_renders_headers_are_copied_as_they_are(render: Render) -> None:
    rendered = render("fr")
    assert set(rendered.headers) == {"List-Unsubscribe", "List-Unsubscribe-Post"}
    raw = message_bytes(to_message(rendered, to=TO, sender=SENDER))
    message = parsed(raw)
    for name, value in rendered.headers.items():
        assert message[name] == value
        assert f"{name}: {value}".encode() in raw, "written as it is: no encoded word"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_list_of_urls_folds_between_them_only(render: Render) -> None:
    https = "<https://news.airtahitinui.com/u/" + "t" * 60 + ">"
    mailto = "<mailto:unsubscribe@airtahitinui.com?subject=unsubscribe>"
    rendered = msgspec.structs.replace(
        render("en"), headers={"List-Unsubscribe": f"{https}, {mailto}"}
    )
    raw = message_bytes(to_message(rendered, to=TO, sender=SENDER))
    assert f"List-Unsubscribe: {https},\r\n {mailto}\r\n".encode() in raw
    assert parsed(raw)["List-Unsubscribe"] == f"{https}, {mailto}"


def test_a_sender_name_test_names_the_sender(render: Render) -> None:
    rendered = msgspec.structs.replace(render("fr"), from_name="Hina d'Air Tahiti Nui — Été")
    raw = message_bytes(to_message(rendered, to=TO, sender=SENDER))
    sender = parsed(raw)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (
        "Hina d'Air Tahiti Nui — Été",
        "news@airtahitinui.com",
    )


def test_no_address_is_undisclosed_recipients(render: Render) -> None:
    assert recipient_address({"id": "c-1"}) == UNDISCLOSED_RECIPIENTS
    message = to_message(render("en"), to=UNDISCLOSED_RECIPIENTS, sender=SENDER)
    to = parsed(message_bytes(message))["To"]
    assert to == UNDISCLOSED_RECIPIENTS and to.addresses == ()


def test_the_recipients_address() -> None:
    assert recipient_address({"email": " hina@example.pf "}) == "hina@example.pf"
    for bad in ("a@b.c\r\nBcc: x@y.z", "Hina <hina@example.pf>", "a@b.c, d@e.f", "nobody", 42):
        with pytest.raises(ValueError, match="must be one email address"):
            recipient_address({"email": bad})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Ia ora na\r\nBcc: everyone@example.com"),
        ("from_name", "Air Tahiti Nui\nBcc: everyone@example.com"),
        ("headers", {"List-Unsubscribe": "<https://x.pf/u>\r\nBcc: everyone@example.com"}),
        ("headers", {"List-Unsubscribe": "<https://x.pf/u>\u2028Bcc: everyone@example.com"}),
        ("headers", {"Bcc: everyone@example.com\r\nX": "1"}),
        ("headers", {"Subject": "another subject"}),
    ],
)
def test_a_header_never_carries_a_line_break(render: Render, field: str, value: object) -> None:
    rendered = msgspec.structs.replace(render("en"), **{field: value})
    with pytest.raises(ValueError):
        to_message(rendered, to=TO, sender=SENDER)


@pytest.mark.parametrize(
    "to", ["a@b.c\r\nBcc: x@y.z", "a@b.c, d@e.f", "not an address", "田中@example.jp"]
)
def test_a_bad_to_is_refused(render: Render, to: str) -> None:
    with pytest.raises(ValueError):
        to_message(render("en"), to=to, sender=SENDER)


def test_the_sender_is_one_address() -> None:
    assert parse_sender(SENDER).addr_spec == "news@airtahitinui.com"
    assert parse_sender("news@airtahitinui.com").display_name == ""
    for bad in ("", "Air Tahiti Nui", "a@b.c, d@e.f", "x@y.z\nBcc: a@b.c"):
        with pytest.raises(ValueError):
            parse_sender(bad)
