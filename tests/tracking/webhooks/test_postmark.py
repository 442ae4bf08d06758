"""Postmark webhooks: Basic auth (Postmark has no signature), its documented sample records."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from tests.tracking.webhooks.conftest import Hook

from atn_content.tracking.webhooks import postmark

AUTH = "postmark:s3cret-pass"
OURS = {"atn_recipient": "r-pm", "atn_campaign": "pm", "atn_template": "newsletter"}

# Postmark's sample payloads (postmarkapp.com/developer/webhooks/<type>-webhook), with our
# Metadata in place of the samples' a_key/b_key.
BOUNCE = {
    "RecordType": "Bounce",
    "MessageStream": "outbound",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "Test",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Metadata": OURS,
    "ServerID": 23,
    "Description": (
        "The server was unable to deliver your message (ex: unknown user, mailbox not found)."
    ),
    "Details": "Test bounce details",
    "Email": "john@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2019-11-05T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Test subject",
    "Content": "<Full dump of bounce>",
}
OPEN = {
    "RecordType": "Open",
    "MessageStream": "outbound",
    "FirstOpen": True,
    "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google", "Family": "Chrome"},
    "OS": {"Name": "OS X 10.7 Lion", "Company": "Apple Computer, Inc.", "Family": "OS X 10"},
    "Platform": "WebMail",
    "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36",
    "Geo": {"CountryISOCode": "RS", "Country": "Serbia", "City": "Novi Sad", "IP": "188.2.95.4"},
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Metadata": OURS,
    "ReceivedAt": "2019-11-05T16:33:54.9070259Z",
    "Tag": "welcome-email",
    "Recipient": "john@example.com",
}
CLICK = {
    "RecordType": "Click",
    "MessageStream": "outbound",
    "ClickLocation": "HTML",
    "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google", "Family": "Chrome"},
    "OS": {"Name": "OS X 10.7 Lion", "Company": "Apple Computer, Inc.", "Family": "OS X 10"},
    "Platform": "Desktop",
    "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36",
    "OriginalLink": "https://example.com",
    "Geo": {"CountryISOCode": "RS", "IP": "192.168.0.1"},
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Metadata": OURS,
    "ReceivedAt": "2017-10-25T15:21:11.2407546Z",
    "Tag": "welcome-email",
    "Recipient": "john@example.com",
}
DELIVERY = {
    "RecordType": "Delivery",
    "ServerID": 23,
    "MessageStream": "outbound",
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Recipient": "john@example.com",
    "Tag": "welcome-email",
    "DeliveredAt": "2014-08-01T13:28:10.2735393-04:00",
    "Details": "Test delivery webhook details",
    "Metadata": OURS,
}
SPAM = {
    "RecordType": "SpamComplaint",
    "MessageStream": "outbound",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Metadata": dict(OURS, atn_recipient="r-spam"),
    "Email": "john@example.com",
    "BouncedAt": "2019-11-05T16:33:54.9070259Z",
}
SUBSCRIPTION = {
    "RecordType": "SubscriptionChange",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "ServerID": 123456,
    "MessageStream": "outbound",
    "ChangedAt": "2020-02-01T10:53:34.416071Z",
    "Recipient": "bounced-address@wildbit.com",
    "Origin": "Recipient",
    "SuppressSending": True,
    "SuppressionReason": "ManualSuppression",
    "Tag": "my-tag",
    "Metadata": dict(OURS, atn_recipient="r-left"),
}


def basic(credentials: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def post(app: Hook, record: Any, credentials: str = AUTH) -> Any:
    return app.post("postmark", json.dumps(record).encode(), basic(credentials))


def test_each_sample_record_is_normalised() -> None:
    kinds = {
        json.dumps(r): k
        for r, k in [
            (BOUNCE, "bounce"),
            (OPEN, "open"),
            (CLICK, "click"),
            (DELIVERY, "delivered"),
            (SPAM, "complaint"),
            (SUBSCRIPTION, "unsubscribe"),
        ]
    }
    for raw, kind in kinds.items():
        [event] = postmark.parse(raw.encode())
        assert event.kind == kind
        assert event.metadata["campaign"] == "pm"
    [bounce] = postmark.parse(json.dumps(BOUNCE).encode())
    assert bounce.bounce_type == "hard" and bounce.provider_event_id == "Bounce:4323372036854775807"
    [delivered] = postmark.parse(json.dumps(DELIVERY).encode())
    assert delivered.ts == pytest.approx(1406914090.273539)  # 13:28:10.27 at -04:00
    [click] = postmark.parse(json.dumps(CLICK).encode())
    assert click.url == "https://example.com" and click.ip == "192.168.0.1"


def test_records_with_the_credentials_are_counted(hook: Callable[..., Hook]) -> None:
    app = hook(postmark_webhook_auth=AUTH)
    for record in (DELIVERY, OPEN, CLICK, BOUNCE, SPAM, SUBSCRIPTION):
        response = post(app, record)
        assert response.status_code == 200, response.text
    for metric in ("delivered", "open", "open.human", "click", "click.human", "bounce"):
        assert app.count("campaign:pm", metric) == 1, metric
    assert app.unsubscribed("r-pm")  # hard bounce
    assert app.unsubscribed("r-spam") and app.unsubscribed("r-left")


def test_a_retried_record_is_counted_once(hook: Callable[..., Hook]) -> None:
    app = hook(postmark_webhook_auth=AUTH)
    other = dict(CLICK, Metadata=dict(OURS, atn_campaign="pm-retry", atn_recipient="r-r"))
    for _ in range(3):
        assert post(app, other).status_code == 200
    assert app.count("campaign:pm-retry", "click") == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("postmark:wrong"),
        basic("other:s3cret-pass"),
        basic(AUTH + "x"),
        {"Authorization": "Bearer " + AUTH},
        {"Authorization": "Basic !!!"},
    ],
)
def test_wrong_credentials_are_401_and_nothing_is_stored(
    hook: Callable[..., Hook], headers: dict[str, str]
) -> None:
    app = hook(postmark_webhook_auth=AUTH)
    record = dict(OPEN, Metadata=dict(OURS, atn_campaign="pm-forged"))
    response = app.post("postmark", json.dumps(record).encode(), headers)
    assert response.status_code == 401
    assert app.counters("campaign:pm-forged") == {}


def test_without_its_setting_postmark_is_404(hook: Callable[..., Hook]) -> None:
    assert post(hook(), OPEN).status_code == 404


def test_a_malformed_record_is_400_naming_the_field(hook: Callable[..., Hook]) -> None:
    app = hook(postmark_webhook_auth=AUTH)
    response = post(app, dict(OPEN, ReceivedAt="yesterday"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ReceivedAt"
