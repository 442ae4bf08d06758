"""The studio behind a real uvicorn for browser tests, and a person's login through its form.

Use: `with studio_server(tmp_path) as url: page = browser.new_page(); log_in(page, url)`.
`content_root` may be a copy of the repository's content (tests that edit files).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page
from tests.live import live_server

from atn_content.app import create_app
from atn_content.config import Settings

__all__ = ["REPO", "STUDIO_KEY", "content_copy", "log_in", "studio_server"]

REPO = Path(__file__).resolve().parents[2]
STUDIO_KEY = "browser-studio-key-0123456789"


#: What the service reads from its content root.
CONTENT = ("templates", "blocks", "locales", "samples", "experiments", "lint-allow.toml")


def content_copy(folder: Path) -> Path:
    """A copy of the shipped content that a test may edit."""
    for name in CONTENT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy2(source, folder / name)
    return folder


@contextmanager
def studio_server(folder: Path, content_root: Path = REPO) -> Iterator[str]:
    settings = Settings(
        content_root=content_root,
        store_url=f"sqlite:///{folder}/atn.db",
        state_dir=folder / "state",
        api_keys={STUDIO_KEY: frozenset({"studio", "render", "experiments"})},
        secret=b"browser-studio-secret-0123456789",
    )
    with live_server(create_app(settings)) as url:
        yield url


def log_in(page: Page, url: str, path: str = "/studio") -> None:
    """Open `path`, meet the login page, type the key, land back on `path`."""
    page.goto(url + path)
    page.fill("#key", STUDIO_KEY)
    page.click("button[type=submit]")
    page.wait_for_url(url + path)
