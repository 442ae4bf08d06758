"""The tracking feature as an engine extension: signed unsubscribe and preference links.

The List-Unsubscribe headers go on every email, so the unsubscribe URL is signed for every
render; the links reach the context only for a template that shows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atn_content.content.extensions import BaseExtension, RenderScope
from atn_content.signing import Signer
from atn_content.tracking.links import UnsubscribeLinks

__all__ = ["LinksExtension"]


class LinksExtension(BaseExtension):
    """unsubscribe_url and preferences_url, and the RFC 8058 one-click headers."""

    name = "links"
    context_names = frozenset({"unsubscribe_url", "preferences_url"})

    def __init__(self, signer: Signer, public_url: str) -> None:
        self.links = UnsubscribeLinks(signer, public_url)

    def context(self, scope: RenderScope) -> Mapping[str, Any]:
        recipient_id = str(scope.recipient["id"])
        return {
            "unsubscribe_url": self.links.url(recipient_id, scope.list_id, scope.locale),
            "preferences_url": self.links.preferences_url(recipient_id, scope.locale),
        }

    def headers(self, scope: RenderScope, context: Mapping[str, Any]) -> Mapping[str, str]:
        url = context.get("unsubscribe_url")
        if not isinstance(url, str):  # the template does not show the link
            url = self.links.url(str(scope.recipient["id"]), scope.list_id, scope.locale)
        return self.links.headers(url)
