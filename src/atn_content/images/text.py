"""The words a countdown draws, in the three languages of the emails.

Data, not gettext (like tracking/pages/text.py): the catalogs in locales/ are extracted
from templates/ and blocks/ only, so a string used here would be an obsolete entry there
after the next `atn-content i18n update`, and reading them would make the drawing depend on
a content root. Plural forms follow CLDR through Babel: "1 jour", "0 jour" and "2 jours",
but "0 days"; Japanese has one form.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from babel import Locale

__all__ = ["ENDED", "LOCALES", "UNITS", "unit_label"]

#: The locales a countdown is drawn in.
LOCALES: tuple[str, ...] = ("fr", "en", "ja")
#: The units, largest first, as drawn left to right.
UNITS: tuple[str, ...] = ("days", "hours", "minutes", "seconds")

_LABELS: Mapping[str, Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "fr": {
            "days": {"one": "jour", "other": "jours"},
            "hours": {"one": "heure", "other": "heures"},
            "minutes": {"one": "minute", "other": "minutes"},
            "seconds": {"one": "seconde", "other": "secondes"},
        },
        "en": {
            "days": {"one": "day", "other": "days"},
            "hours": {"one": "hour", "other": "hours"},
            "minutes": {"one": "minute", "other": "minutes"},
            "seconds": {"one": "second", "other": "seconds"},
        },
        "ja": {
            "days": {"other": "日"},
            "hours": {"other": "時間"},
            "minutes": {"other": "分"},
            "seconds": {"other": "秒"},
        },
    }
)

#: The one static frame after the deadline.
ENDED: Mapping[str, str] = MappingProxyType(
    {
        "fr": "Offre terminée",
        "en": "Offer ended",
        "ja": "このオファーは終了しました",
    }
)


@lru_cache(maxsize=4096)
def unit_label(locale: str, unit: str, count: int) -> str:
    """The word under `count` of `unit` ("jours" under 2, "jour" under 1) in locale."""
    forms = _LABELS[locale][unit]
    category = Locale.parse(locale).plural_form(count)
    return forms.get(category, forms["other"])
