"""Mailgun webhooks: the published signature vector, tampering, replay, old timestamps."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from tests.tracking.webhooks.conftest import Hook

from atn_content.config import Settings
from atn_content.tracking.webhooks import mailgun

# The published vector: mailgun/mailgun-php, tests/Api/WebhookTest.php (testVerifyWebhookGood
# and testVerifyWebhookBad).
SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
VECTOR = {
    "timestamp": "1403645220",
    "token": "5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6",
    "signature": "9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33",
}
BAD_TOKEN = "owyldpe6nxhmrn78epljl6bj0orrki1u3d2v5e6cnlmmuox8jr"


def opened(event_id: str = "-laxIqj9QWubsjY_3pTq_g", bot: str = "", **ours: str) -> Any:
    """Mailgun's sample "opened" event (documentation.mailgun.com, webhooks payload)."""
    return {
        "event": "opened",
        "id": event_id,
        "timestamp": 1403645220.042277,
        "recipient": "alice@example.com",
        "ip": "50.56.129.169",
        "geolocation": {"country": "US", "region": "CA", "city": "San Francisco"},
        "tags": ["my_tag_1"],
        "client-info": {
            "client-type": "browser",
            "client-os": "Linux",
            "device-type": "desktop",
            "client-name": "Chrome",
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.31 Chrome/26.0",
            "bot": bot,
        },
        "message": {"headers": {"message-id": "20130503182626.18666.16540@example.com"}},
        "user-variables": {"atn_recipient": "r-1", "atn_campaign": "mg", **ours},
    }


def body(signature: dict[str, str], event: Any) -> bytes:
    return json.dumps({"signature": signature, "event-data": event}).encode()


def signed(timestamp: int, token: str) -> dict[str, str]:
    mac = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {"timestamp": str(timestamp), "token": token, "signature": mac.hexdigest()}


def test_the_published_vector_verifies_and_the_bad_token_does_not() -> None:
    settings = Settings(mailgun_signing_key=SIGNING_KEY, webhook_tolerance_s=0)
    assert mailgun.verify({}, body(VECTOR, opened()), settings, 0.0) is None
    bad = dict(VECTOR, token=BAD_TOKEN)
    assert mailgun.verify({}, body(bad, opened()), settings, 0.0) == "signature does not verify"
    other_key = Settings(mailgun_signing_key="key-other", webhook_tolerance_s=0)
    assert mailgun.verify({}, body(VECTOR, opened()), other_key, 0.0) is not None


def test_the_vector_over_http_counts_once_and_a_replay_is_refused(
    hook: Callable[..., Hook],
) -> None:
    app = hook(mailgun_signing_key=SIGNING_KEY, webhook_tolerance_s=0)
    first = app.post("mailgun", body(VECTOR, opened()))
    assert first.status_code == 200, first.text
    assert app.count("campaign:mg", "open") == 1
    assert app.count("campaign:mg", "open.human") == 1
    again = app.post("mailgun", body(VECTOR, opened("another-id")))  # same token
    assert again.status_code == 401
    assert "seen before" in again.json()["detail"]
    assert app.count("campaign:mg", "open") == 1


def test_tampered_signatures_are_401_and_nothing_is_stored(hook: Callable[..., Hook]) -> None:
    app = hook(mailgun_signing_key=SIGNING_KEY, webhook_tolerance_s=0)
    tampered = [
        dict(VECTOR, token=BAD_TOKEN),
        dict(VECTOR, timestamp="1403645221"),
        dict(VECTOR, signature=VECTOR["signature"][:-1] + "4"),
        dict(VECTOR, signature=""),
    ]
    for signature in tampered:
        response = app.post("mailgun", body(signature, opened(atn_campaign="mg-t")))
        assert response.status_code in (400, 401), signature
    assert app.counters("campaign:mg-t") == {}


def test_an_old_timestamp_is_refused(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    app = hook(mailgun_signing_key=SIGNING_KEY, now=float(now))
    old = app.post("mailgun", body(signed(now - 301, "token-old"), opened(atn_campaign="mg-o")))
    assert old.status_code == 401
    fresh = app.post("mailgun", body(signed(now - 5, "token-new"), opened(atn_campaign="mg-o")))
    assert fresh.status_code == 200
    assert app.count("campaign:mg-o", "open") == 1


def test_a_bot_open_is_flagged_with_mailguns_evidence(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    app = hook(mailgun_signing_key=SIGNING_KEY, now=float(now))
    payload = body(signed(now, "token-bot"), opened(bot="apple", atn_campaign="mg-bot"))
    assert app.post("mailgun", payload).status_code == 200
    assert app.count("campaign:mg-bot", "open") == 1
    assert app.count("campaign:mg-bot", "open.human") == 0
    [event] = mailgun.parse(payload)
    assert event.machine and event.evidence == ("mailgun:client-info.bot",)
    assert event.user_agent and event.user_agent.startswith("Mozilla/5.0 (X11")


def test_failed_permanent_feeds_the_suppression_list(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    app = hook(mailgun_signing_key=SIGNING_KEY, now=float(now))
    failed = {
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "id": "G9Bn5sl1TC6nu79C8C0bwg",
        "timestamp": now,
        "recipient": "gone@example.com",
        "delivery-status": {"code": 550, "message": "5.1.1 The email account does not exist"},
        "user-variables": {"atn_recipient": "r-gone", "atn_campaign": "mg-f"},
    }
    temporary = dict(failed, severity="temporary", id="temp-1", **{"user-variables": {
        "atn_recipient": "r-later", "atn_campaign": "mg-f"}})  # fmt: skip
    assert app.post("mailgun", body(signed(now, "t-f1"), failed)).status_code == 200
    assert app.post("mailgun", body(signed(now, "t-f2"), temporary)).status_code == 200
    assert app.unsubscribed("r-gone")
    assert not app.unsubscribed("r-later")
    assert app.count("campaign:mg-f", "bounce.hard") == 1
    assert app.count("campaign:mg-f", "bounce.soft") == 1


def test_a_signed_body_without_event_data_is_400(hook: Callable[..., Hook]) -> None:
    now = int(time.time())
    app = hook(mailgun_signing_key=SIGNING_KEY, now=float(now))
    payload = json.dumps({"signature": signed(now, "t-empty")}).encode()
    response = app.post("mailgun", payload)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "event-data"
