"""The email as a real MIME message (RFC 5322, multipart/alternative), and the SMTP relay
that sends it: for the studio's "send a test", `atn-content render --eml` and
`/v1/render` with `Accept: message/rfc822`.
"""

from atn_content.mail.message import (
    UNDISCLOSED_RECIPIENTS,
    message_bytes,
    parse_sender,
    recipient_address,
    recipient_to,
    to_message,
)
from atn_content.mail.smtp import MailError, SmtpRelay

__all__ = [
    "UNDISCLOSED_RECIPIENTS",
    "MailError",
    "SmtpRelay",
    "message_bytes",
    "parse_sender",
    "recipient_address",
    "recipient_to",
    "to_message",
]
