""" "Send a test": the email the page shows, as a real MIME message, through the SMTP relay
in ATN_SMTP_URL to one address (a designer's inbox, a Litmus or Email on Acid seed).

The subject is prefixed "[Test] " (as Mailchimp and Braze do), so a test is never taken
for the campaign; nothing else differs from what the ESP gets, tracked links included.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.api.errors import ProblemError
from atn_content.api.problems import Problem, ProblemItem
from atn_content.delivery import Delivery
from atn_content.mail import MailError, SmtpRelay, message_bytes, to_message
from atn_content.mail.message import recipient_address
from atn_content.preview.access import check_csrf
from atn_content.preview.pages import STUDIO_HEADERS
from atn_content.preview.templates_pages import PreviewRequest, decode_request, render_asked

__all__ = ["SEND_ROUTES", "TEST_PREFIX"]

TEST_PREFIX = "[Test] "


class SendRequest(PreviewRequest, kw_only=True):
    to: str = ""
    """The address to send the test to."""


@post("/studio/templates/{name:str}/send", status_code=200)
async def send_test(
    request: Request[Any, Any, Any],
    name: FromPath[str],
    delivery: NamedDependency[Delivery],
) -> Response[Any]:
    check_csrf(request, None)
    ask = decode_request(await request.body(), SendRequest)
    to = _address(ask.to)
    settings = request.app.state.settings
    if not settings.smtp_url:
        raise ProblemError(
            Problem(
                409,
                "No SMTP relay",
                "set ATN_SMTP_URL (smtp://[user:password@]host[:port], or smtps://) to send tests",
            )
        )
    relay = SmtpRelay.from_url(settings.smtp_url)
    email = await render_asked(delivery, name, ask)
    email = msgspec.structs.replace(email, subject=TEST_PREFIX + email.subject)
    message = to_message(email, to=to, sender=settings.mail_from)
    try:
        await relay.send_async(message, to)
    except MailError as exc:
        raise ProblemError(Problem(502, "SMTP relay refused the test", str(exc))) from None
    body = {
        "sent": True,
        "to": to,
        "subject": email.subject,
        "size_bytes": len(message_bytes(message)),
    }
    return Response(body, headers=STUDIO_HEADERS)


def _address(value: str) -> str:
    try:
        address = recipient_address({"email": value.strip()})
    except ValueError as exc:
        raise ProblemError(
            Problem(
                422, "Invalid address", f"to: {exc}", errors=[ProblemItem(str(exc), field="to")]
            )
        ) from None
    if "@" not in address:
        problem = "an address to send the test to, e.g. designer@airtahitinui.com"
        raise ProblemError(
            Problem(
                422, "Invalid address", f"to: {problem}", errors=[ProblemItem(problem, field="to")]
            )
        )
    return address


SEND_ROUTES = [send_test]
