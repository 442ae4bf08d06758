"""`atn-content snapshot`: PNGs of an email (desktop and mobile) or of the studio's pages,
taken by headless Chromium (Debian's `chromium`, driven by Playwright).

`snapshot TEMPLATE --locale ja --recipient NAME` renders NAME (a file stem in
samples/recipients/) through the delivery path `render` takes and shoots it 800 px and
375 px wide; it exits 1, PNGs written, when the mobile layout scrolls sideways.
`snapshot --studio` shoots each studio page for the docs (atn_content.cli.studio_shots).
Nothing goes to the network: remote images get a grey placeholder, other requests are
aborted. The last line printed is one line of name=value pairs.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atn_content.api.errors import ProblemError
from atn_content.chromium import CHROMIUM_ARGS, chromium_binary
from atn_content.config import Settings
from atn_content.content.errors import ContentError
from atn_content.preview.samples import load_samples

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Route

__all__ = ["DESKTOP_WIDTH", "MOBILE_WIDTH", "add_snapshot_command", "browser", "no_network"]

#: The desktop shot's width: wider than the 600 px of the email's body.
DESKTOP_WIDTH = 800
#: The mobile shot's width: an iPhone's 375 CSS px.
MOBILE_WIDTH = 375
#: The viewport's height; the shots are full-page.
VIEWPORT_HEIGHT = 800

_NO_PLAYWRIGHT = (
    "Playwright for Python is not installed: pip install playwright "
    "(it drives Debian's chromium; no browser download is needed)"
)


class SnapshotError(Exception):
    """A reason to stop before any shot, said in one line (exit status 2)."""


def add_snapshot_command(sub: Any) -> None:
    snapshot = sub.add_parser(
        "snapshot",
        help="PNGs of an email (desktop, mobile) or of the studio's pages, by headless Chromium",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    snapshot.add_argument("template", nargs="?", help="the template to render")
    snapshot.add_argument("--locale", help="the locale to render (en, fr, ja)")
    snapshot.add_argument("--recipient", help="a sample recipient: a stem in samples/recipients/")
    snapshot.add_argument(
        "--studio", action="store_true", help="shoot each studio page instead (for the docs)"
    )
    snapshot.add_argument(
        "--out",
        type=Path,
        help="folder for the PNGs (default: snapshots/, docs/studio/ for --studio)",
    )
    snapshot.set_defaults(run=_snapshot)


def _snapshot(args: argparse.Namespace) -> int:
    try:
        if args.studio:
            if args.template or args.locale or args.recipient:
                raise SnapshotError("--studio takes no template, --locale or --recipient")
            chromium_executable()
            try:
                from atn_content.cli.studio_shots import shoot_studio
            except ImportError:
                raise SnapshotError(_NO_PLAYWRIGHT) from None

            return shoot_studio(args.out or Path("docs/studio"))
        return _shoot_email(args)
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _shoot_email(args: argparse.Namespace) -> int:
    if not (args.template and args.locale and args.recipient):
        raise SnapshotError("give TEMPLATE, --locale and --recipient (or --studio)")
    settings = Settings.from_env()
    samples = {s.key: s for s in load_samples(settings.content_root)}
    if args.recipient not in samples:
        raise SnapshotError(
            f"unknown sample recipient {args.recipient!r}; known: {', '.join(samples) or 'none'}"
            f" (files in {settings.content_root / 'samples' / 'recipients'})"
        )
    from atn_content.cli.main import _delivery  # the one path `render` takes

    delivery = _delivery(settings)
    names = delivery.renderer.library.names()
    if args.template not in names:
        raise SnapshotError(f"unknown template {args.template!r}; known: {', '.join(names)}")
    if args.locale not in delivery.renderer.locales:
        raise SnapshotError(
            f"unknown locale {args.locale!r}; known: {', '.join(delivery.renderer.locales)}"
        )
    try:  # a preview, not a send: no exposure is recorded
        html = delivery.render(args.template, args.locale, samples[args.recipient].recipient).html
    except ContentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ProblemError as exc:
        print(f"error: {exc.problem.title}: {exc.problem.detail}", file=sys.stderr)
        return 1

    out: Path = args.out or Path("snapshots")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.template}.{args.locale}.{args.recipient}"
    paths = {kind: out / f"{stem}.{kind}.png" for kind in ("desktop", "mobile")}
    answered: Counter[str] = Counter()
    with browser() as chromium:
        _shoot(chromium, html, DESKTOP_WIDTH, paths["desktop"], answered)
        scroll = _shoot(chromium, html, MOBILE_WIDTH, paths["mobile"], answered)
    for path in paths.values():
        print(f"wrote {path}")
    print(
        f"remote requests (no network here): {answered['image']} images answered with a grey "
        f"placeholder, {answered['other']} other requests aborted"
    )
    wide = scroll["scrollWidth"] > scroll["clientWidth"]
    if wide:
        print(
            f"warning: the mobile layout scrolls sideways: {scroll['scrollWidth']} px of content "
            f"in {scroll['clientWidth']} px",
            file=sys.stderr,
        )
    print(
        f"desktop={paths['desktop']} mobile={paths['mobile']} mobile_scroll={str(wide).lower()} "
        f"width_desktop={DESKTOP_WIDTH} width_mobile={MOBILE_WIDTH} "
        f"placeholders={answered['image']} aborted={answered['other']}"
    )
    return 1 if wide else 0


def _shoot(
    chromium: Browser, html: str, width: int, path: Path, answered: Counter[str]
) -> dict[str, int]:
    """A full-page PNG of `html` laid out `width` px wide; the page's scroll and client width."""
    page = chromium.new_page(
        viewport={"width": width, "height": VIEWPORT_HEIGHT}, device_scale_factor=1
    )
    try:
        page.route("**/*", no_network(answered))
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(path), full_page=True)
        sizes: dict[str, int] = page.evaluate(
            "() => ({scrollWidth: document.documentElement.scrollWidth,"
            " clientWidth: document.documentElement.clientWidth})"
        )
        return sizes
    finally:
        page.close()


def no_network(answered: Counter[str], allowed: str | None = None) -> Callable[[Route], None]:
    """A route handler: requests under `allowed` go through, images get the placeholder,
    the rest is aborted; `answered` counts what was answered locally."""
    placeholder = _placeholder_png()

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith("data:") or (allowed is not None and url.startswith(allowed)):
            route.continue_()
        elif route.request.resource_type == "image":
            answered["image"] += 1
            route.fulfill(status=200, content_type="image/png", body=placeholder)
        else:
            answered["other"] += 1
            route.abort()

    return handle


def _placeholder_png() -> bytes:
    """A 600 x 300 grey-blue picture standing in for every remote image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), (126, 160, 178)).save(buffer, "PNG")
    return buffer.getvalue()


def chromium_executable() -> str:
    binary = chromium_binary()
    if binary is None:
        raise SnapshotError(
            "chromium not found: install the apt package `chromium` (apt-get install chromium)"
        )
    return binary


@contextmanager
def browser() -> Iterator[Browser]:
    """Debian's chromium through Playwright, closed (and Playwright's loop with it) on exit."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise SnapshotError(_NO_PLAYWRIGHT) from None
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
            )
        except Error as exc:
            raise SnapshotError(f"chromium ({executable}) did not start: {exc.message}") from None
        try:
            yield launched
        finally:
            launched.close()
