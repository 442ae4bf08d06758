"""`atn-content snapshot --studio`: a PNG of each studio page, for the docs.

The app runs behind uvicorn on a free port in a thread, on the shipped content but a
store and state directory of its own (a temporary folder) and a studio key made for the
run; Chromium logs in through the login form, as a person does, and launches the shipped
Black Friday test through the experiments page's form.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error, Page

from atn_content.cli.snapshot import SnapshotError, browser, no_network
from atn_content.config import Settings

__all__ = ["PAGES", "shoot_studio"]

#: The template and the experiment the shots show.
TEMPLATE = "newsletter-destination"
EXPERIMENT = "bf-2026-subject"
#: The file names written, in the order they are taken.
PAGES = (
    "login.png",
    "templates.png",
    "template.png",
    "template-locales.png",
    "experiments.png",
    "experiment.png",
)
#: True once every iframe of the page (the emails' previews) has loaded its document.
_FRAMES_LOADED = """() => [...document.querySelectorAll('iframe')].every(
    (f) => f.contentDocument && f.contentDocument.readyState === 'complete')"""


class _Unexpected(Exception):
    """A page that is not the one the shots expect."""


def shoot_studio(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    toml = Settings.from_env().content_root / "experiments" / f"{EXPERIMENT}.toml"
    if not toml.is_file():
        raise SnapshotError(f"{toml} not found: the experiment page shows the shipped {EXPERIMENT}")
    answered: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="atn-snapshot-") as folder:
        key = "snapshot_" + secrets.token_urlsafe(24)
        with _studio(Path(folder), key) as url, browser() as chromium:
            page = chromium.new_page(
                viewport={"width": 1400, "height": 1000}, device_scale_factor=1
            )
            try:
                page.set_default_timeout(30_000)
                page.route("**/*", no_network(answered, allowed=url + "/"))
                _shoot_pages(page, url, key, toml.read_text(encoding="utf-8"), out)
            except (Error, _Unexpected) as exc:
                reason = exc.message if isinstance(exc, Error) else str(exc)
                print(
                    f"error: the studio did not show what was expected: {reason}", file=sys.stderr
                )
                return 1
            finally:
                page.close()
    for name in PAGES:
        print(f"wrote {out / name}")
    print(
        f"remote requests (no network here): {answered['image']} images answered with a grey "
        f"placeholder, {answered['other']} other requests aborted"
    )
    print(f"pages={len(PAGES)} out={out} placeholders={answered['image']}")
    return 0


def _save_small(png: bytes, path: Path) -> None:
    """A 256-colour PNG: a third of the size, no visible loss on flat UI (for the docs)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.convert("RGB").quantize(256).save(path, "PNG", optimize=True)


def _shoot_pages(page: Page, url: str, key: str, toml: str, out: Path) -> None:
    def shot(name: str) -> None:
        page.wait_for_function(_FRAMES_LOADED)
        _save_small(page.screenshot(full_page=True), out / name)

    page.goto(url + "/studio")
    page.wait_for_selector("#key")
    shot("login.png")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/studio")
    shot("templates.png")

    page.goto(f"{url}/studio/templates/{TEMPLATE}")
    page.wait_for_selector("body[data-rendered]", state="attached")
    shot("template.png")
    before = page.get_attribute("body", "data-rendered")
    page.check("#side-by-side")
    page.wait_for_function(
        "(before) => document.body.dataset.rendered !== before"
        " && document.querySelectorAll('#side figure iframe').length > 1",
        arg=before,
    )
    shot("template-locales.png")

    page.goto(url + "/studio/experiments")
    shot("experiments.png")
    page.fill("#toml", toml)
    page.click("form.launch button[type=submit]")
    page.wait_for_load_state()
    if page.url != f"{url}/studio/experiments/{EXPERIMENT}":
        errors = page.locator(".launch-errors").inner_text().strip()
        raise _Unexpected(f"launching {EXPERIMENT} failed: {errors or page.url}")
    shot("experiment.png")


@contextmanager
def _studio(folder: Path, key: str) -> Iterator[str]:
    """The app on the shipped content, a store and state of its own in `folder`, and only
    `key` (studio scope) let in; its URL while uvicorn runs in a thread."""
    from atn_content.app import create_app
    from atn_content.live_server import live_server

    env = {
        **os.environ,
        "ATN_STATE_DIR": str(folder / "state"),
        "ATN_STORE": f"sqlite:///{folder}/atn.db",
    }
    settings = dataclasses.replace(Settings.from_env(env), api_keys={key: frozenset({"studio"})})
    try:
        with live_server(create_app(settings)) as url:
            yield url
    except RuntimeError as exc:
        raise SnapshotError(f"the studio's server did not start: {exc}") from None
