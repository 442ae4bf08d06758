"""Recipient data and output are bounded: a render is milliseconds, whatever is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.content.test_hostile_input import content_root
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import LimitError, RecipientError, TemplateError
from atn_content.content.fields import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_LENGTH,
    DEFAULT_TEXT_BUDGET,
    parse_fields,
    size_problem,
)
from atn_content.content.renderer import MAX_PART_LENGTH, Renderer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"s" * 32))


def flight(**changes: Any) -> dict[str, Any]:
    return {
        "flight_number": "TN7",
        "from": "CDG",
        "to": "PPT",
        "departure": "2027-03-02T09:00:00+01:00",
        "arrival": "2027-03-02T23:59:00-10:00",
        **changes,
    }


def refused_fields(renderer: Renderer, template: str, recipient: dict[str, Any]) -> list[str]:
    with pytest.raises(RecipientError) as caught:
        renderer.render(template, "en", recipient)
    return [p.field for p in caught.value.problems]


def test_a_hundred_thousand_flights_are_refused_naming_the_list(shipped: Renderer) -> None:
    """Once 22 s and 33.6 MB of HTML while every other request waited."""
    booking = {"pnr": "AB12CD", "flights": [flight()] * 100_000}
    assert refused_fields(shipped, "booking-confirmation", {"id": "r1", "booking": booking}) == [
        "recipient.booking.flights"
    ]


def test_a_booking_holds_what_a_pnr_can(shipped: Renderer) -> None:
    """Templates declare `max_items = 12` on booking: flights and passengers."""
    booking = {"pnr": "AB12CD", "flights": [flight()] * 12}
    email = shipped.render("booking-confirmation", "en", {"id": "r1", "booking": booking})
    assert email.html.count("TN7") >= 12
    booking["flights"] = [flight()] * 13
    assert refused_fields(shipped, "booking-confirmation", {"id": "r1", "booking": booking}) == [
        "recipient.booking.flights"
    ]


def test_a_long_string_deep_inside_is_named_by_its_path(shipped: Renderer) -> None:
    flights = [flight(), flight(), flight(to="P" * (DEFAULT_MAX_LENGTH + 1))]
    recipient = {"id": "r1", "booking": {"flights": flights}}
    assert refused_fields(shipped, "booking-confirmation", recipient) == [
        "recipient.booking.flights[2].to"
    ]


def test_undeclared_data_is_bounded_too(shipped: Renderer) -> None:
    recipient = {"id": "r1", "notes": ["x"] * (DEFAULT_MAX_ITEMS + 1)}
    assert refused_fields(shipped, "booking-confirmation", recipient) == ["recipient.notes"]


def test_all_the_text_of_a_recipient_is_bounded(shipped: Renderer) -> None:
    """Each string within its bound, but together far more than any email prints."""
    recipient = {"id": "r1", **{f"note_{i}": "x" * DEFAULT_MAX_LENGTH for i in range(6)}}
    assert DEFAULT_MAX_LENGTH * 6 > DEFAULT_TEXT_BUDGET
    assert refused_fields(shipped, "booking-confirmation", recipient) == ["recipient"]


MULTIPLIER = """+++
subject = "Hi"
[fields.name]
type = "str"
default = ""
+++
<mjml><mj-body><mj-section><mj-column><mj-text>
{% for i in range(400) %}{{ recipient.name }}{% endfor %}
</mj-text></mj-column></mj-section></mj-body></mjml>
"""


def test_output_over_the_cap_is_a_limit_error_naming_the_template(tmp_path: Path) -> None:
    """Data within every bound can still multiply into a runaway email."""
    root = content_root(tmp_path, {"multiplier": MULTIPLIER})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    assert renderer.render("multiplier", "en", {"id": "r1", "name": "Ana"}).html.count("Ana") == 400
    with pytest.raises(LimitError) as caught:
        renderer.render("multiplier", "en", {"id": "r1", "name": "x" * DEFAULT_MAX_LENGTH})
    assert caught.value.part == "html"
    assert caught.value.file == "templates/multiplier.mjml"
    assert f"{MAX_PART_LENGTH:,}" in str(caught.value)


def test_a_field_may_declare_larger_bounds() -> None:
    fields = parse_fields({"items": {"type": "list", "default": [], "max_items": 500}}, "t.mjml")
    assert fields["items"].max_items == 500
    assert fields["items"].as_schema()["max_items"] == 500
    assert size_problem(["a"] * 500, "recipient.items", 500, 10) is None


@pytest.mark.parametrize("bad", [0, -1, 10**9, "many", 1.5, True])
def test_a_bad_bound_declaration_names_the_field(bad: object) -> None:
    with pytest.raises(ValueError, match=r"fields\.items: max_items"):
        parse_fields({"items": {"type": "list", "default": [], "max_items": bad}}, "t.mjml")


def test_a_template_with_a_bad_bound_breaks_only_itself(tmp_path: Path) -> None:
    body = (
        '+++\nsubject = "Hi"\n[fields.items]\ntype = "list"\ndefault = []\nmax_items = 0\n+++\n'
        "<mjml><mj-body><mj-section><mj-column><mj-text>x</mj-text></mj-column>"
        "</mj-section></mj-body></mjml>\n"
    )
    root = content_root(tmp_path, {"bad": body})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    with pytest.raises(TemplateError, match="max_items"):
        renderer.render("bad", "en", {"id": "r1"})


_DATA = st.recursive(
    st.none() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=3), inner, max_size=6)
    ),
    max_leaves=40,
)


def _biggest(value: Any) -> tuple[int, int]:
    """Largest container size and longest string anywhere inside."""
    if isinstance(value, str):
        return 0, len(value)
    if isinstance(value, list | dict):
        inner = [_biggest(v) for v in (value.values() if isinstance(value, dict) else value)]
        return (
            max([len(value), *(i for i, _ in inner)]),
            max([0, *(s for _, s in inner)]),
        )
    return 0, 0


@given(_DATA, st.integers(1, 6), st.integers(1, 12))
def test_size_problem_agrees_with_a_recursive_count(value: Any, items: int, length: int) -> None:
    biggest_container, longest_string = _biggest(value)
    problem = size_problem(value, "recipient.x", items, length)
    assert (problem is None) == (biggest_container <= items and longest_string <= length)
    if problem is not None:
        assert problem.field.startswith("recipient.x")
