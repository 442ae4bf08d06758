"""Offline evaluation: a time-based split, each strategy against popularity in one run.

Train on every interaction before the cutoff; for each recipient with an interaction at or
after it, the test item is their next one (the first after the cutoff), ranked from the
model's history as of the cutoff (the moment the email would be sent). One relevant item
per recipient, so recall@k is the hit rate and precision@k is hits / k. The lift of the
blend over popularity gets a bootstrap confidence interval over recipients.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import Interaction
from atn_content.recommendations.rank import STRATEGIES, recommend
from atn_content.recommendations.train import train

__all__ = ["Evaluation", "StrategyScore", "bootstrap_lift", "evaluate", "split"]


class StrategyScore(msgspec.Struct, frozen=True):
    strategy: str
    precision: float
    recall: float
    ndcg: float
    coverage: float


class Evaluation(msgspec.Struct, frozen=True):
    """What `recs evaluate` prints."""

    k: int
    cutoff: float
    train_interactions: int
    test_recipients: int
    cold_recipients: int
    scores: tuple[StrategyScore, ...]
    lift: float
    lift_low: float
    lift_high: float
    confidence: float

    def score(self, strategy: str) -> StrategyScore:
        return next(s for s in self.scores if s.strategy == strategy)


def split(
    interactions: Sequence[Interaction], cutoff: float
) -> tuple[list[Interaction], dict[str, Interaction]]:
    """(training rows before the cutoff, each recipient's first interaction at or after)."""
    past = [i for i in interactions if i.ts < cutoff]
    following: dict[str, Interaction] = {}
    for i in interactions:
        if i.ts >= cutoff:
            seen = following.get(i.recipient_id)
            if seen is None or i.ts < seen.ts:
                following[i.recipient_id] = i
    return past, following


def bootstrap_lift(
    treatment: npt.NDArray[np.float64],
    baseline: npt.NDArray[np.float64],
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Relative lift mean(treatment) / mean(baseline) - 1 and its percentile bootstrap
    interval, resampling recipients (paired: both arms see the same resample)."""
    n = len(treatment)
    point = float(treatment.mean() / baseline.mean() - 1) if baseline.sum() else float("inf")
    rng = np.random.default_rng(seed)
    lifts: list[npt.NDArray[np.float64]] = []
    chunk = max(1, min(resamples, 2_000_000 // max(n, 1)))
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        picks = rng.integers(0, n, size=(size, n))
        t = treatment[picks].mean(axis=1)
        b = baseline[picks].mean(axis=1)
        # A resample whose baseline has no hit has no defined lift: left out (nan).
        ratio = np.divide(t, b, out=np.full(size, np.nan), where=b > 0)
        lifts.append(ratio - 1)
        done += size
    all_lifts = np.concatenate(lifts)
    if np.isnan(all_lifts).all():
        return point, float("nan"), float("nan")
    tail = (1 - confidence) / 2 * 100
    low, high = np.nanpercentile(all_lifts, [tail, 100 - tail])
    return point, float(low), float(high)


def evaluate(
    interactions: Sequence[Interaction],
    catalogue: Catalogue,
    cutoff: float,
    *,
    k: int = 3,
    strategies: Sequence[str] = STRATEGIES,
    resamples: int = 1000,
    seed: int = 0,
) -> Evaluation:
    """Every strategy (and popularity, the baseline) on the same recipients and model."""
    past, following = split(interactions, cutoff)
    if not past:
        raise ValueError("no interaction before the cutoff: nothing to train on")
    if not following:
        raise ValueError("no interaction at or after the cutoff: nothing to test on")
    model = train(past, catalogue, trained_at=cutoff)
    recipients = sorted(following)
    wanted = [following[r].destination for r in recipients]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    hits: dict[str, npt.NDArray[np.float64]] = {}
    scores: list[StrategyScore] = []
    for strategy in dict.fromkeys([*strategies, "popularity"]):
        hit = np.zeros(len(recipients))
        gain = np.zeros(len(recipients))
        shown: set[str] = set()
        for row, rid in enumerate(recipients):
            market = model.markets.get(rid) or following[rid].market
            recs = recommend(
                model, catalogue, model.recipient_history(rid),
                market=market, now=cutoff, k=k, strategy=strategy,
            )  # fmt: skip
            codes = [r.destination for r in recs]
            shown.update(codes)
            if wanted[row] in codes:
                hit[row] = 1.0
                gain[row] = discount[codes.index(wanted[row])]
        hits[strategy] = hit
        scores.append(
            StrategyScore(
                strategy=strategy,
                precision=float(hit.mean() / k),
                recall=float(hit.mean()),
                ndcg=float(gain.mean()),
                coverage=len(shown) / len(catalogue),
            )
        )
    treatment = hits.get("blend", hits[next(iter(hits))])
    lift, low, high = bootstrap_lift(treatment, hits["popularity"], resamples=resamples, seed=seed)
    return Evaluation(
        k=k,
        cutoff=cutoff,
        train_interactions=len(past),
        test_recipients=len(recipients),
        cold_recipients=sum(1 for r in recipients if not model.recipient_history(r)),
        scores=tuple(scores),
        lift=lift,
        lift_low=low,
        lift_high=high,
        confidence=0.95,
    )
