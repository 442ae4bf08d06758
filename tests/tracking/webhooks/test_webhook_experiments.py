"""A webhook event carrying our experiment metadata counts for the recipient's arm, and a
hard bounce lands on the suppression list with its source."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from tests.api.conftest import AUTH
from tests.tracking.webhooks.conftest import Hook

PM_AUTH = "pm:experiments-pass"
BASIC = {"Authorization": "Basic " + base64.b64encode(PM_AUTH.encode()).decode()}
EXPERIMENT: dict[str, Any] = {
    "key": "wh-subject",
    "name": "Webhook subject test",
    "kind": "subject",
    "template": "newsletter-destination",
    "test_fraction": 1.0,
    "variants": [
        {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
        {"key": "B", "subject": "Votre Polynésie à -30 %"},
    ],
}


def click(recipient: str, variant: str, message_id: str) -> bytes:
    """Postmark's sample Click record with our metadata."""
    return json.dumps(
        {
            "RecordType": "Click",
            "MessageStream": "outbound",
            "OriginalLink": "https://example.com",
            "MessageID": message_id,
            "ReceivedAt": "2017-10-25T15:21:11.2407546Z",
            "Recipient": "john@example.com",
            "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36",
            "Metadata": {
                "atn_recipient": recipient,
                "atn_experiment": "wh-subject",
                "atn_variant": variant,
                "atn_template": "newsletter-destination",
            },
        }
    ).encode()


def test_a_webhook_click_counts_for_the_recipients_arm(hook: Callable[..., Hook]) -> None:
    app = hook(postmark_webhook_auth=PM_AUTH)
    launched = app.client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)
    assert launched.status_code == 201, launched.text
    render = {"template": "newsletter-destination", "locale": "fr", "recipient": {"id": "r-x"}}
    variant = app.client.post("/v1/render", json=render, headers=AUTH).json()["variant"]
    other = "B" if variant == "A" else "A"

    ok = app.post("postmark", click("r-x", variant, "m-1"), BASIC)
    assert ok.status_code == 200 and ok.json()["notes"] == []
    wrong = app.post("postmark", click("r-x", other, "m-2"), BASIC)
    assert wrong.status_code == 200
    assert f"is in arm {variant!r}" in wrong.json()["notes"][0]
    arms = app.counters("wh-subject")
    assert arms[variant]["click"]["count"] == 1
    assert "click" not in arms.get(other, {})
    assert app.count("template:newsletter-destination", "click", variant) == 1


def test_a_hard_bounce_is_suppressed_with_its_source(hook: Callable[..., Hook]) -> None:
    app = hook(postmark_webhook_auth=PM_AUTH)
    bounce = {
        "RecordType": "Bounce",
        "ID": 7,
        "Type": "HardBounce",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": "john@example.com",
        "BouncedAt": "2019-11-05T16:33:54.9070259Z",
        "Metadata": {"atn_recipient": "r-bounced"},
    }
    assert app.post("postmark", json.dumps(bounce).encode(), BASIC).status_code == 200
    store = app.client.app.state.store
    [unsubscribe] = app.client.blocking_portal.call(store.unsubscribes, "r-bounced")
    assert (unsubscribe.list_id, unsubscribe.source) == ("*", "bounce")
