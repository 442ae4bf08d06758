"""Render one recipient's email from the compiled-template cache.

Compilation happens once per (name, version, locale, variant, catalog version, extension
fingerprints); a changed template, catalog or extension gives a new key, an unchanged one is
never recompiled. Extensions are fixed when the Renderer is built (content/extensions.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import msgspec

from atn_content.content.compiler import CompiledTemplate, compile_template
from atn_content.content.environment import Environments
from atn_content.content.errors import (
    FieldProblem,
    LimitError,
    RecipientError,
    TemplateError,
    TemplateProblem,
    UnknownLocale,
)
from atn_content.content.extensions import BaseExtension, Extension, RenderScope
from atn_content.content.fields import validate_recipient
from atn_content.content.formatting import recipient_zone, zone_named
from atn_content.content.headers import header_line, header_problem
from atn_content.content.library import Library, TemplateSource
from atn_content.content.plaintext import tidy_text
from atn_content.content.render_errors import explain_failure

__all__ = ["MAX_PART_LENGTH", "RenderedEmail", "Renderer", "Variant"]

#: Compiled templates kept in memory (templates x locales x variants in use).
_CACHE_SIZE = 512
#: Seconds between two looks at the .po files (the library's interval for templates).
_CATALOG_CHECK_S = 1.0
#: Longest HTML or text part a render may produce, in characters: Gmail clips past
#: 102 KB, the largest shipped email is about 33 KB; more is runaway data, not an email.
MAX_PART_LENGTH = 500_000
log = logging.getLogger("atn_content.render")


@dataclass(frozen=True)
class Variant:
    """What an experiment arm changes: its key, subject/preheader overrides, parameters.

    Overrides are Jinja like the front matter's; `params` reach templates as `experiment`
    (e.g. experiment.cta_text, experiment.cta_color). A whole-template test simply renders
    another template name.
    """

    key: str
    subject: str | None = None
    preheader: str | None = None
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        return (self.key, self.subject, self.preheader, self.params)


class RenderedEmail(msgspec.Struct, frozen=True):
    """One recipient's email. A msgspec Struct: built once per render, ten times cheaper
    than a frozen dataclass."""

    subject: str
    preheader: str
    html: str
    text: str
    headers: dict[str, str]
    template: str
    template_version: str
    locale: str
    variant: str | None
    fallbacks: list[str] = msgspec.field(default_factory=list)


class Renderer:
    def __init__(
        self, library: Library, catalogs: Any, extensions: Sequence[Extension] = ()
    ) -> None:
        self.library = library
        self.catalogs = catalogs
        self.envs = Environments(catalogs, extensions)
        # Only the extensions that finish the HTML are called per render for it.
        self._finishers = tuple(
            e
            for e in self.envs.extensions
            if getattr(type(e), "finish_html", BaseExtension.finish_html)
            is not BaseExtension.finish_html
        )
        self._cache: OrderedDict[tuple[Any, ...], CompiledTemplate | list[TemplateProblem]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._catalogs_checked = time.monotonic()
        self.catalog_problem: str | None = None
        """Why the last reload of a saved catalog failed (the previous one still serves)."""

    @property
    def extensions(self) -> tuple[Extension, ...]:
        """In registration order; fixed at construction (environments are built from them)."""
        return self.envs.extensions

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self.catalogs.locales)

    def refresh_catalogs(self, force: bool = False) -> str | None:
        """Read the catalogs again when a .po was saved (checked at most once per second,
        as the library checks templates and blocks: every replica, whoever saved it).

        Renders in flight finish with the environments they started with; the compile
        cache keys on each catalog's version, so nothing stale is served afterwards. A
        catalog that does not compile is logged once and the previous ones are kept;
        returns that problem (None when all is well).
        """
        now = time.monotonic()
        if not force and now - self._catalogs_checked < _CATALOG_CHECK_S:
            return self.catalog_problem
        self._catalogs_checked = now
        with self._lock:
            current = self.catalogs
            catalogs, problem = current.refreshed()
            if catalogs is current:
                return self.catalog_problem
            if problem is None:
                self.envs = Environments(catalogs, self.envs.extensions)
                self.catalog_problem = None
            else:  # the translations in use stay; only the stamps moved on
                self.catalog_problem = (
                    f"catalogs not reloaded (the previous ones are used): {problem}"
                )
                log.warning("%s", self.catalog_problem)
            self.catalogs = catalogs
        return self.catalog_problem

    def compiled(self, name: str, locale: str, variant: Variant | None = None) -> CompiledTemplate:
        self.refresh_catalogs()
        return self._compiled(self.library.get(name), locale, variant)

    def _compiled(
        self, source: TemplateSource, locale: str, variant: Variant | None
    ) -> CompiledTemplate:
        if locale not in self.locales:
            raise UnknownLocale(locale, self.locales)
        fingerprint = variant.fingerprint if variant else None
        extensions = tuple(extension.fingerprint() for extension in self.envs.extensions)
        key = (
            source.name,
            source.version,
            locale,
            fingerprint,
            self.catalogs.version(locale),
            extensions,
        )
        with self._lock:  # renders run in worker threads (api/offload.py)
            entry = self._cache.get(key)
            if entry is not None:
                self._cache.move_to_end(key)
        if entry is None:  # two threads may compile the same key once: harmless
            try:
                entry = compile_template(
                    source,
                    locale,
                    variant.key if variant else None,
                    self.envs,
                    subject=variant.subject if variant else None,
                    preheader=variant.preheader if variant else None,
                )
            except TemplateError as exc:
                entry = exc.problems
            with self._lock:
                self._cache[key] = entry
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        if isinstance(entry, list):
            raise TemplateError(entry)  # a fresh error: a cached one would grow its traceback
        return entry

    def render(
        self,
        name: str,
        locale: str,
        recipient: Mapping[str, Any],
        variant: Variant | None = None,
        now: dt.datetime | None = None,
    ) -> RenderedEmail:
        self.refresh_catalogs()
        source = self.library.get(name)
        compiled = self._compiled(source, locale, variant)
        values, fallbacks = validate_recipient(recipient, source.fields)
        now = now or dt.datetime.now(dt.UTC)
        today = now.astimezone(_checked_zone(values.get("timezone"))).date()
        variant_key = variant.key if variant else None
        context: dict[str, Any] = {
            "recipient": values,
            "locale": locale,
            "variant": variant_key,
            "experiment": dict(variant.params) if variant else {},
            "template": name,
            "today": today,
            "now": now,
        }
        scope = RenderScope(name, locale, values, compiled.list_id, today, now, variant_key)
        reads = compiled.reads
        for extension in self.envs.extensions:
            if extension.context_names & reads:  # a name no part reads is never computed
                provided = extension.context(scope)  # its declared names only: never "recipient"
                context.update({key: provided[key] for key in extension.context_names})
        part = "subject"
        try:
            subject = header_line(compiled.subject.render(context))
            part = "preheader"
            preheader = header_line(compiled.preheader.render(context))
            context["subject"], context["preheader"] = subject, preheader
            _check_headers(source.file, subject, preheader)  # before the costly parts
            part = "html"
            html = compiled.html.render(context)
            for extension in self._finishers:
                html = extension.finish_html(html, scope)
            part = "text"
            text = tidy_text(compiled.text.render(context))
        except LimitError:
            raise
        except Exception as exc:  # recipient data must never turn into a 500
            if not isinstance(exc, jinja2.TemplateError | ArithmeticError | TypeError | ValueError):
                log.warning("render of %s failed on recipient data: %r", source.file, exc)
            raise explain_failure(exc, part, compiled, context, source.file) from None
        for part, value in (("html", html), ("text", text)):
            if len(value) > MAX_PART_LENGTH:
                raise LimitError(
                    source.file,
                    part,
                    f"is {len(value):,} characters long; at most {MAX_PART_LENGTH:,} are allowed",
                )
        headers: dict[str, str] = {}
        for extension in self.envs.extensions:
            headers.update(extension.headers(scope, context))
        return RenderedEmail(
            subject=subject,
            preheader=preheader,
            html=html,
            text=text,
            headers=headers,
            template=name,
            template_version=compiled.version,
            locale=locale,
            variant=variant.key if variant else None,
            fallbacks=fallbacks,
        )


def _check_headers(file: str, subject: str, preheader: str) -> None:
    for part, value in (("subject", subject), ("preheader", preheader)):
        problem = header_problem(part, value)
        if problem:
            raise LimitError(file, part, problem)


def _checked_zone(name: Any) -> ZoneInfo:
    if name is not None and name != "" and (not isinstance(name, str) or not zone_named(name)):
        raise RecipientError(
            [FieldProblem("recipient.timezone", f"unknown IANA time zone {name!r}")]
        )
    return recipient_zone(name)
