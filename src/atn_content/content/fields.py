"""Recipient fields a template declares, and checking one recipient against them.

Policy (better than printing blanks): a missing required field is an error naming it; a
missing optional field takes its declared default and is reported in `fallbacks`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from atn_content.content.errors import FieldProblem, RecipientError
from atn_content.content.headers import LINE_BREAK_CHARACTERS

__all__ = [
    "FIELD_TYPES",
    "ID_PATTERN",
    "MAX_ID_LENGTH",
    "FieldSpec",
    "RecipientId",
    "parse_fields",
    "recipient_id_problem",
    "size_problem",
    "validate_recipient",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_date(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _is_datetime(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        dt.datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


#: Declarable field types, with the check a value must pass and how to name it in errors.
FIELD_TYPES: dict[str, tuple[Any, str]] = {
    "str": (_is_str, "a string"),
    "email": (lambda v: isinstance(v, str) and bool(_EMAIL.match(v)), "an email address"),
    "int": (_is_int, "an integer"),
    "number": (_is_number, "a number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "list[str]": (_is_str_list, "a list of strings"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "dict": (lambda v: isinstance(v, dict), "an object"),
    "date": (_is_date, "an ISO 8601 date (YYYY-MM-DD)"),
    "datetime": (_is_datetime, "an ISO 8601 date-time"),
}


#: Items a list (or keys an object) in recipient data may hold unless its field declares
#: `max_items`: templates loop over them (100,000 flights once made 33 MB of HTML in 22 s).
DEFAULT_MAX_ITEMS = 100
#: Characters a string in recipient data may hold unless its field declares `max_length`
#: (a long booking-management URL fits).
DEFAULT_MAX_LENGTH = 2_000
#: Characters of text one recipient may carry in all, unless a field declares a longer
#: `max_length`: a render costs about a microsecond per character it prints, so this keeps
#: the slowest accepted body within a few times a normal one (about 1,500 characters).
DEFAULT_TEXT_BUDGET = 10_000
#: The most a declaration may allow: a render stays a matter of milliseconds.
ITEMS_CEILING = 10_000
LENGTH_CEILING = 1_000_000
_SIZED = frozenset({"str", "email", "list[str]", "list", "dict"})
_COUNTED = frozenset({"list[str]", "list", "dict"})


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    default: Any = None
    description: str = ""
    max_items: int = DEFAULT_MAX_ITEMS
    """For lists and objects: most items in any list (or keys in any object) inside."""
    max_length: int = DEFAULT_MAX_LENGTH
    """Most characters in any string inside the value."""

    def as_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type, "required": self.required}
        if not self.required:
            schema["default"] = self.default
        if self.description:
            schema["description"] = self.description
        if self.type in _COUNTED:
            schema["max_items"] = self.max_items
        if self.type in _SIZED:
            schema["max_length"] = self.max_length
        return schema


def parse_fields(raw: Mapping[str, Any], file: str) -> dict[str, FieldSpec]:
    """Read `[fields.NAME]` tables; a field without a default is required.

    `id` is always required (unsubscribe links and experiment allocation need it).
    Raises ValueError with a message naming the field on a bad declaration.
    """
    specs: dict[str, FieldSpec] = {"id": FieldSpec("id", "str", required=True)}
    if not isinstance(raw, Mapping):
        raise ValueError('fields must be tables such as [fields.first_name] type = "str"')
    for name, decl in raw.items():
        if not isinstance(decl, Mapping):
            raise ValueError(f'fields.{name} must be a table such as {{ type = "str" }}')
        type_ = decl.get("type", "str")
        if not isinstance(type_, str) or type_ not in FIELD_TYPES:
            raise ValueError(
                f"fields.{name}: unknown type {type_!r}; use one of {', '.join(FIELD_TYPES)}"
            )
        has_default = "default" in decl
        required = bool(decl.get("required", not has_default))
        default = decl.get("default")
        if has_default and not required and not FIELD_TYPES[type_][0](default):
            raise ValueError(f"fields.{name}: default {default!r} is not {FIELD_TYPES[type_][1]}")
        limits = {
            key: _limit(decl, key, name, ceiling)
            for key, ceiling in (("max_items", ITEMS_CEILING), ("max_length", LENGTH_CEILING))
            if key in decl
        }
        specs[name] = FieldSpec(
            name, type_, required, default, str(decl.get("description", "")), **limits
        )
    return specs


def _limit(decl: Mapping[str, Any], key: str, name: str, ceiling: int) -> int:
    value = decl[key]
    if not _is_int(value) or not 1 <= value <= ceiling:
        raise ValueError(f"fields.{name}: {key} must be an integer from 1 to {ceiling:,}")
    return int(value)


def size_problem(value: Any, path: str, max_items: int, max_length: int) -> FieldProblem | None:
    """The first list, object or string inside `value` over its limit, named by its path
    (recipient.booking.flights), or None."""
    return _measure(value, path, max_items, max_length)[1]


_CONTAINERS = (dict, list, tuple, Mapping)
#: Values without text to measure (a str is measured: it is text).
_SCALARS = (bool, int, float, type(None))


def _measure(
    value: Any, path: str, max_items: int, max_length: int
) -> tuple[int, FieldProblem | None]:
    """(characters of text inside `value`, the first bound it breaks or None), in one
    iterative walk that spells out a path only for the problem: this runs on every render."""
    if isinstance(value, str):
        if len(value) > max_length:
            return len(value), _too_long(path, len(value), max_length)
        return len(value), None
    if not isinstance(value, _CONTAINERS):
        return 0, None
    total = 0
    stack: list[_Node] = [(value, None, path)]
    while stack:
        node = stack.pop()
        item = node[0]
        mapping = isinstance(item, Mapping)
        if len(item) > max_items:
            what = "keys" if mapping else "items"
            return total, FieldProblem(
                _path(node), f"has {len(item):,} {what}; at most {max_items:,} allowed"
            )
        for key, child in item.items() if mapping else enumerate(item):
            if mapping and isinstance(key, str):
                total += len(key)
            if isinstance(child, str):
                total += len(child)
                if len(child) > max_length:
                    return total, _too_long(_path((child, node, key)), len(child), max_length)
            elif isinstance(child, _CONTAINERS):
                stack.append((child, node, key))
    return total, None


def _too_long(path: str, length: int, limit: int) -> FieldProblem:
    return FieldProblem(path, f"is {length:,} characters long; at most {limit:,} allowed")


#: (value, parent node, key in the parent or the root's path).
_Node = tuple[Any, Any, Any]


def _path(node: _Node) -> str:
    parts: list[str] = []
    while node[1] is not None:
        key = node[2]
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
        node = node[1]
    return str(node[2]) + "".join(reversed(parts))


def validate_recipient(
    recipient: Mapping[str, Any], fields: Mapping[str, FieldSpec]
) -> tuple[dict[str, Any], list[str]]:
    """Return the recipient with defaults applied and the names of fields that fell back.

    Undeclared fields pass through untouched. Every problem is reported at once.
    """
    values = dict(recipient)
    fallbacks: list[str] = []
    problems: list[FieldProblem] = []
    total = sum(len(name) for name in values if isinstance(name, str))  # text, keys included
    budget = DEFAULT_TEXT_BUDGET  # or the longest field a template allows, if longer
    for spec in fields.values():
        if spec.max_length > budget:
            budget = spec.max_length
        value = values.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(FieldProblem(f"recipient.{spec.name}", "is required"))
            else:
                values[spec.name] = _copy_default(spec.default)
                fallbacks.append(spec.name)
            continue
        if spec.name == "id":
            problem = recipient_id_problem(value)
            if problem:
                problems.append(FieldProblem("recipient.id", problem))
            else:
                values["id"] = str(value)
                total += len(values["id"])
            continue
        check, expected = FIELD_TYPES[spec.type]
        if not check(value):
            problems.append(
                FieldProblem(
                    f"recipient.{spec.name}", f"must be {expected}, got {_describe(value)}"
                )
            )
            continue
        if isinstance(value, str) and len(value) <= spec.max_length:
            total += len(value)  # the usual field, without a call: this runs per render
            continue
        text, too_big = _measure(value, f"recipient.{spec.name}", spec.max_items, spec.max_length)
        total += text
        if too_big:
            problems.append(too_big)
    for name, value in values.items():  # undeclared data passes through, within the defaults
        if name not in fields and not isinstance(value, _SCALARS):
            text, too_big = _measure(
                value, f"recipient.{name}", DEFAULT_MAX_ITEMS, DEFAULT_MAX_LENGTH
            )
            total += text
            if too_big:
                problems.append(too_big)
    if not problems and total > budget:
        problems.append(
            FieldProblem(
                "recipient", f"holds {total:,} characters of text; at most {budget:,} allowed"
            )
        )
    if problems:
        raise RecipientError(problems)
    return values, fallbacks


#: Longest recipient id accepted: it travels in signed URLs and headers.
MAX_ID_LENGTH = 256
#: The same rule as a pattern, for request schemas (events, webhooks): not blank, no
#: control character or line break of any kind (the id reaches List-Unsubscribe headers).
ID_PATTERN = rf"^(?=\s*\S)[^{LINE_BREAK_CHARACTERS}]*\Z"
_ID = re.compile(ID_PATTERN)
#: Integer ids are measured without printing them (Python refuses to print huge ints).
_ID_INT_BOUND = 10 ** (MAX_ID_LENGTH - 1)
#: What an id in a request body must be: the one rule, as a msgspec type.
RecipientId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)
]


def recipient_id_problem(value: Any) -> str | None:
    """Why `value` cannot be a recipient id, or None. Renders, events and links share it."""
    if _is_int(value):
        if abs(value) >= _ID_INT_BOUND:
            return f"must be at most {MAX_ID_LENGTH} characters, got a longer integer"
        return None
    if not isinstance(value, str):
        return f"must be a string or an integer, got {_describe(value)}"
    if not value.strip():
        return "must not be blank"
    if len(value) > MAX_ID_LENGTH:
        return f"must be at most {MAX_ID_LENGTH} characters, got {len(value)}"
    if not _ID.match(value):
        return "must not contain line breaks or control characters"
    return None


def _copy_default(default: Any) -> Any:
    if isinstance(default, list | dict):
        return type(default)(default)
    return default


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return {int: "an integer", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )
