"""HMAC tokens for public URLs: what we sign verifies, anything altered does not."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
            assert signer.unsign(forged) is None, forged


def _spellings(part: str) -> list[str]:
    """Other base64 spellings of the same bytes: padding, the standard alphabet, and
    last characters differing only in the unused low bits."""
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    found = {part + "=" * (-len(part) % 4), part + "=="}
    found.add(base64.b64encode(raw).decode().rstrip("="))  # '+' and '/' for '-' and '_'
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for ch in alphabet:
        other = part[:-1] + ch
        try:
            same = base64.urlsafe_b64decode(other + "=" * (-len(other) % 4)) == raw
        except ValueError:
            continue
        if same:
            found.add(other)
    found.add(part[:4] + "\n" + part[4:])  # a line break the decoder would skip
    found.discard(part)
    return sorted(found)


def test_only_the_canonical_encoding_is_accepted() -> None:
    signer = Signer(SECRET, "unsubscribe")
    payload = "newsletter\nr-1?+/"  # its base64 holds '-' and '_'
    token = signer.sign(payload)
    data, mac = token.split(".")
    assert "-" in data or "_" in data
    variants = [f"{d}.{mac}" for d in _spellings(data)] + [f"{data}.{m}" for m in _spellings(mac)]
    assert len({v.split(".")[1][-1] for v in variants if v.startswith(data + ".")}) >= 16
    for variant in variants:
        assert signer.unsign(variant) is None, variant
    assert signer.unsign(token) == payload


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


def test_rotation_signs_with_the_current_secret_and_verifies_the_previous_ones() -> None:
    old, older, new = b"o" * 32, b"p" * 32, b"n" * 32
    token_old, token_older = Signer(old, "click").sign("x"), Signer(older, "click").sign("x")
    rotated = Signer(new, "click", previous=[old, older])
    assert rotated.sign("x") == Signer(new, "click").sign("x")
    assert rotated.unsign(token_old) == rotated.unsign(token_older) == "x"
    assert Signer(new, "click").unsign(token_old) is None  # retired for good once dropped
    assert rotated.unsign(Signer(b"q" * 32, "click").sign("x")) is None
    with pytest.raises(ValueError):
        Signer(new, "click", previous=[b"short"])


@given(
    secret=st.binary(min_size=16, max_size=100),
    purpose=st.text(max_size=20),
    payload=st.text(max_size=300),
)
def test_a_token_is_base64url_payload_and_truncated_standard_hmac_sha256(
    secret: bytes, purpose: str, payload: str
) -> None:
    """What other services (or a later version of this one) need to verify our links."""
    key = hmac.new(secret, purpose.encode(), hashlib.sha256).digest()
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16]
    expected = ".".join(
        base64.urlsafe_b64encode(part).rstrip(b"=").decode() for part in (payload.encode(), mac)
    )
    assert Signer(secret, purpose).sign(payload) == expected
