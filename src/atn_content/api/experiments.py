"""Experiments over HTTP: launch, list, show, results, event intake, decide; and the step
the render endpoints take for a recipient in an experiment (`render_with_experiment`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from atn_content.api.auth import require_scope
from atn_content.api.errors import ProblemError
from atn_content.api.offload import in_worker
from atn_content.api.problems import Problem, ProblemItem
from atn_content.api.schemas import RenderResponse, to_response
from atn_content.content.errors import ContentError, FieldProblem, RecipientError
from atn_content.content.fields import recipient_id_problem
from atn_content.content.renderer import Renderer
from atn_content.experiments.assign import Assigner, Assignment
from atn_content.experiments.definitions import Definition, DefinitionError, parse_definition
from atn_content.experiments.intake import ExposureSink, Intake, Observation
from atn_content.experiments.launch_checks import check_launch
from atn_content.experiments.lifecycle import DecisionRecord, Record, phase
from atn_content.experiments.results import Results
from atn_content.experiments.service import (
    AlreadyDecided,
    DecisionBlocked,
    ExperimentConflict,
    ExperimentNotFound,
    ExperimentService,
)
from atn_content.store import StoreUnavailable
from atn_content.timestamps import iso

__all__ = [
    "ROUTES",
    "DecidedProblem",
    "ExperimentView",
    "WaitingProblem",
    "render_with_experiment",
]

_OPT = {"scope": "experiments"}
#: Events accepted in one POST (larger feeds: several requests).
MAX_EVENTS = 10_000


class WaitingProblem(Problem):
    """The recipient is in the holdback and the winner is not known yet."""

    experiment: str = ""
    decision_due: str | None = None
    blocked: str | None = None
    """Why the automatic decision did not happen (sample-ratio mismatch, no data)."""


class DecidedProblem(Problem):
    """409: the experiment was decided already; the decision that stands."""

    experiment: str = ""
    decision: DecisionRecord | None = None


class ExperimentView(msgspec.Struct):
    key: str
    name: str
    kind: str
    template: str
    phase: str
    source: str
    launched_at: str | None
    decision_due: str | None
    test_fraction: float
    weights: list[float]
    weights_version: int
    planning: str
    decision: DecisionRecord | None
    blocked: str
    definition: dict[str, Any]
    history: list[dict[str, Any]] | None = None


class EventBatch(msgspec.Struct, forbid_unknown_fields=True):
    events: list[Observation]


class EventReceipt(msgspec.Struct):
    accepted: int
    ignored: int
    reasons: list[str]


class DecideRequest(msgspec.Struct, forbid_unknown_fields=True):
    winner: str | None = None


def _check_launch(renderer: Renderer, definition: Definition) -> None:
    """A variant that cannot render (or a parameter that is not what its name says) is a
    422 naming it at launch, not a "Template error" for every recipient in its arm."""
    problems = check_launch(renderer, definition)
    if problems:
        items = [ProblemItem(p.message, field=p.field) for p in problems]
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise ProblemError(Problem(422, "Invalid experiment definition", detail, errors=items))


def render_with_experiment(
    renderer: Renderer,
    assigner: Assigner | None,
    intake: ExposureSink | None,
    template: str,
    locale: str,
    recipient: Mapping[str, Any],
) -> RenderResponse:
    """Render with the recipient's arm, if an experiment runs on the template.

    Holdback recipients waiting for the decision get a 409 problem saying when it is due.
    """
    problem = recipient_id_problem(recipient["id"]) if "id" in recipient else None
    if problem:  # before the assignment: a bad id must not be put in an arm, or held back
        raise RecipientError([FieldProblem("recipient.id", problem)])
    assignment = assigner.assign(template, recipient, locale) if assigner is not None else None
    if assignment is None:
        return to_response(renderer.render(template, locale, recipient))
    if assignment.status == "waiting":
        raise ProblemError(_waiting(assignment))
    email = renderer.render(assignment.template, locale, recipient, assignment.variant)
    if intake is not None:
        intake.exposure(assignment, str(recipient["id"]))
    return to_response(email, assignment)


def _waiting(a: Assignment, now: dt.datetime | None = None) -> WaitingProblem:
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


def _view(
    record: Record, now: float, history: list[dict[str, Any]] | None = None
) -> ExperimentView:
    d = record.definition
    return ExperimentView(
        key=d.key,
        name=d.name,
        kind=d.kind,
        template=d.template,
        phase=phase(record, now),
        source=record.source,
        launched_at=iso(record.launched_at),
        decision_due=iso(record.decision_due),
        test_fraction=d.test_fraction,
        weights=record.weights or d.weights,
        weights_version=record.weights_version,
        planning=record.planning,
        decision=record.decision,
        blocked=record.blocked,
        definition=d.to_dict(),
        history=history,
    )


def _service(state: State) -> ExperimentService:
    service: ExperimentService = state.experiments
    return service


async def _get(state: State, key: str) -> Record:
    try:
        return await _service(state).get(key)
    except ExperimentNotFound:
        raise ProblemError(
            Problem(404, "Unknown experiment", f"no experiment {key!r}; see GET /v1/experiments")
        ) from None
    except ExperimentConflict as exc:  # a stored record this version cannot read
        raise _conflict(exc) from None


async def _reload(state: State) -> None:
    state.assigner.load(await _service(state).records())


def _conflict(exc: Exception) -> ProblemError:
    return ProblemError(Problem(409, "Experiment conflict", str(exc)))


@post("/v1/experiments", guards=[require_scope], opt=_OPT, status_code=201, summary="Launch")
async def launch_experiment(data: JSONBody[dict[str, Any]], state: State) -> ExperimentView:
    """Launch an experiment from its JSON definition (the same fields as experiments/*.toml)."""
    try:
        definition = parse_definition(data)
    except DefinitionError as exc:
        items = [ProblemItem(m, field=f or None) for f, m in exc.problems]
        raise ProblemError(
            Problem(422, "Invalid experiment definition", str(exc), errors=items)
        ) from None
    renderer: Renderer = state.renderer
    for field, name in [("template", definition.template)] + [
        (f"variants[{i}].template", v.template)
        for i, v in enumerate(definition.variants)
        if v.template
    ]:
        try:
            renderer.library.get(name)
        except ContentError as exc:
            raise ProblemError(
                Problem(422, "Unknown template", str(exc), errors=[ProblemItem(str(exc), field)])
            ) from None
    for i, locale in enumerate(definition.locales):
        if locale not in renderer.locales:
            detail = f"unknown locale {locale!r}; known: {', '.join(renderer.locales)}"
            item = ProblemItem(detail, field=f"locales[{i}]")
            raise ProblemError(Problem(422, "Unknown locale", detail, errors=[item]))
    await in_worker(state, _check_launch, renderer, definition)  # compiles: off the loop
    try:
        record = await _service(state).launch(definition, source="api")
    except ExperimentConflict as exc:
        raise _conflict(exc) from None
    await _reload(state)
    return _view(record, _service(state).clock())


@get("/v1/experiments", guards=[require_scope], opt=_OPT, summary="List experiments")
async def list_experiments(state: State) -> list[ExperimentView]:
    service = _service(state)
    now = service.clock()
    return [_view(r, now) for r in await service.records()]


@get("/v1/experiments/{key:str}", guards=[require_scope], opt=_OPT, summary="One experiment")
async def show_experiment(key: FromPath[str], state: State) -> ExperimentView:
    """Definition, phase, decision and the full log (launch, weight changes, decision)."""
    record = await _get(state, key)
    history = await _service(state).history(key)
    return _view(record, _service(state).clock(), history)


@get(
    "/v1/experiments/{key:str}/results",
    guards=[require_scope],
    opt=_OPT,
    summary="Results from live counters",
)
async def experiment_results(key: FromPath[str], state: State) -> Results:
    await _get(state, key)
    return await _service(state).results(key)


@post(
    "/v1/experiments/{key:str}/events",
    guards=[require_scope],
    opt=_OPT,
    status_code=202,
    summary="Record delivered / open / click / conversion events",
)
async def record_events(
    key: FromPath[str], data: JSONBody[EventBatch], state: State
) -> EventReceipt:
    """Queued off the request path; the arm comes from the hash (or `variant`, for bandits).

    While the store is unreachable the events are checked against this replica's last
    snapshot of the experiment and spooled (still 202); unknown to it, 503.
    """
    assigner: Assigner = state.assigner
    try:
        record = await _get(state, key)
    except StoreUnavailable:
        snapshot = assigner.record(key)
        if snapshot is None:
            raise
        record = snapshot
    if record.status == "draft":
        raise _conflict(ExperimentConflict(f"experiment {key!r} has not been launched"))
    if len(data.events) > MAX_EVENTS:
        raise ProblemError(
            Problem(413, "Too many events", f"send at most {MAX_EVENTS} events per request")
        )
    variants = {v.key for v in record.definition.variants}
    if key not in assigner.keys:  # launched on another replica since the last refresh
        await _reload(state)
    intake: Intake = state.intake
    accepted, reasons = 0, []
    for i, event in enumerate(data.events):
        bucket, why = _event_bucket(record, assigner, variants, event)
        if bucket is None:
            reasons.append(f"events[{i}]: {why}")
        elif not intake.observe(key, bucket, event):
            reasons.append(f"events[{i}]: machine open, not counted as a human open")
        else:
            accepted += 1
    return EventReceipt(accepted, len(data.events) - accepted, reasons)


def _event_bucket(
    record: Record, assigner: Assigner, variants: set[str], event: Observation
) -> tuple[str | None, str]:
    """The counters bucket of one event, or None and why it cannot belong to the test.

    Bandits take the event's `variant` (weights change, so the hash today may differ from
    the send); fixed splits trust the hash, and a `variant` contradicting it is refused.
    """
    d, rid = record.definition, event.recipient_id
    if event.variant is not None and event.variant not in variants:
        return None, f"unknown variant {event.variant!r}"
    if d.locales and event.locale is not None and event.locale not in d.locales:
        return None, f"locale {event.locale!r} is not in the test ({', '.join(d.locales)})"
    if d.bandit is not None and event.variant is not None:
        return event.variant, ""
    hashed = assigner.bucket(d.key, rid)
    if hashed is None:
        return None, f"recipient {rid!r} is not in {d.key!r}"
    if event.variant is not None and hashed in variants and hashed != event.variant:
        return None, f"recipient {rid!r} is in arm {hashed!r}, not {event.variant!r}"
    return hashed, ""


@post(
    "/v1/experiments/{key:str}/decide",
    guards=[require_scope],
    opt=_OPT,
    status_code=200,
    summary="Decide now (by the rule, or a given winner)",
)
async def decide_experiment(
    key: FromPath[str], state: State, data: JSONBody[DecideRequest | None] = None
) -> ExperimentView:
    """Without a winner the experiment's rule decides; a sample-ratio mismatch refuses (409)."""
    await _get(state, key)
    winner = data.winner if data is not None else None
    try:
        record = await _service(state).decide(key, winner)
    except DecisionBlocked as exc:
        raise ProblemError(Problem(409, "Decision blocked", str(exc))) from None
    except AlreadyDecided as exc:
        problem = DecidedProblem(
            409, "Already decided", str(exc), experiment=key, decision=exc.decision
        )
        raise ProblemError(problem) from None
    except ExperimentConflict as exc:
        raise _conflict(exc) from None
    await _reload(state)
    return _view(record, _service(state).clock())


ROUTES = [
    launch_experiment,
    list_experiments,
    show_experiment,
    experiment_results,
    record_events,
    decide_experiment,
]
