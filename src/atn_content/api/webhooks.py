"""POST /v1/webhooks/{provider}: SendGrid, Mailgun, Postmark and Amazon SES (via SNS).

No API key: each provider proves itself its own way (tracking/webhooks/<provider>.py).
A provider whose setting is missing is 404; a failed verification 401 with nothing
stored; a malformed body 400 naming the field; 200 once recorded, 202 when spooled.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.api.errors import RETRY_AFTER_SECONDS, ProblemError, problem_response
from atn_content.api.problems import Problem, ProblemItem
from atn_content.experiments.assign import Assigner
from atn_content.experiments.intake import Intake
from atn_content.store import InvalidEvent, StoreUnavailable
from atn_content.store.base import Store
from atn_content.store.buffer import EventBuffer
from atn_content.tracking.webhooks.events import MalformedPayload
from atn_content.tracking.webhooks.receiver import (
    PROVIDERS,
    Receipt,
    Refused,
    Unavailable,
    WebhookReceiver,
)

__all__ = ["receive_webhook"]


@post(
    "/v1/webhooks/{provider:str}",
    status_code=200,
    summary="ESP webhook (sendgrid, mailgun, postmark, ses)",
    description="Verified the provider's way; 200 recorded, 202 spooled while the store is down.",
)
async def receive_webhook(
    provider: FromPath[str],
    request: Request[Any, Any, Any],
    webhooks: NamedDependency[WebhookReceiver],
    buffer: NamedDependency[EventBuffer],
    intake: NamedDependency[Intake],
    assigner: NamedDependency[Assigner],
    store: NamedDependency[Store],
) -> Response[Receipt]:
    if not webhooks.configured(provider):
        known = ", ".join(PROVIDERS)
        detail = f"no webhook {provider!r} is configured here (providers: {known})"
        raise ProblemError(Problem(404, "Unknown webhook", detail))
    raw_body = await request.body()
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        receipt = await webhooks.receive(
            provider,
            headers,
            raw_body,
            buffer=buffer,
            intake=intake,
            assigner=assigner,
            store=store,
        )
    except Refused as exc:
        detail = f"the {provider} webhook did not verify: {exc}"
        raise ProblemError(Problem(401, "Webhook not verified", detail)) from None
    except MalformedPayload as exc:
        item = ProblemItem(str(exc), field=exc.where)
        raise ProblemError(
            Problem(400, "Malformed webhook body", str(exc), errors=[item])
        ) from None
    except Unavailable as exc:
        return problem_response(
            Problem(503, "Provider unavailable", str(exc)),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    except InvalidEvent as exc:  # metadata no store can hold: say which
        raise ProblemError(Problem(400, "Malformed webhook body", str(exc))) from None
    except OSError as exc:  # the store is down and the spool's disk refuses too
        raise StoreUnavailable(f"webhook not kept: the spool refuses writes: {exc}") from exc
    return Response(receipt, status_code=202 if receipt.spooled else 200)
