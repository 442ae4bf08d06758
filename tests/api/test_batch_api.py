"""POST /v1/render/batch: NDJSON in, NDJSON out, in order; a bad line never stops the batch."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from atn_content.delivery import split_lines

NEWSLETTER = "newsletter-destination"


def line(recipient: dict[str, Any], **changes: Any) -> bytes:
    request = {"template": NEWSLETTER, "locale": "en", "recipient": recipient, **changes}
    return json.dumps(request).encode()


def post(client: TestClient[Litestar], auth: dict[str, str], body: bytes) -> list[Any]:
    response = client.post("/v1/render/batch", headers=auth, content=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.text.endswith("\n")
    return [json.loads(text) for text in response.text.splitlines()]


def test_lines_come_back_in_order_with_results(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    recipients: list[dict[str, Any]] = [
        {"id": "b1", "last_destination": "Bora Bora"},
        {"id": "b2", "recent_searches": ["Tokyo"]},
        {"id": "b3"},
    ]
    out = post(client, auth, b"\n".join(line(r) for r in recipients) + b"\n")
    assert [(o["line"], o["recipient_id"]) for o in out] == [(1, "b1"), (2, "b2"), (3, "b3")]
    subjects = [o["result"]["subject"] for o in out]
    assert subjects == [
        "Return to Bora Bora with 15% off",
        "Tokyo awaits",
        "Your next escape to the islands of Tahiti",
    ]
    single = client.post("/v1/render", headers=auth, json=json.loads(line(recipients[0]))).json()
    assert out[0]["result"] == single


def test_bad_lines_get_a_problem_with_their_line_number_and_the_batch_goes_on(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    lines = [
        line({"id": "ok-1"}),
        b"{not json",
        b"",
        line({"first_name": "no id"}),
        line({"id": "x"}, template="nope"),
        line({"id": "y"}, locale="de"),
        line({"id": "z"}, extra=1),
        b'{"template": "t", "locale": "en", "recipient": {"a": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}",
        b"   ",
        line({"id": "ok-2"}),
    ]
    out = post(client, auth, b"\n".join(lines))
    by_line = {o["line"]: o for o in out}
    assert list(by_line) == [1, 2, 4, 5, 6, 7, 8, 10]
    assert by_line[1]["result"]["template"] == NEWSLETTER
    assert by_line[10]["result"] and by_line[10]["recipient_id"] == "ok-2"
    statuses = {n: o["error"]["status"] for n, o in by_line.items() if "error" in o}
    assert statuses == {2: 400, 4: 422, 5: 404, 6: 422, 7: 422, 8: 400}
    assert by_line[4]["error"]["errors"] == [{"message": "is required", "field": "recipient.id"}]
    assert by_line[5]["recipient_id"] == "x"
    for problem in (o["error"] for o in out if "error" in o):
        assert problem["title"] and problem["detail"]


def test_oversized_line_is_reported_and_skipped(client_with: Any, auth: dict[str, str]) -> None:
    small = client_with(max_batch_line_bytes=2048)
    big = line({"id": "big", "pad": "x" * 10_000})
    out = post(small, auth, b"\n".join([line({"id": "a"}), big, line({"id": "c"})]))
    assert [o["line"] for o in out] == [1, 2, 3]
    assert out[1]["error"]["status"] == 413 and out[1]["recipient_id"] is None
    assert out[0]["result"] and out[2]["result"]


def test_empty_batch_gives_an_empty_stream(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    response = client.post("/v1/render/batch", headers=auth, content=b"")
    assert response.status_code == 200 and response.content == b""


def test_many_lines_are_flushed_in_order(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    body = b"\n".join(line({"id": f"r{i}"}) for i in range(60))
    out = post(client, auth, body)
    assert [o["recipient_id"] for o in out] == [f"r{i}" for i in range(60)]


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ((b"ab\ncd", b"\nef"), [b"ab", b"cd", b"ef"]),
        ((b"a", b"b", b"c\n"), [b"abc"]),
        ((b"\n\n",), [b"", b""]),
        ((b"12345678", b"90\nok\n"), [b"12345678", b"ok"]),
        ((b"123", b"456789", b"0123\nok"), [b"123456789", b"ok"]),
    ],
)
async def test_split_lines_recuts_chunks_and_cuts_long_lines(
    parts: tuple[bytes, ...], expected: list[bytes]
) -> None:
    assert [x async for x in split_lines(_chunks(*parts), max_bytes=6)] == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    st.booleans(),
    st.lists(st.integers(1, 9), min_size=1, max_size=20),
    st.integers(1, 8),
)
async def test_split_lines_keeps_every_line_in_order_and_cuts_only_long_ones(
    lines: list[bytes], trailing_newline: bool, cuts: list[int], max_bytes: int
) -> None:
    """Whatever the chunking: one output per input line, in order; a line within the limit
    comes out whole, a longer one as a prefix still over the limit (reported as too large)."""
    body = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    chunks, at = [], 0
    for size in cuts * (len(body) // max(sum(cuts), 1) + 1):
        chunks.append(body[at : at + size])
        at += size
    out = [x async for x in split_lines(_chunks(*chunks), max_bytes)]
    expected = lines if body else []
    if lines and not trailing_newline and lines[-1] == b"":
        expected = lines[:-1]  # a body ending in "\n" has no empty last line
    assert len(out) == len(expected)
    for got, line in zip(out, expected, strict=True):
        if len(line) <= max_bytes:
            assert got == line
        else:
            assert line.startswith(got) and len(got) > max_bytes
