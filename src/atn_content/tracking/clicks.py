"""Signed click-redirect and open-pixel tokens: what a tracked link carries, and reading it back.

A token is `Signer(secret, "click")` over a compact line-separated payload (no JSON: it is
built for every link of every email). It carries the campaign (template name), template
version, variant, experiment key, link id, recipient id, locale, issue time and, for a
click, the destination: the redirect goes only where the signed token says (no open
redirect), and a link keeps working after its template has changed or been deleted.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Literal

from atn_content.signing import Signer

__all__ = ["MAX_AGE_S", "ClickLinks", "EmailLinks", "Tracked", "TrackedRead"]

#: Tokens older than this answer 410 Gone (a link kept in an inbox for over a year and a half).
MAX_AGE_S = 550 * 86_400
_VERSION = "1"
_FIELDS = 10


@dataclass(frozen=True, slots=True)
class Tracked:
    """What one click or open token says."""

    kind: Literal["c", "o"]
    campaign: str
    version: str
    variant: str | None
    experiment: str | None
    link: str
    """Link id (compile-time, stable per template version); "" for an open."""
    recipient_id: str
    locale: str
    issued: int
    """Seconds since the epoch when the email was rendered."""
    url: str
    """Destination of a click ("" for an open)."""


@dataclass(frozen=True, slots=True)
class TrackedRead:
    """A verified token (`tracked`) or why it is refused (`expired`: genuine but too old)."""

    tracked: Tracked | None
    expired: bool = False
    locale: str | None = None
    """The locale a refused but readable token names (for the page shown instead)."""


class ClickLinks:
    def __init__(self, signer: Signer, public_url: str) -> None:
        self._signer = signer
        self._click = public_url.rstrip("/") + "/t/c/"
        self._open = public_url.rstrip("/") + "/t/o/"

    def payload(self, t: Tracked) -> str | None:
        """The signed text, or None when a field cannot be carried (a line break in it)."""
        head = (
            _VERSION,
            t.kind,
            t.campaign,
            t.version,
            t.variant or "",
            t.experiment or "",
            t.link,
            t.recipient_id,
            t.locale,
            str(t.issued),
        )
        if any("\n" in part for part in head):
            return None
        return "\n".join(head) + "\n" + t.url

    def for_email(
        self,
        campaign: str,
        variant: str | None,
        experiment: str | None,
        recipient_id: str,
        locale: str,
        issued: int,
    ) -> EmailLinks | None:
        """The links of one rendered email, its shared fields laid out once (the same
        tokens as click_url and open_url); None when a field cannot be carried."""
        shared = (campaign, variant or "", experiment or "", recipient_id, locale)
        if any("\n" in part for part in shared):
            return None
        return EmailLinks(
            self._signer,
            self._click,
            self._open,
            (
                f"\n{campaign}\n",
                f"\n{variant or ''}\n{experiment or ''}\n",
                f"\n{recipient_id}\n{locale}\n{issued}\n",
            ),
        )

    def click_url(self, t: Tracked) -> str | None:
        payload = self.payload(t)
        return None if payload is None else self._click + self._signer.sign(payload)

    def open_url(self, t: Tracked) -> str | None:
        payload = self.payload(t)
        return None if payload is None else self._open + self._signer.sign(payload) + ".gif"

    @staticmethod
    def unverified_locale(token: str) -> str | None:
        """The locale field of a token that failed verification, to pick the page's
        language (one of three fixed pages) and nothing else; None if unreadable."""
        parts = _unverified_fields(token)
        return parts[8][:16] if len(parts) > 8 else None

    @staticmethod
    def unverified_destination(token: str) -> str | None:
        """Where a click token we just issued leads, read without checking its MAC: for the
        studio's frames, which show the email without counting a click or an open."""
        parts = _unverified_fields(token)
        if len(parts) != _FIELDS + 1 or parts[1] != "c":
            return None
        return parts[_FIELDS]

    def read(self, token: str, kind: Literal["c", "o"], now: float | None = None) -> TrackedRead:
        payload = self._signer.unsign(token)
        if payload is None:
            return TrackedRead(None)
        parts = payload.split("\n", _FIELDS)
        if len(parts) != _FIELDS + 1 or parts[0] != _VERSION or parts[1] != kind:
            return TrackedRead(None)
        _, _, campaign, version, variant, experiment, link, rid, locale, issued, url = parts
        if not issued.isdigit():
            return TrackedRead(None)
        now = time.time() if now is None else now
        if now - int(issued) > MAX_AGE_S:
            return TrackedRead(None, expired=True, locale=locale)
        tracked = Tracked(
            kind,
            campaign,
            version,
            variant or None,
            experiment or None,
            link,
            rid,
            locale,
            int(issued),
            url,
        )
        return TrackedRead(tracked, locale=locale)


def _unverified_fields(token: str) -> list[str]:
    """A token's payload fields as written, its MAC not checked ([] when unreadable)."""
    data = token.partition(".")[0]
    try:
        text = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return []
    return text.split("\n", _FIELDS)


class EmailLinks:
    """Signed click and open URLs of one email: per link, one join and one HMAC."""

    __slots__ = ("_campaign", "_click", "_middle", "_open", "_signer", "_tail")

    def __init__(
        self, signer: Signer, click: str, open_: str, shared: tuple[str, str, str]
    ) -> None:
        self._signer = signer
        self._click = click
        self._open = open_
        self._campaign, self._middle, self._tail = shared

    def click_url(self, version: str, link: str, url: str) -> str | None:
        if "\n" in version or "\n" in link:
            return None
        payload = f"{_VERSION}\nc{self._campaign}{version}{self._middle}{link}{self._tail}{url}"
        return self._click + self._signer.sign(payload)

    def open_url(self, version: str) -> str | None:
        if "\n" in version:
            return None
        payload = f"{_VERSION}\no{self._campaign}{version}{self._middle}{self._tail}"
        return self._open + self._signer.sign(payload) + ".gif"
