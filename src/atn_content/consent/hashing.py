"""The one hash an erased recipient leaves behind: enough to recognise them, nothing more.

HMAC-SHA256 keyed by the service secret (ATN_SECRET), so the hash of a known id cannot be
computed by someone holding the store alone; a purpose prefix keeps it apart from every
other use of the secret (signed links).
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["recipient_hash"]

_PURPOSE = b"atn-content/erased-recipient\x00"


def recipient_hash(secret: bytes, recipient_id: str) -> str:
    """Hex HMAC-SHA256 of the recipient id under the service secret."""
    return hmac.new(secret, _PURPOSE + recipient_id.encode(), hashlib.sha256).hexdigest()
