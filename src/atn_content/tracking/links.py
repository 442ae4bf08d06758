"""Per-recipient unsubscribe and preference-centre links, and the RFC 8058 one-click headers.

A token carries the email's locale beside the list (`<list>@<locale>\\n<recipient>`), so the
page it opens speaks the email's language; tokens from before the locale was carried
(`<list>\\n<recipient>`) still open, in the browser's language.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from atn_content.signing import Signer

__all__ = ["Link", "UnsubscribeLinks"]

#: Payload kind of preference-centre tokens (same signer), so no list may take this name.
_PREFERENCES = "prefs"
#: A locale as the templates name them (fr, en, ja, pt-BR...): what may follow the "@".
_LOCALE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")


class Link(NamedTuple):
    """What a genuine token says."""

    recipient_id: str
    list_id: str
    locale: str | None
    """The email's locale; None for a token from before locales were carried."""


class UnsubscribeLinks:
    def __init__(self, signer: Signer, public_url: str) -> None:
        if not public_url.startswith("https://"):
            raise ValueError(
                f"ATN_PUBLIC_URL must be an https:// URL (RFC 8058 one-click unsubscribe); "
                f"got {public_url!r}"
            )
        self._signer = signer
        self._base = public_url.rstrip("/")

    def url(self, recipient_id: str, list_id: str, locale: str | None = None) -> str:
        return f"{self._base}/u/{self._signer.sign(_payload(list_id, locale, recipient_id))}"

    def preferences_url(self, recipient_id: str, locale: str | None = None) -> str:
        token = self._signer.sign(_payload(_PREFERENCES, locale, recipient_id))
        return f"{self._base}/preferences/{token}"

    def read(self, token: str) -> Link | None:
        """What an unsubscribe token says, else None (forged, mangled, or a preferences one)."""
        found = self._read(token)
        return None if found is None or found.list_id == _PREFERENCES else found

    def read_preferences(self, token: str) -> Link | None:
        """What a preference-centre token says (its list_id is "*"), else None."""
        found = self._read(token)
        if found is None or found.list_id != _PREFERENCES:
            return None
        return found._replace(list_id="*")

    def _read(self, token: str) -> Link | None:
        payload = self._signer.unsign(token)
        if payload is None or "\n" not in payload:
            return None
        head, recipient_id = payload.split("\n", 1)
        list_id, at, locale = head.rpartition("@")
        if not at or not _LOCALE.fullmatch(locale):
            return Link(recipient_id, head, None)
        return Link(recipient_id, list_id, locale)

    @staticmethod
    def headers(unsubscribe_url: str) -> dict[str, str]:
        return {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }


def _payload(head: str, locale: str | None, recipient_id: str) -> str:
    return f"{head}@{locale}\n{recipient_id}" if locale else f"{head}\n{recipient_id}"
