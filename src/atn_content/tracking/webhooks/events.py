"""The one shape every ESP's webhook event is normalised into, and the metadata we send.

Each provider module (sendgrid, mailgun, postmark, ses) turns its own payload into
WebhookEvents; everything after that (de-duplication, counters, the experiment's arm, the
suppression list) reads only this shape, so a fifth provider is one more module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

__all__ = [
    "KINDS",
    "METADATA_KEYS",
    "BounceType",
    "Kind",
    "MalformedPayload",
    "WebhookEvent",
    "our_metadata",
    "parse_time",
]

Kind = Literal["delivered", "open", "click", "bounce", "complaint", "unsubscribe"]
BounceType = Literal["hard", "soft"]
#: The kinds of event a webhook yields; everything else a provider sends is ignored.
KINDS: tuple[Kind, ...] = ("delivered", "open", "click", "bounce", "complaint", "unsubscribe")

#: Custom-argument name the ESP carries -> our metadata key (docs/TRACKING.md says how each
#: provider is told to pass them). Prefixed so they never clash with the ESP's own fields.
METADATA_KEYS: dict[str, str] = {
    "atn_recipient": "recipient_id",
    "atn_template": "template",
    "atn_template_version": "template_version",
    "atn_variant": "variant",
    "atn_experiment": "experiment",
    "atn_campaign": "campaign",
}
#: Longest metadata value kept (the ESPs cap theirs lower; a longer one is not ours).
_MAX_VALUE = 256


class MalformedPayload(ValueError):
    """A verified body that is not what the provider sends: a 400 naming `where`."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


class WebhookEvent(msgspec.Struct, frozen=True):
    """One thing an ESP saw happen to one email, whichever ESP it was."""

    provider: str
    provider_event_id: str
    """The provider's id for this event (or one derived from its payload that stays the
    same when the provider retries): the key de-duplication uses."""
    kind: Kind
    email: str
    ts: float
    """When it happened, seconds since the epoch (UTC)."""
    recipient_id: str | None = None
    """Our recipient id, from the metadata the render asked the ESP to carry."""
    bounce_type: BounceType | None = None
    url: str | None = None
    """Clicks: the link followed."""
    user_agent: str | None = None
    ip: str | None = None
    machine: bool = False
    """Flagged as a machine (privacy proxy, scanner) by the provider itself."""
    evidence: tuple[str, ...] = ()
    """Why `machine` is set, e.g. "sendgrid:sg_machine_open"."""
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    """Our custom arguments found on the event (template, template_version, variant,
    experiment, campaign, recipient_id)."""


def our_metadata(values: Mapping[str, Any] | None) -> dict[str, str]:
    """Our keys among a provider's custom arguments; anything else (theirs, other apps')
    is left out, and so is a value that is not a short string."""
    if not values:
        return {}
    found: dict[str, str] = {}
    for arg, key in METADATA_KEYS.items():
        value = values.get(arg)
        if isinstance(value, list) and len(value) == 1:  # SES tags are lists of values
            value = value[0]
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip() and len(value) <= _MAX_VALUE:
            found[key] = value
    return found


def parse_time(value: Any, where: str) -> float:
    """An ISO 8601 time (providers write "Z", offsets, or 7 fractional digits) or a Unix
    time, as seconds since the epoch."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise MalformedPayload(where, "expected a time")
    text = value.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python reads at most 6 fractional digits; .NET writes 7
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
        text = f"{head}.{rest}"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise MalformedPayload(where, f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()
