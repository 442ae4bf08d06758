"""`atn-content`: serve, render, batch, compile, i18n, lint, countdown, snapshot, recs (and
experiments, when installed)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import msgspec

from atn_content.api.errors import ProblemError
from atn_content.api.problems import problem_for_content_error
from atn_content.cli.countdown import add_countdown_commands
from atn_content.cli.lint import add_lint_command
from atn_content.cli.snapshot import add_snapshot_command
from atn_content.config import Settings, ensure_local_key
from atn_content.content.errors import ContentError, TemplateError
from atn_content.content.renderer import Renderer
from atn_content.delivery import Delivery
from atn_content.experiments.assign import Assigner
from atn_content.experiments.records import Record
from atn_content.experiments.stored import load_files, read_records
from atn_content.mail import message_bytes, recipient_to, to_message
from atn_content.redact import redact
from atn_content.store import open_store

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
    except ContentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atn-content", description=__doc__)
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--store", help="store URL (default: ATN_STORE or embedded SQLite)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    serve.set_defaults(run=_serve)

    render = sub.add_parser("render", help="render one recipient; prints the API's JSON")
    render.add_argument("--template", required=True)
    render.add_argument("--locale", required=True)
    render.add_argument("--recipient", required=True, type=Path, help="recipient JSON file")
    render.add_argument("--html", type=Path, help="also write the HTML part here")
    render.add_argument("--text", type=Path, help="also write the text part here")
    render.add_argument(
        "--eml", type=Path, help="also write the email as a MIME message (.eml) here"
    )
    render.set_defaults(run=_render)

    batch = sub.add_parser("batch", help="render an NDJSON file of render requests")
    batch.add_argument("input", type=Path, help="NDJSON: one {template, locale, recipient} a line")
    batch.add_argument("--output", type=Path, help="NDJSON results (default: stdout)")
    batch.add_argument("--no-progress", action="store_true")
    batch.set_defaults(run=_batch)

    compile_ = sub.add_parser("compile", help="compile every template x locale; list all errors")
    compile_.add_argument("--template", action="append", help="only these (repeatable)")
    compile_.set_defaults(run=_compile)

    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(title="i18n commands")
    check = i18n_sub.add_parser("check", help="fail when a string is untranslated")
    check.set_defaults(run=_i18n_check)
    update = i18n_sub.add_parser("update", help="extract strings and merge them into catalogs")
    update.set_defaults(run=_i18n_update)

    add_lint_command(sub)
    add_countdown_commands(sub)
    add_snapshot_command(sub)

    try:
        from atn_content.cli.experiments import add_experiments_commands
    except ImportError:  # the experiments package is optional for the CLI's other commands
        pass
    else:
        add_experiments_commands(sub)
    from atn_content.cli.recs import add_recs_commands

    add_recs_commands(sub)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.store:
        os.environ["ATN_STORE"] = args.store
    settings = Settings.from_env()
    if not settings.api_keys:
        key, created = ensure_local_key(settings.state_dir)
        os.environ["ATN_API_KEY"] = key
        state = "created" if created else "from " + str(settings.state_dir / "local-api-key")
        print(f"Local API key ({state}, every scope): {key}", flush=True)
    from atn_content.preview.login_link import login_once_link

    studio_key = next((k for k, s in settings.api_keys.items() if "studio" in s), None)
    if studio_key is None and os.environ.get("ATN_API_KEY"):
        studio_key = os.environ["ATN_API_KEY"]  # the local key: every scope
    if studio_key is not None:
        once = login_once_link(settings.state_dir, studio_key)
        print(
            f"Studio (this link logs in once): http://{args.host}:{args.port}/studio/login?once={once}",
            flush=True,
        )
    print(
        f"ATN Content on http://{args.host}:{args.port}  store={redact(settings.store_url)}  "
        f"templates={settings.content_root / 'templates'}",
        flush=True,
    )
    uvicorn.run(
        "atn_content.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,
    )
    return 0


def _renderer() -> Renderer:
    from atn_content.app import build_renderer

    return build_renderer(Settings.from_env())


def _render(args: argparse.Namespace) -> int:
    try:
        recipient = json.loads(args.recipient.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"error: cannot read recipient {args.recipient}: {exc}", file=sys.stderr)
        return 1
    try:
        to = recipient_to(recipient) if args.eml and isinstance(recipient, dict) else ""
    except ContentError as exc:  # the problem POST /v1/render answers with Accept: message/rfc822
        sys.stdout.buffer.write(msgspec.json.encode(problem_for_content_error(exc)) + b"\n")
        return 1
    settings = Settings.from_env()
    try:
        # The same path as POST /v1/render: a running experiment gives its arm (exposures
        # are not recorded: this is a preview, not a send).
        response = _delivery(settings).render(args.template, args.locale, recipient)
    except ContentError as exc:
        sys.stdout.buffer.write(msgspec.json.encode(problem_for_content_error(exc)) + b"\n")
        return 1
    except ProblemError as exc:
        sys.stdout.buffer.write(msgspec.json.encode(exc.problem) + b"\n")
        return 1
    if args.html:
        args.html.write_text(response.html, encoding="utf-8")
    if args.text:
        args.text.write_text(response.text, encoding="utf-8")
    if args.eml:
        message = to_message(response, to=to, sender=settings.mail_from)
        args.eml.write_bytes(message_bytes(message))
    sys.stdout.buffer.write(msgspec.json.encode(response) + b"\n")
    return 0


def _delivery(settings: Settings) -> Delivery:
    """The API's delivery path, with the experiments the API sees, the features' gates
    (suppressions read from the store once, now) and no intake."""
    from atn_content.app import build_renderer, default_features

    features = default_features(settings)

    async def prepare() -> None:
        store = open_store(settings.store_url)
        try:
            for feature in features:
                if feature.prepare is not None:
                    await feature.prepare(store)
        finally:
            await store.close()

    asyncio.run(prepare())
    return Delivery(
        build_renderer(settings, features),
        _assigner(settings),
        max_line_bytes=settings.max_batch_line_bytes,
        gates=[f.gate for f in features if f.gate is not None],
    )


def _assigner(settings: Settings) -> Assigner:
    """Experiments as the API sees them: launched ones from the store, drafts from files."""

    async def records() -> list[Record]:
        store = open_store(settings.store_url)
        try:
            files, _ = load_files(settings.content_root / "experiments")
            return await read_records(store, files)
        finally:
            await store.close()

    assigner = Assigner()
    assigner.load(asyncio.run(records()))
    return assigner


def _batch(args: argparse.Namespace) -> int:
    # The same path as POST /v1/render/batch, running experiments included (exposures are
    # not recorded, as for `render`).
    delivery = _delivery(Settings.from_env())
    total = _count_lines(args.input)
    out = args.output.open("wb") if args.output else sys.stdout.buffer
    errors = 0
    progress = _Progress(total, sys.stderr, enabled=not args.no_progress)
    try:
        with args.input.open("rb") as lines:
            for line in delivery.render_lines(_stripped(lines)):
                errors += b'"error":{' in line
                out.write(line)
                progress.step()
    finally:
        progress.done()
        if args.output:
            out.close()
    print(f"rendered={progress.count - errors} errors={errors}", file=sys.stderr)
    return 1 if errors else 0


def _stripped(lines: Iterator[bytes]) -> Iterator[bytes]:
    for line in lines:
        yield line.rstrip(b"\r\n")


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for line in f if line.strip())


class _Progress:
    """A one-line progress bar on a terminal's stderr, redrawn at most 10 times a second."""

    def __init__(self, total: int, stream: TextIO, enabled: bool) -> None:
        self.total, self.count, self.stream = total, 0, stream
        self.enabled = enabled and total > 0 and stream.isatty()
        self.started = self._drawn = time.monotonic()

    def step(self) -> None:
        self.count += 1
        now = time.monotonic()
        if self.enabled and now - self._drawn >= 0.1:
            self._draw(now)

    def done(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")

    def _draw(self, now: float) -> None:
        self._drawn = now
        share = self.count / self.total
        bar = "#" * int(share * 30)
        rate = self.count / max(now - self.started, 1e-9)
        self.stream.write(f"\r[{bar:<30}] {share:6.1%} {self.count}/{self.total} {rate:,.0f}/s")
        self.stream.flush()


def _compile(args: argparse.Namespace) -> int:
    renderer = _renderer()
    names = args.template or renderer.library.names()
    failures = 0
    for name in names:
        for locale in renderer.locales:
            try:
                compiled = renderer.compiled(name, locale)
            except TemplateError as exc:
                failures += 1
                for problem in exc.problems:
                    print(f"FAIL {name} [{locale}] {problem}")
            except ContentError as exc:
                failures += 1
                print(f"FAIL {name} [{locale}] {exc}")
            else:
                print(f"ok   {name} [{locale}] {compiled.version} {compiled.html_bytes:,} bytes")
    print(f"templates={len(names)} locales={len(renderer.locales)} failures={failures}")
    return 1 if failures else 0


def _i18n_check(args: argparse.Namespace) -> int:
    from atn_content.content.i18n_check import check_translations, format_findings

    root = Settings.from_env().content_root
    findings = check_translations(root)
    if findings:
        print(format_findings(findings))
    print(f"i18n_findings={len(findings)}")
    return 1 if findings else 0


def _i18n_update(args: argparse.Namespace) -> int:
    from atn_content.content.i18n_check import update_catalogs

    for path in update_catalogs(Settings.from_env().content_root):
        print(f"updated {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
