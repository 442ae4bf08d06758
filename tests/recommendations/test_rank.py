"""The ranking rules, for every strategy and any history."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import KINDS, Interaction
from atn_content.recommendations.model import HistoryItem, RecsModel
from atn_content.recommendations.rank import (
    BOOKED_WINDOW,
    STRATEGIES,
    Recommendation,
    recommend,
)
from atn_content.recommendations.train import train

CATALOGUE = Catalogue.default()
NOW = 1_790_000_000.0
DAY = 86_400.0


def _training_rows() -> list[Interaction]:
    rows: list[Interaction] = []
    # Divers go from Rangiroa to Fakarava and Tikehau; honeymooners from Bora Bora to
    # Taha'a and Moorea; French culture lovers to the Marquesas.
    groups = [
        ("diver", "en", ["rangiroa", "fakarava", "tikehau"]),
        ("honey", "ja", ["bora-bora", "tahaa", "moorea"]),
        ("culture", "fr", ["nuku-hiva", "hiva-oa", "huahine"]),
    ]
    for name, market, places in groups:
        for n in range(30):
            for step, place in enumerate(places):
                kind = KINDS[(n + step) % 3]
                ts = NOW - (200 - 10 * step - n) * DAY
                rows.append(Interaction(f"{name}{n}", place, kind, ts, market))
    return rows


MODEL = train(_training_rows(), CATALOGUE, trained_at=NOW)

histories = st.lists(
    st.builds(
        HistoryItem,
        destination=st.sampled_from([*CATALOGUE.codes, "atlantis"]),
        kind=st.sampled_from(KINDS),
        ts=st.floats(NOW - 800 * DAY, NOW + DAY),
    ),
    max_size=25,
).map(lambda items: sorted(items, key=lambda i: -i.ts))


@settings(max_examples=300, deadline=None)
@given(
    history=histories,
    market=st.sampled_from(["fr", "en", "ja", "", "de"]),
    strategy=st.sampled_from(STRATEGIES),
    k=st.integers(0, 6),
    exclude=st.sets(st.sampled_from(CATALOGUE.codes), max_size=4),
)
def test_rules_hold_for_any_history(
    history: list[HistoryItem], market: str, strategy: str, k: int, exclude: set[str]
) -> None:
    recs = recommend(
        MODEL, CATALOGUE, history, market=market, now=NOW, k=k, strategy=strategy,
        exclude=exclude,
    )  # fmt: skip
    booked = {h.destination for h in history if h.kind == "booking" and NOW - h.ts < BOOKED_WINDOW}
    codes = [r.destination for r in recs]
    assert len(codes) == len(set(codes)) <= k
    assert all(code in CATALOGUE for code in codes)
    assert not set(codes) & (booked | exclude)
    assert all(r.strategy in STRATEGIES and r.strategy != "blend" for r in recs)
    assert all((r.because is None) == (r.strategy == "popularity") for r in recs)
    # A reason always names a place of the recipient's own history.
    assert all(r.because in {h.destination for h in history} for r in recs if r.because)
    # A single strategy's own results come before the popularity that completes them.
    if strategy not in {"blend", "popularity"}:
        filled = [r.strategy == "popularity" for r in recs]
        assert filled == sorted(filled)
    # k results whenever the popular destinations left allow it (the cold start fills in).
    popular = {code for code, _ in MODEL.popularity[""]}
    assert len(recs) >= min(k, len(popular - booked - exclude))
    # Same input, same output (ties broken by code, no randomness).
    again = recommend(
        MODEL, CATALOGUE, history, market=market, now=NOW, k=k, strategy=strategy,
        exclude=exclude,
    )  # fmt: skip
    assert again == recs


def test_a_recipient_without_history_gets_their_market_s_favourites() -> None:
    for market, favourite in (("ja", "bora-bora"), ("en", "rangiroa"), ("fr", "nuku-hiva")):
        recs = recommend(MODEL, CATALOGUE, (), market=market, now=NOW)
        assert recs[0] == Recommendation(favourite, "popularity", None, recs[0].score) or recs[
            0
        ].destination in {code for code, _ in MODEL.popularity[market][:3]}
        assert all(r.strategy == "popularity" for r in recs)
        top = [code for code, _ in MODEL.popularity[market]]
        assert recs[0].destination == top[0]


def test_a_diver_is_offered_the_other_atolls_because_of_the_one_they_know() -> None:
    history = [HistoryItem("rangiroa", "booking", NOW - 400 * DAY)]
    for strategy in ("also_visited", "similar"):
        recs = recommend(MODEL, CATALOGUE, history, market="en", now=NOW, strategy=strategy)
        assert {"fakarava", "tikehau"} & {r.destination for r in recs}, strategy
        assert recs[0].because == "rangiroa" and recs[0].strategy == strategy


def test_a_search_yesterday_comes_first_with_itself_as_the_reason() -> None:
    history = [
        HistoryItem("tahaa", "search", NOW - DAY),
        HistoryItem("rangiroa", "booking", NOW - 400 * DAY),
    ]
    recs = recommend(MODEL, CATALOGUE, history, market="en", now=NOW)
    assert recs[0] == Recommendation("tahaa", "recent_searches", "tahaa", recs[0].score)
    only = recommend(MODEL, CATALOGUE, history, market="en", now=NOW, strategy="recent_searches")
    assert only[0].destination == "tahaa"


def test_a_booking_within_twelve_months_is_never_offered_an_older_one_may_be() -> None:
    recent = [HistoryItem("tahaa", "booking", NOW - 364 * DAY)]
    old = [HistoryItem("tahaa", "booking", NOW - 366 * DAY), HistoryItem("tahaa", "search", NOW)]
    assert "tahaa" not in {
        r.destination for r in recommend(MODEL, CATALOGUE, recent, market="ja", now=NOW)
    }
    assert "tahaa" in {
        r.destination for r in recommend(MODEL, CATALOGUE, old, market="ja", now=NOW)
    }
    assert "tahaa" not in {
        r.destination
        for r in recommend(MODEL, CATALOGUE, old, market="ja", now=NOW, exclude={"tahaa"})
    }


def _model_with_popularity(ranked: list[tuple[str, float]]) -> RecsModel:
    from msgspec.structs import replace

    return replace(MODEL, popularity={"": ranked, "en": ranked})


def test_no_two_from_one_cluster_when_another_scores_close() -> None:
    # Bora Bora, Maupiti and Huahine share the leeward cluster.
    model = _model_with_popularity(
        [("bora-bora", 1.0), ("maupiti", 0.95), ("huahine", 0.9), ("rangiroa", 0.8),
         ("nuku-hiva", 0.5)]
    )  # fmt: skip
    recs = recommend(model, CATALOGUE, (), market="en", now=NOW, strategy="popularity")
    # Rangiroa (0.8) is within 25 % of Maupiti (0.95) and takes its place; then Nuku Hiva
    # (0.5) is not close to Maupiti: a second leeward island beats a poor match.
    assert [r.destination for r in recs] == ["bora-bora", "rangiroa", "maupiti"]
    tight = recommend(
        model, CATALOGUE, (), market="en", now=NOW, strategy="popularity", closeness=0.12
    )
    # Within 12 %: Rangiroa does not replace Maupiti (0.95), but does replace Huahine (0.9).
    assert [r.destination for r in tight] == ["bora-bora", "maupiti", "rangiroa"]
    off = recommend(model, CATALOGUE, (), market="en", now=NOW, strategy="popularity", closeness=0)
    assert [r.destination for r in off] == ["bora-bora", "maupiti", "huahine"]


def test_equal_scores_are_ordered_by_code() -> None:
    model = _model_with_popularity([("tikehau", 0.5), ("hiva-oa", 0.5), ("paris", 0.5)])
    recs = recommend(model, CATALOGUE, (), market="en", now=NOW, strategy="popularity")
    assert [r.destination for r in recs[:3]] == ["hiva-oa", "paris", "tikehau"]


def test_a_destination_the_catalogue_dropped_is_never_shown() -> None:
    smaller = Catalogue(d for d in CATALOGUE if d.code != "bora-bora")
    for history in ((), [HistoryItem("tahaa", "search", NOW - DAY)]):
        recs = recommend(MODEL, smaller, history, market="ja", now=NOW, k=5)
        assert "bora-bora" not in {r.destination for r in recs} and len(recs) == 5


def test_an_unknown_strategy_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown strategy 'magic' \\(one of blend, similar"):
        recommend(MODEL, CATALOGUE, (), market="en", now=NOW, strategy="magic")
