"""Mailgun webhooks (the JSON ones: `{"signature": {...}, "event-data": {...}}`).

Mailgun signs HMAC-SHA256(signing key, timestamp + token), hex. The signature is checked
in constant time; a timestamp older than the tolerance is refused here, and a token seen
before is refused by the receiver's ReplayGuard (the token is what `replay_token` gives).
Our custom arguments travel as `v:` variables and come back in `user-variables`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import msgspec

from atn_content.config import Settings
from atn_content.tracking.webhooks.events import (
    BounceType,
    Kind,
    MalformedPayload,
    WebhookEvent,
    our_metadata,
)

__all__ = ["NAME", "configured", "parse", "replay_token", "verify"]

NAME = "mailgun"
#: Mailgun's event names -> ours ("accepted", "stored", ... are ignored).
_KINDS: dict[str, Kind] = {
    "delivered": "delivered",
    "opened": "open",
    "clicked": "click",
    "failed": "bounce",
    "complained": "complaint",
    "unsubscribed": "unsubscribe",
}


def configured(settings: Settings) -> bool:
    return bool(settings.mailgun_signing_key)


def _decode(raw_body: bytes) -> dict[str, Any]:
    try:
        payload = msgspec.json.decode(raw_body)
    except msgspec.DecodeError as exc:
        raise MalformedPayload("body", f"not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MalformedPayload("body", "expected a JSON object")
    return payload


def _signature(payload: dict[str, Any]) -> tuple[str, str, str]:
    block = payload.get("signature")
    if not isinstance(block, dict):
        raise MalformedPayload("signature", "expected an object")
    parts = []
    for name in ("timestamp", "token", "signature"):
        value = block.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise MalformedPayload(f"signature.{name}", "expected a non-empty string")
        parts.append(value)
    return parts[0], parts[1], parts[2]


def verify(
    headers: Mapping[str, str], raw_body: bytes, settings: Settings, now: float
) -> str | None:
    """None when Mailgun signed this body (and not too long ago), else why not."""
    timestamp, token, signature = _signature(_decode(raw_body))
    expected = hmac.new(
        settings.mailgun_signing_key.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        return "signature does not verify"
    try:
        signed_at = float(timestamp)
    except ValueError:
        return "signature.timestamp is not a Unix time"
    tolerance = settings.webhook_tolerance_s
    if tolerance and abs(now - signed_at) > tolerance:
        return f"signed timestamp is more than {tolerance:g} s away from now"
    return None


def replay_token(raw_body: bytes) -> str:
    """The token of a verified body: one that comes twice is a replay."""
    return _signature(_decode(raw_body))[1]


def parse(raw_body: bytes) -> list[WebhookEvent]:
    data = _decode(raw_body).get("event-data")
    if not isinstance(data, dict):
        raise MalformedPayload("event-data", "expected an object")
    kind = _KINDS.get(str(data.get("event")))
    if kind is None:
        return []
    event_id, email, ts = data.get("id"), data.get("recipient"), data.get("timestamp")
    if not isinstance(event_id, str) or not event_id:
        raise MalformedPayload("event-data.id", "expected a non-empty string")
    if not isinstance(email, str):
        raise MalformedPayload("event-data.recipient", "expected a string")
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise MalformedPayload("event-data.timestamp", "expected a Unix time")
    variables = data.get("user-variables")
    metadata = our_metadata(variables if isinstance(variables, dict) else None)
    client = data.get("client-info")
    client = client if isinstance(client, dict) else {}
    bot = client.get("bot")
    machine = isinstance(bot, str) and bool(bot)
    bounce_type: BounceType | None = None
    if kind == "bounce":  # "failed" with severity permanent (hard) or temporary (soft)
        bounce_type = "soft" if data.get("severity") == "temporary" else "hard"
    return [
        WebhookEvent(
            provider=NAME,
            provider_event_id=event_id,
            kind=kind,
            email=email,
            ts=float(ts),
            recipient_id=metadata.get("recipient_id"),
            bounce_type=bounce_type,
            url=_text(data.get("url")),
            user_agent=_text(client.get("user-agent")),
            ip=_text(data.get("ip")),
            machine=machine,
            evidence=("mailgun:client-info.bot",) if machine else (),
            metadata=metadata,
        )
    ]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
