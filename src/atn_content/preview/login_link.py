"""The local one-time login link `atn-content serve` prints (`make run`).

The token is kept in the state folder, readable by its owner only, and removed by the
first visit: the link logs in once, on this machine's replicas alike.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from atn_content.preview.session import key_fingerprint, studio_key

__all__ = ["login_once_link", "spend_login_link"]

_ONCE_FILE = "studio-login-once"


def login_once_link(state_dir: Path, key: str) -> str:
    """A one-time login token for `key`, kept in the state folder (owner-only) until used."""
    state_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    path = state_dir / _ONCE_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(f"{token} {key_fingerprint(key)}\n")
    return token


def spend_login_link(state_dir: Path, token: str, keys: Mapping[str, frozenset[str]]) -> str | None:
    """The key of a valid one-time token; the token file is removed so it works once."""
    path = state_dir / _ONCE_FILE
    try:
        stored, _, fingerprint = path.read_text().strip().partition(" ")
    except OSError:
        return None
    if not hmac.compare_digest(stored.encode(), token.encode()):
        return None
    try:
        path.unlink()  # of two racing visits only one removes it
    except FileNotFoundError:
        return None
    return studio_key(fingerprint, keys)
