"""The signed token a countdown image URL carries: what to draw, and until when.

`Signer(secret, "countdown")` over a compact msgspec array (no field names: the token is in
every countdown URL of every email). The reader cannot move the deadline, change the key of
an evergreen timer or pick another look: anything altered fails the signature. Key rotation
is the signer's (settings.previous_secrets still verify).

A token is either fixed (`deadline`: UTC epoch seconds) or evergreen (`duration` seconds
from the first open of `key`, e.g. campaign and recipient id), never both.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from atn_content.signing import Signer

__all__ = ["MAX_DURATION_S", "MAX_KEY_LENGTH", "CountdownToken", "CountdownTokens"]

#: Longest evergreen timer: a year and a day.
MAX_DURATION_S = 366 * 86_400
#: Longest evergreen key (template name and recipient id are both far shorter).
MAX_KEY_LENGTH = 512
_VERSION = 1

_Seconds = Annotated[int, msgspec.Meta(ge=0, le=2**40)]
_Short = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class CountdownToken(msgspec.Struct, frozen=True, array_like=True, forbid_unknown_fields=True):
    """What one countdown URL says (see the module doc for fixed vs evergreen)."""

    locale: _Short
    theme: _Short
    scale: Annotated[int, msgspec.Meta(ge=1, le=4)]
    deadline: _Seconds | None = None
    """UTC epoch seconds (fixed timers)."""
    duration: Annotated[int, msgspec.Meta(ge=1, le=MAX_DURATION_S)] | None = None
    """Seconds from the first open (evergreen timers)."""
    key: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_KEY_LENGTH)] | None = None
    """Whose first open starts an evergreen timer."""

    @property
    def evergreen(self) -> bool:
        return self.duration is not None

    def check(self) -> None:
        """Raise ValueError unless exactly one of deadline and (duration, key) is given."""
        fixed = self.deadline is not None and self.duration is None and self.key is None
        evergreen = self.deadline is None and self.duration is not None and self.key is not None
        if not (fixed or evergreen):
            raise ValueError("a countdown has a deadline or a duration and key, not both")


class _Envelope(msgspec.Struct, frozen=True, array_like=True):
    version: int
    token: CountdownToken


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Envelope)


class CountdownTokens:
    """Signs and reads countdown tokens (URL-safe: base64url and one dot)."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer

    def sign(self, token: CountdownToken) -> str:
        token.check()
        return self._signer.sign(_encoder.encode(_Envelope(_VERSION, token)).decode())

    def read(self, text: str) -> CountdownToken | None:
        """The token we signed, or None for anything forged, mangled or malformed."""
        if len(text) > 4 * MAX_KEY_LENGTH:
            return None
        payload = self._signer.unsign(text)
        if payload is None:
            return None
        try:
            envelope = _decoder.decode(payload)
            envelope.token.check()
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError):
            return None
        return envelope.token if envelope.version == _VERSION else None
