"""Events posted to the intake are bounded, so counters and sums of squares stay finite."""

from __future__ import annotations

import msgspec
import pytest

from atn_content.experiments.intake import Observation


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "click", "recipient_id": ""}, "recipient_id"),
        ({"type": "click", "recipient_id": "x" * 300}, "recipient_id"),
        ({"type": "conversion", "recipient_id": "x", "value": -1e308}, "value"),
        ({"type": "conversion", "recipient_id": "x", "value": 1e308}, "value"),
        ({"type": "click", "recipient_id": "x", "ts": 1e308}, "ts"),
        ({"type": "click", "recipient_id": "x", "event_id": "e" * 300}, "event_id"),
    ],
)
def test_out_of_range_events_are_refused_naming_the_field(event: dict, field: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=f"`\\$.{field}`"):
        msgspec.convert(event, Observation)


def test_a_real_conversion_passes() -> None:
    event = {"type": "conversion", "recipient_id": "c-1", "value": 189_000, "ts": 1.8e9}
    assert msgspec.convert(event, Observation).value == 189_000
