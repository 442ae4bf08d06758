"""Postmark webhooks: one JSON record per POST, told apart by `RecordType`.

Postmark has no signature scheme; the webhook URL carries Basic auth credentials
(`https://user:password@host/v1/webhooks/postmark`) and we compare them, in constant time,
with ATN_POSTMARK_WEBHOOK_AUTH. Our custom arguments travel as the message's `Metadata`.
Only bounces and spam complaints have an id of their own; for the other records the id is
made of the fields a retry repeats unchanged (record type, message id, time, link).
"""

from __future__ import annotations

import base64
import binascii
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
    parse_time,
)

__all__ = ["NAME", "configured", "parse", "verify"]

NAME = "postmark"
#: RecordType -> (our kind, the field with the recipient's address, the field with the time).
_RECORDS: dict[str, tuple[Kind, str, str]] = {
    "Delivery": ("delivered", "Recipient", "DeliveredAt"),
    "Open": ("open", "Recipient", "ReceivedAt"),
    "Click": ("click", "Recipient", "ReceivedAt"),
    "Bounce": ("bounce", "Email", "BouncedAt"),
    "SpamComplaint": ("complaint", "Email", "BouncedAt"),
    "SubscriptionChange": ("unsubscribe", "Recipient", "ChangedAt"),
}
#: Bounce `Type`s that say the address itself is gone; the others (Transient, SoftBounce,
#: DnsError, AutoResponder...) are soft.
_HARD = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated"})


def configured(settings: Settings) -> bool:
    return ":" in settings.postmark_webhook_auth


def verify(
    headers: Mapping[str, str], raw_body: bytes, settings: Settings, now: float
) -> str | None:
    """None when the request carries the configured Basic credentials, else why not."""
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return "missing Basic authorization"
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        return "malformed Basic authorization"
    if not hmac.compare_digest(given, settings.postmark_webhook_auth.encode()):
        return "wrong credentials"
    return None


def parse(raw_body: bytes) -> list[WebhookEvent]:
    try:
        record = msgspec.json.decode(raw_body)
    except msgspec.DecodeError as exc:
        raise MalformedPayload("body", f"not JSON: {exc}") from None
    if not isinstance(record, dict):
        raise MalformedPayload("body", "expected a JSON object")
    record_type = record.get("RecordType")
    known = _RECORDS.get(str(record_type))
    if known is None:
        return []
    kind, email_field, time_field = known
    if kind == "unsubscribe" and record.get("SuppressSending") is not True:
        return []  # a reactivation, not an unsubscribe
    email, message_id = record.get(email_field), record.get("MessageID")
    if not isinstance(email, str):
        raise MalformedPayload(email_field, "expected a string")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedPayload("MessageID", "expected a non-empty string")
    stamp = record.get(time_field)
    ts = parse_time(stamp, time_field)
    own_id = record.get("ID")
    if kind in ("bounce", "complaint") and isinstance(own_id, int):
        event_id = f"{record_type}:{own_id}"
    else:
        event_id = f"{record_type}:{message_id}:{stamp}:{record.get('OriginalLink', '')}"
    metadata = our_metadata(_mapping(record.get("Metadata")))
    bounce_type: BounceType | None = None
    if kind == "bounce":
        bounce_type = "hard" if record.get("Type") in _HARD else "soft"
    geo = _mapping(record.get("Geo"))
    return [
        WebhookEvent(
            provider=NAME,
            provider_event_id=event_id,
            kind=kind,
            email=email,
            ts=ts,
            recipient_id=metadata.get("recipient_id"),
            bounce_type=bounce_type,
            url=_text(record.get("OriginalLink")),
            user_agent=_text(record.get("UserAgent")),
            ip=_text(geo.get("IP")),
            metadata=metadata,
        )
    ]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
