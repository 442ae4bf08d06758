"""`atn-content experiments ...`: launch, list, show (results table and decision), decide.

Works on the store of ATN_STORE directly, like the server; a running server picks up a
launch or a decision within its refresh interval.

The service (and with it the statistics, scipy) is imported when an experiments command
runs, not when the parser is built: `atn-content render` and `batch` never load it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atn_content.config import Settings
from atn_content.content.errors import ContentError
from atn_content.experiments.definitions import Definition, DefinitionError, parse_toml
from atn_content.experiments.launch_checks import check_launch
from atn_content.experiments.records import phase
from atn_content.redact import redact
from atn_content.store import StoreUnavailable, open_store
from atn_content.timestamps import iso

if TYPE_CHECKING:
    from atn_content.experiments.results import Results
    from atn_content.experiments.service import ExperimentService

__all__ = ["add_experiments_commands", "format_results"]

Action = Callable[["ExperimentService", argparse.Namespace], Awaitable[int]]


def add_experiments_commands(subparsers: Any) -> None:
    """Register `experiments launch|list|show|decide` on the main parser's subcommands."""
    parser = subparsers.add_parser("experiments", help="A/B tests: launch, list, show, decide")
    sub = parser.add_subparsers(title="experiments commands")
    launch = sub.add_parser("launch", help="launch a definition (TOML file or key in experiments/)")
    source = launch.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, help="experiment definition (TOML)")
    source.add_argument("--key", help="launch experiments/<file>.toml whose key is KEY")
    launch.set_defaults(run=_runner(_launch))
    listing = sub.add_parser("list", help="every experiment with its phase")
    listing.set_defaults(run=_runner(_list))
    show = sub.add_parser("show", help="results table and decision status of one experiment")
    show.add_argument("key")
    show.set_defaults(run=_runner(_show))
    decide = sub.add_parser("decide", help="decide now, by the rule or with --winner")
    decide.add_argument("key")
    decide.add_argument("--winner", help="variant key to roll out (overrides the rule)")
    decide.set_defaults(run=_runner(_decide))


def _runner(action: Action) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return asyncio.run(_with_service(action, args))

    return run


async def _with_service(action: Action, args: argparse.Namespace) -> int:
    from atn_content.experiments.service import (
        DecisionBlocked,
        ExperimentConflict,
        ExperimentNotFound,
        ExperimentService,
    )

    settings = Settings.from_env()
    store = open_store(settings.store_url)
    service = ExperimentService(store, settings.content_root / "experiments")
    try:
        return await action(service, args)
    except (DefinitionError, ExperimentConflict, ExperimentNotFound, DecisionBlocked) as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except StoreUnavailable as exc:
        print(f"error: store unavailable: {redact(str(exc))}", file=sys.stderr)
        return 1
    finally:
        await store.close()


async def _launch(service: ExperimentService, args: argparse.Namespace) -> int:
    from atn_content.app import build_renderer
    from atn_content.experiments.service import ExperimentNotFound

    definition: Definition
    if args.file is not None:
        definition = parse_toml(args.file.read_text(encoding="utf-8"), str(args.file))
        source = str(args.file)
    else:
        found = service.files().get(args.key)
        if found is None:
            problems = "; ".join(service.file_errors) or "none"
            raise ExperimentNotFound(
                f"no definition with key {args.key!r} in {service.directory} "
                f"(files with errors: {problems})"
            )
        definition, path = found
        source = str(path)
    settings = Settings.from_env()
    renderer = build_renderer(settings)
    for name in {definition.template, *(v.template for v in definition.variants if v.template)}:
        try:
            renderer.library.get(name)
        except ContentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    known = settings.content_root / "locales"
    for locale in definition.locales:
        if locale not in renderer.locales:
            print(f"error: locales: no catalog for {locale!r} in {known}", file=sys.stderr)
            return 1
    refused = check_launch(renderer, definition)  # what the API refuses with a 422
    for problem in refused:
        print(f"error: {problem.field}: {redact(problem.message)}", file=sys.stderr)
    if refused:
        return 2
    record = await service.launch(definition, source)
    print(f"launched {record.key} ({definition.kind} test on {definition.template})")
    if record.decision_due is not None:
        print(f"decision due {iso(record.decision_due)} by {definition.decision.metric}")
    print(record.planning)
    return 0


async def _list(service: ExperimentService, args: argparse.Namespace) -> int:
    now = service.clock()
    rows = [("KEY", "KIND", "TEMPLATE", "PHASE", "DUE / WINNER")]
    for record in await service.records():
        d = record.definition
        winner = record.decision.winner if record.decision else None
        due = f"winner {winner}" if winner else iso(record.decision_due) or "-"
        rows.append((d.key, d.kind, d.template, phase(record, now), due))
    print(_table(rows))
    for problem in service.file_errors:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


async def _show(service: ExperimentService, args: argparse.Namespace) -> int:
    print(format_results(await service.results(args.key)))
    return 0


async def _decide(service: ExperimentService, args: argparse.Namespace) -> int:
    record = await service.decide(args.key, args.winner)
    assert record.decision is not None
    print(f"decided {record.key}: {record.decision.winner}. {record.decision.reason}")
    return 0


def format_results(r: Results) -> str:
    """The results table and decision status, as `experiments show` prints them."""
    metric = r.metric.replace("_", " ")
    lines = [
        f"{r.name} ({r.key}): {r.kind} test on {r.template}, "
        f"{r.test_fraction:.0%} test group, launched {r.launched_at or 'not yet'}",
        r.planning,
        "",
    ]
    p_adj = {c.variant: c.p_adjusted for c in r.frequentist}
    p_seq = {c.variant: c.p_value for c in r.sequential}
    best = {b.variant: b.chance_to_be_best for b in r.bayesian}
    rows = [
        ("VARIANT", "RECIPIENTS", "DELIVERED", "OPENS", "CLICKS", "CONV", "REVENUE XPF",
         "CLICK RATE [95 % CI]", "P (HOLM)", "P (SEQ)", "P(BEST)")
    ]  # fmt: skip
    for a in [*r.arms, r.rollout]:
        ci = a.click_rate
        rows.append(
            (
                a.variant,
                f"{a.recipients:,}",
                f"{a.delivered:,}",
                f"{a.opens:,}",
                f"{a.clicks:,}",
                f"{a.conversions:,}",
                f"{a.revenue:,.0f}",
                f"{ci.rate:.2%} [{ci.low:.2%}, {ci.high:.2%}]",
                _p(p_adj.get(a.variant)),
                _p(p_seq.get(a.variant)),
                "" if (share := best.get(a.variant)) is None else f"{share:.0%}",
            )
        )
    lines.append(_table(rows))
    lines += ["", f"Decision metric: {metric} ({r.mode.replace('_', ' ')}, alpha {r.alpha:g})"]
    notes = [r.bayesian_note, *(b.note for b in r.bayesian)]
    lines += [f"Bayesian: {note}" for note in notes if note]
    lines.append(f"Sample ratio: {r.sample_ratio.message}")
    d = r.decision
    lines.append(f"Phase: {d.phase}" + (f", due {d.due}" if d.due else ""))
    lines.append(f"Decision: {d.reason}")
    return "\n".join(lines)


def _p(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
