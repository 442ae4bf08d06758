"""lint_html(): one rendered email in, a LintReport out. Pure: no file, no network."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from atn_content.content.lint.allowlist import AllowList
from atn_content.content.lint.caniemail import CLIENT_KEYS, CLIENTS, CanIEmail, caniemail
from atn_content.content.lint.checks import (
    check_images,
    check_lang,
    check_links,
    check_outlook_corners,
    check_size,
    check_tables,
)
from atn_content.content.lint.contrast import check_contrast
from atn_content.content.lint.features import Use, document_uses
from atn_content.content.lint.findings import Finding
from atn_content.content.lint.report import FeatureUse, LintReport
from atn_content.content.lint.views import parse_views

__all__ = ["OUTLOOK_WINDOWS", "lint_html"]

#: The one client that reads conditional comments (the Word engine).
OUTLOOK_WINDOWS = "outlook-windows"
_NAMES = {c.key: c.name for c in CLIENTS}


def lint_html(
    html: str,
    *,
    clients: Iterable[str] | None = None,
    allow: AllowList | None = None,
    lang: str | None = None,
    table: CanIEmail | None = None,
) -> LintReport:
    """Lint one email's HTML for `clients` (default: all of CLIENT_KEYS).

    A feature a client lacks (caniemail: unsupported or partial) is an error unless
    `allow` accepts it; `lang` is the locale the <html lang> must carry, when known.
    """
    chosen = _clients(clients)
    table = table or caniemail()
    allow = allow or AllowList()
    views = parse_views(html)
    standard = list(document_uses(views.standard, views.source))
    outlook = list(document_uses(views.outlook, views.outlook_source))
    features, unlisted = _feature_uses(standard, outlook, chosen, table, allow)
    findings = [
        *_gap_findings(features, chosen),
        *check_size(html),
        *check_lang(views.standard, lang),
        *check_images(views.standard),
        *check_images(views.outlook),
        *check_tables(views.standard),
        *check_tables(views.outlook),
        *check_links(views.standard),
        *check_links(views.outlook),
        *check_contrast(views.standard),
    ]
    if OUTLOOK_WINDOWS in chosen:
        findings.extend(check_outlook_corners(views.outlook))
    return LintReport(
        clients=chosen,
        size_bytes=len(html.encode("utf-8")),
        features=features,
        unlisted=unlisted,
        findings=tuple(dict.fromkeys(findings)),
    )


def _clients(clients: Iterable[str] | None) -> tuple[str, ...]:
    if clients is None:
        return CLIENT_KEYS
    chosen = tuple(dict.fromkeys(clients))
    unknown = [c for c in chosen if c not in CLIENT_KEYS]
    if unknown:
        raise ValueError(f"unknown client {unknown[0]!r}; one of {', '.join(CLIENT_KEYS)}")
    return chosen


def _feature_uses(
    standard: list[Use],
    outlook: list[Use],
    clients: tuple[str, ...],
    table: CanIEmail,
    allow: AllowList,
) -> tuple[tuple[FeatureUse, ...], tuple[str, ...]]:
    counts = Counter(u.slug for u in standard) + Counter(u.slug for u in outlook)
    examples: dict[str, list[str]] = {}
    for use in (*standard, *outlook):
        found = examples.setdefault(use.slug, [])
        if len(found) < 3 and use.example not in found:
            found.append(use.example)
    seen_by = {
        slug: [c for c in clients if c != OUTLOOK_WINDOWS] for slug in {u.slug for u in standard}
    }
    for slug in {u.slug for u in outlook}:
        if OUTLOOK_WINDOWS in clients:
            seen_by.setdefault(slug, []).append(OUTLOOK_WINDOWS)
    features = []
    for slug in sorted(s for s in counts if s in table):
        feature = table[slug]
        support = {c: feature.support[c] for c in clients if c in seen_by.get(slug, ())}
        allowed = {
            c: reason
            for c, s in support.items()
            if s.status in ("unsupported", "partial")
            and (reason := allow.reason(slug, c)) is not None
        }
        features.append(
            FeatureUse(
                slug=slug,
                title=feature.title,
                url=feature.url,
                notes=feature.notes,
                count=counts[slug],
                examples=tuple(examples[slug]),
                support=support,
                allowed=allowed,
            )
        )
    unlisted = tuple(sorted(s for s in counts if s not in table))
    return tuple(features), unlisted


def _gap_findings(features: tuple[FeatureUse, ...], clients: tuple[str, ...]) -> Iterator[Finding]:
    for use in features:
        for client in clients:
            gap = use.gap(client)
            if gap is None or client in use.allowed:
                continue
            notes = " ".join(gap.notes)
            yield Finding(
                "feature",
                "error",
                f"{use.title} is {gap.status} in {_NAMES[client]}"
                + (f": {notes}" if notes else "")
                + " (not in the allow-list)",
                use.examples[0] if use.examples else "",
                client=client,
                feature=use.slug,
            )
