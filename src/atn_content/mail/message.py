"""One render as an RFC 5322 message: multipart/alternative (text/plain, then text/html),
UTF-8, quoted-printable, lines folded to 76 characters, CRLF line endings.

No I/O, nothing but the standard library's `email` package. The render's own headers
(List-Unsubscribe, List-Unsubscribe-Post) are written as they are and folded only between
their comma-separated items: `email` would otherwise turn a URL longer than a line into
RFC 2047 encoded words, which no mailbox provider reads as a link. Such a URL then stands
alone on its line, over 78 characters but under RFC 5322's hard limit of 998.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING, Any

from atn_content.content.errors import FieldProblem, RecipientError
from atn_content.content.headers import LINE_BREAK_CHARACTERS

if TYPE_CHECKING:
    from atn_content.api.schemas import RenderResponse

__all__ = [
    "UNDISCLOSED_RECIPIENTS",
    "message_bytes",
    "parse_sender",
    "recipient_address",
    "recipient_to",
    "to_message",
]

#: The To: of a message with no recipient address (RFC 5322 group syntax, no members).
UNDISCLOSED_RECIPIENTS = "undisclosed-recipients:;"
#: RFC 5322: a line SHOULD be at most 78 characters and MUST be at most 998 (without CRLF);
#: RFC 2045: a quoted-printable line at most 76. One limit, the stricter, for both: `email`
#: encodes bodies to the policy's max_line_length (78 in policy.SMTP, too long for QP).
_FOLD_AT = 76
_HARD_LIMIT = 998
#: SMTP's policy (CRLF), at 76 characters a line; headers stored as they are (the
#: render's, already folded here) are not refolded.
_POLICY = SMTP.clone(max_line_length=_FOLD_AT, refold_source="none")
#: The headers this module writes: a render's header of the same name is refused.
_OWN_HEADERS = frozenset(
    {
        "subject",
        "from",
        "to",
        "date",
        "message-id",
        "mime-version",
        "content-language",
        "content-type",
        "content-transfer-encoding",
    }
)
_PARSE = HeaderRegistry()
#: RFC 5322 field names: printable ASCII but the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+")
#: What a mail reader could take for the end of a header line (and other controls).
_LINE_BREAK = re.compile(f"[{LINE_BREAK_CHARACTERS}]")


def to_message(email: RenderResponse, *, to: str, sender: str) -> EmailMessage:
    """The render as a message from `sender` ("Name <address>") to `to`.

    A sender-name test's `from_name` replaces the sender's display name. Subject and names
    outside ASCII are RFC 2047 encoded words. Raises ValueError when a value would hold a
    line break or an address does not parse.
    """
    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = _single_line("Subject", email.subject)
    msg["From"] = _sender(sender, email.from_name)
    msg["To"] = _address_header("To", to)
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid(domain=msg["From"].addresses[0].domain)
    msg.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.make_alternative()
    html = EmailMessage(policy=_POLICY)
    html.set_content(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    del html["MIME-Version"]  # a part: the message's own MIME-Version is the one
    msg.attach(html)
    # After the parts: setting content drops the message's Content-* headers.
    msg["Content-Language"] = _single_line("Content-Language", email.locale)
    for name, value in email.headers.items():
        _copy_header(msg, name, value)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes over SMTP or into an .eml file: CRLF line endings."""
    return msg.as_bytes(policy=_POLICY)


def recipient_address(recipient: Mapping[str, Any]) -> str:
    """The To: of a recipient: their `email` field, else UNDISCLOSED_RECIPIENTS.

    Raises ValueError when `email` is there but is not one plain address.
    """
    value = recipient.get("email")
    if value is None or value == "":
        return UNDISCLOSED_RECIPIENTS
    problem = "must be one email address (no name, no line break)"
    if not isinstance(value, str):
        raise ValueError(problem)
    try:
        address = _one_address("To", value)
    except ValueError:
        raise ValueError(problem) from None
    if address.display_name or not address.username:
        raise ValueError(problem)
    return address.addr_spec


def recipient_to(recipient: Mapping[str, Any]) -> str:
    """`recipient_address` for a render: a bad `email` is the 422 naming recipient.email
    (POST /v1/render with Accept: message/rfc822 and `render --eml` alike)."""
    try:
        return recipient_address(recipient)
    except ValueError as exc:
        raise RecipientError([FieldProblem("recipient.email", str(exc))]) from None


def parse_sender(sender: str) -> Address:
    """`Name <address>` or a bare address; ValueError when it is not one address."""
    return _one_address("From", sender)


def _sender(sender: str, from_name: str | None) -> Address:
    address = parse_sender(sender)
    if from_name:
        return Address(_single_line("From", from_name), addr_spec=address.addr_spec)
    return address


def _address_header(name: str, value: str) -> str:
    if value == UNDISCLOSED_RECIPIENTS:
        return value
    return str(_one_address(name, value))


def _one_address(name: str, value: str) -> Address:
    header = _PARSE("To", _single_line(name, value))
    addresses = header.addresses  # type: ignore[attr-defined]
    if len(addresses) != 1 or header.defects or not addresses[0].domain:
        raise ValueError(f"{name}: {value[:80]!r} is not one email address")
    found: Address = addresses[0]
    if not found.addr_spec.isascii():  # an internationalised address needs SMTPUTF8
        raise ValueError(f"{name}: {value[:80]!r} is not an ASCII email address")
    return found


def _single_line(name: str, value: str) -> str:
    if _LINE_BREAK.search(value):
        raise ValueError(f"the {name} header's value holds a line break or a control character")
    return value


def _copy_header(msg: EmailMessage, name: str, value: str) -> None:
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"{name[:40]!r} is not a header name")
    if name.lower() in _OWN_HEADERS:
        raise ValueError(f"a render may not set the {name} header")
    _single_line(name, value)
    if not value.isascii():  # no URL list: an ordinary text header, encoded as needed
        msg[name] = value
        return
    lines = _fold(f"{name}: {value}")
    if any(len(line) > _HARD_LIMIT for line in lines):
        raise ValueError(f"the {name} header has an item over {_HARD_LIMIT} characters")
    msg.set_raw(name, "\r\n".join(lines)[len(name) + 2 :])


def _fold(line: str) -> list[str]:
    """`Name: a, b, c` in lines of at most 76 characters, broken only after a comma."""
    items = line.split(", ")
    lines = [items[0]]
    for item in items[1:]:
        if len(lines[-1]) + 2 + len(item) <= _FOLD_AT:
            lines[-1] += ", " + item
        else:
            lines[-1] += ","
            lines.append(" " + item)
    return lines
