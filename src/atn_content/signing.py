"""HMAC-signed tokens for the public URLs (unsubscribe, preferences, clicks, opens).

These URLs are public by design: the signature, not an API key, proves we issued them.
Keys rotate without breaking the links already in inboxes: new tokens are signed with the
current secret, and tokens signed with one of the previous secrets still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence

__all__ = ["Signer"]

#: Bytes of HMAC-SHA256 kept: 128 bits is ample against forgery and keeps URLs short.
_MAC_BYTES = 16


_URLSAFE = bytes.maketrans(b"+/", b"-_")
_BLOCK = 64  # SHA-256's block size: HMAC pads its key to it


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _purpose_key(secret: bytes, purpose: str) -> bytes:
    if len(secret) < 16:
        raise ValueError("the signing secret must be at least 16 bytes")
    # One key per purpose, so a token minted for one URL kind is worthless for another.
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


class Signer:
    def __init__(self, secret: bytes, purpose: str, previous: Sequence[bytes] = ()) -> None:
        """`previous`: retired secrets (ATN_SECRET_PREVIOUS), still accepted on verify."""
        self._key = _purpose_key(secret, purpose)
        self._keys = (self._key, *(_purpose_key(old, purpose) for old in previous))
        # HMAC's two padded-key blocks hashed once (RFC 2104): a sign runs per link per
        # render, and this is HMAC-SHA256 exactly, at less than half of hmac.digest's cost.
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in self._key.ljust(_BLOCK, b"\0")))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in self._key.ljust(_BLOCK, b"\0")))

    def sign(self, payload: str) -> str:
        data = payload.encode()
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return f"{_b64(data)}.{_b64(outer.digest()[:_MAC_BYTES])}"

    def unsign(self, token: str) -> str | None:
        """The payload of a token we issued, or None for anything forged or mangled.

        Only the spelling `sign` produces is accepted: base64 decoders also take padding,
        the standard alphabet, skipped characters and unused low bits, so one token would
        otherwise have many URLs (and a link-rewriting scanner could mint new ones).
        """
        data_part, _, mac_part = token.partition(".")
        try:
            data, mac = _unb64(data_part), _unb64(mac_part)
        except (ValueError, TypeError):
            return None
        if _b64(data) != data_part or _b64(mac) != mac_part:
            return None
        # Every key is tried (no early exit), so the timing does not tell which one matched.
        genuine = False
        for key in self._keys:
            expected = hmac.digest(key, data, "sha256")[:_MAC_BYTES]
            genuine |= hmac.compare_digest(mac, expected)
        if not genuine:
            return None
        try:
            return data.decode()
        except UnicodeDecodeError:
            return None
