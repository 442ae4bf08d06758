"""The shipped destinations: right names, real airports, valid seasons, working lookups."""

from __future__ import annotations

import re
from pathlib import Path

import airportsdata
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atn_content.recommendations.catalogue import (
    KINDS,
    Catalogue,
    CatalogueError,
    lookup_key,
)
from atn_content.travel.airports import AIRPORT_ZONES, CITY_NAMES

CATALOGUE = Catalogue.default()
AIRPORTS = airportsdata.load("IATA")
ISLANDS = [d for d in CATALOGUE if d.kind != "gateway-city"]


def test_the_brief_s_islands_and_gateways_are_all_there() -> None:
    wanted = {
        "tahiti", "moorea", "bora-bora", "raiatea", "tahaa", "huahine", "maupiti",
        "rangiroa", "tikehau", "fakarava", "nuku-hiva", "hiva-oa", "rurutu", "tubuai",
        "paris", "los-angeles", "tokyo", "auckland", "seattle",
    }  # fmt: skip
    assert wanted <= set(CATALOGUE.codes)
    archipelagos = {"society-islands", "tuamotu", "marquesas", "australs"}
    assert {d.archipelago for d in ISLANDS} == archipelagos


def test_every_destination_has_three_names_and_a_page_per_locale() -> None:
    for d in CATALOGUE:
        assert set(d.names) == {"fr", "en", "ja"}, d.code
        assert all(name.strip() == name and name for name in d.names.values()), d.code
        # Japanese names are written in Japanese (kana or kanji), never left in Latin.
        assert re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff]+", d.names["ja"]), d.code
        for locale in ("fr", "en", "ja"):
            assert d.link(locale).startswith("https://www.airtahitinui.com/"), d.code
            assert d.link(locale).endswith(f"/destinations/{d.code}")
        assert len(set(d.url.values())) == 3, d.code


@pytest.mark.parametrize(
    ("code", "ja"),
    [("bora-bora", "ボラボラ島"), ("tahiti", "タヒチ島"), ("moorea", "モーレア島"),
     ("rangiroa", "ランギロア島"), ("tokyo", "東京"), ("paris", "パリ")],
)  # fmt: skip
def test_japanese_names_are_the_usual_ones(code: str, ja: str) -> None:
    assert CATALOGUE[code].name("ja") == ja


def test_names_agree_with_the_airport_city_names_the_emails_already_show() -> None:
    for d in ISLANDS:
        # PPT's city is Papeete; RFP is Raiatea's airport (Taha'a's boats leave from there).
        if d.airport in CITY_NAMES and d.code != "tahiti" and CATALOGUE.by_airport(d.airport) is d:
            assert CITY_NAMES[d.airport] == (d.names["fr"], d.names["en"], d.names["ja"])


def test_every_airport_is_a_real_one_in_the_right_country() -> None:
    countries = {"france": "FR", "united-states": "US", "japan": "JP", "new-zealand": "NZ"}
    for d in CATALOGUE:
        airport = AIRPORTS.get(d.airport)
        assert airport is not None, f"{d.code}: {d.airport} is not an airport"
        assert airport["country"] == countries.get(d.archipelago, "PF"), d.code
        if d.airport in AIRPORT_ZONES:
            assert AIRPORT_ZONES[d.airport] == airport["tz"], d.code


def test_attributes_are_valid() -> None:
    for d in CATALOGUE:
        assert d.kind in KINDS
        assert d.best_months and all(1 <= m <= 12 for m in d.best_months)
        assert list(d.best_months) == sorted(set(d.best_months))
        assert d.activities and d.cluster
    assert all(d.kind == "gateway-city" for d in CATALOGUE if d.archipelago not in
               {"society-islands", "tuamotu", "marquesas", "australs"})  # fmt: skip
    assert {d.kind for d in ISLANDS} == {"high-island", "atoll"}
    # Whales come to Rurutu from July to October: that is when to go.
    assert set(CATALOGUE["rurutu"].best_months) == {7, 8, 9, 10}


def test_clusters_are_small_groups_of_one_archipelago() -> None:
    clusters: dict[str, set[str]] = {}
    for d in CATALOGUE:
        clusters.setdefault(d.cluster, set()).add(d.archipelago)
    assert all(len(archipelagos) == 1 for archipelagos in clusters.values())
    assert max(sum(d.cluster == c for d in CATALOGUE) for c in clusters) <= 3


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Tahaa", "tahaa"), ("taha'a", "tahaa"), ("TAHA’A", "tahaa"), ("タハア島", "tahaa"),
        ("Bora-Bora", "bora-bora"), ("bora bora", "bora-bora"), ("ボラボラ", "bora-bora"),
        ("Tokyo", "tokyo"), ("東京", "tokyo"), ("NRT", "tokyo"), ("nrt", "tokyo"),
        ("Papeete", "tahiti"), ("PPT", "tahiti"), ("Mo'orea", "moorea"), ("Mooréa", "moorea"),
        ("los-angeles", "los-angeles"), ("Los Angeles", "los-angeles"), ("ＬＡＸ", "los-angeles"),
        ("Nuku Hiva", "nuku-hiva"), ("Nuku-Hiva", "nuku-hiva"), ("RFP", "raiatea"),
    ],
)  # fmt: skip
def test_recipient_data_maps_to_codes(text: str, code: str) -> None:
    found = CATALOGUE.find(text)
    assert found is not None and found.code == code


def test_japanese_voiced_marks_are_not_dropped() -> None:
    assert lookup_key("パリ") != lookup_key("バリ") != lookup_key("ハリ")
    assert CATALOGUE.find("バリ") is None


@pytest.mark.parametrize("text", ["", "  ", "Hawaii", "XXX", "Tahiti Nui Bora", "島"])
def test_unknown_places_are_none(text: str) -> None:
    assert CATALOGUE.find(text) is None


def test_codes_for_a_recipient_s_searches_keeps_order_and_drops_the_rest() -> None:
    searches = ["Tokyo", "Hawaii", "bora bora", "Tokyo", 3, "Moorea"]
    assert CATALOGUE.codes_for(searches) == ["tokyo", "bora-bora", "moorea"]


@settings(deadline=None)
@given(st.text(max_size=30))
def test_find_never_raises_and_finds_only_what_a_name_means(text: str) -> None:
    found = CATALOGUE.find(text)
    if found is not None:
        keys = {lookup_key(n) for n in (*found.names.values(), *found.aliases, found.code)}
        assert (
            lookup_key(text) in keys
            or text.strip().upper() == found.airport
            or (CATALOGUE.by_airport(text) is found)
        )


@settings(deadline=None)
@given(st.sampled_from(CATALOGUE.codes), st.sampled_from(["fr", "en", "ja"]), st.data())
def test_any_locale_s_name_in_any_case_finds_the_destination(
    code: str, locale: str, data: st.DataObject
) -> None:
    name = CATALOGUE[code].name(locale)
    mangled = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in name)
    found = CATALOGUE.find(f" {mangled} ")
    assert found is not None and found.code == code


def test_iteration_order_and_indexes_follow_the_file() -> None:
    assert [d.code for d in CATALOGUE] == list(CATALOGUE.codes)
    assert all(CATALOGUE.index(code) == i for i, code in enumerate(CATALOGUE.codes))
    assert len(CATALOGUE) == len(CATALOGUE.codes) and "tahaa" in CATALOGUE
    assert CATALOGUE.get("hawaii") is None


GOOD = """
[[destination]]
code = "x-island"
airport = "XXA"
names = { fr = "X", en = "X", ja = "エックス" }
archipelago = "tuamotu"
kind = "atoll"
activities = ["diving"]
best_months = [5, 6]
cluster = "tuamotu-north"
"""


def test_a_valid_file_loads_with_default_links() -> None:
    cat = Catalogue.from_toml(GOOD)
    assert cat["x-island"].link("ja") == "https://www.airtahitinui.com/jp-ja/destinations/x-island"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("best_months = [5, 6]", "best_months = [0, 6]"), "x-island): best_months"),
        (("best_months = [5, 6]", 'best_months = ["May"]'), "best_months[0]"),
        (('airport = "XXA"', 'airport = "xx"'), "airport"),
        (('ja = "エックス" ', 'ja = "" '), "names"),
        ((', ja = "エックス"', ""), "names"),
        (('kind = "atoll"', 'kind = "reef"'), "kind"),
        (('code = "x-island"', 'code = "X Island"'), "code"),
        (('cluster = "tuamotu-north"', 'colour = "blue"'), "colour"),
    ],
)
def test_a_malformed_entry_is_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "destinations.toml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        Catalogue.from_file(path)
    assert str(path) in str(raised.value) and "destination 1" in str(raised.value)
    assert message in str(raised.value)


def test_two_destinations_with_one_name_are_refused() -> None:
    twice = GOOD + GOOD.replace('code = "x-island"', 'code = "y-island"')
    with pytest.raises(CatalogueError, match="y-island: name 'X' is also x-island's"):
        Catalogue.from_toml(twice, "two.toml")
    with pytest.raises(CatalogueError, match="listed twice"):
        Catalogue.from_toml(GOOD + GOOD)
    with pytest.raises(CatalogueError, match="no \\[\\[destination\\]\\]"):
        Catalogue.from_toml("title = 'x'")
    with pytest.raises(CatalogueError, match="not TOML"):
        Catalogue.from_toml("[[destination]")
