"""Click and open tracking end to end: a render through the API, its links followed from
the HTML, the counts in the experiment's results; refused tokens, the pixel, opting out."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from atn_content.app import create_app, default_features
from atn_content.config import Settings
from atn_content.signing import Signer
from atn_content.tracking import click_feature
from atn_content.tracking.clicks import ClickLinks

ROOT = Path(__file__).resolve().parents[2]
KEY = "k-clicks-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
SECRET = b"c" * 32
PUBLIC = "https://news.airtahitinui.com"
CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
OFFER = "https://www.airtahitinui.com/offers?promo=A"
UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=bora-2026"
TEMPLATE = """+++
list = "newsletter"
subject = "Bora Bora"
preheader = "Offers"
utm = {source = "newsletter", medium = "email", campaign = "bora-2026"}

[fields.tier]
type = "str"
default = ""
+++
<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-button href="https://www.airtahitinui.com/offers?promo=A">Offer</mj-button>
        <mj-text><a href="https://www.airtahitinui.com/offers?promo=A">The same offer</a>
          <a href="mailto:contact@airtahitinui.com">Write to us</a>
          <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
      </mj-column>
    </mj-section>
    {% if recipient.tier == "gold" %}
    <mj-section>
      <mj-column>
        <mj-text><a href="https://www.airtahitinui.com/gold?rid={{ recipient.id|urlencode_component
          }}">Gold</a></mj-text>
      </mj-column>
    </mj-section>
    {% endif %}
  </mj-body>
</mjml>
"""
EXPERIMENT: dict[str, Any] = {
    "key": "bora-cta",
    "name": "Bora Bora CTA",
    "kind": "subject",
    "template": "promo",
    "test_fraction": 1.0,
    "decision": {"metric": "click_rate", "horizon_hours": 4},
    "variants": [{"key": "A", "subject": "Bora Bora"}, {"key": "B", "subject": "Bora !"}],
}


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "locales", root / "locales")
    for folder in ("templates", "blocks", "experiments"):
        (root / folder).mkdir()
    (root / "templates" / "promo.mjml").write_text(TEMPLATE, encoding="utf-8")
    receipt = TEMPLATE.replace("+++\nlist", "+++\ntracking = false\nlist", 1)
    (root / "templates" / "receipt.mjml").write_text(receipt, encoding="utf-8")
    return root


@pytest.fixture
async def app(tmp_path: Path, content_root: Path) -> Litestar:
    settings = Settings(
        content_root=content_root,
        store_url=f"sqlite:///{tmp_path / 'atn.db'}",
        state_dir=tmp_path / "state",
        api_keys={KEY: frozenset({"render", "experiments"})},
        secret=SECRET,
        public_url=PUBLIC,
    )
    # The tracker's clock a minute ahead: these clicks are not "within 2 s of the render".
    features = [
        click_feature.feature(settings, clock=lambda: time.time() + 60) if f.name == "clicks" else f
        for f in default_features(settings)
    ]
    return create_app(settings, features)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


async def flush(client: AsyncTestClient[Litestar], app: Litestar) -> None:
    await asyncio.to_thread(client.blocking_portal.call, app.state.buffer.flush)


async def render(client: AsyncTestClient[Litestar], rid: str, **extra: Any) -> dict[str, Any]:
    body = {"template": "promo", "locale": "fr", "recipient": {"id": rid}, **extra}
    response = await client.post("/v1/render", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def hrefs(html: str) -> list[str]:
    return [str(a.attributes["href"]) for a in HTMLParser(html).css("a[href]")]


def pixel_src(html: str) -> str:
    found = [
        str(img.attributes["src"])
        for img in HTMLParser(html).css("img[src]")
        if "/t/o/" in str(img.attributes["src"])
    ]
    assert len(found) == 1
    return found[0]


def path(url: str) -> str:
    assert url.startswith(PUBLIC + "/t/"), url
    return urlsplit(url).path


async def arm_of(client: AsyncTestClient[Litestar], variant: str) -> dict[str, Any]:
    results = (await client.get("/v1/experiments/bora-cta/results", headers=AUTH)).json()
    arms: dict[str, dict[str, Any]] = {a["variant"]: a for a in results["arms"]}
    return arms[variant]


async def test_a_followed_link_lands_on_its_url_with_utm_and_counts_one_human_click(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    assert (await client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)).status_code == 201
    email = await render(client, "r-1", recipient={"id": "r-1", "tier": "gold"})
    links = hrefs(email["html"])
    tracked = [h for h in links if h.startswith(PUBLIC + "/t/c/")]
    assert len(tracked) == 3  # the offer twice (button, text) and the gold link
    assert "mailto:contact@airtahitinui.com" in links
    assert any(h.startswith(PUBLIC + "/u/") for h in links)
    assert not any(h.startswith("https://www.airtahitinui.com") for h in links)
    reader = ClickLinks(Signer(SECRET, "click"), PUBLIC)
    said = [reader.read(path(h).removeprefix("/t/c/"), "c").tracked for h in tracked]
    assert all(t is not None for t in said)
    ids = [t.link for t in said if t]
    assert len(set(ids)) == 3  # the same URL twice: two ids
    first = said[0]
    assert first is not None
    assert (first.campaign, first.experiment, first.variant) == (
        "promo",
        "bora-cta",
        email["variant"],
    )
    assert first.version == email["template_version"] and first.recipient_id == "r-1"

    followed = await client.get(
        path(tracked[0]), headers={"User-Agent": CHROME}, follow_redirects=False
    )
    assert followed.status_code == 302, (followed.text[:300], followed.headers)
    assert followed.headers["location"] == f"{OFFER}&{UTM}"
    gold = await client.get(
        path(tracked[2]), headers={"User-Agent": CHROME}, follow_redirects=False
    )
    assert gold.headers["location"] == f"https://www.airtahitinui.com/gold?rid=r-1&{UTM}"
    await flush(client, app)

    arm = await arm_of(client, email["variant"])
    assert (arm["recipients"], arm["clicks"], arm["clicks_raw"]) == (1, 1, 1)
    other = await arm_of(client, "B" if email["variant"] == "A" else "A")
    assert (other["clicks"], other["clicks_raw"]) == (0, 0)


async def test_a_machine_open_counts_raw_but_not_human(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    assert (await client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)).status_code == 201
    by_proxy = await render(client, "r-proxy")
    person = await render(client, "r-person")
    for email, agent in ((by_proxy, GMAIL), (person, CHROME)):
        response = await client.get(path(pixel_src(email["html"])), headers={"User-Agent": agent})
        assert response.status_code == 200 and response.headers["content-type"] == "image/gif"
    apple = await render(client, "r-apple")
    await client.get(path(pixel_src(apple["html"])), headers={"User-Agent": "Mozilla/5.0"})
    await flush(client, app)
    opens: dict[str, list[int]] = {}
    for email in (by_proxy, person, apple):
        arm = await arm_of(client, email["variant"])
        opens[email["variant"]] = [arm["opens"], arm["opens_raw"]]
    human = sum(v[0] for v in opens.values())
    raw = sum(v[1] for v in opens.values())
    assert (human, raw) == (1, 3)


async def test_head_and_scanner_clicks_redirect_but_are_not_human(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    assert (await client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)).status_code == 201
    email = await render(client, "r-scanned")
    link = path(next(h for h in hrefs(email["html"]) if "/t/c/" in h))
    head = await client.head(link, follow_redirects=False)
    assert head.status_code == 302 and head.content == b""
    scanned = await client.get(
        link, headers={"User-Agent": "Barracuda Sentinel (EE)"}, follow_redirects=False
    )
    assert scanned.headers["location"] == f"{OFFER}&{UTM}"
    await flush(client, app)
    arm = await arm_of(client, email["variant"])
    assert (arm["clicks"], arm["clicks_raw"]) == (0, 1)
    counters = await asyncio.to_thread(
        client.blocking_portal.call, app.state.store.counters, "campaign:promo"
    )
    bucket = counters[email["template_version"]]
    assert {"click.machine:head-request", "click.machine:barracuda"} <= set(bucket)
    assert "click.human" not in bucket


@pytest.mark.parametrize(
    ("accept", "phrase"),
    [
        ("ja,en;q=0.5", "このリンクは無効です"),
        ("fr-FR", "Ce lien n'est plus valable"),
        ("", "This link"),
    ],
)
async def test_a_tampered_token_lands_on_a_localised_page(
    client: AsyncTestClient[Litestar], accept: str, phrase: str
) -> None:
    garbage = await client.get("/t/c/not-a-token", headers={"Accept-Language": accept})
    assert garbage.status_code == 404 and phrase in garbage.text
    assert "not-a-token" not in garbage.text
    assert garbage.headers["cache-control"] == "no-store"


async def test_a_tampered_token_speaks_the_locale_it_names(
    client: AsyncTestClient[Litestar],
) -> None:
    email = await render(client, "r-2", locale="ja")
    link = path(next(h for h in hrefs(email["html"]) if "/t/c/" in h))
    data, _, mac = link.removeprefix("/t/c/").partition(".")
    forged = await client.get(f"/t/c/{data}.{mac[::-1]}", headers={"Accept-Language": "fr"})
    assert forged.status_code == 404
    assert "このリンクは無効です" in forged.text and "airtahitinui.com" in forged.text
    assert "location" not in forged.headers


@pytest.mark.parametrize("token", ["garbage.gif", "x", "a.b.c.gif", "%00.gif"])
async def test_the_pixel_is_a_gif_with_no_store_even_for_a_bad_token(
    client: AsyncTestClient[Litestar], token: str
) -> None:
    response = await client.get(f"/t/o/{token}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "no-store"
    from io import BytesIO

    with Image.open(BytesIO(response.content)) as image:
        assert (image.format, image.size) == ("GIF", (1, 1))


async def test_head_on_the_pixel_answers_like_get_without_a_body(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    """Mail scanners HEAD images: a GIF's headers, never a 500 (one was, found by the
    nothing-lost test), and the open counted raw only."""
    email = await render(client, "r-headed")
    for target in (path(pixel_src(email["html"])), "/t/o/garbage.gif"):
        response = await client.head(target)
        assert response.status_code == 200, target
        assert response.headers["content-type"] == "image/gif"
        assert response.headers["cache-control"] == "no-store"
        assert response.content == b""
    await flush(client, app)
    counters = await asyncio.to_thread(
        client.blocking_portal.call, app.state.store.counters, "campaign:promo"
    )
    bucket = counters[email["template_version"]]
    assert bucket["open"]["count"] == 1 and "open.human" not in bucket
    assert bucket["open.machine:head-request"]["count"] == 1


async def test_tracking_turned_off_per_request_and_per_template(
    client: AsyncTestClient[Litestar],
) -> None:
    plain = await render(client, "r-3", tracking=False)
    receipt = await client.post(
        "/v1/render",
        json={"template": "receipt", "locale": "fr", "recipient": {"id": "r-3"}},
        headers=AUTH,
    )
    for html in (plain["html"], receipt.json()["html"]):
        assert "/t/c/" not in html and "/t/o/" not in html
        assert OFFER in hrefs(html)
    bad = await client.post(
        "/v1/render",
        json={"template": "promo", "locale": "fr", "recipient": {"id": "r"}, "tracking": "no"},
        headers=AUTH,
    )
    assert bad.status_code in (400, 422) and "tracking" in bad.text
