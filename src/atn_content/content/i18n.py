"""Gettext catalogs (locales/<lang>/LC_MESSAGES/messages.po), compiled in memory.

Catalogs are compiled from the .po files in memory at start-up, so no .mo file is ever
committed or stale. The engine installs `translations(locale)` into its Jinja environment
with new-style gettext (Jinja fills and escapes the placeholders). Each locale's version
is a hash of its .po text: the compile cache keys on it, so an edited translation gives a
new compiled template. `parse_locale` is the one way a locale tag becomes a Babel Locale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from atn_content.content.errors import UnknownLocale

__all__ = [
    "DOMAIN",
    "LOCALES",
    "Catalogs",
    "parse_locale",
    "po_path",
]

#: Gettext domain of every catalog.
DOMAIN = "messages"
#: The locales the service ships; each must have a complete catalog.
LOCALES: tuple[str, ...] = ("fr", "en", "ja")


@lru_cache(maxsize=64)  # every locale-aware filter call parses its context's tag
def parse_locale(tag: str | Locale) -> Locale:
    """A Babel Locale from a tag written with "_" or "-" (fr, fr_FR, ja-JP); a Locale is
    returned as it is."""
    if isinstance(tag, Locale):
        return tag
    return Locale.parse(tag, sep="-" if "-" in tag else "_")


def po_path(locales_dir: Path, locale: str) -> Path:
    """Where a locale's catalog lives; loading, checking and updating all read it here."""
    return locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compile(po_text: bytes, locale: str) -> Translations:
    """Parse a .po file and compile it to gettext translations; fuzzy entries are dropped."""
    catalog = read_po(BytesIO(po_text), locale=locale, domain=DOMAIN, abort_invalid=True)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def po_stamps(locales_dir: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of each locale's messages.po: a stat each, to see a saved catalog."""
    found: dict[str, tuple[int, int]] = {}
    try:
        folders = sorted(p for p in locales_dir.iterdir() if p.is_dir())
    except OSError:
        return found
    for lang_dir in folders:
        try:
            stat = po_path(locales_dir, lang_dir.name).stat()
        except OSError:
            continue
        found[lang_dir.name] = (stat.st_mtime_ns, stat.st_size)
    return found


@dataclass(frozen=True)
class Catalogs:
    """Compiled translations of every locale found under a locales directory."""

    _translations: Mapping[str, Translations]
    _versions: Mapping[str, str]
    directory: Path | None = None
    """Where they were read from (None: built in memory), for `stale()`."""
    stamps: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """The .po files' stamps when they were read (or last found not to compile)."""

    def refreshed(self) -> tuple[Catalogs, str | None]:
        """These catalogs, or a fresh read when a .po was saved, added or removed since.

        A saved catalog that does not compile gives these again, stamped as seen (so it is
        not read again before the next save), and why. The renderer and the
        recommendations' reasons both reload through here.
        """
        if self.directory is None:
            return self, None
        stamps = po_stamps(self.directory)
        if stamps == self.stamps:
            return self, None
        try:
            return Catalogs.load(self.directory), None
        except (OSError, ValueError) as exc:
            return replace(self, stamps=stamps), str(exc)

    @classmethod
    def load(cls, locales_dir: Path) -> Catalogs:
        """Read and compile locales_dir/<lang>/LC_MESSAGES/messages.po for every <lang>."""
        if not locales_dir.is_dir():
            raise FileNotFoundError(f"locales directory not found: {locales_dir}")
        translations: dict[str, Translations] = {}
        versions: dict[str, str] = {}
        stamps = po_stamps(locales_dir)  # before reading: a save meanwhile reads again
        for lang_dir in sorted(p for p in locales_dir.iterdir() if p.is_dir()):
            po_file = po_path(locales_dir, lang_dir.name)
            if not po_file.is_file():
                continue
            po_text = po_file.read_bytes()
            try:
                translations[lang_dir.name] = _compile(po_text, lang_dir.name)
            except Exception as exc:
                raise ValueError(f"{po_file}: cannot read catalog: {exc}") from exc
            versions[lang_dir.name] = hashlib.sha256(po_text).hexdigest()[:12]
        return cls(translations, versions, locales_dir, stamps)

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._translations)

    def __contains__(self, locale: object) -> bool:
        return locale in self._translations

    def translations(self, locale: str) -> Translations:
        try:
            return self._translations[locale]
        except KeyError:
            raise UnknownLocale(locale, self.locales) from None

    def version(self, locale: str) -> str:
        """12 hex chars of the sha256 of the locale's .po file."""
        try:
            return self._versions[locale]
        except KeyError:
            raise UnknownLocale(locale, self.locales) from None
