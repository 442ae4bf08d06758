"""The one delivery path: a render request -> the recipient's arm -> the render -> the exposure.

POST /v1/render, POST /v1/render/batch, `atn-content render` and `atn-content batch` all
render through a Delivery, so a running experiment applies the same way everywhere (the
CLI's batch once rendered without it and ignored running tests). A batch is NDJSON: one
request a line in, one result or problem a line out; a bad line never stops the batch.

The API awaits the `*_async` methods: the renders run in the render pool's threads and
the exposures met there are recorded on the loop afterwards (the EventBuffer is not
thread-safe). The CLI calls the plain methods, with no intake: its renders are previews
and exports, not sends, so they record no exposure.

Kept free of scipy (tests/test_delivery.py): the statistics load only for experiments
administration, never for a render.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from typing import Any

import msgspec

from atn_content.api.errors import ProblemError
from atn_content.api.offload import Exposures, RenderPool
from atn_content.api.problems import (
    Problem,
    ProblemItem,
    problem_for_content_error,
    problem_for_decode_error,
)
from atn_content.api.schemas import RenderRequest, RenderResponse, to_response
from atn_content.content.errors import ContentError, FieldProblem, RecipientError
from atn_content.content.fields import recipient_id_problem
from atn_content.content.renderer import Renderer
from atn_content.experiments.assign import Assigner, Assignment
from atn_content.experiments.intake import ExposureSink
from atn_content.features import Gate
from atn_content.sending import Send, sending
from atn_content.store.base import StoreUnavailable
from atn_content.timestamps import iso

__all__ = ["Delivery", "WaitingProblem", "split_lines"]

log = logging.getLogger("atn_content.batch")
_decoder = msgspec.json.Decoder(RenderRequest)
_encoder = msgspec.json.Encoder()
#: Lines rendered per trip to a worker thread: one hop per line would cost more than a
#: render; a group stays a few milliseconds of work, so the loop is never held long.
_GROUP_LINES = 16
_GROUP_BYTES = 262_144


class WaitingProblem(Problem):
    """The recipient is in the holdback and the winner is not known yet."""

    experiment: str = ""
    decision_due: str | None = None
    blocked: str | None = None
    """Why the automatic decision did not happen (sample-ratio mismatch, no data)."""


class _LineResult(msgspec.Struct, omit_defaults=True):
    line: int
    recipient_id: str | None
    result: msgspec.Raw | None = None
    error: Problem | None = None


class Delivery:
    """Renders requests with their experiment arm and reports the exposures."""

    def __init__(
        self,
        renderer: Renderer,
        assigner: Assigner,
        *,
        max_line_bytes: int,
        intake: ExposureSink | None = None,
        pool: RenderPool | None = None,
        gates: Sequence[Gate] = (),
    ) -> None:
        self.renderer = renderer
        self.gates = tuple(gates)
        """Asked before every render (the features' gates: suppression)."""
        self.assigner = assigner
        self.max_line_bytes = max_line_bytes
        self.intake = intake
        """Where the async methods record exposures (None: nowhere)."""
        self.pool = pool or RenderPool()

    def render(
        self,
        template: str,
        locale: str,
        recipient: Mapping[str, Any],
        exposures: ExposureSink | None = None,
        *,
        tracking: bool = True,
        arm: tuple[str, str] | None = None,
    ) -> RenderResponse:
        """Render with the recipient's arm, if an experiment runs on the template.

        Holdback recipients waiting for the decision get a 409 problem saying when it is due;
        a gate refuses a recipient who must not get this template (409 "Recipient
        suppressed"), whatever arm they are in. `tracking=False`: no click rewriting, no
        open pixel (read by tracking, sending.py). `arm` = (experiment, variant): render
        that arm whatever the recipient's own (a preview; 422 when no such arm runs).
        """
        problem = recipient_id_problem(recipient["id"]) if "id" in recipient else None
        if problem:  # before the assignment: a bad id must not be put in an arm, or held back
            raise RecipientError([FieldProblem("recipient.id", problem)])
        if arm is None:
            assignment = self.assigner.assign(template, recipient, locale)
        else:
            assignment = self._forced(template, arm, recipient)
        if self.gates and "id" in recipient:
            source = self.renderer.library.get(assignment.template if assignment else template)
            for gate in self.gates:
                gate(source, str(recipient["id"]))
        if assignment is None:
            with sending(Send(tracking)):
                return to_response(self.renderer.render(template, locale, recipient))
        if assignment.status == "waiting":
            raise ProblemError(waiting_problem(assignment))
        with sending(Send(tracking, assignment.experiment)):
            email = self.renderer.render(assignment.template, locale, recipient, assignment.variant)
        if exposures is not None:
            exposures.exposure(assignment, str(recipient["id"]))
        return to_response(email, assignment)

    def _forced(
        self, template: str, arm: tuple[str, str], recipient: Mapping[str, Any]
    ) -> Assignment:
        assignment = self.assigner.assign_arm(template, *arm, recipient)
        if assignment is None:
            running = [f"{key}:{v}" for key, keys in self.assigner.arms(template) for v in keys]
            raise ProblemError(
                Problem(
                    422,
                    "Unknown variant",
                    f"no running experiment on {template!r} has the arm {':'.join(arm)!r}; "
                    f"arms: {', '.join(running) or 'none'}",
                    errors=[ProblemItem(f"unknown arm {':'.join(arm)!r}", field="variant")],
                )
            )
        return assignment

    def render_line(self, number: int, raw: bytes, exposures: ExposureSink | None = None) -> bytes:
        """One NDJSON output line for input line `number`: its result or its problem."""
        recipient_id: str | None = None
        try:
            if len(raw) > self.max_line_bytes:
                raise _TooLarge(self.max_line_bytes)
            request = _decoder.decode(raw)
            recipient = request.recipient
            recipient_id = str(recipient.get("id")) if "id" in recipient else None
            response = self.render(
                request.template, request.locale, recipient, exposures, tracking=request.tracking
            )
            out = _LineResult(number, recipient_id, result=msgspec.Raw(_encoder.encode(response)))
        except msgspec.MsgspecError as exc:
            out = _LineResult(number, recipient_id, error=problem_for_decode_error(exc))
        except ContentError as exc:
            out = _LineResult(number, recipient_id, error=problem_for_content_error(exc))
        except ProblemError as exc:  # waiting for an experiment's decision, suppressed
            out = _LineResult(number, recipient_id, error=exc.problem)
        except StoreUnavailable as exc:  # a gate that has not read the store yet
            problem = Problem(503, "Store unavailable", f"{exc}; retry this line later")
            out = _LineResult(number, recipient_id, error=problem)
        except _TooLarge as exc:
            out = _LineResult(number, None, error=Problem(413, "Line too large", str(exc)))
        except RecursionError:
            # msgspec gives up on absurdly nested JSON; one such line must not end the batch.
            detail = "the JSON is nested too deeply"
            item = ProblemItem(detail)
            out = _LineResult(
                number, None, error=Problem(400, "Malformed JSON", detail, errors=[item])
            )
        except Exception:  # a bug must cost one line, not the rest of the stream
            log.exception("batch line %d failed unexpectedly", number)
            detail = "an unexpected error occurred on this line; it has been logged"
            out = _LineResult(number, recipient_id, error=Problem(500, "Internal error", detail))
        return _encoder.encode(out) + b"\n"

    def render_lines(
        self, lines: Iterable[bytes], exposures: ExposureSink | None = None
    ) -> Iterator[bytes]:
        """Output lines of a whole batch, numbered from 1; blank lines are skipped."""
        for number, raw in enumerate(lines, start=1):
            if raw.strip():
                yield self.render_line(number, raw, exposures)

    async def render_async(
        self, template: str, locale: str, recipient: Mapping[str, Any], *, tracking: bool = True
    ) -> RenderResponse:
        """`render` in the render pool; its exposure recorded on the calling loop."""
        exposures = Exposures()
        response = await self.pool.run(
            functools.partial(self.render, tracking=tracking),
            template,
            locale,
            recipient,
            exposures,
        )
        exposures.replay(self.intake)
        return response

    async def render_stream(self, lines: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """Output of a streamed batch, a group of lines per trip to the render pool."""
        exposures = Exposures()

        def render_group(group: list[tuple[int, bytes]]) -> bytes:
            return b"".join(self.render_line(n, raw, exposures) for n, raw in group)

        group: list[tuple[int, bytes]] = []
        group_bytes = number = 0
        async for raw in split_lines(lines, self.max_line_bytes):
            number += 1
            if raw.strip():
                group.append((number, raw))
                group_bytes += len(raw)
            if len(group) < _GROUP_LINES and group_bytes < _GROUP_BYTES:
                continue
            out = await self.pool.run(render_group, group)
            exposures.replay(self.intake)
            group, group_bytes = [], 0
            yield out
        if group:
            out = await self.pool.run(render_group, group)
            exposures.replay(self.intake)
            yield out


def waiting_problem(a: Assignment, now: dt.datetime | None = None) -> WaitingProblem:
    """409 for a holdback recipient: when to render again, or, once the due time has
    passed, why the decision has not happened (a blocked one needs someone to decide)."""
    due = iso(a.decision_due.timestamp()) if a.decision_due else None
    overdue = a.decision_due is not None and a.decision_due <= (now or dt.datetime.now(dt.UTC))
    head = (
        f"waiting for decision: this recipient is in the holdback of experiment "
        f"{a.experiment!r}, which gets the winner once it is decided"
    )
    if a.blocked:
        detail = (
            f"{head}; the decision (due {due}) is blocked: {a.blocked} Decide it with "
            f"POST /v1/experiments/{a.experiment}/decide and a winner"
        )
    elif overdue:
        detail = f"{head}; the decision was due {due} and is taken at the next scheduled check"
    else:
        detail = f"{head} (due {due}); render again after that time"
    return WaitingProblem(
        409,
        "Waiting for decision",
        detail,
        experiment=a.experiment,
        decision_due=due,
        blocked=a.blocked or None,
    )


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
