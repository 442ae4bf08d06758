"""The sandboxed Jinja environments recipients are rendered in, one pair per locale.

HTML is autoescaped; the text part, subject and preheader are not (they are text, and the
subject goes into a header). Features (countdown, recommendations, link tracking) reach
templates as extensions (content/extensions.py) given when the Renderer is built, so the
engine imports none of them; a locale's environments take their filters and globals when
first built, and the extensions cannot change afterwards.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import quote

from jinja2 import ChainableUndefined, pass_context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import escape

from atn_content.content import vml_buttons
from atn_content.content.extensions import Extension, context_names
from atn_content.content.formatting import install_i18n_filters
from atn_content.content.phrases import PHRASES_FILTER, phrases_filter
from atn_content.content.sandbox import (
    MAX_BUILT_LENGTH,
    MAX_INT_BITS,
    MAX_RANGE,
    BoundedSandbox,
    percent_length,
    printed_length,
)

__all__ = [
    "MAX_BUILT_LENGTH",
    "MAX_INT_BITS",
    "MAX_RANGE",
    "Environments",
    "TranslationSource",
]


class _Translations(Protocol):
    def gettext(self, message: str) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class TranslationSource(Protocol):
    def translations(self, locale: str) -> Any: ...


def _urlencode_component(value: Any) -> str:
    return quote(str(value), safe="")


_SAFE_SCHEMES = ("https://", "http://", "mailto:")


def _safe_url(value: Any, fallback: str = "https://www.airtahitinui.com/") -> str:
    """A URL from data, only if it is http(s) or mailto: never `javascript:` in an href."""
    text = str(value or "").strip()
    return text if text.lower().startswith(_SAFE_SCHEMES) else fallback


def _guard_unknown_messages(
    env: ImmutableSandboxedEnvironment, translations: Any, autoescape: bool
) -> None:
    """Make `_(recipient.x)` safe: data passed to gettext is data, not a message.

    New-style gettext marks its result safe and always %-formats it: right for catalogue
    strings (translators may use markup), wrong for anything else. A message that is not
    in the catalogue is escaped first in HTML and, when no placeholders are given, has its
    percent signs doubled.
    """
    known = frozenset(k for k in getattr(translations, "_catalog", {}) if isinstance(k, str))
    original: Callable[..., Any] = env.globals["gettext"]  # type: ignore[assignment]

    def as_data(message: Any, variables: dict[str, Any]) -> str:
        text = str(escape(message)) if autoescape else str(message)
        if not variables:  # with variables it is a format string by intent
            text = text.replace("%", "%%")
        return text

    @pass_context
    def gettext(context: Any, message: str, **variables: Any) -> Any:
        if message not in known:
            return original(context, as_data(message, variables), **variables)
        try:
            return original(context, message, **variables)
        except (KeyError, ValueError, TypeError):
            # Recipient data that happens to equal a message with placeholders.
            return original(context, as_data(message, variables), **variables)

    env.globals["gettext"] = env.globals["_"] = _data_only(gettext)
    for name in ("ngettext", "pgettext", "npgettext"):
        if name in env.globals:
            env.globals[name] = _data_only(env.globals[name])  # type: ignore[arg-type]


#: A %-conversion other than a plain %s, %d, %i (a width or precision pads to any length,
#: %r and %f print more than the value's length): those take the exact count.
_WIDTH = re.compile(r"%(?:\([^)]*\))?+[-#0 +]*+[^sdi]")


def _data_only(function: Callable[..., Any]) -> Callable[..., Any]:
    """The i18n functions print and %-format their arguments: data only, within the cap."""

    @pass_context
    def checked(context: Any, *args: Any, **variables: Any) -> Any:
        longest = max((printed_length(v) for v in (*args, *variables.values())), default=0)
        for value in args:
            if not isinstance(value, str):
                continue
            # Without widths or precisions, each % prints at most the longest value.
            quick = len(value) + value.count("%") * longest
            if quick <= MAX_BUILT_LENGTH and not _WIDTH.search(value.replace("%%", "")):
                continue
            if percent_length(value, variables) > MAX_BUILT_LENGTH:
                raise SecurityError(f"a message would be longer than {MAX_BUILT_LENGTH}")
        return function(context, *args, **variables)

    return checked


class Environments:
    """Per (locale, autoescape), one sandbox with the engine's and the extensions' helpers."""

    def __init__(self, catalogs: TranslationSource, extensions: Sequence[Extension] = ()) -> None:
        self._catalogs = catalogs
        self.extensions: tuple[Extension, ...] = tuple(extensions)
        #: What a template may read: the engine's names and every extension's.
        self.context_names = context_names(self.extensions)
        self._envs: dict[tuple[str, bool], ImmutableSandboxedEnvironment] = {}
        self._lock = threading.Lock()

    def translations(self, locale: str) -> Any:
        return self._catalogs.translations(locale)

    def html(self, locale: str) -> ImmutableSandboxedEnvironment:
        return self._get(locale, autoescape=True)

    def text(self, locale: str) -> ImmutableSandboxedEnvironment:
        return self._get(locale, autoescape=False)

    def _get(self, locale: str, autoescape: bool) -> ImmutableSandboxedEnvironment:
        key = (locale, autoescape)
        env = self._envs.get(key)
        if env is None:
            with self._lock:  # one environment per key, even when threads race to build it
                env = self._envs.get(key)
                if env is None:
                    env = self._envs[key] = self._build(locale, autoescape)
        return env

    def _build(self, locale: str, autoescape: bool) -> ImmutableSandboxedEnvironment:
        env = BoundedSandbox(
            autoescape=autoescape,
            undefined=ChainableUndefined,
            extensions=["jinja2.ext.i18n"],
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,
        )
        translations = self._catalogs.translations(locale)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        _guard_unknown_messages(env, translations, autoescape)
        env.filters["urlencode_component"] = _urlencode_component
        env.filters["safe_url"] = _safe_url
        env.filters[vml_buttons.FILTER_NAME] = vml_buttons.button_width
        install_i18n_filters(env)
        if autoescape:  # text nodes of the compiled HTML carry it (content/phrases.py)
            env.filters[PHRASES_FILTER] = phrases_filter(locale)
        for extension in self.extensions:
            _add(env.filters, extension.filters(locale), extension, "filter")
            _add(env.globals, extension.globals(), extension, "global")
        env.bound_filters()  # an extension may have replaced a built-in one
        return env


def _add(into: dict[str, Any], helpers: Mapping[str, Any], extension: Extension, kind: str) -> None:
    """Register an extension's helpers; taking a name already registered is an error, not
    a silent override of the engine's or another extension's."""
    taken = sorted(set(into) & set(helpers))
    if taken:
        raise ValueError(
            f"extension {extension.name!r} registers {kind}s already registered: {', '.join(taken)}"
        )
    into.update(helpers)
