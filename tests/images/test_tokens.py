"""Countdown tokens: what is signed reads back whole; anything altered, signed for another
purpose, or malformed does not; a retired secret still verifies."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atn_content.images.tokens import MAX_DURATION_S, CountdownToken, CountdownTokens
from atn_content.signing import Signer, _b64

SECRET, OLD = b"k" * 32, b"o" * 32
tokens = CountdownTokens(Signer(SECRET, "countdown"))
short = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=32)


@given(
    locale=short,
    theme=short,
    scale=st.integers(1, 4),
    deadline=st.integers(0, 2**40),
)
def test_a_fixed_token_reads_back_whole(locale: str, theme: str, scale: int, deadline: int) -> None:
    token = CountdownToken(locale, theme, scale, deadline=deadline)
    assert tokens.read(tokens.sign(token)) == token


@given(
    duration=st.integers(1, MAX_DURATION_S),
    key=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200),
)
def test_an_evergreen_token_reads_back_whole(duration: int, key: str) -> None:
    token = CountdownToken("ja", "lagoon", 2, duration=duration, key=key)
    read = tokens.read(tokens.sign(token))
    assert read == token and read is not None and read.evergreen


def test_the_token_is_url_safe() -> None:
    text = tokens.sign(CountdownToken("fr", "lagoon", 2, deadline=1_796_119_200))
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@given(st.data())
def test_any_altered_character_is_refused(data: st.DataObject) -> None:
    text = tokens.sign(CountdownToken("fr", "lagoon", 2, deadline=1_796_119_200))
    at = data.draw(st.integers(0, len(text) - 1))
    other = data.draw(st.sampled_from("AQgw-_.x0").filter(lambda c: c != text[at]))
    assert tokens.read(text[:at] + other + text[at + 1 :]) is None


@given(st.text(max_size=300))
def test_garbage_is_refused(text: str) -> None:
    assert tokens.read(text) is None


def test_a_token_of_another_purpose_is_refused() -> None:
    payload = json.dumps([1, ["fr", "lagoon", 2, 1_796_119_200, None, None]])
    assert tokens.read(Signer(SECRET, "click").sign(payload)) is None
    assert tokens.read(Signer(SECRET, "countdown").sign(payload)) is not None


def test_a_token_signed_with_a_retired_secret_still_verifies() -> None:
    token = CountdownToken("en", "night", 1, deadline=1_796_119_200)
    old = CountdownTokens(Signer(OLD, "countdown")).sign(token)
    assert tokens.read(old) is None
    assert CountdownTokens(Signer(SECRET, "countdown", [OLD])).read(old) == token


@pytest.mark.parametrize(
    "payload",
    [
        [1, ["fr", "lagoon", 2, None, None, None]],  # neither deadline nor duration
        [1, ["fr", "lagoon", 2, 1_796_119_200, 3600, "k"]],  # both
        [1, ["fr", "lagoon", 2, None, 3600, None]],  # evergreen without a key
        [1, ["fr", "lagoon", 9, 1_796_119_200, None, None]],  # scale out of bounds
        [1, ["fr", "lagoon", 2, -5, None, None]],  # before the epoch
        [1, ["fr", "lagoon", 2, None, MAX_DURATION_S + 1, "k"]],
        [2, ["fr", "lagoon", 2, 1_796_119_200, None, None]],  # a version we do not know
        [1, ["", "lagoon", 2, 1_796_119_200, None, None]],
        {"locale": "fr"},
        "not an array",
    ],
)
def test_a_genuine_signature_over_a_malformed_payload_is_refused(payload: object) -> None:
    assert tokens.read(Signer(SECRET, "countdown").sign(json.dumps(payload))) is None


def test_sign_refuses_a_token_that_could_not_be_read() -> None:
    with pytest.raises(ValueError, match="not both"):
        tokens.sign(CountdownToken("fr", "lagoon", 2, deadline=1, duration=2, key="k"))


def test_a_payload_that_is_not_json_is_refused() -> None:
    mac_less = _b64(b"\xff\xfe")
    assert tokens.read(mac_less + "." + mac_less) is None
    assert tokens.read(Signer(SECRET, "countdown").sign("[1, [")) is None
