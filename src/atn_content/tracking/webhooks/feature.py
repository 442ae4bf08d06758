"""The ESP webhooks feature: the route and the receiver its handler is given."""

from __future__ import annotations

from litestar.di import Provide

from atn_content.api.webhooks import receive_webhook
from atn_content.config import Settings
from atn_content.features import Feature
from atn_content.tracking.webhooks.receiver import WebhookReceiver

__all__ = ["feature"]


def feature(settings: Settings, receiver: WebhookReceiver | None = None) -> Feature:
    """`receiver` replaces the default one (tests give it their own fetch and clock)."""
    chosen = receiver or WebhookReceiver(settings)

    def webhooks() -> WebhookReceiver:
        return chosen

    return Feature(
        "webhooks",
        routes=(receive_webhook,),
        dependencies={"webhooks": Provide(webhooks, sync_to_thread=False)},
    )
