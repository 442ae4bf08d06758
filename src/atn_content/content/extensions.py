"""The engine's seam: how features (profile, links, airports, countdown...) reach templates.

An extension is registered once, when the Renderer is built, and is frozen from then on. It
may give each locale's Jinja environments filters and globals, rewrite the compiled HTML once
per compile (its fingerprint is part of the compile cache key, so a change recompiles), and
add names to the render context. The engine imports no feature: features import this module.

Per-render context is lazy: an extension's `context()` runs only for a template that reads
one of its `context_names`, so an email that never shows the profile never derives it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import msgspec

__all__ = [
    "CORE_CONTEXT_NAMES",
    "BaseExtension",
    "Extension",
    "RenderScope",
    "context_names",
]

#: Variables the engine itself puts in every render context.
CORE_CONTEXT_NAMES = frozenset(
    {
        "recipient",
        "locale",
        "variant",
        "experiment",
        "template",
        "subject",
        "preheader",
        "today",
        "now",
    }
)


class RenderScope(msgspec.Struct, frozen=True):
    """What a per-render provider may read about the email being rendered (a Struct: one
    is built per render)."""

    template: str
    locale: str
    recipient: Mapping[str, Any]
    """Validated recipient values, defaults applied."""
    list_id: str
    today: dt.date
    """The send date in the recipient's time zone."""
    now: dt.datetime
    variant: str | None


class Extension(Protocol):
    name: str
    context_names: frozenset[str]
    """Names `context()` adds to the render context (known to the compile checks)."""

    def fingerprint(self) -> str:
        """Part of the compile cache key: return something new when transform_html changes."""
        ...

    def globals(self) -> Mapping[str, Any]: ...

    def filters(self, locale: str) -> Mapping[str, Callable[..., Any]]: ...

    def transform_html(self, html: str, template: str, locale: str) -> str:
        """Once per compile, on the compiled HTML (Jinja tags in it), before Jinja compiles it."""
        ...

    def context(self, scope: RenderScope) -> Mapping[str, Any]:
        """Per render, only when the template reads one of `context_names`."""
        ...

    def finish_html(self, html: str, scope: RenderScope) -> str:
        """Per render, on the rendered HTML: fills in what transform_html left marked (one
        pass of Python over the page costs less than a Jinja call per occurrence)."""
        ...

    def headers(self, scope: RenderScope, context: Mapping[str, Any]) -> Mapping[str, str]:
        """Per render; `context` holds this extension's names only if the template reads them."""
        ...


class BaseExtension:
    """No-op defaults: a feature overrides only what it provides."""

    name: str = ""
    context_names: frozenset[str] = frozenset()

    def fingerprint(self) -> str:
        return ""

    def globals(self) -> Mapping[str, Any]:
        return {}

    def filters(self, locale: str) -> Mapping[str, Callable[..., Any]]:
        return {}

    def transform_html(self, html: str, template: str, locale: str) -> str:
        return html

    def context(self, scope: RenderScope) -> Mapping[str, Any]:
        return {}

    def finish_html(self, html: str, scope: RenderScope) -> str:
        return html

    def headers(self, scope: RenderScope, context: Mapping[str, Any]) -> Mapping[str, str]:
        return {}


def context_names(extensions: Iterable[Extension]) -> frozenset[str]:
    """Core names plus every extension's; two providers of one name is a start-up error."""
    names = set(CORE_CONTEXT_NAMES)
    for extension in extensions:
        taken = names & extension.context_names
        if taken:
            raise ValueError(
                f"extension {extension.name!r} provides context names already provided: "
                f"{', '.join(sorted(taken))}"
            )
        names |= extension.context_names
    return frozenset(names)
