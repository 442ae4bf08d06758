"""SendGrid's Signed Event Webhook: the published vector, tampered copies, sample events."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tests.tracking.webhooks.conftest import Hook

from atn_content.config import Settings
from atn_content.tracking.webhooks import sendgrid

# The published vector: sendgrid/sendgrid-python, test/unit/test_eventwebhook.py (the same
# key, signature, timestamp and payload as sendgrid-nodejs's eventwebhook tests).
PUBLIC_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+"
    "2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
)
SIGNATURE = (
    "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15Tl"
    "uLtEZtM="
)
TIMESTAMP = "1600112502"
PAYLOAD = (
    json.dumps(
        [
            {
                "email": "hello@world.com",
                "event": "dropped",
                "reason": "Bounced Address",
                "sg_event_id": "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
                "sg_message_id": (
                    "LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0"
                ),
                "smtp-id": "<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>",
                "timestamp": 1600112492,
            }
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    + "\r\n"  # the trailing CRLF is part of the signed body
).encode()
#: From the same test file: another key, and a signature of something else.
OTHER_KEY = (
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo"
    "7aNDthvj+y7GjUuFDb/R1NGe1OPzpA=="
)
OTHER_SIGNATURE = (
    "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDW"
    "YNH3j/0="
)


def headers(signature: str, timestamp: str) -> dict[str, str]:
    return {
        "X-Twilio-Email-Event-Webhook-Signature": signature,
        "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
    }


def lower(h: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in h.items()}


def test_the_published_vector_verifies_and_its_tampered_copies_do_not() -> None:
    settings = Settings(sendgrid_verification_key=PUBLIC_KEY, webhook_tolerance_s=0)
    assert sendgrid.verify(lower(headers(SIGNATURE, TIMESTAMP)), PAYLOAD, settings, 0.0) is None
    refused = [
        (headers(SIGNATURE, TIMESTAMP), b"payload", settings),
        (headers(OTHER_SIGNATURE, TIMESTAMP), PAYLOAD, settings),
        (headers(SIGNATURE, "timestamp"), PAYLOAD, settings),
        (headers(SIGNATURE, "1600112503"), PAYLOAD, settings),
        (headers(SIGNATURE, TIMESTAMP), PAYLOAD.rstrip(), settings),
        (headers(SIGNATURE, TIMESTAMP), PAYLOAD, Settings(sendgrid_verification_key=OTHER_KEY)),
        ({}, PAYLOAD, settings),
    ]
    for given, body, with_settings in refused:
        with_settings = Settings(
            sendgrid_verification_key=with_settings.sendgrid_verification_key,
            webhook_tolerance_s=0,
        )
        assert sendgrid.verify(lower(given), body, with_settings, 0.0) is not None, given


def test_the_published_vector_over_http_is_accepted_and_its_drop_ignored(
    hook: Callable[..., Hook],
) -> None:
    app = hook(sendgrid_verification_key=PUBLIC_KEY, webhook_tolerance_s=0)
    response = app.post("sendgrid", PAYLOAD, headers(SIGNATURE, TIMESTAMP))
    assert response.status_code == 200, response.text
    assert response.json()["events"] == 0  # "dropped" is not one of our kinds
    tampered = app.post(
        "sendgrid", PAYLOAD.replace(b"hello", b"hallo"), headers(SIGNATURE, TIMESTAMP)
    )
    assert tampered.status_code == 401
    assert tampered.headers["content-type"].startswith("application/problem+json")


def test_an_old_timestamp_is_refused_unless_the_age_check_is_off(
    hook: Callable[..., Hook],
) -> None:
    app = hook(sendgrid_verification_key=PUBLIC_KEY)  # default tolerance: 300 s
    response = app.post("sendgrid", PAYLOAD, headers(SIGNATURE, TIMESTAMP))
    assert response.status_code == 401
    assert "300 s" in response.json()["detail"]


def test_without_its_key_the_webhook_is_404(hook: Callable[..., Hook]) -> None:
    app = hook()
    response = app.post("sendgrid", PAYLOAD, headers(SIGNATURE, TIMESTAMP))
    assert response.status_code == 404
    assert app.post("sparkpost", b"[]").status_code == 404


# Our own key signs SendGrid's sample events (docs.sendgrid.com, "Event Webhook Reference":
# delivered, open, click, bounce, spamreport), carrying our custom_args.
class Signer:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public = base64.b64encode(der).decode()

    def sign(self, body: bytes, timestamp: int) -> dict[str, str]:
        signature = self.key.sign(str(timestamp).encode() + body, ec.ECDSA(hashes.SHA256()))
        return headers(base64.b64encode(signature).decode(), str(timestamp))


def sample_events(now: int, recipient: str = "r-1", campaign: str = "bf-2026") -> list[Any]:
    ours = {"atn_recipient": recipient, "atn_campaign": campaign, "atn_template": "newsletter"}
    base = {"email": "example@test.com", "timestamp": now - 60, "smtp-id": "<14c5d75ce93@x>"}
    return [
        {**base, **ours, "event": "processed", "sg_event_id": "sg-processed-1"},
        {**base, **ours, "event": "delivered", "sg_event_id": "sg-delivered-1",
         "response": "250 OK"},
        {**base, **ours, "event": "open", "sg_event_id": "sg-open-machine",
         "sg_machine_open": True, "useragent": "Mozilla/5.0", "ip": "17.58.0.1"},
        {**base, **ours, "event": "open", "sg_event_id": "sg-open-human",
         "sg_machine_open": False, "useragent": "Mozilla/5.0 (Windows NT 10.0)", "ip": "1.2.3.4"},
        {**base, **ours, "event": "click", "sg_event_id": "sg-click-1",
         "url": "https://www.airtahitinui.com/", "url_offset": {"index": 0, "type": "html"}},
    ]  # fmt: skip


def test_sample_events_count_raw_and_human_side_by_side(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    signer = Signer()
    app = hook(sendgrid_verification_key=signer.public, now=float(now))
    body = json.dumps(sample_events(now)).encode()
    response = app.post("sendgrid", body, signer.sign(body, now))
    assert response.status_code == 200, response.text
    assert response.json()["events"] == 4  # "processed" ignored
    scope = "campaign:bf-2026"
    assert app.count(scope, "delivered") == 1
    assert app.count(scope, "open") == 1  # unique openers: both opens are r-1's
    assert app.count(scope, "open.human") == 1
    assert app.count(scope, "click") == 1
    assert app.count(scope, "click.human") == 1


def test_a_machine_open_counts_raw_but_not_human(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    signer = Signer()
    app = hook(sendgrid_verification_key=signer.public, now=float(now))
    [machine] = [e for e in sample_events(now, "r-m") if e["sg_event_id"] == "sg-open-machine"]
    body = json.dumps([machine]).encode()
    assert app.post("sendgrid", body, signer.sign(body, now)).status_code == 200
    assert app.count("campaign:bf-2026", "open") == 1
    assert app.count("campaign:bf-2026", "open.human") == 0
    [event] = sendgrid.parse(body)
    assert event.machine and event.evidence == ("sendgrid:sg_machine_open",)


def test_a_retried_batch_is_counted_once(hook: Callable[..., Hook], redis_url: str) -> None:
    now = int(time.time())
    signer = Signer()
    app = hook(sendgrid_verification_key=signer.public, now=float(now), store_url=redis_url)
    body = json.dumps(sample_events(now, "r-retry", "retry")).encode()
    for _ in range(2):
        assert app.post("sendgrid", body, signer.sign(body, now)).status_code == 200
    assert app.count("campaign:retry", "delivered") == 1
    assert app.count("campaign:retry", "click") == 1


def test_tampered_sample_is_401_and_nothing_is_stored(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    signer = Signer()
    app = hook(sendgrid_verification_key=signer.public, now=float(now))
    body = json.dumps(sample_events(now, "r-t", "tampered")).encode()
    signed = signer.sign(body, now)
    forged = [
        (body.replace(b"r-t", b"r-x"), signed),
        (body, signer.sign(body, now + 1) | {"X-Twilio-Email-Event-Webhook-Timestamp": str(now)}),
        (body, Signer().sign(body, now)),
    ]
    for forged_body, forged_headers in forged:
        assert app.post("sendgrid", forged_body, forged_headers).status_code == 401
    assert app.counters("campaign:tampered") == {}


def test_bounces_and_complaints_feed_the_suppression_list(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    signer = Signer()
    app = hook(sendgrid_verification_key=signer.public, now=float(now))
    ours = {"atn_campaign": "bf-2026", "email": "x@test.com", "timestamp": now}
    body = json.dumps(
        [
            {
                **ours,
                "atn_recipient": "r-hard",
                "event": "bounce",
                "type": "bounce",
                "sg_event_id": "b-1",
                "reason": "550 5.1.1 unknown",
            },
            {
                **ours,
                "atn_recipient": "r-soft",
                "event": "bounce",
                "type": "blocked",
                "sg_event_id": "b-2",
            },
            {**ours, "atn_recipient": "r-spam", "event": "spamreport", "sg_event_id": "c-1"},
        ]
    ).encode()
    assert app.post("sendgrid", body, signer.sign(body, now)).status_code == 200
    assert app.unsubscribed("r-hard") and app.unsubscribed("r-spam")
    assert not app.unsubscribed("r-soft")
    assert app.count("campaign:bf-2026", "bounce") == 2
    assert app.count("campaign:bf-2026", "bounce.hard") == 1
    assert app.count("campaign:bf-2026", "complaint") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [(b"{}", "body"), (b"not json", "body"), (b'[{"event": "open", "email": 3}]', "[0].email")],
)
def test_a_signed_but_malformed_body_is_400_naming_the_field(
    hook: Callable[..., Hook], body: bytes, field: str
) -> None:
    now = int(time.time())
    signer = Signer()
    app = hook(sendgrid_verification_key=signer.public, now=float(now))
    response = app.post("sendgrid", body, signer.sign(body, now))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_a_key_that_is_not_a_p256_public_key_stops_the_start() -> None:
    for key in ("not base64!", base64.b64encode(b"garbage").decode()):
        with pytest.raises(ValueError, match="ATN_SENDGRID_VERIFICATION_KEY"):
            sendgrid.check_key(Settings(sendgrid_verification_key=key))
    sendgrid.check_key(Settings(sendgrid_verification_key=PUBLIC_KEY))
