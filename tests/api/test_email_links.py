"""Every link of every shipped email that points at this service answers, in the email's
language: all templates x locales rendered through the API, their HTML crawled."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from atn_content.config import Settings
from atn_content.content.library import Library
from atn_content.tracking.pages.text import TEXT

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("fr", "en", "ja")
SAMPLE = json.loads((ROOT / "samples/recipients/honeymoon-couple.json").read_text())
SAMPLE.pop("sample", None)
PAGE_TITLES = {
    "/u/": "unsubscribe.title",
    "/preferences/": "preferences.title",
}


@pytest.mark.parametrize("template", Library(ROOT).names())
def test_every_link_to_this_service_answers_in_the_emails_language(
    client: TestClient[Litestar], auth: dict[str, str], template: str
) -> None:
    public = urlsplit(Settings().public_url).netloc  # the fixture app keeps the default
    for locale in LOCALES:
        body = {"template": template, "locale": locale, "recipient": SAMPLE}
        response = client.post("/v1/render", headers=auth, json=body)
        assert response.status_code == 200, response.text
        tree = HTMLParser(response.json()["html"])
        ours = [
            urlsplit(str(node.attributes[attr]))
            for node, attr in [(a, "href") for a in tree.css("a[href]")]
            + [(i, "src") for i in tree.css("img[src]")]
            if urlsplit(str(node.attributes[attr])).netloc == public
        ]
        kinds = {url.path.split("/")[1] for url in ours}
        assert {"u", "preferences", "t"} <= kinds, (template, locale, kinds)
        for url in ours:
            target = url.path + (f"?{url.query}" if url.query else "")
            page = client.get(target, follow_redirects=False)
            where = (template, locale, url.path[:40])
            if url.path.startswith("/t/c/"):
                assert page.status_code == 302, where
                assert urlsplit(page.headers["location"]).netloc != public, where
            elif url.path.startswith("/t/o/"):
                assert page.status_code == 200, where
                assert page.headers["content-type"] == "image/gif", where
            elif url.path.startswith("/v1/img/countdown/"):  # the countdown, never cached
                assert page.status_code == 200, where
                assert page.headers["content-type"] == "image/gif", where
                assert page.headers["cache-control"].startswith("no-store"), where
            else:
                assert page.status_code == 200, where
                assert f'<html lang="{locale}"' in page.text, where
                [key] = [k for prefix, k in PAGE_TITLES.items() if url.path.startswith(prefix)]
                assert TEXT[locale][key] in page.text, where
