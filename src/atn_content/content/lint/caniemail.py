"""The caniemail support table: which mail clients render a feature, and caniemail's notes.

The data ships with the package (data/caniemail.json, MIT, see data/README.md); nothing is
read from outside the package at run time. For each client the newest test counts: the
last version caniemail lists for that platform (its files list versions oldest first).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CLIENTS",
    "CLIENT_KEYS",
    "CanIEmail",
    "Client",
    "Feature",
    "Status",
    "Support",
    "caniemail",
]

Status = Literal["supported", "partial", "unsupported", "unknown"]
_STATUS: dict[str, Status] = {
    "y": "supported",
    "a": "partial",
    "n": "unsupported",
    "u": "unknown",
}


@dataclass(frozen=True)
class Client:
    key: str
    name: str
    family: str
    platform: str


#: The clients the lint reports on (caniemail family and platform of each).
CLIENTS: tuple[Client, ...] = (
    Client("gmail-web", "Gmail (web)", "gmail", "desktop-webmail"),
    Client("gmail-android", "Gmail (Android)", "gmail", "android"),
    Client("gmail-ios", "Gmail (iOS)", "gmail", "ios"),
    Client("outlook-windows", "Outlook (Windows)", "outlook", "windows"),
    Client("outlook-macos", "Outlook (macOS)", "outlook", "macos"),
    Client("outlook-com", "Outlook.com", "outlook", "outlook-com"),
    Client("apple-mail-macos", "Apple Mail (macOS)", "apple-mail", "macos"),
    Client("apple-mail-ios", "Apple Mail (iOS)", "apple-mail", "ios"),
    Client("yahoo-web", "Yahoo (web)", "yahoo", "desktop-webmail"),
    Client("yahoo-android", "Yahoo (Android)", "yahoo", "android"),
    Client("yahoo-ios", "Yahoo (iOS)", "yahoo", "ios"),
)
CLIENT_KEYS: tuple[str, ...] = tuple(c.key for c in CLIENTS)


@dataclass(frozen=True)
class Support:
    status: Status
    version: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feature:
    slug: str
    title: str
    category: str
    notes: str
    support: Mapping[str, Support]

    @property
    def url(self) -> str:
        return f"https://www.caniemail.com/features/{self.slug}/"


class CanIEmail:
    """The features of one caniemail export, looked up by slug."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.commit = str(document.get("commit", ""))
        self.features: dict[str, Feature] = {f["slug"]: _feature(f) for f in document["features"]}

    @classmethod
    def from_path(cls, path: Path) -> CanIEmail:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def __contains__(self, slug: object) -> bool:
        return slug in self.features

    def __getitem__(self, slug: str) -> Feature:
        return self.features[slug]


@cache
def caniemail() -> CanIEmail:
    """The table shipped with the package, loaded once per process."""
    text = resources.files(__package__).joinpath("data/caniemail.json").read_text("utf-8")
    return CanIEmail(json.loads(text))


def _feature(raw: Mapping[str, Any]) -> Feature:
    notes_by_num = {str(k): str(v) for k, v in (raw.get("notes_by_num") or {}).items()}
    support = {}
    for client in CLIENTS:
        versions = (raw.get("stats") or {}).get(client.family, {}).get(client.platform)
        if versions:
            version, value = list(versions.items())[-1]
            support[client.key] = _support(str(version), str(value), notes_by_num)
        else:
            support[client.key] = Support("unknown", "")
    return Feature(
        slug=raw["slug"],
        title=raw["title"],
        category=raw.get("category", ""),
        notes=str(raw.get("notes") or ""),
        support=support,
    )


def _support(version: str, value: str, notes_by_num: Mapping[str, str]) -> Support:
    """'a #1 #7' -> partial, with notes 1 and 7."""
    code, *refs = value.split()
    notes = tuple(notes_by_num[r[1:]] for r in refs if r.startswith("#") and r[1:] in notes_by_num)
    return Support(_STATUS.get(code, "unknown"), version, notes)
