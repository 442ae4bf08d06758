"""The field a msgspec validation error is about, for problems that name it.

msgspec says where only inside its message ("Expected `str`, got `int` - at
`$.recipient.id`", "Object missing required field `id` - at `$.recipient`"); the API, the
batch stream and experiment definitions all read it with this one rule.
"""

from __future__ import annotations

import re

__all__ = ["field_of"]

_AT = re.compile(r" - at `\$\.?([^`]*)`")
_NAMED = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")


def field_of(message: str) -> tuple[str, str]:
    """(dotted field path, message without its location); the path is "" for the root.

    A missing or unknown key is part of the path: `recipient.id`, not `recipient`.
    """
    found = _AT.search(message)
    field = found.group(1) if found else ""
    named = _NAMED.search(message)
    if named:
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    return field, _AT.sub("", message)
