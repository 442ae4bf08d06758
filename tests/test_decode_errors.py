"""One reading of msgspec's messages: the field they are about, and the message without it."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from atn_content.decode_errors import field_of


class Flight(msgspec.Struct, forbid_unknown_fields=True):
    departure: str


class Booking(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    flights: list[Flight] = []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"id": 3}, "id", "Expected `str`, got `int`"),
        ({}, "id", "Object missing required field `id`"),
        ({"id": "b", "seat": "3A"}, "seat", "Object contains unknown field `seat`"),
        ({"id": "b", "flights": [{}]}, "flights[0].departure", None),
        ({"id": "b", "flights": [{"departure": 1}]}, "flights[0].departure", None),
        ([], "", "Expected `object`, got `array`"),
    ],
)
def test_the_field_and_the_message_without_its_location(
    data: Any, field: str, message: str | None
) -> None:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(data, Booking)
    found, text = field_of(str(caught.value))
    assert found == field
    assert " - at `" not in text
    if message is not None:
        assert text == message
