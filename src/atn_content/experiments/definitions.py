"""Experiment definitions: one TOML file in experiments/, or the JSON of POST /v1/experiments.

Parsing is strict: an unknown key, a wrong type or an impossible setting is a
DefinitionError whose problems each name the field ("variants[1].subject"), so a marketer
fixing a file sees where to look.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from typing import Any, Literal

import msgspec

from atn_content.content.headers import header_line, header_problem
from atn_content.decode_errors import field_of
from atn_content.experiments.allocation import normalise_weights

__all__ = [
    "KINDS",
    "BanditSpec",
    "DecisionSpec",
    "Definition",
    "DefinitionError",
    "NamespaceSpec",
    "PlanningSpec",
    "VariantSpec",
    "parse_definition",
    "parse_json",
    "parse_toml",
]

Kind = Literal["subject", "preheader", "from_name", "cta", "content", "template", "send_time"]
#: What a test may vary, and the variant field each kind needs.
KINDS: dict[str, str] = {
    "subject": "subject",
    "preheader": "preheader",
    "from_name": "from_name",
    "cta": "params",
    "content": "params",
    "template": "template",
    "send_time": "send_time",
}
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_VARIANT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: Longest decision horizon and rollout window: one year (a timestamp stays representable).
MAX_HOURS = 24 * 365
#: Bandit reweighting between once a minute and once a year.
BANDIT_MINUTES = (1.0, 60.0 * MAX_HOURS)
#: Significance levels a test may use: below 0.001 no email list can reach significance.
ALPHA_RANGE = (0.001, 0.5)
#: Planning audiences: below this the launch sentence has no meaning.
AUDIENCE_RANGE = (100, 1_000_000_000)
#: Smallest share of the test group an arm may get (0.1 %).
MIN_ARM_SHARE = 0.001
Scalar = str | int | float | bool


class VariantSpec(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    weight: float = 1.0
    """Relative weight (2, 1, 1 or 0.5, 0.25, 0.25); normalised to fractions."""
    subject: str | None = None
    preheader: str | None = None
    from_name: str | None = None
    template: str | None = None
    """Whole-template tests: the template this arm renders instead."""
    send_time: str | None = None
    """Send-time tests: "HH:MM" in the recipient's time zone."""
    params: dict[str, Scalar] = {}
    """Reach the template as experiment.<name> (CTA text and colour, block choice)."""
    description: str = ""


class DecisionSpec(msgspec.Struct, forbid_unknown_fields=True):
    metric: Literal["open_rate", "click_rate", "conversion_rate", "revenue_per_recipient"] = (
        "click_rate"
    )
    mode: Literal["fixed_horizon", "sequential"] = "fixed_horizon"
    horizon_hours: float = 4.0
    """Decision due this long after launch (sequential tests may decide earlier)."""
    alpha: float = 0.05
    fallback: Literal["control", "best_observed"] = "control"
    automatic: bool = True
    """False: the decision waits for POST /v1/experiments/{key}/decide."""
    events: Literal["human", "raw"] = "human"
    """Opens and clicks the decision counts: people only (machine opens, scanner clicks
    left out: tracking/humans.py), or every one ("raw")."""


class NamespaceSpec(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    start: float
    end: float


class BanditSpec(msgspec.Struct, forbid_unknown_fields=True):
    metric: Literal["open_rate", "click_rate", "conversion_rate"] = "click_rate"
    interval_minutes: float = 60.0
    min_weight: float = 0.01


class PlanningSpec(msgspec.Struct, forbid_unknown_fields=True):
    audience: int | None = None
    """List size the test fraction is taken from (for the launch sentence)."""
    baseline_rate: float | None = None
    """Expected rate of the decision metric in the control (defaults per metric)."""


class Definition(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str
    kind: Kind
    template: str
    variants: list[VariantSpec]
    description: str = ""
    test_fraction: float = 1.0
    """Share of the list in the test; the rest gets the decision's winner."""
    locales: list[str] = []
    """Only renders in these locales take part (a French subject line: ["fr"]); [] = all."""
    holdback: Literal["wait", "control"] = "wait"
    """Before the decision the rest waits (render says when it is due) or gets the control."""
    decision: DecisionSpec = msgspec.field(default_factory=DecisionSpec)
    rollout_hours: float = 72.0
    """After the decision the winner is served this long, then the experiment completes."""
    namespace: NamespaceSpec | None = None
    bandit: BanditSpec | None = None
    planning: PlanningSpec = msgspec.field(default_factory=PlanningSpec)
    seed: str = ""
    """Hash seed; defaults to the key (use a GrowthBook experiment's key to share splits)."""
    send_date: str | None = None
    """Send-time tests: the local date ("2026-11-27"); default the next such time."""

    @property
    def hash_seed(self) -> str:
        return self.seed or self.key

    @property
    def control(self) -> VariantSpec:
        return self.variants[0]

    @property
    def weights(self) -> list[float]:
        return normalise_weights([v.weight for v in self.variants])

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


class DefinitionError(ValueError):
    """Every problem found in a definition, each naming its field."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(f"{f}: {m}" if f else m for f, m in problems))


def parse_toml(text: str, source: str = "") -> Definition:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([("", f"not valid TOML: {exc}")], source) from None
    return parse_definition(data, source)


def parse_json(raw: bytes | str, source: str = "") -> Definition:
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise DefinitionError([("", f"not valid JSON: {exc}")], source) from None
    if not isinstance(data, dict):
        raise DefinitionError([("", "expected a JSON object")], source)
    return parse_definition(data, source)


def parse_definition(data: Mapping[str, Any], source: str = "") -> Definition:
    """Typed, checked definition from plain data; raises DefinitionError."""
    try:
        definition = msgspec.convert(dict(data), Definition, strict=False)
    except msgspec.ValidationError as exc:
        raise DefinitionError([field_of(str(exc))], source) from None
    problems = _check(definition)
    if problems:
        raise DefinitionError(problems, source)
    return definition


def _check(d: Definition) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    add = problems.append
    if not _KEY.match(d.key):
        add(("key", f"{d.key!r} must be lowercase letters, digits and '-' (at most 63)"))
    if not d.name.strip():
        add(("name", "must not be empty"))
    if not 2 <= len(d.variants) <= 8:
        add(("variants", f"a test needs 2 to 8 variants, got {len(d.variants)}"))
    seen: set[str] = set()
    needed = KINDS[d.kind]
    for i, v in enumerate(d.variants):
        at = f"variants[{i}]"
        if not _VARIANT_KEY.match(v.key):
            add((f"{at}.key", f"{v.key!r} must be letters, digits, '-' or '_' (at most 32)"))
        if v.key in seen:
            add((f"{at}.key", f"duplicate variant key {v.key!r}"))
        seen.add(v.key)
        if not 0 < v.weight < math.inf:
            add((f"{at}.weight", f"must be a positive number, got {v.weight}"))
        value = getattr(v, needed)
        # The control (first variant) may keep the template's own subject, sender, ...
        if (i > 0 or needed == "send_time") and not value and d.kind != "content":
            add((f"{at}.{needed}", f"a {d.kind} test needs {needed} on this variant"))
        # Subjects and preheaders are Jinja, measured when rendered; the sender is text.
        problem = header_problem("from_name", header_line(v.from_name or ""))
        if problem:
            add((f"{at}.from_name", problem))
        if v.send_time is not None and not _TIME.match(v.send_time):
            add((f"{at}.send_time", f"{v.send_time!r} must be HH:MM (24 h, local time)"))
    if not 0 < d.test_fraction <= 1:
        add(("test_fraction", f"must be in (0, 1], got {d.test_fraction}"))
    rule = d.decision
    low, high = ALPHA_RANGE
    if not low <= rule.alpha <= high:
        add(("decision.alpha", f"must be in [{low:g}, {high:g}], got {rule.alpha}"))
    _hours(add, "decision.horizon_hours", rule.horizon_hours)
    _hours(add, "rollout_hours", d.rollout_hours)
    if d.namespace is not None:
        ns = d.namespace
        if not ns.name.strip():
            add(("namespace.name", "must not be empty"))
        if not 0 <= ns.start < ns.end <= 1:
            add(("namespace", f"needs 0 <= start < end <= 1, got [{ns.start}, {ns.end})"))
    if d.bandit is not None:
        if d.test_fraction != 1:
            add(("test_fraction", "a bandit allocates the whole list: leave it at 1"))
        low_m, high_m = BANDIT_MINUTES
        if not low_m <= d.bandit.interval_minutes <= high_m:
            add(
                (
                    "bandit.interval_minutes",
                    f"must be in [{low_m:g}, {high_m:g}] (a minute to a year), "
                    f"got {d.bandit.interval_minutes}",
                )
            )
        if not 0 <= d.bandit.min_weight * len(d.variants) <= 1:
            add(("bandit.min_weight", f"{len(d.variants)} arms cannot each get it"))
    _arm_shares(add, d)
    plan = d.planning
    low_a, high_a = AUDIENCE_RANGE
    if plan.audience is not None and not low_a <= plan.audience <= high_a:
        add(("planning.audience", f"must be in [{low_a}, {high_a:,}], got {plan.audience}"))
    if plan.baseline_rate is not None and not 0.0001 <= plan.baseline_rate < 1:
        add(("planning.baseline_rate", f"must be in [0.0001, 1), got {plan.baseline_rate}"))
    if d.send_date is not None:
        try:
            dt.date.fromisoformat(d.send_date)
        except ValueError:
            add(("send_date", f"{d.send_date!r} must be a date like 2026-11-27"))
        if d.kind != "send_time":
            add(("send_date", "only send_time tests have a send date"))
    return problems


def _hours(add: Callable[[tuple[str, str]], None], field: str, hours: float) -> None:
    if not 0 < hours <= MAX_HOURS:
        add((field, f"must be in (0, {MAX_HOURS}] hours (at most a year), got {hours}"))


def _arm_shares(add: Callable[[tuple[str, str]], None], d: Definition) -> None:
    """Each arm needs a real share of the test group, and (given an audience) a recipient."""
    raw = [v.weight for v in d.variants]
    if len(raw) < 2 or not all(0 < w < math.inf for w in raw):
        return  # reported above
    shares = [w / sum(raw) for w in raw]
    for i, share in enumerate(shares):
        if share < MIN_ARM_SHARE:
            add(
                (
                    f"variants[{i}].weight",
                    f"gives {share:.2g} of the test group; each arm "
                    f"needs at least {MIN_ARM_SHARE:.1%}",
                )
            )
    audience = d.planning.audience
    if audience is None or not 0 < d.test_fraction <= 1 or audience < AUDIENCE_RANGE[0]:
        return
    smallest = audience * d.test_fraction * min(shares)
    if smallest < 1:
        add(
            (
                "test_fraction",
                f"{d.test_fraction:g} of planning.audience {audience:,} leaves the smallest "
                f"arm {smallest:.2g} recipients; each arm needs at least 1",
            )
        )
