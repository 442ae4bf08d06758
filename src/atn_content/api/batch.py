"""NDJSON batch rendering: one line in, one line out, memory bounded by one line.

A bad line yields a problem object carrying its line number and the batch goes on.
Used by POST /v1/render/batch and by `atn-content batch`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator

import msgspec

from atn_content.api.errors import ProblemError
from atn_content.api.experiments import render_with_experiment
from atn_content.api.problems import (
    Problem,
    ProblemItem,
    problem_for_content_error,
    problem_for_decode_error,
)
from atn_content.api.schemas import RenderRequest
from atn_content.content.errors import ContentError
from atn_content.content.renderer import Renderer
from atn_content.experiments.assign import Assigner
from atn_content.experiments.intake import ExposureSink

__all__ = ["render_line", "render_lines", "split_lines"]

log = logging.getLogger("atn_content.batch")
_decoder = msgspec.json.Decoder(RenderRequest)
_encoder = msgspec.json.Encoder()


class _LineResult(msgspec.Struct, omit_defaults=True):
    line: int
    recipient_id: str | None
    result: msgspec.Raw | None = None
    error: Problem | None = None


def render_line(
    renderer: Renderer,
    number: int,
    raw: bytes,
    max_bytes: int,
    assigner: Assigner | None = None,
    intake: ExposureSink | None = None,
) -> bytes:
    recipient_id: str | None = None
    try:
        if len(raw) > max_bytes:
            raise _TooLarge(max_bytes)
        request = _decoder.decode(raw)
        recipient_id = str(request.recipient.get("id")) if "id" in request.recipient else None
        response = render_with_experiment(
            renderer, assigner, intake, request.template, request.locale, request.recipient
        )
        out = _LineResult(number, recipient_id, result=msgspec.Raw(_encoder.encode(response)))
    except msgspec.MsgspecError as exc:
        out = _LineResult(number, recipient_id, error=problem_for_decode_error(exc))
    except ContentError as exc:
        out = _LineResult(number, recipient_id, error=problem_for_content_error(exc))
    except ProblemError as exc:  # e.g. waiting for an experiment's decision
        out = _LineResult(number, recipient_id, error=exc.problem)
    except _TooLarge as exc:
        out = _LineResult(number, None, error=Problem(413, "Line too large", str(exc)))
    except RecursionError:
        # msgspec gives up on absurdly nested JSON; one such line must not end the batch.
        detail = "the JSON is nested too deeply"
        out = _LineResult(
            number, None, error=Problem(400, "Malformed JSON", detail, errors=[ProblemItem(detail)])
        )
    except Exception:  # a bug must cost one line, not the rest of the stream
        log.exception("batch line %d failed unexpectedly", number)
        detail = "an unexpected error occurred on this line; it has been logged"
        out = _LineResult(number, recipient_id, error=Problem(500, "Internal error", detail))
    return _encoder.encode(out) + b"\n"


def render_lines(
    renderer: Renderer,
    lines: Iterable[bytes],
    max_bytes: int,
    assigner: Assigner | None = None,
    intake: ExposureSink | None = None,
) -> Iterator[bytes]:
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            yield render_line(renderer, number, raw, max_bytes, assigner, intake)


async def split_lines(chunks: AsyncIterator[bytes], max_bytes: int) -> AsyncIterator[bytes]:
    """Re-cut a byte stream into lines without holding more than one line's worth.

    A line longer than max_bytes is yielded once, cut short (render_line reports it as
    too large), and the rest of it is skipped.
    """
    pending = b""
    skipping = False
    async for chunk in chunks:
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        for line in parts:
            if skipping:
                skipping = False
                continue
            yield line
        if skipping:
            pending = b""
        elif len(pending) > max_bytes:
            yield pending
            pending, skipping = b"", True
    if pending and not skipping:
        yield pending


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a batch line may hold at most {limit} bytes")
