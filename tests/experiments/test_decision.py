"""decide(): winners, inconclusive fallbacks, sample-ratio blocks, both modes."""

from __future__ import annotations

from atn_content.experiments.decision import ArmCounts, DecisionRule, decide

EVEN3 = (1 / 3, 1 / 3, 1 / 3)


def _arms(*clicks: int, n: int = 3200) -> list[ArmCounts]:
    names = "ABCDEFGH"
    return [ArmCounts(names[i], n, n, clicks=c) for i, c in enumerate(clicks)]


def test_clear_winner_is_rolled_out_with_a_reason() -> None:
    decision = decide(_arms(96, 100, 150), EVEN3, DecisionRule())
    assert decision.winner == "C"
    assert decision.conclusive and not decision.srm_blocked
    assert "'C' beats control 'A' on click rate" in decision.reason
    assert all(c.p_adjusted >= c.p_value for c in decision.comparisons)


def test_inconclusive_falls_back_to_control_or_best_observed() -> None:
    arms = _arms(96, 104, 99)
    to_control = decide(arms, EVEN3, DecisionRule(fallback="control"))
    to_best = decide(arms, EVEN3, DecisionRule(fallback="best_observed"))
    assert (to_control.winner, to_best.winner) == ("A", "B")
    assert not to_control.conclusive and not to_best.conclusive
    assert to_control.reason.startswith("Inconclusive")
    assert "fallback" in to_best.reason and "'B'" in to_best.reason


def test_control_wins_when_it_beats_every_variant() -> None:
    decision = decide(_arms(150, 90, 95), EVEN3, DecisionRule())
    assert decision.winner == "A"
    assert decision.conclusive


def test_sample_ratio_mismatch_blocks_the_decision() -> None:
    arms = [ArmCounts("A", 3200, clicks=96), ArmCounts("B", 2900, clicks=150)]
    decision = decide(arms, (0.5, 0.5), DecisionRule())
    assert decision.winner is None
    assert decision.srm_blocked and not decision.conclusive
    assert "blocked" in decision.reason and "2,900" in decision.reason


def test_sequential_mode_is_more_cautious_than_fixed_horizon() -> None:
    arms = _arms(96, 130, n=3200)
    fixed = decide(arms, (0.5, 0.5), DecisionRule(mode="fixed_horizon"))
    sequential = decide(arms, (0.5, 0.5), DecisionRule(mode="sequential", tuning=6400))
    assert fixed.winner == "B" and fixed.conclusive
    assert not sequential.conclusive
    assert "sequential" in sequential.reason
    strong = decide(_arms(96, 180), (0.5, 0.5), DecisionRule(mode="sequential", tuning=6400))
    assert strong.winner == "B" and strong.conclusive


def test_revenue_per_recipient_uses_welch() -> None:
    def arm(name: str, buyers: int, basket: float) -> ArmCounts:
        return ArmCounts(
            name,
            4000,
            conversions=buyers,
            revenue=buyers * basket,
            revenue_squares=buyers * basket * basket,
        )

    rule = DecisionRule(metric="revenue_per_recipient")
    decision = decide([arm("A", 40, 90_000.0), arm("B", 80, 95_000.0)], (0.5, 0.5), rule)
    assert decision.winner == "B"
    assert "revenue per recipient" in decision.reason
    sequential = decide(
        [arm("A", 40, 90_000.0), arm("B", 80, 95_000.0)],
        (0.5, 0.5),
        DecisionRule(metric="revenue_per_recipient", mode="sequential", tuning=8000),
    )
    assert sequential.comparisons[0].p_value >= decision.comparisons[0].p_value


def test_fresh_experiment_without_recipients_is_inconclusive() -> None:
    decision = decide(_arms(0, 0, n=0), (0.5, 0.5), DecisionRule(mode="sequential"))
    assert decision.winner == "A"
    assert not decision.conclusive and not decision.srm_blocked
