"""A failed render says where: the recipient field whose value broke it, or the template
file and line (through blocks) where it broke. Both once said only "Template error"."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.content.test_hostile_input import content_root
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import RecipientError, RenderError
from atn_content.content.renderer import Renderer

ROOT = Path(__file__).resolve().parents[2]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"s" * 32))


def booking(departure: object) -> dict[str, object]:
    leg = {"flight_number": "TN7", "from": "CDG", "to": "PPT", "departure": departure}
    return {"id": "r1", "booking": {"pnr": "AB12CD", "flights": [leg]}}


def test_a_bad_value_deep_in_a_dict_names_the_field(shipped: Renderer) -> None:
    with pytest.raises(RecipientError) as caught:
        shipped.render("booking-confirmation", "en", booking("tomorrow"))
    [problem] = caught.value.problems
    assert problem.field == "recipient.booking.flights[0].departure"
    assert "'tomorrow'" in problem.message
    line = line_of(ROOT / "blocks/itinerary.mjml", "leg.departure|flight_date")
    assert f"blocks/itinerary.mjml:{line}" in problem.message


def test_a_failure_the_data_cannot_explain_names_the_block_line(shipped: Renderer) -> None:
    with pytest.raises(RenderError) as caught:
        shipped.render("booking-confirmation", "en", booking(5))
    [problem] = caught.value.problems
    line = line_of(ROOT / "blocks/itinerary.mjml", "leg.departure|flight_date")
    assert (problem.file, problem.line) == ("blocks/itinerary.mjml", line)


TEMPLATE = """+++
subject = "Hi"
[fields.count]
type = "int"
default = 1
+++
<mjml><mj-body><mj-section><mj-column>
<mj-text>{{ recipient.count }} {{ 100 // (recipient.count - 1) }} {{ recipient.count }}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""


def test_the_line_is_the_template_line_even_when_mjml_joins_lines(tmp_path: Path) -> None:
    root = content_root(tmp_path, {"divide": TEMPLATE})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    assert "100" in renderer.render("divide", "en", {"id": "r1", "count": 2}).html
    with pytest.raises(RenderError) as caught:
        renderer.render("divide", "en", {"id": "r1", "count": 1})
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("templates/divide.mjml", 8)
    assert "ZeroDivisionError" in problem.message
