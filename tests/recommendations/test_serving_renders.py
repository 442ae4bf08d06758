"""recommendations() through real renders: what the recipient reads in the HTML.

A probe template (in a content root of its own, with the shipped blocks and catalogs)
shows the items of one strategy with the shipped reason block; the shipped emails are
rendered through the app's own features, the model read from a real SQLite store.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests.recommendations.serving_models import NOW, trips_model
from tests.untracked import build_renderer as untracked_renderer

from atn_content.app import default_features
from atn_content.config import Settings
from atn_content.content.errors import RenderError, TemplateError
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import Renderer
from atn_content.recommendations import feature as recommendations
from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.extension import RecommendationsExtension
from atn_content.recommendations.model import RecsModel, save
from atn_content.recommendations.reasons import Reasons
from atn_content.recommendations.serving import Recommender
from atn_content.recommendations.snapshot import ModelSnapshot
from atn_content.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Catalogue.default()

PROBE = """+++
subject = "Probe"

[fields.about]
type = "str"
default = ""
description = "What the email is about."
+++
<mjml><mj-body><mj-section><mj-column>
{% for item in recommendations(k=3, strategy=STRATEGY, exclude=recipient.about) %}
<mj-text><span class="name">{{ item.name }}</span> <span class="reason">
{%- with reason_kind=item.reason, reason_place=item.because, reason_days=item.days -%}
{% include "recommendation-reason.mjml" %}
{%- endwith -%}
</span> <a href="{{ item.url|safe_url }}">go</a></mj-text>
{% endfor %}
</mj-column></mj-section></mj-body></mjml>
"""
STRATEGIES = ("blend", "similar", "also_visited", "recent_searches", "popularity")


@pytest.fixture(scope="module")
def probe_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("probe")
    (root / "blocks").symlink_to(ROOT / "blocks")
    (root / "templates").mkdir()
    for strategy in STRATEGIES:
        text = PROBE.replace("STRATEGY", repr(strategy))
        (root / "templates" / f"probe-{strategy}.mjml").write_text(text)
    return root


def probe_renderer(root: Path, model: RecsModel | None) -> Renderer:
    recommender = Recommender(ModelSnapshot(model), Reasons(ROOT))
    return Renderer(
        Library(root), Catalogs.load(ROOT / "locales"), [RecommendationsExtension(recommender)]
    )


@pytest.fixture(scope="module")
def probe(probe_root: Path) -> Renderer:
    return probe_renderer(probe_root, trips_model())


def visible(text: str) -> str:
    """Text as a reader sees it: the phrase breaks' zero-width spaces dropped."""
    return text.replace("\u200b", "")


def shown(page: str) -> list[tuple[str, str, str]]:
    """(name, reason, link) of each item, as the HTML shows them."""
    tree = HTMLParser(page)
    names = tree.css("span.name")
    reasons = tree.css("span.reason")
    links = [a.attributes.get("href") or "" for a in tree.css("a") if a.text() == "go"]
    assert len(names) == len(reasons) == len(links)
    return [
        (visible(n.text()), visible(r.text()), link)
        for n, r, link in zip(names, reasons, links, strict=True)
    ]


def render(renderer: Renderer, strategy: str, locale: str, **recipient: Any) -> list[Any]:
    data = {"id": "someone", "about": "", **recipient}
    return shown(renderer.render(f"probe-{strategy}", locale, data, now=NOW).html)


LOVED = {
    "en": "Because you loved Bora Bora",
    "fr": "Parce que vous avez aimé Bora Bora",
    "ja": "ボラボラ島がお好きな方へ",
}


@pytest.mark.parametrize("locale", ["fr", "en", "ja"])
def test_a_trip_from_the_request_gives_similar_places_because_you_loved_it(
    probe: Renderer, locale: str
) -> None:
    items = render(
        probe, "similar", locale, last_destination="Bora Bora", last_flight_date="2024-05-01"
    )
    assert items
    loved = [i for i in items if i[1] == LOVED[locale]]
    assert loved, items
    for name, _, link in items:
        place = CATALOGUE.find(name)
        assert place is not None and place.name(locale) == name
        assert link == place.link(locale) and link.startswith("https://")


def test_japanese_names_and_pages(probe: Renderer) -> None:
    items = render(probe, "popularity", "ja")
    assert items and all(re.search(r"[\u30a0-\u30ff]", name) for name, _, _ in items)
    assert all(link.startswith("https://www.airtahitinui.com/jp-ja/") for *_, link in items)


def test_travellers_like_you(probe: Renderer) -> None:
    items = render(
        probe, "also_visited", "fr", last_destination="Bora Bora", last_flight_date="2024-05-01"
    )
    assert ("Taha'a", "Les voyageurs qui vous ressemblent ont aussi visité") in [
        (n, r) for n, r, _ in items
    ]


@pytest.mark.parametrize(
    ("searched", "en", "ja"),
    [
        (0, "Based on your search today", "本日の検索にもとづくおすすめ"),
        (1, "Based on your search yesterday", "昨日の検索にもとづくおすすめ"),
        (3, "Based on your search 3 days ago", "3日前の検索にもとづくおすすめ"),
    ],
)
def test_a_search_is_worded_by_how_long_ago_it_was(
    probe: Renderer, searched: int, en: str, ja: str
) -> None:
    at = (NOW - dt.timedelta(days=searched, hours=1)).isoformat()
    search = {"destination_name": "Rangiroa", "searched_at": at}
    for locale, text in (("en", en), ("ja", ja)):
        reasons = [r for _, r, _ in render(probe, "recent_searches", locale, search=search)]
        assert text in reasons, reasons


def test_french_plural_of_days(probe: Renderer) -> None:
    search = {"destination": "RGI", "searched_at": (NOW - dt.timedelta(days=5)).isoformat()}
    reasons = [r for _, r, _ in render(probe, "recent_searches", "fr", search=search)]
    assert "D’après votre recherche d’il y a 5 jours" in reasons


def test_searches_without_a_time_do_not_pretend_to_know_when(probe: Renderer) -> None:
    reasons = [
        r for _, r, _ in render(probe, "recent_searches", "en", recent_searches=["Fakarava"])
    ]
    assert "Based on your recent searches" in reasons
    assert not any("yesterday" in r or "today" in r for r in reasons)


def test_stored_history_is_read_from_the_snapshot(probe: Renderer) -> None:
    """ "known" searched Rangiroa two days ago (in the model, not in the request)."""
    reasons = [r for _, r, _ in render(probe, "recent_searches", "en", id="known")]
    assert "Based on your search 2 days ago" in reasons


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_never_the_destination_the_email_is_about_nor_a_recent_booking(
    probe: Renderer, strategy: str
) -> None:
    booked = (NOW - dt.timedelta(days=100)).date().isoformat()
    for about in ("Taha'a", "tahaa", "RFP"):  # a name, a code, an airport (Raiatea's first)
        names = [
            n
            for n, _, _ in render(
                probe,
                strategy,
                "en",
                about=about,
                booking={"destination": "Bora Bora", "booking_date": booked},
            )
        ]
        assert names
        excluded = {"Bora Bora", CATALOGUE.find(about).name("en")}  # type: ignore[union-attr]
        assert not excluded & set(names), (about, names)


def test_a_trip_older_than_twelve_months_may_come_back(probe: Renderer) -> None:
    old = (NOW - dt.timedelta(days=400)).date().isoformat()
    names = [
        n
        for n, _, _ in render(
            probe, "popularity", "en", last_destination="Bora Bora", last_flight_date=old
        )
    ]
    assert "Bora Bora" in names


def test_cold_start_follows_the_market(probe: Renderer) -> None:
    fr = render(probe, "blend", "fr")
    assert [n for n, _, _ in fr][:2] == ["Moorea", "Tahiti"]  # the French favourites
    assert {r for _, r, _ in fr} == {"Un coup de cœur de nos voyageurs"}
    en = [n for n, _, _ in render(probe, "blend", "en")]
    assert en[:2] == ["Bora Bora", "Taha'a"]


def test_without_any_model_the_catalogue_gives_places_in_season(probe_root: Path) -> None:
    items = render(probe_renderer(probe_root, None), "blend", "en")
    assert len(items) == 3
    for name, reason, _ in items:
        place = CATALOGUE.find(name)
        assert place is not None and NOW.month in place.best_months
        assert reason == "A good time of year to go"
    assert len({CATALOGUE.find(n).cluster for n, _, _ in items}) == 3  # type: ignore[union-attr]


def test_a_template_mistake_names_the_line(probe_root: Path, tmp_path: Path) -> None:
    (tmp_path / "blocks").symlink_to(ROOT / "blocks")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.mjml").write_text(
        PROBE.replace("k=3, strategy=STRATEGY", "k=99, strategy='blend'")
    )
    (tmp_path / "templates" / "odd.mjml").write_text(PROBE.replace("STRATEGY", "'fancy'"))
    renderer = probe_renderer(tmp_path, None)
    with pytest.raises((RenderError, TemplateError), match=r"bad\.mjml.*k=\.\.\..*1 to 10"):
        renderer.render("bad", "en", {"id": "x"}, now=NOW)
    with pytest.raises((RenderError, TemplateError), match=r"odd\.mjml.*also_visited"):
        renderer.render("odd", "en", {"id": "x"}, now=NOW)


def test_malformed_recipient_data_is_absent_not_an_error(probe: Renderer) -> None:
    odd = {
        "last_destination": 7,
        "recent_searches": "Bora Bora",
        "booking": [1],
        "search": {"searched_at": "soon", "destination": ["x"]},
        "last_flight_date": 3,
    }
    assert render(probe, "blend", "en", **odd) == render(probe, "blend", "en")


# --- the shipped emails, through the app's features ---------------------------------


async def shipped_renderer(tmp_path: Path, model: RecsModel | None) -> Renderer:
    settings = Settings(content_root=ROOT, secret=b"x" * 32)
    feature = recommendations.feature(settings)
    store = SQLiteStore(tmp_path / "recs.db")
    try:
        if model is not None:
            await save(store, model)
        assert feature.prepare is not None
        await feature.prepare(store)  # what `atn-content render` does before its renders
    finally:
        await store.close()
    return untracked_renderer(settings, with_feature(settings, feature))


def with_feature(settings: Settings, feature: Any) -> list[Any]:
    """The app's features, this recommendations feature in place of the default one."""
    return [feature if f.name == feature.name else f for f in default_features(settings)]


SHOWN_IN = ["newsletter-destination", "new-adventure", "reengage-3m", "reengage-6m", "reengage-12m"]
SECTION = {"fr": "Choisies pour vous", "en": "Chosen for you", "ja": "あなたへのおすすめ"}


@pytest.mark.parametrize("template", SHOWN_IN)
async def test_the_emails_show_the_section(tmp_path: Path, template: str) -> None:
    renderer = await shipped_renderer(tmp_path, trips_model())
    for locale in ("fr", "en", "ja"):
        email = renderer.render(template, locale, {"id": "known"}, now=NOW)
        assert SECTION[locale] in visible(HTMLParser(email.html).text())
        assert SECTION[locale] in visible(email.text)
        assert "/destinations/" in email.html


async def test_the_plain_text_gives_each_pick_its_own_lines(tmp_path: Path) -> None:
    """Name, reason and link read as three lines in the text part, not "TahitiA good time"."""
    renderer = await shipped_renderer(tmp_path, trips_model())
    for locale in ("fr", "en", "ja"):
        email = renderer.render("newsletter-destination", locale, {"id": "known"}, now=NOW)
        section = email.text.split(SECTION[locale], 1)[1]
        lines = [line for line in section.splitlines() if line.strip()][:3]
        name, reason, link = lines
        assert "(https://" not in name and "(https://" not in reason, lines
        assert "/destinations/" in link, lines


async def test_the_newsletter_leaves_out_its_own_destination(tmp_path: Path) -> None:
    renderer = await shipped_renderer(tmp_path, trips_model(second="moorea"))
    # The offer is about Tokyo; Tokyo is a gateway the model may rank: never shown twice.
    email = renderer.render(
        "newsletter-destination", "en", {"id": "new", "recent_searches": ["Tokyo"]}, now=NOW
    )
    section = email.html.split("Chosen for you", 1)[1]
    assert "Tokyo" not in section.split("Unsubscribe", 1)[0]
    email = renderer.render(
        "new-adventure", "en", {"id": "new", "booking": {"destination": "Bora Bora"}}, now=NOW
    )
    section = email.text.split("Chosen for you", 1)[1].split("Unsubscribe", 1)[0]
    for shown_above in ("Bora Bora\n", "Moorea\n", "Rangiroa\n", "Nuku Hiva\n"):
        assert shown_above not in section


async def test_templates_that_do_not_call_it_never_compute_it(tmp_path: Path) -> None:
    settings = Settings(content_root=ROOT, secret=b"x" * 32)
    feature = recommendations.feature(settings)
    calls: list[str] = []
    assert isinstance(feature.extension, RecommendationsExtension)
    recommender = feature.extension.recommender
    original = recommender.served

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("x")
        return original(*args, **kwargs)

    recommender.served = counting  # type: ignore[method-assign]
    renderer = untracked_renderer(settings, with_feature(settings, feature))
    renderer.render("booking-confirmation", "en", {"id": "a"}, now=NOW)
    assert calls == []
    renderer.render("newsletter-destination", "en", {"id": "a"}, now=NOW)
    assert calls == ["x"]  # once for the html and the text parts together
