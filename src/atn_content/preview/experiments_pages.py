"""Marketers' pages: every experiment, one experiment's results and plots, launching a test
from its TOML, deciding now or forcing a winner (after a confirmation page).

Launch and decide go through the API's own functions (api/experiments.py): the same
checks, the same problems, the same log. Forms work without script; each carries the
session's CSRF token.
"""

from __future__ import annotations

import tomllib
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from atn_content.api.errors import ProblemError
from atn_content.api.experiments import decide, experiment_record, launch
from atn_content.api.offload import RenderPool
from atn_content.api.pages import form_fields, form_value
from atn_content.api.problems import ProblemItem
from atn_content.content.renderer import Renderer
from atn_content.experiments.assign import Assigner
from atn_content.experiments.records import Record, phase
from atn_content.experiments.results import Results
from atn_content.experiments.service import ExperimentService
from atn_content.experiments.timeline import lift_path
from atn_content.preview.access import check_csrf
from atn_content.preview.pages import studio_page
from atn_content.preview.plots import lift_plot, posterior_plot, split_plot
from atn_content.store import StoreUnavailable
from atn_content.timestamps import iso

__all__ = ["EXPERIMENT_ROUTES"]

METRIC_NAMES = {
    "open_rate": "open rate",
    "click_rate": "click rate",
    "conversion_rate": "conversion rate",
    "revenue_per_recipient": "revenue per recipient",
}


def _srm(results: Results | None) -> tuple[str, str]:
    """(status, sentence) of the sample-ratio check, for the list and the page."""
    if results is None:
        return "unknown", "no results (the counters could not be read)"
    check = results.sample_ratio
    if not check.applicable:
        return "n/a", check.message
    return ("mismatch" if check.blocked else "ok"), check.message


@get("/studio/experiments")
async def experiment_list(
    request: Request[Any, Any, Any], service: NamedDependency[ExperimentService]
) -> Response[str]:
    return await _list_page(request, service)


async def _list_page(
    request: Request[Any, Any, Any],
    service: ExperimentService,
    toml: str = "",
    errors: list[ProblemItem] | None = None,
    status_code: int = 200,
) -> Response[str]:
    now = service.clock()
    rows = []
    for record in await service.records():
        try:
            results: Results | None = await service.results(record.key)
        except (StoreUnavailable, ValueError):
            results = None
        srm, srm_text = _srm(results)
        rows.append(
            {
                "key": record.key,
                "name": record.definition.name,
                "kind": record.definition.kind,
                "template": record.definition.template,
                "phase": phase(record, now),
                "due": iso(record.decision_due),
                "winner": record.decision.winner if record.decision else None,
                "srm": srm,
                "srm_text": srm_text,
            }
        )
    return studio_page(
        request,
        "experiments.html",
        status_code=status_code,
        title="Experiments",
        rows=rows,
        toml=toml,
        errors=errors or [],
    )


@post("/studio/experiments/launch", status_code=303)
async def launch_from_toml(
    request: Request[Any, Any, Any],
    renderer: NamedDependency[Renderer],
    service: NamedDependency[ExperimentService],
    assigner: NamedDependency[Assigner],
    pool: NamedDependency[RenderPool],
) -> Response[Any]:
    fields = form_fields(await request.body())
    check_csrf(request, form_value(fields, "csrf"))
    text = form_value(fields, "toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        item = ProblemItem(f"not valid TOML: {exc}", field="toml")
        return await _list_page(request, service, text, [item], 422)
    try:
        record = await launch(data, renderer, service, assigner, pool, source="studio")
    except ProblemError as exc:
        problem = exc.problem
        items = problem.errors or [ProblemItem(f"{problem.title}: {problem.detail}")]
        return await _list_page(request, service, text, items, problem.status)
    return Redirect(path=f"/studio/experiments/{record.key}", status_code=303)


@get("/studio/experiments/{key:str}")
async def experiment_page(
    request: Request[Any, Any, Any],
    key: FromPath[str],
    service: NamedDependency[ExperimentService],
) -> Response[str]:
    return await _experiment_page(request, service, key)


async def _experiment_page(
    request: Request[Any, Any, Any],
    service: ExperimentService,
    key: str,
    error: str = "",
    confirm: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response[str]:
    try:
        record = await experiment_record(service, key)
    except ProblemError as exc:
        return studio_page(
            request,
            "experiment_missing.html",
            status_code=exc.problem.status,
            title="Unknown experiment",
            key=key,
            detail=exc.problem.detail,
        )
    results = await service.results(key)
    timeline = await service.timeline(key)
    return studio_page(
        request,
        "experiment.html",
        status_code=status_code,
        title=record.definition.name,
        **_page_context(record, results, timeline, service.clock()),
        error=error,
        confirm=confirm,
    )


def _page_context(
    record: Record, results: Results, timeline: list[dict[str, Any]], now: float
) -> dict[str, Any]:
    definition = record.definition
    metric = METRIC_NAMES.get(results.metric, results.metric)
    successes = {"open_rate": "opens", "click_rate": "clicks"}.get(results.metric, "conversions")
    arms = [(a.variant, a.recipients, getattr(a, successes)) for a in results.arms]
    srm, srm_text = _srm(results)
    return {
        "record": record,
        "definition": definition,
        "results": results,
        "metric": metric,
        "phase": phase(record, now),
        "due": iso(record.decision_due),
        "srm": srm,
        "srm_text": srm_text,
        "rule": _rule_sentence(record, metric),
        "plots": {
            "posterior": posterior_plot(arms, metric),
            "lift": lift_plot(
                lift_path(record, timeline), [v.key for v in definition.variants[1:]]
            ),
            "split": split_plot(
                [(a.variant, a.recipients) for a in results.arms],
                record.weights or definition.weights,
            ),
        },
        "comparisons": {
            "fixed": {c.variant: c for c in results.frequentist},
            "sequential": {c.variant: c for c in results.sequential},
            "bayes": {b.variant: b for b in results.bayesian},
        },
        "variants": [v.key for v in definition.variants],
    }


def _rule_sentence(record: Record, metric: str) -> str:
    rule = record.definition.decision
    how = (
        f"a fixed-horizon test after {rule.horizon_hours:g} h"
        if rule.mode == "fixed_horizon"
        else "an always-valid sequential test, checked as the results come in"
    )
    counted = "human events only (machine opens and scanner clicks left out)"
    if rule.events == "raw":
        counted = "every event, machine ones included"
    fallback = "the control" if rule.fallback == "control" else "the best observed arm"
    automatic = "decided automatically" if rule.automatic else "decided by a person"
    return (
        f"The winner is the arm with the best {metric}, by {how} at α = {rule.alpha:g} "
        f"(Holm-adjusted across variants), counting {counted}; {automatic}. "
        f"Without a significant winner, {fallback} is sent to the rest."
    )


@post("/studio/experiments/{key:str}/decide", status_code=303)
async def decide_from_page(
    request: Request[Any, Any, Any],
    key: FromPath[str],
    service: NamedDependency[ExperimentService],
    assigner: NamedDependency[Assigner],
) -> Response[Any]:
    """Without `confirm=yes` the page asks first; then the rule decides, or `winner` wins."""
    fields = form_fields(await request.body())
    check_csrf(request, form_value(fields, "csrf"))
    winner = form_value(fields, "winner") or None
    if form_value(fields, "confirm") != "yes":
        return await _experiment_page(request, service, key, confirm={"winner": winner})
    try:
        await decide(key, winner, service, assigner)
    except ProblemError as exc:
        return await _experiment_page(
            request, service, key, error=exc.problem.detail, status_code=exc.problem.status
        )
    return Redirect(path=f"/studio/experiments/{key}", status_code=303)


EXPERIMENT_ROUTES = [experiment_list, launch_from_toml, experiment_page, decide_from_page]
