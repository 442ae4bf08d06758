"""The allow-list: client gaps accepted on purpose, each with its reason.

A TOML file (`lint-allow.toml` at the content root) with one table per caniemail feature:

    [features.css-border-radius]
    reason = "Decoration only: square corners where unsupported."   # every client

    [features.css-at-media.clients]
    gmail-android = "Non-Google accounts get the desktop layout, 600 px wide and readable."

A gap that is not listed is an error, so a new feature (or a client that loses one) fails
the build until someone decides and writes down why.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from atn_content.content.lint.caniemail import CLIENT_KEYS, CanIEmail, caniemail

__all__ = ["ALLOW_LIST_FILE", "AllowList", "AllowListError", "AllowedGap"]

#: Where the allow-list lives, relative to the content root.
ALLOW_LIST_FILE = "lint-allow.toml"


class AllowListError(ValueError):
    """The allow-list itself is wrong; the message names the file and the key."""


@dataclass(frozen=True)
class AllowedGap:
    reason: str | None = None
    clients: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AllowList:
    features: Mapping[str, AllowedGap] = field(default_factory=dict)

    def reason(self, slug: str, client: str) -> str | None:
        """Why `client` lacking `slug` is accepted, or None when it is not."""
        entry = self.features.get(slug)
        if entry is None:
            return None
        return entry.clients.get(client) or entry.reason

    def pairs(self) -> set[tuple[str, str | None]]:
        """(slug, client) for each per-client reason, (slug, None) for a general one."""
        pairs: set[tuple[str, str | None]] = set()
        for slug, entry in self.features.items():
            if entry.reason:
                pairs.add((slug, None))
            pairs.update((slug, client) for client in entry.clients)
        return pairs

    @classmethod
    def load(cls, path: Path, table: CanIEmail | None = None) -> AllowList:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AllowListError(f"{path}: cannot read the allow-list: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise AllowListError(f"{path}: {exc}") from None
        return cls.from_document(document, str(path), table or caniemail())

    @classmethod
    def from_document(
        cls, document: Mapping[str, object], where: str, table: CanIEmail
    ) -> AllowList:
        unknown_keys = sorted(set(document) - {"features"})
        if unknown_keys:
            raise AllowListError(f"{where}: unknown top-level keys {unknown_keys}")
        features = document.get("features", {})
        if not isinstance(features, Mapping):
            raise AllowListError(f"{where}: [features] must be a table")
        return cls({slug: _entry(slug, raw, where, table) for slug, raw in features.items()})


def _entry(slug: str, raw: object, where: str, table: CanIEmail) -> AllowedGap:
    at = f"{where}: features.{slug}"
    if slug not in table:
        raise AllowListError(f"{at}: not a caniemail feature (see caniemail.com/features)")
    if not isinstance(raw, Mapping):
        raise AllowListError(f"{at}: must be a table with reason and/or clients")
    extra = sorted(set(raw) - {"reason", "clients"})
    if extra:
        raise AllowListError(f"{at}: unknown keys {extra} (expected reason, clients)")
    reason = raw.get("reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        raise AllowListError(f"{at}.reason: must be a non-empty string")
    clients = raw.get("clients", {})
    if not isinstance(clients, Mapping):
        raise AllowListError(f"{at}.clients: must be a table of client = reason")
    for client, why in clients.items():
        if client not in CLIENT_KEYS:
            raise AllowListError(
                f"{at}.clients.{client}: unknown client (one of {', '.join(CLIENT_KEYS)})"
            )
        if not isinstance(why, str) or not why.strip():
            raise AllowListError(f"{at}.clients.{client}: the reason must be a non-empty string")
    if reason is None and not clients:
        raise AllowListError(f"{at}: give a reason (all clients) or per-client reasons")
    return AllowedGap(
        reason.strip() if reason else None, {c: w.strip() for c, w in clients.items()}
    )
