"""Live reload: a saved block or catalog is seen by the watcher, and a saved .po is swapped
into the renderer (catalogs are otherwise read at start-up); a broken one is reported."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.preview.conftest import REPO

from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.preview import live_reload
from atn_content.preview.live_reload import Watcher, changed_files, stamps

RECIPIENT = {"id": "a@example.pf", "recent_searches": ["Tokyo"]}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    for name in ("templates", "blocks", "locales"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def touch(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()  # a later mtime even on a coarse clock
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_stamps_see_edits_additions_and_deletions(content: Path) -> None:
    before = stamps(content)
    touch(content / "blocks" / "destination-offer.mjml", "changed")
    (content / "templates" / "new.mjml").write_text("x")
    (content / "templates" / "birthday.mjml").unlink()
    assert changed_files(before, stamps(content)) == [
        "blocks/destination-offer.mjml",
        "templates/birthday.mjml",
        "templates/new.mjml",
    ]


def test_a_saved_catalog_is_used_by_the_next_render(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_reload, "POLL_SECONDS", 0.0)
    renderer = build_renderer(Settings(content_root=content, secret=b"s" * 32))
    watcher = Watcher(content, renderer)
    po = content / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    first = renderer.render("newsletter-destination", "en", RECIPIENT)
    assert "Tokyo awaits" in first.html
    touch(po, text.replace('msgstr "Tokyo awaits"', 'msgstr "Tokyo is calling"'))
    assert asyncio.run(watcher.poll()) == 1
    assert watcher.last == {"files": ["locales/en/LC_MESSAGES/messages.po"]}
    assert "Tokyo is calling" in renderer.render("newsletter-destination", "en", RECIPIENT).html


def test_a_broken_catalog_is_reported_and_the_old_one_kept(
    content: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_reload, "POLL_SECONDS", 0.0)
    renderer = build_renderer(Settings(content_root=content, secret=b"s" * 32))
    watcher = Watcher(content, renderer)
    renderer.render("newsletter-destination", "en", RECIPIENT)  # a running service
    po = content / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    touch(po, po.read_text(encoding="utf-8") + '\nmsgid "unterminated\n')
    asyncio.run(watcher.poll())
    assert "catalogs not reloaded" in watcher.last["error"]
    assert "Tokyo awaits" in renderer.render("newsletter-destination", "en", RECIPIENT).html


def test_the_event_stream_is_server_sent_events(signed_in: TestClient[Litestar]) -> None:
    response = signed_in.get("/studio/events?timeout=0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("retry: 1000")


def test_a_change_made_while_no_page_watched_reaches_the_next_stream(
    tmp_path: Path, content: Path
) -> None:
    import dataclasses

    from tests.preview.conftest import log_in, make_settings

    from atn_content.app import create_app

    settings = dataclasses.replace(make_settings(tmp_path), content_root=content)
    with TestClient(create_app(settings)) as client:
        log_in(client)
        assert client.get("/studio/events?timeout=0").status_code == 200  # a page came and went
        block = content / "blocks" / "destination-offer.mjml"
        touch(block, block.read_text(encoding="utf-8") + "\n")  # saved while nobody watched
        time.sleep(live_reload.POLL_SECONDS + 0.1)  # the next page connects a moment later
        stream = client.get("/studio/events?timeout=1.5").text
    assert "event: change" in stream and "blocks/destination-offer.mjml" in stream


def test_a_page_opened_on_an_older_version_hears_of_the_change_at_once(
    tmp_path: Path, content: Path
) -> None:
    """A save the watcher took in before this page's stream began (another page's poll):
    the page's stream compares the version it shows with the library's."""
    import dataclasses

    from tests.preview.conftest import log_in, make_settings

    from atn_content.app import create_app

    settings = dataclasses.replace(make_settings(tmp_path), content_root=content)
    with TestClient(create_app(settings)) as client:
        log_in(client)
        assert client.get("/studio/events?timeout=0").status_code == 200  # the watcher starts
        shown = client.app.state.renderer.library.get("newsletter-destination").version
        block = content / "blocks" / "destination-offer.mjml"
        touch(block, block.read_text(encoding="utf-8") + "\n")
        time.sleep(live_reload.POLL_SECONDS + 0.1)
        assert "event: change" in client.get("/studio/events?timeout=1.5").text  # another page
        query = f"template=newsletter-destination&timeout=0&version={shown}"
        stream = client.get(f"/studio/events?{query}").text
        assert "event: change" in stream and '"template": "newsletter-destination"' in stream
        current = client.app.state.renderer.library.get("newsletter-destination").version
        query = f"template=newsletter-destination&timeout=0&version={current}"
        assert "event: change" not in client.get(f"/studio/events?{query}").text
