"""SendGrid's Signed Event Webhook.

SendGrid signs the timestamp header followed by the raw body with ECDSA P-256 / SHA-256;
the verification key is the base64 DER public key its settings page shows. The body is a
JSON array of events; our custom_args come back as top-level fields of each event.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Mapping
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from atn_content.config import Settings
from atn_content.tracking.webhooks.events import (
    BounceType,
    Kind,
    MalformedPayload,
    WebhookEvent,
    our_metadata,
)

__all__ = ["NAME", "check_key", "configured", "parse", "verify"]

NAME = "sendgrid"
SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature"
TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp"
#: SendGrid's event names -> ours; "processed", "dropped", "deferred" and the group
#: resubscribe say nothing about the recipient's inbox and are ignored.
_KINDS: dict[str, Kind] = {
    "delivered": "delivered",
    "open": "open",
    "click": "click",
    "bounce": "bounce",
    "spamreport": "complaint",
    "unsubscribe": "unsubscribe",
    "group_unsubscribe": "unsubscribe",
}


def configured(settings: Settings) -> bool:
    return bool(settings.sendgrid_verification_key)


def check_key(settings: Settings) -> None:
    """Raise ValueError at start-up for a key that cannot verify anything (a 401 for every
    webhook would hide the misconfiguration)."""
    if configured(settings):
        try:
            _public_key(settings.sendgrid_verification_key)
        except (ValueError, binascii.Error) as exc:
            raise ValueError(f"ATN_SENDGRID_VERIFICATION_KEY: {exc}") from None


@functools.lru_cache(maxsize=4)
def _public_key(b64_der: str) -> ec.EllipticCurvePublicKey:
    key = load_der_public_key(base64.b64decode(b64_der, validate=True))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("ATN_SENDGRID_VERIFICATION_KEY is not an ECDSA P-256 public key")
    return key


def verify(
    headers: Mapping[str, str], raw_body: bytes, settings: Settings, now: float
) -> str | None:
    """None when SendGrid signed this body, else why not. `headers` are lower-cased."""
    signature, timestamp = headers.get(SIGNATURE_HEADER), headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        return f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header"
    try:
        signed_at = int(timestamp)
    except ValueError:
        return f"{TIMESTAMP_HEADER} is not a Unix time"
    tolerance = settings.webhook_tolerance_s
    if tolerance and abs(now - signed_at) > tolerance:
        return f"signed timestamp is more than {tolerance:g} s away from now"
    try:
        key = _public_key(settings.sendgrid_verification_key)
        key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + raw_body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return "signature does not verify"
    return None


def parse(raw_body: bytes) -> list[WebhookEvent]:
    """Our kinds among the body's events (the rest ignored); MalformedPayload names the
    event and field that is not what SendGrid sends."""
    try:
        payload = msgspec.json.decode(raw_body)
    except msgspec.DecodeError as exc:
        raise MalformedPayload("body", f"not JSON: {exc}") from None
    if not isinstance(payload, list):
        raise MalformedPayload("body", "expected a JSON array of events")
    events = []
    for i, item in enumerate(payload):
        if not isinstance(item, dict):
            raise MalformedPayload(f"[{i}]", "expected an event object")
        event = _event(item, f"[{i}]")
        if event is not None:
            events.append(event)
    return events


def _event(item: dict[str, Any], where: str) -> WebhookEvent | None:
    kind = _KINDS.get(str(item.get("event")))
    if kind is None:
        return None
    email, ts = item.get("email"), item.get("timestamp")
    if not isinstance(email, str):
        raise MalformedPayload(f"{where}.email", "expected a string")
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise MalformedPayload(f"{where}.timestamp", "expected a Unix time")
    event_id = item.get("sg_event_id")
    if not isinstance(event_id, str) or not event_id:  # old payloads: stable across retries
        event_id = hashlib.sha256(msgspec.json.encode(item, order="sorted")).hexdigest()[:32]
    metadata = our_metadata(item)
    machine = item.get("sg_machine_open") is True
    bounce_type: BounceType | None = None
    if kind == "bounce":  # "bounce": the address is gone; "blocked": refused this time
        bounce_type = "soft" if item.get("type") == "blocked" else "hard"
    return WebhookEvent(
        provider=NAME,
        provider_event_id=event_id,
        kind=kind,
        email=email,
        ts=float(ts),
        recipient_id=metadata.get("recipient_id"),
        bounce_type=bounce_type,
        url=_text(item.get("url")),
        user_agent=_text(item.get("useragent")),
        ip=_text(item.get("ip")),
        machine=machine,
        evidence=("sendgrid:sg_machine_open",) if machine else (),
        metadata=metadata,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
