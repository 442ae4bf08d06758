"""What a click or an open does: verify the token, tell a person from a machine, count.

Counting goes through the Intake (the EventBuffer: batched, off the request path, spooled
while the store is down), so a redirect never waits on the store. Per event:

- campaign counters, scope `campaign:<template>`, bucket = template version: `click` /
  `open` (raw), `click.human` / `open.human`, per link `click@<link id>` and
  `click.human@<link id>` (click maps), all unique per recipient;
- the evidence of a machine event as counters `click.machine:<evidence>` /
  `open.machine:<evidence>` (every event, not unique) and one log line;
- a recipient in an experiment: `click`/`open` and their `.human` twins under the
  experiment and the recipient's arm (experiments/attribution.py, as the events API does).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from atn_content.experiments.assign import Assigner
from atn_content.experiments.attribution import event_bucket
from atn_content.experiments.intake import Intake, Observation
from atn_content.store.base import Event
from atn_content.tracking.clicks import ClickLinks, Tracked, TrackedRead
from atn_content.tracking.humans import BURST_WINDOW_S, Facts, classify, in_burst

__all__ = ["CAMPAIGN_SCOPE", "Outcome", "Tracker"]

#: Scope prefix of a campaign's (template's) counters.
CAMPAIGN_SCOPE = "campaign:"
#: Recipients whose recent clicks are remembered for burst detection (per replica).
_RECENT_MAX = 50_000
log = logging.getLogger("atn_content.tracking")


@dataclass(frozen=True, slots=True)
class Outcome:
    read: TrackedRead
    machine: bool = False
    evidence: tuple[str, ...] = ()


class Tracker:
    def __init__(
        self,
        links: ClickLinks,
        link_count: Callable[[str, str], int | None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.links = links
        self._link_count = link_count
        self._clock = clock
        self._recent: OrderedDict[tuple[str, str, str], list[tuple[float, str]]] = OrderedDict()

    def click(self, token: str, facts: Facts, intake: Intake, assigner: Assigner) -> Outcome:
        return self._handle(token, "c", facts, intake, assigner)

    def open(self, token: str, facts: Facts, intake: Intake, assigner: Assigner) -> Outcome:
        return self._handle(token, "o", facts, intake, assigner)

    def _handle(
        self,
        token: str,
        kind: Literal["c", "o"],
        facts: Facts,
        intake: Intake,
        assigner: Assigner,
    ) -> Outcome:
        now = self._clock()
        read = self.links.read(token, kind, now)
        tracked = read.tracked
        if tracked is None:
            return Outcome(read)
        facts = replace(facts, since_issue_s=now - tracked.issued)
        if kind == "c":
            facts = replace(facts, burst=self._burst(tracked, now))
        machine, evidence = classify(facts)
        self._count(tracked, machine, evidence, now, intake, assigner)
        return Outcome(read, machine, evidence)

    def _burst(self, t: Tracked, now: float) -> bool:
        key = (t.recipient_id, t.campaign, t.version)
        recent = [c for c in self._recent.pop(key, []) if now - c[0] <= BURST_WINDOW_S]
        recent.append((now, t.link))
        self._recent[key] = recent
        while len(self._recent) > _RECENT_MAX:
            self._recent.popitem(last=False)
        return in_burst(recent, now, self._link_count(t.campaign, t.version))

    def _count(
        self,
        t: Tracked,
        machine: bool,
        evidence: tuple[str, ...],
        now: float,
        intake: Intake,
        assigner: Assigner,
    ) -> None:
        metric = "click" if t.kind == "c" else "open"
        scope, rid = CAMPAIGN_SCOPE + t.campaign, t.recipient_id
        metrics = [metric] if machine else [metric, metric + ".human"]
        if t.kind == "c" and t.link:
            metrics += [f"{m}@{t.link}" for m in list(metrics)]
        for name in metrics:
            intake.record(Event(scope, t.version, name, rid, now, unique=True))
        for reason in evidence:
            intake.record(
                Event(scope, t.version, f"{metric}.machine:{reason}", rid, now, unique=False)
            )
        if machine:
            log.info(
                "machine %s on %s (%s) for recipient %s: %s",
                metric,
                t.campaign,
                t.link or "pixel",
                rid,
                ", ".join(evidence),
            )
        bucket = self._arm(t, metric, assigner)
        if bucket is not None and t.experiment is not None:
            for name in [metric] if machine else [metric, metric + ".human"]:
                intake.record(Event(t.experiment, bucket, name, rid, now, unique=True))

    @staticmethod
    def log_failure(kind: str) -> None:
        log.exception("counting an %s failed; the pixel was answered anyway", kind)

    @staticmethod
    def _arm(t: Tracked, metric: str, assigner: Assigner) -> str | None:
        """The recipient's arm in the token's experiment, None when it does not count."""
        record = assigner.record(t.experiment) if t.experiment else None
        if record is None or record.status == "draft":
            return None
        observation = Observation(
            "click" if metric == "click" else "open",
            t.recipient_id,
            variant=t.variant,
            locale=t.locale,
        )
        variants = {v.key for v in record.definition.variants}
        return event_bucket(record, assigner, variants, observation).bucket
