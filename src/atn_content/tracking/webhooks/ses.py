"""Amazon SES events, delivered by an SNS topic's HTTPS subscription.

SNS signs each message with RSA: SignatureVersion 1 over SHA1, 2 over SHA256, of the
documented string to sign (the message's fields as "name\\nvalue\\n", in a fixed order
per Type). The certificate must come from https://sns.<region>.amazonaws.com/<name>.pem,
name sns.amazonaws.com and be valid when the message was signed. A SubscriptionConfirmation
is confirmed by the receiver (a GET of SubscribeURL) only after all of that passed. Our
custom arguments travel as SES message tags (`mail.tags`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from atn_content.config import Settings
from atn_content.tracking.webhooks.certificates import cert_url_problem, sns_url_problem
from atn_content.tracking.webhooks.events import (
    BounceType,
    Kind,
    MalformedPayload,
    WebhookEvent,
    our_metadata,
    parse_time,
)

__all__ = ["NAME", "configured", "parse", "read", "string_to_sign", "subscribe_url", "verify"]

NAME = "ses"
#: The fields signed, in order, per message Type (absent optional ones are skipped).
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}  # fmt: skip
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
_SNS_NAME = "sns.amazonaws.com"
#: SES event types (eventType, or notificationType for identity notifications) -> ours.
_KINDS: dict[str, Kind] = {
    "Delivery": "delivered",
    "Open": "open",
    "Click": "click",
    "Bounce": "bounce",
    "Complaint": "complaint",
}


def configured(settings: Settings) -> bool:
    return settings.sns_topic_arns is not None or settings.sns_cert_dir is not None


def read(raw_body: bytes) -> dict[str, str]:
    """The SNS message: its string fields (the envelope SNS posts is a flat JSON object)."""
    try:
        message = msgspec.json.decode(raw_body)
    except msgspec.DecodeError as exc:
        raise MalformedPayload("body", f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise MalformedPayload("body", "expected an SNS message object")
    kind = message.get("Type")
    if kind not in SIGNED_FIELDS:
        raise MalformedPayload("Type", f"expected one of {', '.join(SIGNED_FIELDS)}")
    required = [f for f in SIGNED_FIELDS[kind] if f != "Subject"]
    for name in (*required, "SignatureVersion", "Signature", "SigningCertURL"):
        if not isinstance(message.get(name), str):
            raise MalformedPayload(name, "expected a string")
    return {k: v for k, v in message.items() if isinstance(v, str)}


def string_to_sign(message: Mapping[str, str]) -> bytes:
    fields = SIGNED_FIELDS[message["Type"]]
    return "".join(f"{f}\n{message[f]}\n" for f in fields if f in message).encode()


def verify(
    headers: Mapping[str, str],
    raw_body: bytes,
    settings: Settings,
    now: float,
    certificate: Callable[[str], x509.Certificate],
) -> str | None:
    """None when SNS signed this message for an allowed topic, else why not.

    `certificate(url)` gives the signing certificate (it may read a file or download:
    call this off the event loop); it is only asked for a URL on an SNS host.
    """
    message = read(raw_body)
    allowed = settings.sns_topic_arns
    if allowed and message["TopicArn"] not in allowed:
        return f"topic {message['TopicArn']!r} is not in ATN_SNS_TOPIC_ARNS"
    hash_algorithm = _HASHES.get(message["SignatureVersion"])
    if hash_algorithm is None:
        return f"SignatureVersion {message['SignatureVersion']!r} is neither 1 nor 2"
    url = message["SigningCertURL"]
    problem = cert_url_problem(url)
    if problem:
        return problem
    signed_at = parse_time(message["Timestamp"], "Timestamp")
    tolerance = settings.webhook_tolerance_s
    if tolerance and abs(now - signed_at) > tolerance:
        return f"signed timestamp is more than {tolerance:g} s away from now"
    cert = certificate(url)
    problem = _certificate_problem(cert, signed_at)
    if problem:
        return problem
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return "the signing certificate does not hold an RSA key"
    try:
        key.verify(
            base64.b64decode(message["Signature"], validate=True),
            string_to_sign(message),
            padding.PKCS1v15(),
            hash_algorithm(),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return "signature does not verify"
    return None


def _certificate_problem(cert: x509.Certificate, signed_at: float) -> str | None:
    names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if _SNS_NAME not in names:
        return f"the signing certificate is not issued to {_SNS_NAME}"
    moment = dt.datetime.fromtimestamp(signed_at, dt.UTC)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        return "the signing certificate was not valid when the message was signed"
    return None


def subscribe_url(raw_body: bytes) -> str | None:
    """A verified SubscriptionConfirmation's URL to GET, if it is on an SNS host."""
    message = read(raw_body)
    if message["Type"] != "SubscriptionConfirmation":
        return None
    url = message["SubscribeURL"]
    problem = sns_url_problem(url)
    if problem:
        raise MalformedPayload("SubscribeURL", problem)
    return url


def parse(raw_body: bytes) -> list[WebhookEvent]:
    """The SES events of a Notification; [] for anything else (another publisher on the
    topic, SES's "Send" or "Reject", a confirmation)."""
    message = read(raw_body)
    if message["Type"] != "Notification":
        return []
    try:
        record = msgspec.json.decode(message["Message"])
    except msgspec.DecodeError:
        return []  # not an SES event: acknowledged and ignored
    if not isinstance(record, dict):
        return []
    kind = _KINDS.get(str(record.get("eventType") or record.get("notificationType")))
    mail = record.get("mail")
    if kind is None or not isinstance(mail, dict):
        return []
    return _events(kind, record, mail, message["MessageId"])


def _events(
    kind: Kind, record: dict[str, Any], mail: dict[str, Any], sns_id: str
) -> list[WebhookEvent]:
    section_name = {"delivered": "delivery"}.get(kind, kind)
    section = record.get(section_name)
    if not isinstance(section, dict):
        raise MalformedPayload(f"Message.{section_name}", "expected an object")
    ts = parse_time(section.get("timestamp"), f"Message.{section_name}.timestamp")
    bounce_type: BounceType | None = None
    if kind == "bounce":
        emails = _addresses(section.get("bouncedRecipients"), "Message.bounce")
        bounce_type = "hard" if section.get("bounceType") == "Permanent" else "soft"
    elif kind == "complaint":
        emails = _addresses(section.get("complainedRecipients"), "Message.complaint")
    elif kind == "delivered":
        emails = _strings(section.get("recipients"), "Message.delivery.recipients")
    else:  # open, click: one per message; we send one recipient per message
        emails = _strings(mail.get("destination"), "Message.mail.destination")[:1]
    tags = mail.get("tags")
    metadata = our_metadata(tags if isinstance(tags, dict) else None)
    return [
        WebhookEvent(
            provider=NAME,
            provider_event_id=f"{sns_id}:{i}",
            kind=kind,
            email=email,
            ts=ts,
            recipient_id=metadata.get("recipient_id"),
            bounce_type=bounce_type,
            url=_text(section.get("link")),
            user_agent=_text(section.get("userAgent")),
            ip=_text(section.get("ipAddress")),
            metadata=metadata,
        )
        for i, email in enumerate(emails)
    ]


def _addresses(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise MalformedPayload(where, "expected a list of recipients")
    found = []
    for i, item in enumerate(value):
        email = item.get("emailAddress") if isinstance(item, dict) else None
        if not isinstance(email, str):
            raise MalformedPayload(f"{where}[{i}].emailAddress", "expected a string")
        found.append(email)
    return found


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedPayload(where, "expected a list of addresses")
    return list(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
