"""A saved catalog reaches the renders of every replica within a second, as templates do;
one that does not compile is reported once and the previous one keeps serving."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.content import renderer as renderer_module

ROOT = Path(__file__).resolve().parents[2]
RECIPIENT = {"id": "a@example.pf", "recent_searches": ["Tokyo"]}


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("templates", "blocks", "locales"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.setattr(renderer_module, "_CATALOG_CHECK_S", 0.0)
    return tmp_path


def save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()  # a later mtime even on a coarse clock
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_two_replicas_both_serve_a_saved_catalog(content: Path) -> None:
    settings = Settings(content_root=content, secret=b"s" * 32)
    replicas = [build_renderer(settings), build_renderer(settings)]
    for replica in replicas:
        assert "Tokyo awaits" in replica.render("newsletter-destination", "en", RECIPIENT).html
    po = content / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    save(
        po, po.read_text(encoding="utf-8").replace('msgstr "Tokyo awaits"', 'msgstr "Tokyo calls"')
    )
    for replica in replicas:
        assert "Tokyo calls" in replica.render("newsletter-destination", "en", RECIPIENT).html


def test_a_broken_catalog_is_reported_and_the_previous_one_serves(content: Path) -> None:
    renderer = build_renderer(Settings(content_root=content, secret=b"s" * 32))
    po = content / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    save(po, po.read_text(encoding="utf-8") + '\nmsgid "unterminated\n')
    email = renderer.render("newsletter-destination", "en", RECIPIENT)
    assert "Tokyo awaits" in email.html
    assert renderer.catalog_problem and "messages.po" in renderer.catalog_problem
    fixed = po.read_text(encoding="utf-8").replace('\nmsgid "unterminated\n', "")
    save(po, fixed)
    renderer.render("newsletter-destination", "fr", RECIPIENT)
    assert renderer.catalog_problem is None


def test_recommendation_reasons_follow_a_saved_catalog(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atn_content.recommendations import reasons as reasons_module

    monkeypatch.setattr(reasons_module, "_CHECK_S", 0.0)
    shutil.copytree(ROOT / "samples", content / "samples")
    renderer = build_renderer(Settings(content_root=content, secret=b"s" * 32))
    reason = "A good time of year to go"  # the cold start's reason (reasons.py's block)
    before = renderer.render("newsletter-destination", "en", RECIPIENT).html
    assert reason in before
    po = content / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    save(po, text + '\nmsgid "unterminated\n')  # broken: both keep their wording
    assert reason in renderer.render("newsletter-destination", "en", RECIPIENT).html
    save(po, text.replace(f'msgstr "{reason}"', 'msgstr "Just the season for it"'))
    after = renderer.render("newsletter-destination", "en", RECIPIENT).html
    assert "Just the season for it" in after and reason not in after
