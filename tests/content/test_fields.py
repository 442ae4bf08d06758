"""Declared recipient fields: parsing the front matter and checking one recipient."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atn_content.content.errors import RecipientError
from atn_content.content.fields import (
    DEFAULT_MAX_LENGTH,
    FIELD_TYPES,
    MAX_ID_LENGTH,
    RecipientId,
    parse_fields,
    recipient_id_problem,
    validate_recipient,
)

DECLARED = {
    "first_name": {"type": "str", "default": ""},
    "recent_searches": {"type": "list[str]", "default": []},
    "email": {"type": "email"},
    "miles": {"type": "int", "default": 0, "description": "Club Tiare miles"},
}


@pytest.fixture
def fields() -> Any:
    return parse_fields(DECLARED, "templates/t.mjml")


def test_id_is_always_required_and_defaults_make_fields_optional(fields: Any) -> None:
    assert fields["id"].required and fields["id"].type == "str"
    assert fields["email"].required
    assert not fields["first_name"].required and fields["first_name"].default == ""
    assert fields["miles"].as_schema() == {
        "type": "int",
        "required": False,
        "default": 0,
        "description": "Club Tiare miles",
    }
    assert fields["email"].as_schema() == {
        "type": "email",
        "required": True,
        "max_length": DEFAULT_MAX_LENGTH,
    }


@pytest.mark.parametrize(
    ("declaration", "complaint"),
    [
        ({"age": "int"}, "fields.age must be a table"),
        ({"age": {"type": "integer"}}, "fields.age: unknown type 'integer'"),
        ({"age": {"type": "int", "default": "ten"}}, "fields.age: default 'ten' is not an integer"),
    ],
)
def test_bad_declarations_name_the_field(declaration: Any, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_fields(declaration, "templates/t.mjml")


def test_valid_recipient_gets_defaults_and_lists_fallbacks(fields: Any) -> None:
    recipient = {"id": "r1", "email": "hina@example.pf", "first_name": "Hina", "extra": 1}
    values, fallbacks = validate_recipient(recipient, fields)
    assert fallbacks == ["recent_searches", "miles"]
    assert values == {**recipient, "recent_searches": [], "miles": 0}


def test_defaults_are_copied_not_shared(fields: Any) -> None:
    values, _ = validate_recipient({"id": "r1", "email": "a@b.pf"}, fields)
    values["recent_searches"].append("Tokyo")
    again, _ = validate_recipient({"id": "r2", "email": "a@b.pf"}, fields)
    assert again["recent_searches"] == []


def test_null_counts_as_missing(fields: Any) -> None:
    values, fallbacks = validate_recipient(
        {"id": "r1", "email": "a@b.pf", "first_name": None}, fields
    )
    assert values["first_name"] == "" and "first_name" in fallbacks


def test_every_problem_is_reported_at_once_with_its_path(fields: Any) -> None:
    bad = {"first_name": ["Hina"], "recent_searches": ["Tokyo", 3], "miles": True}
    with pytest.raises(RecipientError) as caught:
        validate_recipient(bad, fields)
    problems = {p.field: p.message for p in caught.value.problems}
    assert problems == {
        "recipient.id": "is required",
        "recipient.email": "is required",
        "recipient.first_name": "must be a string, got a list",
        "recipient.recent_searches": "must be a list of strings, got a list",
        "recipient.miles": "must be an integer, got a boolean",
    }
    assert "recipient.email: is required" in str(caught.value)


def test_integer_id_becomes_a_string(fields: Any) -> None:
    values, _ = validate_recipient({"id": 42, "email": "a@b.pf"}, fields)
    assert values["id"] == "42"


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        ("str", "x", 1),
        ("email", "hina@example.pf", "hina at example"),
        ("int", 3, 3.5),
        ("number", 3.5, "3.5"),
        ("bool", False, 0),
        ("list[str]", ["a"], ["a", None]),
        ("list", [1, "a"], "a"),
        ("dict", {"a": 1}, [("a", 1)]),
        ("date", "2026-11-26", "26/11/2026"),
        ("datetime", "2026-11-26T10:00:00+10:00", "tomorrow"),
    ],
)
def test_each_type_accepts_its_values_only(type_: str, good: Any, bad: Any) -> None:
    assert type_ in FIELD_TYPES
    fields = parse_fields({"v": {"type": type_}}, "t")
    validate_recipient({"id": "r", "v": good}, fields)
    with pytest.raises(RecipientError, match=r"recipient\.v: must be"):
        validate_recipient({"id": "r", "v": bad}, fields)


_ID_VALUES = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**300), max_value=10**300),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=3), max_size=2),
)


@given(_ID_VALUES)
def test_an_accepted_id_is_one_short_header_safe_line(value: object) -> None:
    fields = parse_fields({}, "t.mjml")
    try:
        values, _ = validate_recipient({"id": value}, fields)
    except RecipientError as exc:
        assert [p.field for p in exc.problems] == ["recipient.id"]
        return
    rid = values["id"]
    assert isinstance(rid, str) and rid.strip()
    assert len(rid) <= MAX_ID_LENGTH
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", rid)


@given(st.text(max_size=300))
def test_request_schemas_and_renders_share_one_id_rule(value: str) -> None:
    """Events are decoded with RecipientId; renders check recipient_id_problem."""
    try:
        msgspec.convert(value, RecipientId)
        decoded = True
    except msgspec.ValidationError:
        decoded = False
    assert decoded == (recipient_id_problem(value) is None)
