"""Per-recipient unsubscribe links and the RFC 8058 one-click headers."""

from __future__ import annotations

from atn_content.signing import Signer

__all__ = ["UnsubscribeLinks"]

#: Payload kind of preference-centre tokens (same signer), so no list may take this name.
_PREFERENCES = "prefs"


class UnsubscribeLinks:
    def __init__(self, signer: Signer, public_url: str) -> None:
        if not public_url.startswith("https://"):
            raise ValueError(
                f"ATN_PUBLIC_URL must be an https:// URL (RFC 8058 one-click unsubscribe); "
                f"got {public_url!r}"
            )
        self._signer = signer
        self._base = public_url.rstrip("/")

    def url(self, recipient_id: str, list_id: str) -> str:
        token = self._signer.sign(list_id + "\n" + recipient_id)
        return f"{self._base}/u/{token}"

    def preferences_url(self, recipient_id: str) -> str:
        token = self._signer.sign(_PREFERENCES + "\n" + recipient_id)
        return f"{self._base}/preferences/{token}"

    def read(self, token: str) -> tuple[str, str] | None:
        """(recipient_id, list_id) of a genuine token, else None."""
        payload = self._signer.unsign(token)
        if payload is None or "\n" not in payload:
            return None
        list_id, recipient_id = payload.split("\n", 1)
        if list_id == _PREFERENCES:
            return None  # a preferences link is not an unsubscribe link
        return recipient_id, list_id

    @staticmethod
    def headers(unsubscribe_url: str) -> dict[str, str]:
        return {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
