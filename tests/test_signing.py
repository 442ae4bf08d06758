"""HMAC tokens for public URLs: what we sign verifies, anything altered does not."""

from __future__ import annotations

import base64

import pytest

from atn_content.signing import Signer

SECRET = b"s" * 32


def test_round_trip_including_unicode() -> None:
    signer = Signer(SECRET, "unsubscribe")
    for payload in ["newsletter\nr-1", "", "Māuruuru ボラボラ", "a.b.c/?="]:
        token = signer.sign(payload)
        assert signer.unsign(token) == payload
        assert "=" not in token and "/" not in token and "+" not in token


def test_tokens_are_deterministic_and_short() -> None:
    signer = Signer(SECRET, "unsubscribe")
    assert signer.sign("x") == signer.sign("x")
    assert len(signer.sign("x").split(".")[1]) == 22  # 16 bytes of MAC, base64url


def test_every_single_character_change_is_refused() -> None:
    signer = Signer(SECRET, "unsubscribe")
    token = signer.sign("newsletter\nr-1")
    for i, ch in enumerate(token):
        if ch == ".":
            continue
        for replacement in "AQgw_-":
            if replacement == ch:
                continue
            forged = token[:i] + replacement + token[i + 1 :]
            # base64 padding bits may decode to the same bytes; the payload must then match.
            assert signer.unsign(forged) in (None, "newsletter\nr-1"), forged


def test_swapped_payload_keeps_no_signature() -> None:
    signer = Signer(SECRET, "unsubscribe")
    mac = signer.sign("newsletter\nr-1").split(".")[1]
    data = base64.urlsafe_b64encode(b"newsletter\nr-2").rstrip(b"=").decode()
    assert signer.unsign(f"{data}.{mac}") is None


def test_purpose_and_secret_separate_keys() -> None:
    token = Signer(SECRET, "unsubscribe").sign("r-1")
    assert Signer(SECRET, "click").unsign(token) is None
    assert Signer(b"t" * 32, "unsubscribe").unsign(token) is None


@pytest.mark.parametrize(
    "garbage",
    ["", ".", "abc", "abc.", ".abc", "!!!.???", "a.b.c", "ë.ë", "_w.AAAA"],
)
def test_garbage_never_raises(garbage: str) -> None:
    assert Signer(SECRET, "unsubscribe").unsign(garbage) is None


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Signer(b"short", "unsubscribe")
