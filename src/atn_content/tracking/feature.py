"""The tracking feature: signed links in every email, and the pages they lead to (the
unsubscribe page and the preference centre; the preference centre reads the consent
feature's suppression snapshot)."""

from __future__ import annotations

from litestar.di import Provide

from atn_content.api.preferences import ROUTES as PREFERENCE_ROUTES
from atn_content.api.unsubscribe import ROUTES as UNSUBSCRIBE_ROUTES
from atn_content.config import Settings
from atn_content.features import Feature
from atn_content.signing import Signer
from atn_content.tracking.extension import LinksExtension
from atn_content.tracking.links import UnsubscribeLinks

__all__ = ["feature"]


def feature(settings: Settings) -> Feature:
    extension = LinksExtension(
        Signer(settings.secret, "unsubscribe", settings.previous_secrets), settings.public_url
    )

    def links() -> UnsubscribeLinks:
        return extension.links

    return Feature(
        "tracking",
        extension=extension,
        routes=(*UNSUBSCRIBE_ROUTES, *PREFERENCE_ROUTES),
        dependencies={"links": Provide(links, sync_to_thread=False)},
    )
