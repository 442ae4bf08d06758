"""GET /v1/img/countdown/{token}.gif end to end: shipped emails rendered through the API
carry a countdown whose URL answers a 60-frame GIF right for the clock; tampered, garbage,
expired and evergreen tokens; HEAD; a store that is down. Always 200, never cached."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.api.conftest import AUTH, make_settings
from tests.conftest import free_port

from atn_content.app import create_app, default_features
from atn_content.config import Settings
from atn_content.images import feature as countdown_feature
from atn_content.images.cache import FrameCache
from atn_content.images.countdown import FRAMES, countdown_gif, ended_gif, neutral_gif
from atn_content.images.service import CountdownImages
from atn_content.images.tokens import CountdownToken, CountdownTokens
from atn_content.signing import Signer

ROOT = Path(__file__).resolve().parents[2]
NO_CACHE = "no-store, no-cache, must-revalidate, max-age=0"
SECRET = b"s" * 32  # make_settings' secret
T0 = 1_796_000_000


class Clock:
    """The images' time, moved by the test."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Served:
    def __init__(self, client: TestClient[Litestar], clock: Clock, images: CountdownImages):
        self.client, self.clock, self.images = client, clock, images


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "samples/recipients" / f"{name}.json").read_text())
    data.pop("sample")
    return data


def build(settings: Settings, clock: Clock) -> tuple[Litestar, CountdownImages]:
    feature = countdown_feature.feature(settings, clock=clock, cache=FrameCache())
    images = feature.dependencies["countdown"].dependency()
    features = [feature if f.name == "countdown" else f for f in default_features(settings)]
    return create_app(settings, features), images


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    opened: list[TestClient[Litestar]] = []

    def start(**overrides: Any) -> Served:
        clock = Clock()
        app, images = build(make_settings(tmp_path, **overrides), clock)
        client = TestClient(app=app)
        opened.append(client.__enter__())
        return Served(client, clock, images)

    yield start
    for client in opened:
        client.__exit__(None, None, None)


tokens = CountdownTokens(Signer(SECRET, "countdown"))


def url_of(token: CountdownToken) -> str:
    return f"/v1/img/countdown/{tokens.sign(token)}.gif"


def countdown_urls(html: str) -> list[str]:
    return [
        str(img.attributes["src"])
        for img in HTMLParser(html).css("img[src]")
        if "/v1/img/countdown/" in str(img.attributes["src"])
    ]


def read(url: str) -> CountdownToken:
    name = urlsplit(url).path.rsplit("/", 1)[1]
    token = tokens.read(name.removesuffix(".gif"))
    assert token is not None
    return token


def frames_of(data: bytes) -> list[int]:
    """The duration of each frame of a GIF, decoded with Pillow."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        durations = []
        for n in range(getattr(image, "n_frames", 1)):
            image.seek(n)
            durations.append(int(image.info.get("duration", 0)))
        return durations


def get_gif(served: Served, path: str) -> bytes:
    response = served.client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == NO_CACHE
    return response.content


@pytest.mark.parametrize("locale", ["fr", "en", "ja"])
@pytest.mark.parametrize(
    ("template", "who"),
    [("campaign-last-chance", "champion-frequent-flyer"), ("abandoned-h72", "japanese-family")],
)
def test_a_rendered_email_carries_a_countdown_that_answers_a_60_frame_gif(
    serve: Callable[..., Served], template: str, who: str, locale: str
) -> None:
    served = serve()
    body = {"template": template, "locale": locale, "recipient": sample(who)}
    rendered = served.client.post("/v1/render", json=body, headers=AUTH)
    assert rendered.status_code == 200, rendered.text
    html = rendered.json()["html"]
    # Click tracking rewrote the links (and added its pixel) but left the countdown alone.
    assert "/t/o/" in html
    (url,) = countdown_urls(html)
    assert url.startswith("https://news.airtahitinui.com/v1/img/countdown/")
    token = read(url)
    assert token.locale == locale and token.deadline is not None
    served.clock.now = token.deadline - 5 * 3600 - 42.7  # 5 h 0 min 43 s before the end
    data = get_gif(served, urlsplit(url).path)
    assert frames_of(data) == [1000] * FRAMES
    assert data == countdown_gif(5 * 3600 + 43, locale, token.theme, token.scale)


def test_the_last_chance_countdown_ends_at_midnight_tahiti_time(
    serve: Callable[..., Served],
) -> None:
    served = serve()
    recipient = {**sample("honeymoon-couple"), "campaign_end": "2026-11-30"}  # in Paris
    body = {"template": "campaign-last-chance", "locale": "fr", "recipient": recipient}
    html = served.client.post("/v1/render", json=body, headers=AUTH).json()["html"]
    (url,) = countdown_urls(html)
    assert read(url).deadline == 1_796_119_200  # 2026-12-01T00:00:00-10:00
    # The words are in the recipient's zone: midnight in Tahiti is 11:00 in Paris.
    (img,) = [i for i in HTMLParser(html).css("img") if i.attributes.get("src") == url]
    assert img.attributes["alt"] == "Offre valable jusqu’au mardi 1 décembre 2026 à 10:59"


def test_the_h72_deadline_is_the_recipients_code_validity_else_48_hours(
    serve: Callable[..., Served],
) -> None:
    served = serve()

    def deadline(**changes: Any) -> int | None:
        recipient = {**sample("abandoned-search-prospect"), **changes}
        body = {"template": "abandoned-h72", "locale": "en", "recipient": recipient}
        response = served.client.post("/v1/render", json=body, headers=AUTH).json()
        (url,) = countdown_urls(response["html"])
        return read(url).deadline

    ends = deadline(promo_code="ATN5", promo_expires="2026-12-05", timezone="Europe/Paris")
    assert ends == 1_796_511_600  # 2026-12-06T00:00:00+01:00
    other = deadline(promo_code="ATN5", promo_expires="2026-12-09", timezone="Europe/Paris")
    assert other == ends + 4 * 86_400
    without = deadline(promo_code="", promo_expires="")
    assert without is not None and without > ends - 30 * 86_400  # 48 h after this render


@pytest.mark.parametrize(
    "name",
    [
        "garbage.gif",
        "no-suffix",
        "",
        "x" * 5000 + ".gif",
        "WzEsWyJmciIsImxhZ29vbiIsMiwxNzk2MTE5MjAwLG51bGwsbnVsbF1d.AAAAAAAAAAAAAAAAAAAAAA.gif",
    ],
)
def test_a_bad_token_gets_the_neutral_image_counted_and_logged_without_it(
    serve: Callable[..., Served], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    served = serve()
    data = get_gif(served, "/v1/img/countdown/" + name)
    assert data == neutral_gif() and len(frames_of(data)) == 1
    assert served.images.refused.total() == 1
    err = capsys.readouterr().err  # the service's log handler writes to stderr
    log = "\n".join(line for line in err.splitlines() if "atn_content.images" in line)
    assert "countdown token refused (" in log
    if len(name) > 8:
        assert name.removesuffix(".gif")[-20:] not in log


def test_a_tampered_or_foreign_token_gets_the_neutral_image(serve: Callable[..., Served]) -> None:
    served = serve()
    good = tokens.sign(CountdownToken("fr", "lagoon", 2, deadline=T0 + 3600))
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    payload = json.dumps([1, ["fr", "lagoon", 2, T0 + 3600, None, None]])
    for name in (
        tampered,
        good.replace(".", "x", 1),
        Signer(SECRET, "click").sign(payload),  # genuine, for another purpose
        Signer(b"z" * 32, "countdown").sign(payload),  # another service's secret
    ):
        assert get_gif(served, f"/v1/img/countdown/{name}.gif") == neutral_gif()
    assert get_gif(served, f"/v1/img/countdown/{good}") == neutral_gif()  # no .gif
    assert served.images.refused == {"forged": 4, "not-gif": 1}
    drawn = countdown_gif(3600, "fr", "lagoon", 2)
    assert get_gif(served, f"/v1/img/countdown/{good}.gif") == drawn


def test_after_the_deadline_one_static_offer_ended_frame(serve: Callable[..., Served]) -> None:
    served = serve()
    for at in (T0, T0 + 1, T0 + 86_400 * 400):
        served.clock.now = at
        data = get_gif(served, url_of(CountdownToken("ja", "sunset", 1, deadline=T0)))
        assert data == ended_gif("ja", "sunset", 1) and len(frames_of(data)) == 1
    assert served.images.served["ended"] == 3


def test_one_second_of_one_look_is_drawn_once_for_every_open(
    serve: Callable[..., Served],
) -> None:
    served = serve()
    cache = served.images.cache
    path = url_of(CountdownToken("en", "lagoon", 1, deadline=T0 + 90))
    first = get_gif(served, path)
    assert all(get_gif(served, path) == first for _ in range(5))
    # Opened more than once in this second: the next second was drawn ahead, once.
    assert cache.hits == 5 and cache.prefetches == 1 and cache.draws == 2
    while len(cache) < 2:  # the drawing ahead finishes in its thread
        time.sleep(0.01)
    served.clock.now += 1
    assert get_gif(served, path) == countdown_gif(89, "en", "lagoon", 1)
    # 89 was not drawn again (a hit); 88 is drawn ahead in turn.
    assert cache.hits == 6 and cache.prefetches == 2 and cache.draws == 3


def test_an_evergreen_timer_continues_from_the_first_open(
    serve: Callable[..., Served], tmp_path: Path
) -> None:
    served = serve()
    path = url_of(CountdownToken("fr", "lagoon", 1, duration=2 * 3600, key="abandoned-h72\nr-7"))
    assert get_gif(served, path) == countdown_gif(7200, "fr", "lagoon", 1)
    served.clock.now += 1500
    assert get_gif(served, path) == countdown_gif(5700, "fr", "lagoon", 1)
    # Another replica on the same store (SQLite here) continues the same countdown.
    other = serve()
    other.clock.now = T0 + 3000
    assert get_gif(other, path) == countdown_gif(4200, "fr", "lagoon", 1)
    other.clock.now = T0 + 7200
    assert get_gif(other, path) == ended_gif("fr", "lagoon", 1)
    # Someone else's first open is their own.
    mine = url_of(CountdownToken("fr", "lagoon", 1, duration=2 * 3600, key="abandoned-h72\nr-8"))
    assert get_gif(other, mine) == countdown_gif(7200, "fr", "lagoon", 1)


def test_with_the_store_down_an_evergreen_timer_counts_from_now(
    serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]
) -> None:
    served = serve(store_url=f"redis://127.0.0.1:{free_port()}/0")
    path = url_of(CountdownToken("en", "night", 1, duration=600, key="campaign\nr-1"))
    assert get_gif(served, path) == countdown_gif(600, "en", "night", 1)
    assert "counting from now" in capsys.readouterr().err
    fixed = url_of(CountdownToken("en", "night", 1, deadline=T0 + 60))
    assert get_gif(served, fixed) == countdown_gif(60, "en", "night", 1)


@pytest.mark.parametrize("good", [True, False])
def test_head_answers_like_get_without_a_body(serve: Callable[..., Served], good: bool) -> None:
    served = serve()
    token = CountdownToken("fr", "lagoon", 2, deadline=T0 + 60)
    path = url_of(token) if good else "/v1/img/countdown/x"
    response = served.client.head(path)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == NO_CACHE
    assert int(response.headers["content-length"]) == len(served.client.get(path).content)


def test_the_route_is_public_and_not_in_the_schema(serve: Callable[..., Served]) -> None:
    served = serve()
    schema = served.client.get("/schema/openapi.json").json()
    assert not [p for p in schema["paths"] if "countdown" in p]
    assert re.fullmatch(r"/v1/img/countdown/.+\.gif", url_of(CountdownToken("fr", "sand", 1, 1)))


def test_healthz_shows_what_the_countdown_counted(serve: Callable[..., Served]) -> None:
    served = serve()
    get_gif(served, "/v1/img/countdown/forged.gif")
    get_gif(served, "/v1/img/countdown/nothing")
    get_gif(served, url_of(CountdownToken("fr", "lagoon", 1, deadline=T0 + 60)))
    details = served.client.get("/healthz").json()["features"]["countdown"]
    assert details["refused"] == {"forged": 1, "not-gif": 1}
    assert details["served"] == {"neutral": 2, "countdown": 1}
    assert details["draws"] == 2 and details["hits"] == 1


def test_refusals_are_all_counted_but_logged_at_most_once_a_second_per_reason(
    serve: Callable[..., Served], capsys: pytest.CaptureFixture[str]
) -> None:
    served = serve()
    capsys.readouterr()
    for _ in range(5):
        get_gif(served, "/v1/img/countdown/forged.gif")
    get_gif(served, "/v1/img/countdown/no-suffix")
    served.clock.now += 1
    get_gif(served, "/v1/img/countdown/forged.gif")
    lines = [x for x in capsys.readouterr().err.splitlines() if "countdown token refused" in x]
    assert served.images.refused == {"forged": 6, "not-gif": 1}
    assert len(lines) == 3
    assert "(forged): neutral image answered; 6 refused (forged) since start, 7 in all" in lines[2]


def test_other_methods_get_the_image_too(serve: Callable[..., Served]) -> None:
    served = serve()
    path = url_of(CountdownToken("fr", "lagoon", 1, deadline=T0 + 60))
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        response = served.client.request(method, path)
        assert response.status_code == 200 and response.headers["cache-control"] == NO_CACHE
        assert response.content == countdown_gif(60, "fr", "lagoon", 1)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/img/countdown",
        "/v1/img/countdown/",
        "/v1/img/countdown/a/b.gif",
        "/v1/img/countdown/%FF.gif",
    ],
)
def test_paths_without_one_token_get_the_neutral_image(
    serve: Callable[..., Served], path: str
) -> None:
    served = serve()
    assert get_gif(served, path) == neutral_gif()
    assert served.images.refused.total() == 1
