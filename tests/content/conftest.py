"""Shared fixtures for the content tests: the real renderer, the sample recipients, and the
HTML-size summary the template-library harness prints at the end of a run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.formatting import DEFAULT_TIMEZONE
from atn_content.content.renderer import RenderedEmail, Renderer

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "samples" / "recipients"

#: HTML sizes (bytes) recorded by the harness, keyed by "template/locale/sample".
_HTML_SIZES = pytest.StashKey[dict[str, int]]()


def load_sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8")))


def sample_now(sample: dict[str, Any]) -> dt.datetime:
    """Noon on the sample's `as_of` day in its own zone, so segments and countdowns hold."""
    zone = ZoneInfo(sample.get("timezone") or DEFAULT_TIMEZONE)
    return dt.datetime.combine(dt.date.fromisoformat(sample["sample"]["as_of"]), dt.time(12), zone)


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"x" * 32))


@pytest.fixture(scope="session")
def render_sample(renderer: Renderer) -> Callable[[str, str, str], RenderedEmail]:
    """render_sample(template, locale, sample_name) -> RenderedEmail, memoised per run."""

    @cache
    def render(template: str, locale: str, sample_name: str) -> RenderedEmail:
        sample = load_sample(sample_name)
        return renderer.render(template, locale, sample, now=sample_now(sample))

    return render


@pytest.fixture(scope="session")
def html_sizes(request: pytest.FixtureRequest) -> dict[str, int]:
    """Where the template harness records each render's HTML size for the summary."""
    return request.config.stash.setdefault(_HTML_SIZES, {})


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker hands its sizes to the controller (below)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["html_sizes"] = session.config.stash.get(_HTML_SIZES, {})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    sizes = getattr(node, "workeroutput", {}).get("html_sizes", {})
    node.config.stash.setdefault(_HTML_SIZES, {}).update(sizes)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the largest rendered emails: Gmail clips HTML above 102 KB."""
    sizes = terminalreporter.config.stash.get(_HTML_SIZES, {})
    if not sizes:
        return
    largest = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:5]
    terminalreporter.section("largest rendered HTML (Gmail clips above 102 KB)")
    for key, size in largest:
        terminalreporter.write_line(f"{size / 1024:7.1f} KB  {key}")
    terminalreporter.write_line(f"({len(sizes)} renders measured)")
