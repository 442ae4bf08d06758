"""Unsubscribe and preference links: signed per recipient, list and locale, https only,
RFC 8058 headers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atn_content.signing import Signer
from atn_content.tracking.links import Link, UnsubscribeLinks

BASE = "https://news.example.pf/"


@pytest.fixture
def links() -> UnsubscribeLinks:
    return UnsubscribeLinks(Signer(b"k" * 32, "unsubscribe"), BASE)


def test_public_url_must_be_https() -> None:
    with pytest.raises(ValueError, match="https://"):
        UnsubscribeLinks(Signer(b"k" * 32, "unsubscribe"), "http://news.example.pf")


def test_url_round_trips_to_recipient_and_list(links: UnsubscribeLinks) -> None:
    url = links.url("r-1", "newsletter")
    assert url.startswith("https://news.example.pf/u/")
    token = url.rsplit("/", 1)[1]
    assert links.read(token) == ("r-1", "newsletter", None)
    assert links.url("r-2", "newsletter") != url
    assert links.url("r-1", "trip-alerts") != url


def test_recipient_ids_with_newlines_cannot_shift_the_list(links: UnsubscribeLinks) -> None:
    token = links.url("a\nb", "newsletter").rsplit("/", 1)[1]
    assert links.read(token) == ("a\nb", "newsletter", None)


def test_forged_tampered_and_foreign_tokens_are_refused(links: UnsubscribeLinks) -> None:
    token = links.url("r-1", "newsletter").rsplit("/", 1)[1]
    data, mac = token.split(".")
    assert links.read(f"{data}.{mac[::-1]}") is None
    other = Signer(b"k" * 32, "unsubscribe").sign("newsletter\nr-2").split(".")[0]
    assert links.read(f"{other}.{mac}") is None
    stranger = UnsubscribeLinks(Signer(b"z" * 32, "unsubscribe"), BASE)
    assert stranger.read(token) is None
    assert links.read("not-a-token") is None
    assert links.read("") is None
    no_newline = Signer(b"k" * 32, "unsubscribe").sign("newsletter")
    assert links.read(no_newline) is None


def test_preferences_url_is_signed_separately(links: UnsubscribeLinks) -> None:
    prefs = links.preferences_url("r-1")
    assert prefs.startswith("https://news.example.pf/preferences/")
    assert prefs.rsplit("/", 1)[1] != links.url("r-1", "newsletter").rsplit("/", 1)[1]


def test_one_click_headers() -> None:
    headers = UnsubscribeLinks.headers("https://news.example.pf/u/abc.def")
    assert headers == {
        "List-Unsubscribe": "<https://news.example.pf/u/abc.def>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_a_preferences_token_is_not_an_unsubscribe_token(links: UnsubscribeLinks) -> None:
    token = links.preferences_url("r-1").rsplit("/", 1)[1]
    assert links.read(token) is None


def test_tokens_carry_the_emails_locale(links: UnsubscribeLinks) -> None:
    token = links.url("r-1", "newsletter", "ja").rsplit("/", 1)[1]
    assert links.read(token) == Link("r-1", "newsletter", "ja")
    prefs = links.preferences_url("r-1", "fr").rsplit("/", 1)[1]
    assert links.read_preferences(prefs) == Link("r-1", "*", "fr")
    assert links.read(prefs) is None
    assert links.read_preferences(token) is None


def test_tokens_from_before_the_locale_still_open() -> None:
    signer = Signer(b"k" * 32, "unsubscribe")
    links = UnsubscribeLinks(signer, BASE)
    assert links.read(signer.sign("newsletter\nr-1")) == Link("r-1", "newsletter", None)
    assert links.read_preferences(signer.sign("prefs\nr-1")) == Link("r-1", "*", None)


@given(
    recipient=st.text(min_size=1, max_size=40),
    list_id=st.from_regex(r"[a-z][a-z0-9@-]{0,20}", fullmatch=True).filter(lambda v: v != "prefs"),
    locale=st.none() | st.sampled_from(["fr", "en", "ja", "pt-BR"]),
)
def test_round_trip_whatever_the_list_and_recipient(
    recipient: str, list_id: str, locale: str | None
) -> None:
    links = UnsubscribeLinks(Signer(b"k" * 32, "unsubscribe"), BASE)
    token = links.url(recipient, list_id, locale).rsplit("/", 1)[1]
    found = links.read(token)
    assert found is not None and found.recipient_id == recipient
    if locale is not None:  # an "@" in a list id cannot pose as a locale once one is carried
        assert found == Link(recipient, list_id, locale)
