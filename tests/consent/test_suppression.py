"""suppressed(): which rule refuses a template to a recipient, and since when."""

from __future__ import annotations

import pytest

from atn_content.consent.suppression import (
    Held,
    merge_preferences,
    merge_unsubscribe,
    suppressed,
)
from atn_content.store import Preferences, Unsubscribe

T0 = 1_795_000_000.0
NEVER = "frequency-never"
EVERY = "unsubscribed-everything"


def prefs(frequency: str, topics: tuple[str, ...], ts: float = T0) -> Preferences:
    return Preferences("r1", frequency, topics, "ja", ts)


def held(*writes: Unsubscribe | Preferences) -> Held | None:
    state: Held | None = None
    for write in writes:
        if isinstance(write, Unsubscribe):
            state = merge_unsubscribe(state, write)
        else:
            state = merge_preferences(state, write)
    return state


ALL = ("promotions", "inspiration", "travel-information")


@pytest.mark.parametrize(
    ("writes", "list_id", "content", "reason", "since"),
    [
        ((), "abandoned", "promotions", None, None),
        ((Unsubscribe("r1", "abandoned", T0, "other"),), "abandoned", "", "unsubscribed", T0),
        ((Unsubscribe("r1", "abandoned", T0),), "trip", "travel-information", None, None),
        ((Unsubscribe("r1", "*", T0 + 1, source="bounce"),), "trip", "", EVERY, T0 + 1),
        ((prefs("never", ALL),), "trip", "travel-information", "frequency-never", T0),
        ((prefs("monthly", ("inspiration",)),), "abandoned", "promotions", "content-type", T0),
        ((prefs("monthly", ("inspiration",)),), "newsletter", "inspiration", None, None),
        ((prefs("weekly", ()),), "newsletter", "", None, None),  # undeclared: topics do not filter
        # The latest preferences win; an older replay changes nothing.
        ((prefs("never", (), T0 + 5), prefs("weekly", ALL, T0)), "x", "", NEVER, T0 + 5),
        ((prefs("never", ()), prefs("weekly", ALL, T0 + 5)), "x", "promotions", None, None),
        # The first unsubscribe from a list is the one kept.
        ((Unsubscribe("r1", "x", T0), Unsubscribe("r1", "x", T0 + 9)), "x", "", "unsubscribed", T0),
    ],
)  # fmt: skip
def test_the_first_rule_that_applies_refuses(
    writes: tuple[Unsubscribe | Preferences, ...],
    list_id: str,
    content: str,
    reason: str | None,
    since: float | None,
) -> None:
    found = suppressed(held(*writes), list_id, content)
    assert (found.reason if found else None, found.since if found else None) == (reason, since)


def test_an_erasure_wins_over_everything() -> None:
    state = Held(erased_at=T0)
    found = suppressed(state, "trip", "travel-information")
    assert found is not None and (found.reason, found.since) == ("erased", T0)


def test_the_detail_says_what_the_recipient_asked() -> None:
    found = suppressed(held(Unsubscribe("r1", "*", T0, "never-signed-up", "complaint")), "x", "")
    assert found is not None
    assert "every list" in found.detail and "complaint" in found.detail
    assert "never-signed-up" in found.detail
