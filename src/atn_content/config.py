"""Settings from the environment; the only place that reads os.environ."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SCOPES", "Settings", "parse_api_keys"]

#: What an API key may be allowed to do.
SCOPES = frozenset({"render", "experiments", "admin"})
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _default_content_root() -> Path:
    cwd = Path.cwd()
    if (cwd / "templates").is_dir():
        return cwd
    return _PACKAGE_ROOT


def parse_api_keys(spec: str) -> dict[str, frozenset[str]]:
    """`key1:render,experiments;key2:admin` -> {key: scopes}. Raises ValueError when malformed."""
    keys: dict[str, frozenset[str]] = {}
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        key, sep, scope_list = item.partition(":")
        scopes = frozenset(s.strip() for s in scope_list.split(",") if s.strip())
        if not sep or not key or not scopes:
            raise ValueError(f"ATN_API_KEYS entry {item[:6]}... must look like KEY:scope,scope")
        unknown = scopes - SCOPES
        if unknown:
            raise ValueError(
                f"ATN_API_KEYS: unknown scope(s) {', '.join(sorted(unknown))}; "
                f"use {', '.join(sorted(SCOPES))}"
            )
        if len(key) < 16:
            raise ValueError("ATN_API_KEYS: keys must be at least 16 characters")
        keys[key] = scopes
    return keys


@dataclass(frozen=True)
class Settings:
    content_root: Path = field(default_factory=_default_content_root)
    store_url: str = "sqlite:///.atn/atn.db"
    state_dir: Path = Path(".atn")
    api_keys: Mapping[str, frozenset[str]] = field(default_factory=dict)
    secret: bytes = b""
    previous_secrets: tuple[bytes, ...] = ()
    """ATN_SECRET_PREVIOUS, comma-separated: retired secrets whose links still verify."""
    public_url: str = "https://news.airtahitinui.com"
    max_body_bytes: int = 1_048_576
    max_batch_line_bytes: int = 1_048_576

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        state_dir = Path(env.get("ATN_STATE_DIR", ".atn"))
        keys = parse_api_keys(env.get("ATN_API_KEYS", ""))
        if env.get("ATN_API_KEY"):
            keys[env["ATN_API_KEY"]] = SCOPES
        secret = env.get("ATN_SECRET", "").encode() or _persistent_secret(state_dir)
        return cls(
            content_root=Path(env["ATN_CONTENT_ROOT"])
            if env.get("ATN_CONTENT_ROOT")
            else _default_content_root(),
            store_url=env.get("ATN_STORE", f"sqlite:///{state_dir}/atn.db"),
            state_dir=state_dir,
            api_keys=keys,
            secret=secret,
            previous_secrets=tuple(
                s.strip().encode()
                for s in env.get("ATN_SECRET_PREVIOUS", "").split(",")
                if s.strip()
            ),
            public_url=env.get("ATN_PUBLIC_URL", cls.public_url),
            max_body_bytes=int(env.get("ATN_MAX_BODY_BYTES", cls.max_body_bytes)),
        )


def _persistent_secret(state_dir: Path) -> bytes:
    """A signing secret kept in the state dir, so links stay valid across restarts."""
    path = state_dir / "secret"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def ensure_local_key(state_dir: Path) -> tuple[str, bool]:
    """The key `make run` prints: created once in the state dir; (key, created)."""
    path = state_dir / "local-api-key"
    if path.exists():
        return path.read_text().strip(), False
    state_dir.mkdir(parents=True, exist_ok=True)
    key = "atn_local_" + secrets.token_urlsafe(24)
    path.write_text(key)
    path.chmod(0o600)
    return key, True
