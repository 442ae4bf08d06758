"""The template list's numbers: per template x locale, the size as sent and the lint status
per client family, for the sample recipient of that locale.

Computed through the delivery path like any preview, cached by template version, catalog
version and sample, so the list is slow once per change, not once per visit.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from atn_content.api.errors import ProblemError
from atn_content.content.errors import ContentError
from atn_content.content.lint import CLIENTS, AllowList, lint_html
from atn_content.content.lint.checks import CLIP_BYTES
from atn_content.delivery import Delivery
from atn_content.preview.email_preview import render_preview
from atn_content.preview.samples import Sample

__all__ = ["FAMILIES", "LocaleStatus", "Overview", "TemplateRow"]

#: Client families as the list's columns: (family, label, client keys).
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(
    (family, label, tuple(c.key for c in CLIENTS if c.family == family))
    for family, label in (
        ("gmail", "Gmail"),
        ("outlook", "Outlook"),
        ("apple-mail", "Apple Mail"),
        ("yahoo", "Yahoo"),
    )
)


@dataclass(frozen=True)
class LocaleStatus:
    locale: str
    sample: str
    size_bytes: int = 0
    errors: int = 0
    warnings: int = 0
    by_client: dict[str, int] = field(default_factory=dict)
    """Per client key: lint errors naming it (the family cell's tooltip)."""
    problem: str = ""
    """Why it did not render, if it did not."""

    @property
    def clipped(self) -> bool:
        return self.size_bytes > CLIP_BYTES

    @property
    def gaps(self) -> dict[str, int]:
        """Per family: lint errors naming one of its clients."""
        return {
            family: sum(self.by_client.get(c, 0) for c in clients)
            for family, _, clients in FAMILIES
        }


@dataclass(frozen=True)
class TemplateRow:
    name: str
    version: str | None
    description: str
    locales: tuple[LocaleStatus, ...]
    problem: str = ""


def pick_sample(samples: list[Sample], locale: str) -> Sample | None:
    """The first sample written in `locale`, else the first one."""
    for sample in samples:
        if sample.locale == locale:
            return sample
    return samples[0] if samples else None


class Overview:
    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[tuple[Any, ...], LocaleStatus]] = {}
        self._lock = threading.Lock()

    def rows(
        self, delivery: Delivery, samples: list[Sample], allow: AllowList
    ) -> list[TemplateRow]:
        renderer = delivery.renderer
        library = renderer.library
        library.refresh_if_stale()
        rows = []
        for name in library.names():
            try:
                source = library.get(name)
            except ContentError as exc:
                rows.append(TemplateRow(name, None, "", (), problem=str(exc)))
                continue
            locales = [str(x) for x in source.meta.get("locales", renderer.locales)]
            statuses = tuple(
                self._status(delivery, name, source.version, locale, samples, allow)
                for locale in locales
            )
            description = str(source.meta.get("description", ""))
            rows.append(TemplateRow(name, source.version, description, statuses))
        return rows

    def _status(
        self,
        delivery: Delivery,
        name: str,
        version: str,
        locale: str,
        samples: list[Sample],
        allow: AllowList,
    ) -> LocaleStatus:
        sample = pick_sample(samples, locale)
        if sample is None:
            return LocaleStatus(locale, "", problem="no sample recipient in samples/recipients/")
        try:
            catalog = delivery.renderer.catalogs.version(locale)
        except ContentError as exc:  # a locale the template declares but no catalog has
            return LocaleStatus(locale, sample.key, problem=str(exc))
        fingerprint = (
            version,
            catalog,
            sample.key,
            json.dumps(sample.recipient, sort_keys=True),
            tuple(sorted(map(str, allow.pairs()))),  # an edited lint-allow.toml counts
            delivery.assigner.arms(name),  # a test launched on it changes what it renders
        )
        with self._lock:  # one entry per template and locale: an old version is dropped
            cached = self._cache.get((name, locale))
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        status = _measure(delivery, name, locale, sample, allow)
        with self._lock:
            self._cache[(name, locale)] = (fingerprint, status)
        return status


def _measure(
    delivery: Delivery, name: str, locale: str, sample: Sample, allow: AllowList
) -> LocaleStatus:
    try:
        email = render_preview(delivery, name, locale, sample.recipient)
    except (ContentError, ProblemError) as exc:  # shown in the list, not raised
        return LocaleStatus(locale, sample.key, problem=str(exc))
    report = lint_html(email.html, allow=allow, lang=locale)
    return LocaleStatus(
        locale,
        sample.key,
        by_client={c: sum(1 for f in report.errors if f.client == c) for c in report.clients},
        size_bytes=report.size_bytes,
        errors=len(report.errors),
        warnings=len(report.warnings),
    )
