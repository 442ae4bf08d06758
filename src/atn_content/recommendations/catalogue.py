"""The destinations a recommendation may name, read from data/destinations.toml.

Kept as data so marketing can add an island without touching code. Recipient data names
places the way people write them ("Tahaa", "BORA-BORA", "ボラボラ", "Papeete", "NRT"), so
lookups accept a code, an airport or any locale's name, ignoring case, diacritics and
punctuation. A malformed file is an error naming the file, the entry and the field.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from atn_content.content.i18n import LOCALES

__all__ = [
    "KINDS",
    "SITE",
    "Catalogue",
    "CatalogueError",
    "Destination",
    "lookup_key",
]

#: The kinds of place the catalogue knows.
KINDS = ("high-island", "atoll", "gateway-city")
#: Destination pages: the site's path prefix per content locale, then /destinations/{code}.
SITE = {
    "fr": "https://www.airtahitinui.com/fr-fr",
    "en": "https://www.airtahitinui.com/us-en",
    "ja": "https://www.airtahitinui.com/jp-ja",
}
_DATA = Path(__file__).with_name("data") / "destinations.toml"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IATA = re.compile(r"^[A-Z]{3}$")


class CatalogueError(ValueError):
    """The destinations file is malformed; the message names the file, entry and field."""


class Destination(msgspec.Struct, frozen=True):
    """One place: what an email shows of it and what similarity is computed from."""

    code: str
    airport: str
    names: dict[str, str]
    archipelago: str
    kind: str
    activities: frozenset[str]
    best_months: tuple[int, ...]
    cluster: str
    url: dict[str, str]
    image: str | None = None
    aliases: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        """The name in a content locale (English for any other)."""
        return self.names.get(locale) or self.names["en"]

    def link(self, locale: str) -> str:
        """The destination page in a content locale (English for any other)."""
        return self.url.get(locale) or self.url["en"]


class _Entry(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    airport: str
    names: dict[str, str]
    archipelago: str
    kind: str
    activities: list[str]
    best_months: list[int]
    cluster: str
    url: dict[str, str] | None = None
    image: str | None = None
    aliases: list[str] = []


def lookup_key(text: str) -> str:
    """The form lookups compare: casefolded, Latin diacritics, punctuation and spaces
    dropped, a final 島 dropped ("Taha'a" and "TAHAA" -> "tahaa"; "ボラボラ島" -> "ボラボラ").

    Only Latin letters lose their marks: a Japanese voiced mark changes the word (バ, パ).
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        if ord(char) < 0x2000:
            char = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
        kept.extend(c for c in char.casefold() if c.isalnum())
    key = "".join(kept)
    return key[:-1] if len(key) > 1 and key.endswith("島") else key


class Catalogue:
    """Destinations in file order, with lookups by code, airport and name."""

    def __init__(self, destinations: Iterable[Destination], source: str = "<catalogue>"):
        self._items: dict[str, Destination] = {}
        self._airports: dict[str, Destination] = {}
        self._names: dict[str, Destination] = {}
        for destination in destinations:
            if destination.code in self._items:
                raise CatalogueError(f"{source}: destination {destination.code!r} is listed twice")
            self._items[destination.code] = destination
            # An airport shared by two islands (RFP: Raiatea, Taha'a) means the first listed.
            self._airports.setdefault(destination.airport, destination)
            for name in dict.fromkeys((*destination.names.values(), *destination.aliases)):
                key = lookup_key(name)
                other = self._names.setdefault(key, destination)
                if other is not destination:
                    raise CatalogueError(
                        f"{source}: {destination.code}: name {name!r} is also {other.code}'s"
                    )
        self.codes: tuple[str, ...] = tuple(self._items)
        self._index = {code: i for i, code in enumerate(self.codes)}

    @classmethod
    def default(cls) -> Catalogue:
        """The shipped catalogue (read once per process)."""
        return _default()

    @classmethod
    def from_toml(cls, text: str, source: str = "<toml>") -> Catalogue:
        """Parse and validate a destinations file; CatalogueError names what is wrong."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{source}: not TOML: {exc}") from None
        entries = raw.get("destination")
        if not isinstance(entries, list) or not entries:
            raise CatalogueError(f"{source}: no [[destination]] entries")
        return cls((_destination(entry, i, source) for i, entry in enumerate(entries)), source)

    @classmethod
    def from_file(cls, path: Path) -> Catalogue:
        return cls.from_toml(path.read_text(encoding="utf-8"), str(path))

    def __iter__(self) -> Iterator[Destination]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, code: object) -> bool:
        return code in self._items

    def __getitem__(self, code: str) -> Destination:
        return self._items[code]

    def get(self, code: str) -> Destination | None:
        """The destination with this code, or None."""
        return self._items.get(code)

    def index(self, code: str) -> int:
        """The destination's position (the row of the models' matrices)."""
        return self._index[code]

    def by_airport(self, iata: str) -> Destination | None:
        """The destination an airport serves ("bob" -> Bora Bora), or None."""
        return self._airports.get(unicodedata.normalize("NFKC", iata).strip().upper())

    def by_name(self, name: str) -> Destination | None:
        """The destination any locale's name or alias means ("Tahaa" -> Taha'a), or None."""
        return self._names.get(lookup_key(name))

    def find(self, text: str) -> Destination | None:
        """What recipient data means by a place: a code, a name in any locale, an airport."""
        if not isinstance(text, str) or not text.strip():
            return None
        found = self._items.get(text) or self.by_name(text)
        if found is None and len(text.strip()) == 3:
            found = self.by_airport(text)
        return found

    def codes_for(self, texts: Iterable[object]) -> list[str]:
        """The codes of the places named (unknown ones and repeats dropped, order kept)."""
        codes: list[str] = []
        for text in texts:
            found = self.find(text) if isinstance(text, str) else None
            if found is not None and found.code not in codes:
                codes.append(found.code)
        return codes


@cache
def _default() -> Catalogue:
    return Catalogue.from_file(_DATA)


def _destination(raw: Any, position: int, source: str) -> Destination:
    where = f"{source}: destination {position + 1}"
    if isinstance(raw, dict) and isinstance(raw.get("code"), str):
        where += f" ({raw['code']})"
    try:
        entry = msgspec.convert(raw, _Entry)
    except msgspec.ValidationError as exc:
        raise CatalogueError(f"{where}: {exc}") from None

    def fail(field: str, problem: str) -> CatalogueError:
        return CatalogueError(f"{where}: {field}: {problem}")

    if not _SLUG.match(entry.code):
        raise fail("code", f"{entry.code!r} is not a lowercase slug (bora-bora)")
    if not _IATA.match(entry.airport):
        raise fail("airport", f"{entry.airport!r} is not a 3-letter IATA code")
    if set(entry.names) != set(LOCALES) or not all(n.strip() for n in entry.names.values()):
        raise fail("names", f"needs a non-empty name for each of {', '.join(LOCALES)}")
    if entry.kind not in KINDS:
        raise fail("kind", f"{entry.kind!r} is not one of {', '.join(KINDS)}")
    for field, value in (("archipelago", entry.archipelago), ("cluster", entry.cluster)):
        if not _SLUG.match(value):
            raise fail(field, f"{value!r} is not a lowercase slug")
    if not entry.activities or not all(_SLUG.match(a) for a in entry.activities):
        raise fail("activities", "needs at least one, each a lowercase slug")
    months = entry.best_months
    if not months or len(set(months)) != len(months) or not all(1 <= m <= 12 for m in months):
        raise fail("best_months", f"{months} must be distinct months 1 to 12")
    url = entry.url or {loc: f"{SITE[loc]}/destinations/{entry.code}" for loc in LOCALES}
    if set(url) != set(LOCALES) or not all(u.startswith("https://") for u in url.values()):
        raise fail("url", f"needs an https link for each of {', '.join(LOCALES)}")
    if entry.image is not None and not entry.image.startswith("https://"):
        raise fail("image", f"{entry.image!r} is not an https URL")
    return Destination(
        code=entry.code,
        airport=entry.airport,
        names=dict(entry.names),
        archipelago=entry.archipelago,
        kind=entry.kind,
        activities=frozenset(entry.activities),
        best_months=tuple(sorted(months)),
        cluster=entry.cluster,
        url=url,
        image=entry.image,
        aliases=tuple(entry.aliases),
    )
