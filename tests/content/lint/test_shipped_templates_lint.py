"""`make test` lints every shipped template x locale x sample recipient.

Any client gap not in lint-allow.toml, and any size, lang, alt, role, link or contrast
error, fails here with the render it came from; an allow-list entry that no render needs
any more fails too, so the list stays a true account of what the emails use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from tests.content.conftest import load_sample, sample_now

from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.content.i18n import LOCALES
from atn_content.content.library import Library
from atn_content.content.lint import ALLOW_LIST_FILE, AllowList, LintReport, lint_html
from atn_content.content.renderer import RenderedEmail

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = Library(ROOT).names()
SAMPLES = sorted(p.stem for p in (ROOT / "samples" / "recipients").glob("*.json"))
ALLOW = AllowList.load(ROOT / ALLOW_LIST_FILE)
_REPORTS: dict[tuple[str, str, str], LintReport] = {}

Render = Callable[[str, str, str], RenderedEmail]


@pytest.fixture(scope="module")
def render_sample() -> Render:
    """As the ESP gets them: with click tracking's redirects and open pixel."""
    renderer = build_renderer(Settings(content_root=ROOT, secret=b"x" * 32))

    @cache
    def render(template: str, locale: str, sample_name: str) -> RenderedEmail:
        sample = load_sample(sample_name)
        return renderer.render(template, locale, sample, now=sample_now(sample))

    return render


def _report(render: Render, template: str, locale: str, sample: str) -> LintReport:
    key = (template, locale, sample)
    if key not in _REPORTS:
        _REPORTS[key] = lint_html(render(*key).html, allow=ALLOW, lang=locale)
    return _REPORTS[key]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_shipped_template_passes_the_lint(
    template: str, locale: str, render_sample: Render
) -> None:
    problems = [
        f"{sample}: [{f.check}{'/' + f.client if f.client else ''}] {f.message} at {f.where}"
        for sample in SAMPLES
        for f in _report(render_sample, template, locale, sample).errors
    ]
    assert not problems, "\n" + "\n".join(dict.fromkeys(problems))


def test_every_allow_list_entry_is_still_needed(render_sample: Render) -> None:
    used: set[tuple[str, str | None]] = set()
    for template in TEMPLATES:
        for locale in LOCALES:
            for sample in SAMPLES:
                for use in _report(render_sample, template, locale, sample).features:
                    for client, reason in use.allowed.items():
                        general = ALLOW.features[use.slug].reason
                        used.add((use.slug, None if reason == general else client))
    stale = sorted(ALLOW.pairs() - used, key=str)
    assert not stale, f"{ALLOW_LIST_FILE} accepts gaps no shipped email has: {stale}"
