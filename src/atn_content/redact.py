"""Credentials out of every URL the service prints or returns.

Store URLs carry passwords (`redis://:PASSWORD@host`, `?password=`), and they reach
/healthz, the start-up banner, warnings, logs and error messages through exception
texts. Everything that shows a URL, or a message that may hold one, passes it through
`redact` first: one function, so no output path can forget a form of credential.
"""

from __future__ import annotations

import re

__all__ = ["redact"]

#: What replaces a secret.
MASK = "***"

# scheme://USERINFO@ ... : the userinfo runs to the last "@" before the path, the query,
# the fragment or a blank, as urllib.parse reads it.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^\s/?#]*)@")
# Query parameters that carry a secret (redis-py reads `password`; tokens in links).
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:password|passwd|pwd|secret|token|access_token|api_key|apikey|key|auth)=)"
    r"(?P<value>[^&;#\s'\"]*)",
    re.IGNORECASE,
)


def _mask_userinfo(match: re.Match[str]) -> str:
    user, colon, _ = match["userinfo"].partition(":")
    shown = f"{user}:{MASK}" if colon else MASK
    return f"{match['scheme']}{shown}@"


def redact(text: str) -> str:
    """`text` with the password of every URL in it masked (user names and hosts kept)."""
    if "://" not in text:
        return text
    return _SECRET_PARAM.sub(rf"\g<name>{MASK}", _USERINFO.sub(_mask_userinfo, text))
