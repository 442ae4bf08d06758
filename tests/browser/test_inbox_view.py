"""Every template x locale, opened in real headless Chromium as a phone and a desktop show it.

For each template and locale, one sample recipient per branch of the template (samples whose
rendered HTML has a different element structure; the first one of each kind) is rendered,
opened at 375 and 600 px with images shown (a local placeholder) and with images blocked,
and measured by inbox_checks.js:
- no horizontal overflow (document scrollWidth <= viewport width);
- in Japanese, no headline or button line holding a single character, no headline ending on
  a line of one or two characters, no katakana word split across lines;
- no brand name ("Air Tahiti Nui", "エア タヒチ ヌイ", "Moana Premium", "Club Tiare") and no
  amount ("5,000 miles", "5 000 miles", "5,000マイル", "XPF 152,000") split across lines;
- images blocked: every alt text drawn whole in its box, >= 12px, not the default serif,
  contrast >= 4.5:1 against what is behind it.
The counts over the whole run are printed at the end (`inbox view:` line).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.formatting import DEFAULT_TIMEZONE
from atn_content.content.i18n import LOCALES
from atn_content.content.library import Library
from atn_content.content.renderer import RenderedEmail, Renderer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "samples" / "recipients"
TEMPLATES = Library(ROOT).names()
SAMPLES = sorted(p.stem for p in SAMPLES_DIR.glob("*.json"))
#: A phone (iPhone SE to 15 mini) and the email's own desktop width.
WIDTHS = (375, 600)
#: Element names that make a template's structure (inline spans and breaks carry no branch).
_TAG_NAME = re.compile(r"<\s*(/?(?!span\b|wbr\b|br\b)[a-zA-Z][\w-]*)", re.IGNORECASE)


@cache
def _renderer() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"x" * 32))


@cache
def _sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8")))


def _render(template: str, locale: str, sample_name: str) -> RenderedEmail:
    sample = _sample(sample_name)
    zone = ZoneInfo(sample.get("timezone") or DEFAULT_TIMEZONE)
    as_of = dt.date.fromisoformat(sample["sample"]["as_of"])
    now = dt.datetime.combine(as_of, dt.time(12), zone)
    return _renderer().render(template, locale, sample, now=now)


def branch_samples(template: str, locale: str) -> list[tuple[str, RenderedEmail]]:
    """One sample per element structure the template renders (its branches), in-locale first."""
    ordered = sorted(SAMPLES, key=lambda name: _sample(name).get("locale") != locale)
    seen: set[tuple[str, ...]] = set()
    chosen = []
    for name in ordered:
        email = _render(template, locale, name)
        structure = tuple(_TAG_NAME.findall(email.html))
        if structure not in seen:
            seen.add(structure)
            chosen.append((name, email))
    return chosen


def _combinations() -> Iterator[Any]:
    for template in TEMPLATES:
        for locale in LOCALES:
            yield pytest.param(template, locale, id=f"{template}-{locale}")


def problems_in(found: dict[str, Any], locale: str, images: bool) -> tuple[list[str], Counter[str]]:
    """What a reader would notice in one layout, as sentences, and the counts by kind."""
    problems: list[str] = []
    counts: Counter[str] = Counter()
    if found["scroll_width"] > found["viewport"]:
        counts["overflow"] += 1
        problems.append(
            f"scrolls sideways: {found['scroll_width']}px wide in {found['viewport']}px "
            f"({', '.join(found['overflowing'])})"
        )
    if locale == "ja":
        for kind in ("headline", "button"):
            for block in found[f"{kind}_lines"]:
                lines = [line for line in block["lines"] if line]
                if len(lines) < 2:
                    continue
                shown = " / ".join(lines)
                if any(len(line.replace(" ", "")) == 1 for line in lines):
                    counts[f"single_char_{kind}_lines"] += 1
                    problems.append(f"{kind} with a one-character line: {shown}")
                if kind == "headline" and len(lines[-1].replace(" ", "")) <= 2:
                    counts["headline_short_endings"] += 1
                    problems.append(f"headline ends on one or two characters: {shown}")
        for split in found["katakana_splits"]:
            counts["katakana_splits"] += 1
            problems.append(f"katakana {split['word']} split across lines in {split['where']!r}")
    for split in found["brand_splits"]:
        counts["brand_splits"] += 1
        problems.append(f"brand {split['brand']!r} split across lines in {split['where']!r}")
    for split in found["amount_splits"]:
        counts["amount_splits"] += 1
        problems.append(f"amount {split['amount']!r} split across lines in {split['where']!r}")
    if not images:
        for image in found["alt_problems"]:
            counts["alt_unreadable"] += 1
            problems.append(
                f"images off, alt {image['alt']!r} ({image['src']}): {'; '.join(image['problems'])}"
            )
    return problems, counts


@pytest.mark.parametrize(("template", "locale"), list(_combinations()))
def test_inbox_view(template: str, locale: str, inbox: Any, inbox_tally: Counter[str]) -> None:
    problems: list[str] = []
    for sample, email in branch_samples(template, locale):
        for images in (True, False):
            page = inbox.open(email.html, images=images)
            for width in WIDTHS:
                found = inbox.measure(page, width, locale)
                found_problems, counts = problems_in(found, locale, images)
                view = f"{sample} {width}px images {'on' if images else 'off'}"
                problems += [f"[{view}] {p}" for p in found_problems]
                inbox_tally.update(counts)
                inbox_tally["layouts"] += 1
                if locale == "ja" and width == 375 and images:
                    inbox_tally.update({f"ja375_{k}": v for k, v in counts.items()})
                    inbox_tally["ja375_layouts"] += 1
    assert not problems, f"{template}/{locale}:\n" + "\n".join(problems)


def test_checks_see_a_split_brand_and_an_unreadable_alt(inbox: Any) -> None:
    """The measuring script itself: a narrow headline and a tiny grey alt must be caught."""
    html = (
        "<!doctype html><html><body style='margin:0'>"
        "<div style='width:120px;font-size:26px'>Fly Air Tahiti Nui today</div>"
        "<div style='width:90px;font-size:26px'>タヒチの島々へ最大30%オフ</div>"
        "<div style='width:70px'>5,000ボーナスマイル</div>"
        "<img src='https://static.example/x.png' width='28' alt='Facebook' "
        "style='display:block;color:#cccccc;font-size:10px'>"
        "<div style='width:900px'>wide</div>"
        "</body></html>"
    )
    shown = inbox.measure(inbox.open(html, images=True), 375, "ja")
    _, counts = problems_in(shown, "ja", images=True)
    assert counts["overflow"] == 1
    assert counts["brand_splits"] == 1
    assert counts["katakana_splits"] >= 1
    assert counts["headline_short_endings"] + counts["single_char_headline_lines"] >= 1
    blocked = inbox.measure(inbox.open(html, images=False), 375, "ja")
    _, counts = problems_in(blocked, "ja", images=False)
    assert counts["alt_unreadable"] == 1
    alt = blocked["alt_problems"][0]["problems"]
    assert any("font-size" in p for p in alt)
    assert any("contrast" in p for p in alt)
    assert any("clipped" in p for p in alt)
    assert any("serif" in p for p in alt)
