"""Experiments over HTTP: launch, list, show, results, event intake, decide.

Thin controllers: the services come typed through Litestar's dependency injection (app.py),
attribution of events is experiments/attribution.py's.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from atn_content.api.auth import require_scope
from atn_content.api.errors import ProblemError
from atn_content.api.offload import RenderPool
from atn_content.api.problems import Problem, ProblemItem
from atn_content.content.errors import ContentError
from atn_content.content.renderer import Renderer
from atn_content.experiments.assign import Assigner
from atn_content.experiments.attribution import attribute
from atn_content.experiments.definitions import Definition, DefinitionError, parse_definition
from atn_content.experiments.intake import Intake, Observation
from atn_content.experiments.launch_checks import check_launch
from atn_content.experiments.records import DecisionRecord, Record, phase
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
    "decide",
    "experiment_record",
    "launch",
]

_OPT = {"scope": "experiments"}
#: Events accepted in one POST (larger feeds: several requests).
MAX_EVENTS = 10_000


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


async def experiment_record(service: ExperimentService, key: str) -> Record:
    """The stored experiment, or a 404 / 409 problem."""
    return await _get(service, key)


async def _get(service: ExperimentService, key: str) -> Record:
    try:
        return await service.get(key)
    except ExperimentNotFound:
        raise ProblemError(
            Problem(404, "Unknown experiment", f"no experiment {key!r}; see GET /v1/experiments")
        ) from None
    except ExperimentConflict as exc:  # a stored record this version cannot read
        raise _conflict(exc) from None


async def _reload(service: ExperimentService, assigner: Assigner) -> None:
    assigner.load(await service.records())


def _conflict(exc: Exception) -> ProblemError:
    return ProblemError(Problem(409, "Experiment conflict", str(exc)))


async def launch(
    data: dict[str, Any],
    renderer: Renderer,
    service: ExperimentService,
    assigner: Assigner,
    pool: RenderPool,
    source: str = "api",
) -> Record:
    """Check a definition (fields, templates, locales, every variant rendering) and launch
    it; every refusal a ProblemError naming its field. The API's and the studio's launch."""
    try:
        definition = parse_definition(data)
    except DefinitionError as exc:
        items = [ProblemItem(m, field=f or None) for f, m in exc.problems]
        raise ProblemError(
            Problem(422, "Invalid experiment definition", str(exc), errors=items)
        ) from None
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
    await pool.run(_check_launch, renderer, definition)  # compiles: off the loop
    try:
        record = await service.launch(definition, source=source)
    except ExperimentConflict as exc:
        raise _conflict(exc) from None
    await _reload(service, assigner)
    return record


async def decide(
    key: str, winner: str | None, service: ExperimentService, assigner: Assigner
) -> Record:
    """Decide now by the rule (winner None) or for `winner`: the API's and the studio's."""
    await _get(service, key)
    try:
        record = await service.decide(key, winner)
    except DecisionBlocked as exc:
        raise ProblemError(Problem(409, "Decision blocked", str(exc))) from None
    except AlreadyDecided as exc:
        problem = DecidedProblem(
            409, "Already decided", str(exc), experiment=key, decision=exc.decision
        )
        raise ProblemError(problem) from None
    except ExperimentConflict as exc:
        raise _conflict(exc) from None
    await _reload(service, assigner)
    return record


@post("/v1/experiments", guards=[require_scope], opt=_OPT, status_code=201, summary="Launch")
async def launch_experiment(
    data: JSONBody[dict[str, Any]],
    renderer: NamedDependency[Renderer],
    service: NamedDependency[ExperimentService],
    assigner: NamedDependency[Assigner],
    pool: NamedDependency[RenderPool],
) -> ExperimentView:
    """Launch an experiment from its JSON definition (the same fields as experiments/*.toml)."""
    record = await launch(data, renderer, service, assigner, pool)
    return _view(record, service.clock())


@get("/v1/experiments", guards=[require_scope], opt=_OPT, summary="List experiments")
async def list_experiments(service: NamedDependency[ExperimentService]) -> list[ExperimentView]:
    now = service.clock()
    return [_view(r, now) for r in await service.records()]


@get("/v1/experiments/{key:str}", guards=[require_scope], opt=_OPT, summary="One experiment")
async def show_experiment(
    key: FromPath[str], service: NamedDependency[ExperimentService]
) -> ExperimentView:
    """Definition, phase, decision and the full log (launch, weight changes, decision)."""
    record = await _get(service, key)
    history = await service.history(key)
    return _view(record, service.clock(), history)


@get(
    "/v1/experiments/{key:str}/results",
    guards=[require_scope],
    opt=_OPT,
    summary="Results from live counters",
)
async def experiment_results(
    key: FromPath[str], service: NamedDependency[ExperimentService]
) -> Results:
    await _get(service, key)
    return await service.results(key)


@post(
    "/v1/experiments/{key:str}/events",
    guards=[require_scope],
    opt=_OPT,
    status_code=202,
    summary="Record delivered / open / click / conversion events",
)
async def record_events(
    key: FromPath[str],
    data: JSONBody[EventBatch],
    service: NamedDependency[ExperimentService],
    assigner: NamedDependency[Assigner],
    intake: NamedDependency[Intake],
) -> EventReceipt:
    """Queued off the request path; the arm comes from the hash (or `variant`, for bandits).

    While the store is unreachable the events are checked against this replica's last
    snapshot of the experiment and spooled (still 202); unknown to it, 503.
    """
    try:
        record = await _get(service, key)
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
    if key not in assigner.keys:  # launched on another replica since the last refresh
        await _reload(service, assigner)
    accepted, reasons = 0, []
    for i, (event, (bucket, why)) in enumerate(
        zip(data.events, attribute(record, assigner, data.events), strict=True)
    ):
        if bucket is None:
            reasons.append(f"events[{i}]: {why}")
        elif not intake.observe(key, bucket, event):
            reasons.append(f"events[{i}]: machine open, not counted as a human open")
        else:
            accepted += 1
    return EventReceipt(accepted, len(data.events) - accepted, reasons)


@post(
    "/v1/experiments/{key:str}/decide",
    guards=[require_scope],
    opt=_OPT,
    status_code=200,
    summary="Decide now (by the rule, or a given winner)",
)
async def decide_experiment(
    key: FromPath[str],
    service: NamedDependency[ExperimentService],
    assigner: NamedDependency[Assigner],
    data: JSONBody[DecideRequest | None] = None,
) -> ExperimentView:
    """Without a winner the experiment's rule decides; a sample-ratio mismatch refuses (409)."""
    winner = data.winner if data is not None else None
    record = await decide(key, winner, service, assigner)
    return _view(record, service.clock())


ROUTES = [
    launch_experiment,
    list_experiments,
    show_experiment,
    experiment_results,
    record_events,
    decide_experiment,
]
