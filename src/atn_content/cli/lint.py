"""`atn-content lint`: every shipped template x locale, rendered for each sample recipient,
through the client-support and accessibility lint (atn_content.content.lint).

A readable report per template x locale, then a table per client, then one line of
name=value pairs; the exit status is 1 when any render has an error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from atn_content.config import Settings
from atn_content.content.errors import ContentError
from atn_content.content.formatting import DEFAULT_TIMEZONE
from atn_content.content.lint import (
    ALLOW_LIST_FILE,
    CLIENT_KEYS,
    CLIENTS,
    AllowList,
    AllowListError,
    Finding,
    LintReport,
    combine,
    lint_html,
    summary_key,
)
from atn_content.content.renderer import Renderer

__all__ = ["add_lint_command"]

_NAMES = {c.key: c.name for c in CLIENTS}
#: `--client gmail` means every Gmail platform, and so on.
_FAMILIES = {
    family: [c.key for c in CLIENTS if c.key.startswith(family)]
    for family in ("gmail", "outlook", "apple-mail", "yahoo")
}


def add_lint_command(sub: Any) -> None:
    lint = sub.add_parser(
        "lint",
        help="lint every template x locale x sample recipient for mail-client support",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lint.add_argument("--template", action="append", help="only this template (repeatable)")
    lint.add_argument("--locale", action="append", help="only this locale (repeatable)")
    lint.add_argument("--sample", action="append", help="only this sample recipient (repeatable)")
    lint.add_argument(
        "--client",
        action="append",
        choices=[*CLIENT_KEYS, *_FAMILIES],
        help="report for these clients only (repeatable; gmail, outlook, apple-mail and yahoo "
        "mean all their platforms)",
    )
    lint.add_argument("--allow-list", type=Path, help=f"default: CONTENT_ROOT/{ALLOW_LIST_FILE}")
    lint.add_argument(
        "--features",
        action="store_true",
        help="list each template x locale's client gaps (default when one template is linted)",
    )
    lint.add_argument("--json", type=Path, help="also write the full reports as JSON here")
    lint.set_defaults(run=_lint)


@dataclass(frozen=True)
class _Linted:
    template: str
    locale: str
    report: LintReport
    seen: Counter[Finding]  # in how many samples each finding occurred
    samples: int


def _lint(args: argparse.Namespace) -> int:
    from atn_content.app import build_renderer
    from atn_content.cli.main import _Progress

    settings = Settings.from_env()
    renderer = build_renderer(settings)
    clients = _clients(args.client)
    try:
        allow = AllowList.load(args.allow_list or settings.content_root / ALLOW_LIST_FILE)
    except AllowListError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    samples = _samples(settings.content_root / "samples" / "recipients", args.sample)
    templates = args.template or renderer.library.names()
    locales = args.locale or list(renderer.locales)
    progress = _Progress(len(templates) * len(locales) * len(samples), sys.stderr, True)
    results = []
    try:
        for template in templates:
            for locale in locales:
                results.append(_lint_one(renderer, template, locale, samples, clients, allow))
                for _ in samples:
                    progress.step()
    finally:
        progress.done()
    detail = args.features or len(templates) == 1
    for result in results:
        _print_result(result, detail, sys.stdout)
    overall = combine([r.report for r in results])
    _print_clients(overall, sys.stdout)
    if args.json:
        args.json.write_text(json.dumps(_document(results, overall), ensure_ascii=False, indent=1))
    errors = sum(len(r.report.errors) for r in results)
    warnings = sum(len(r.report.warnings) for r in results)
    summary = {
        "templates": len(templates),
        "locales": len(locales),
        "samples": len(samples),
        "renders": sum(r.samples for r in results),
        **overall.summary(),
        "errors": errors,
        "warnings": warnings,
        "allowed": sum(len(u.allowed) for u in overall.features),
    }
    print(" ".join(f"{k}={v}" for k, v in summary.items()))
    return 1 if errors else 0


def _clients(chosen: Sequence[str] | None) -> tuple[str, ...]:
    if not chosen:
        return CLIENT_KEYS
    keys = [k for c in chosen for k in _FAMILIES.get(c, [c])]
    return tuple(dict.fromkeys(keys))


def _samples(folder: Path, only: Sequence[str] | None) -> list[tuple[str, dict[str, Any]]]:
    paths = sorted(folder.glob("*.json"))
    if only:
        paths = [p for p in paths if p.stem in only]
        missing = sorted(set(only) - {p.stem for p in paths})
        if missing:
            raise ContentError(f"unknown sample recipient(s) {missing} in {folder}")
    return [(p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def _sample_now(sample: dict[str, Any]) -> dt.datetime | None:
    """Noon on the sample's `as_of` day in its own zone, the day its story is told at."""
    as_of = (sample.get("sample") or {}).get("as_of")
    if not as_of:
        return None
    zone = ZoneInfo(sample.get("timezone") or DEFAULT_TIMEZONE)
    return dt.datetime.combine(dt.date.fromisoformat(as_of), dt.time(12), zone)


def _lint_one(
    renderer: Renderer,
    template: str,
    locale: str,
    samples: list[tuple[str, dict[str, Any]]],
    clients: tuple[str, ...],
    allow: AllowList,
) -> _Linted:
    reports = []
    seen: Counter[Finding] = Counter()
    for name, sample in samples:
        try:
            email = renderer.render(template, locale, sample, now=_sample_now(sample))
        except ContentError as exc:
            report = LintReport(clients, 0, (), (), (Finding("render", "error", str(exc), name),))
        else:
            report = lint_html(email.html, clients=clients, allow=allow, lang=locale)
        reports.append(report)
        seen.update(set(report.findings))
    return _Linted(template, locale, combine(reports), seen, len(samples))


def _print_result(result: _Linted, detail: bool, out: TextIO) -> None:
    report = result.report
    out.write(
        f"{result.template} [{result.locale}]  {result.samples} samples, "
        f"largest {report.size_bytes / 1024:.1f} KB, {len(report.features)} features, "
        f"{len(report.errors)} errors, {len(report.warnings)} warnings\n"
    )
    for finding in report.findings:
        count = result.seen[finding]
        where = f"  at {finding.where}" if finding.where else ""
        out.write(
            f"  {finding.severity:<7} {finding.check:<14} {finding.message}{where}"
            f"  ({count}/{result.samples} samples)\n"
        )
    if detail:
        _print_features(report, out)


def _print_features(report: LintReport, out: TextIO) -> None:
    gaps = [u for u in report.features if any(u.gap(c) for c in report.clients)]
    if not gaps:
        return
    out.write("  client gaps (caniemail, newest test per client):\n")
    for use in gaps:
        out.write(f"    {use.slug}  {use.title}  e.g. {use.examples[0]}  {use.url}\n")
        for client in report.clients:
            support = use.gap(client)
            if support is None:
                continue
            notes = " ".join(support.notes)
            out.write(
                f"      {_NAMES[client]:<20} {support.status} ({support.version})"
                + (f": {notes}" if notes else "")
                + "\n"
            )
            reason = use.allowed.get(client)
            out.write(f"        {'allowed: ' + reason if reason else 'NOT IN THE ALLOW-LIST'}\n")


def _print_clients(report: LintReport, out: TextIO) -> None:
    counts = report.counts()
    out.write(f"\n{len(report.features)} caniemail features used; per client:\n")
    out.write(f"  {'client':<20} {'unsupported':>11} {'partial':>8} {'allowed':>8}\n")
    for client in report.clients:
        allowed = sum(1 for u in report.features if client in u.allowed)
        out.write(
            f"  {_NAMES[client]:<20} {counts[client]['unsupported']:>11} "
            f"{counts[client]['partial']:>8} {allowed:>8}\n"
        )
    if report.unlisted:
        out.write(f"  not in caniemail: {', '.join(report.unlisted)}\n")


def _document(results: list[_Linted], overall: LintReport) -> dict[str, Any]:
    return {
        "summary": overall.summary(),
        "renders": [
            {"template": r.template, "locale": r.locale, "samples": r.samples, **r.report.to_dict()}
            for r in results
        ],
        "clients": {c: {"name": _NAMES[c], **_client_counts(overall, c)} for c in overall.clients},
    }


def _client_counts(report: LintReport, client: str) -> dict[str, int]:
    summary = report.summary()
    return {s: summary[summary_key(client, s)] for s in ("unsupported", "partial")}
