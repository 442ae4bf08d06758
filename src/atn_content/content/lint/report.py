"""The lint's answer for one HTML document: features per client, findings, counts.

Plain data (frozen dataclasses and `to_dict()` for JSON), so the CLI, the test suite and
the preview studio's lint panel all read the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from atn_content.content.lint.caniemail import CLIENT_KEYS, Support
from atn_content.content.lint.findings import Finding

__all__ = ["GAP_STATUSES", "FeatureUse", "LintReport", "combine", "summary_key"]

#: Statuses that make a feature a gap for a client (unknown is not counted either way).
GAP_STATUSES = ("unsupported", "partial")
_T = TypeVar("_T")


@dataclass(frozen=True)
class FeatureUse:
    """A caniemail feature the document uses, and how each client that sees it does.

    `support` holds only the clients that read the markup in question: what sits inside
    `<!--[if mso]>` is for Outlook for Windows alone, and what `<!--[if !mso]><!-->`
    hides is for everyone else. `allowed` maps a client to the allow-list's reason."""

    slug: str
    title: str
    url: str
    notes: str
    count: int
    examples: tuple[str, ...]
    support: Mapping[str, Support]
    allowed: Mapping[str, str] = field(default_factory=dict)

    def gap(self, client: str) -> Support | None:
        support = self.support.get(client)
        return support if support is not None and support.status in GAP_STATUSES else None


@dataclass(frozen=True)
class LintReport:
    clients: tuple[str, ...]
    size_bytes: int
    features: tuple[FeatureUse, ...]
    unlisted: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, dict[str, int]]:
        """Per client: how many of the features used it lacks, fully or partly."""
        counts = {c: dict.fromkeys(GAP_STATUSES, 0) for c in self.clients}
        for use in self.features:
            for client in self.clients:
                gap = use.gap(client)
                if gap is not None:
                    counts[client][gap.status] += 1
        return counts

    def summary(self) -> dict[str, int]:
        """The name=value pairs of the last output line (keys: see summary_key)."""
        values = {
            "features": len(self.features),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }
        for client, counts in self.counts().items():
            for status, count in counts.items():
                values[summary_key(client, status)] = count
        return values

    def to_dict(self) -> dict[str, Any]:
        return {
            "clients": list(self.clients),
            "size_bytes": self.size_bytes,
            "summary": self.summary(),
            "features": [
                {
                    "slug": u.slug,
                    "title": u.title,
                    "url": u.url,
                    "notes": u.notes,
                    "count": u.count,
                    "examples": list(u.examples),
                    "support": {
                        c: {"status": s.status, "version": s.version, "notes": list(s.notes)}
                        for c, s in u.support.items()
                    },
                    "allowed": dict(u.allowed),
                }
                for u in self.features
            ],
            "unlisted": list(self.unlisted),
            "findings": [asdict(f) for f in self.findings],
        }


def summary_key(client: str, status: str) -> str:
    """'outlook-windows', 'unsupported' -> 'outlook_windows_unsupported'."""
    return f"{client.replace('-', '_')}_{status}"


def combine(reports: Sequence[LintReport]) -> LintReport:
    """One report for several renders (e.g. every sample recipient of a template x locale):
    features merged, findings listed once, the largest size."""
    if not reports:
        return LintReport(CLIENT_KEYS, 0, (), (), ())
    merged: dict[str, FeatureUse] = {}
    for report in reports:
        for use in report.features:
            known = merged.get(use.slug)
            if known is None:
                merged[use.slug] = use
            else:
                merged[use.slug] = FeatureUse(
                    known.slug,
                    known.title,
                    known.url,
                    known.notes,
                    known.count + use.count,
                    _first(3, (*known.examples, *use.examples)),
                    {**known.support, **use.support},
                    {**known.allowed, **use.allowed},
                )
    return LintReport(
        clients=reports[0].clients,
        size_bytes=max(r.size_bytes for r in reports),
        features=tuple(sorted(merged.values(), key=lambda u: u.slug)),
        unlisted=tuple(sorted({u for r in reports for u in r.unlisted})),
        findings=_first(None, (f for r in reports for f in r.findings)),
    )


def _first(limit: int | None, items: Iterable[_T]) -> tuple[_T, ...]:
    """Distinct items in order, at most `limit`."""
    seen: dict[_T, None] = {}
    for item in items:
        seen.setdefault(item, None)
        if limit is not None and len(seen) >= limit:
            break
    return tuple(seen)
