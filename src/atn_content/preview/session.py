"""The studio's session cookie and CSRF tokens: signed, stateless, bound to the API key.

A session names the key it was opened with by fingerprint (never the key itself), so
removing a key from ATN_API_KEYS, or its `studio` scope, ends its sessions at once. The
CSRF token is a MAC of the session's nonce under its own purpose: a form posted from
another site cannot know it, and it is worthless for another session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from atn_content.signing import Signer

__all__ = [
    "SESSION_TTL_S",
    "STUDIO_SCOPES",
    "Session",
    "Sessions",
    "find_studio_key",
    "key_fingerprint",
    "studio_key",
]

#: A studio session lasts a working day; then the login page again.
SESSION_TTL_S = 12 * 3600
#: Scopes that open the studio.
STUDIO_SCOPES = frozenset({"studio", "admin"})


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Session:
    fingerprint: str
    issued_at: int
    nonce: str


class Sessions:
    def __init__(self, secret: bytes, previous: tuple[bytes, ...] = ()) -> None:
        self._cookie = Signer(secret, "studio-session", previous)
        self._csrf = Signer(secret, "studio-csrf", previous)

    def open(self, fingerprint: str, now: float | None = None) -> str:
        """The cookie value of a new session for the key with this fingerprint."""
        issued = int(time.time() if now is None else now)
        return self._cookie.sign(f"{fingerprint}.{issued}.{secrets.token_urlsafe(12)}")

    def read(
        self, cookie: str | None, keys: Mapping[str, frozenset[str]], now: float | None = None
    ) -> Session | None:
        """The session behind a cookie, or None: forged, expired, or its key gone."""
        payload = self._cookie.unsign(cookie) if cookie else None
        if payload is None:
            return None
        fingerprint, _, rest = payload.partition(".")
        issued_text, _, nonce = rest.partition(".")
        try:
            issued = int(issued_text)
        except ValueError:
            return None
        age = (time.time() if now is None else now) - issued
        if not 0 <= age <= SESSION_TTL_S or not nonce:
            return None
        if studio_key(fingerprint, keys) is None:
            return None
        return Session(fingerprint, issued, nonce)

    def csrf_token(self, session: Session) -> str:
        return self._csrf.sign(session.nonce).rpartition(".")[2]

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        # bytes: compare_digest refuses a str that is not ASCII (a 500 for any odd token)
        expected = self.csrf_token(session).encode()
        return bool(token) and hmac.compare_digest(expected, (token or "").encode())


def studio_key(fingerprint: str, keys: Mapping[str, frozenset[str]]) -> str | None:
    """The configured key with this fingerprint, if it may open the studio."""
    for key, scopes in keys.items():
        if scopes & STUDIO_SCOPES and hmac.compare_digest(
            key_fingerprint(key).encode(), fingerprint.encode()
        ):
            return key
    return None


def find_studio_key(presented: str, keys: Mapping[str, frozenset[str]]) -> str | None:
    """The configured key equal to `presented` (constant time), if it may open the studio."""
    found = None
    for key, scopes in keys.items():
        if hmac.compare_digest(key.encode(), presented.encode()) and scopes & STUDIO_SCOPES:
            found = key
    return found
