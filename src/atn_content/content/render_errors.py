"""A failed render, explained: the recipient field whose value broke it, or the template
file and line where it broke.

A render fails for two reasons. Bad data ("tomorrow" as a departure time, a date that
does not exist) is the sender's to fix, so the error names the field
(`recipient.booking.flights[0].departure`). Anything else (the sandbox refusing an
attribute, a filter misused) is the designer's, so it names the file and line of the
template or block, found through the Jinja tag on the compiled line that failed.
"""

from __future__ import annotations

import bisect
import re
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

import jinja2

from atn_content.content.compiler import CompiledTemplate
from atn_content.content.errors import (
    ContentError,
    FieldProblem,
    RecipientError,
    RenderError,
)
from atn_content.content.phrases import without_filter
from atn_content.content.protect import JINJA_TAG

__all__ = ["explain_failure"]

#: Exceptions a value from data causes; others (sandbox, undefined names) are the template's.
_DATA_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError)
_SPACE = re.compile(r"\s+")
#: Values shorter than this are too common to be recognised in a message (1, "a").
_SHORTEST_TELLING = 3


def explain_failure(
    exc: BaseException,
    part: str,
    compiled: CompiledTemplate,
    context: Mapping[str, Any],
    file: str,
) -> ContentError:
    """The error to report for `exc`, raised while rendering `part` (html, text, subject...)."""
    message = f"{type(exc).__name__}: {exc}"
    where_file, line = (file, None)
    if part in ("html", "text"):
        where_file, line = _template_line(exc, part, compiled, context, file)
    where = f"{where_file}:{line}" if line else where_file
    if isinstance(exc, _DATA_ERRORS) and not isinstance(exc, jinja2.TemplateError):
        path = _field_named_in(str(exc), context.get("recipient", {}))
        if path is not None:
            return RecipientError([FieldProblem(path, f"{message} (used at {where})")])
    if part in ("subject", "preheader"):
        message = f"{message} (in the {part})"
    return RenderError(where_file, message, line)


def _template_line(
    exc: BaseException,
    part: str,
    compiled: CompiledTemplate,
    context: Mapping[str, Any],
    file: str,
) -> tuple[str, int | None]:
    """(file, line) of the Jinja tag that failed.

    A compiled line holds many tags (MJML writes whole elements on one line), so the part
    is rendered once more with every tag on a line of its own: the failing line then
    names one tag, whose origin the compile recorded. This costs a compile, on errors only.
    """
    source = compiled.sources.get(part)
    if source is None or _compiled_line(exc) is None:
        return file, None
    pieces: list[str] = []
    starts: list[int] = []  # line each tag starts on, in the spread-out source
    tags: list[str] = []
    line, cursor = 1, 0
    for match in JINJA_TAG.finditer(source):
        before = source[cursor : match.start()]
        pieces += [before, "\n", match.group(0)]
        line += before.count("\n") + 1
        starts.append(line)
        tags.append(match.group(0))
        line += match.group(0).count("\n")
        cursor = match.end()
    pieces.append(source[cursor:])
    template = compiled.html if part == "html" else compiled.text
    try:
        template.environment.from_string("".join(pieces)).render(context)
    except Exception as again:
        failed = _compiled_line(again)
        index = bisect.bisect_right(starts, failed) - 1 if failed else -1
        if index >= 0:
            first: dict[str, tuple[str, int | None]] = {}
            for span, origin in zip(compiled.spans, compiled.origins, strict=False):
                first.setdefault(_canonical(span), origin)
            found = first.get(_canonical(tags[index]))
            if found is not None and found[1] is not None:
                return found
    return file, None


def _canonical(tag: str) -> str:
    """A tag as compiled and as written compare equal (the phrases filter, spacing)."""
    return _SPACE.sub("", without_filter(tag))


def _compiled_line(exc: BaseException) -> int | None:
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            line = lineno
    return line


def _field_named_in(message: str, recipient: Mapping[str, Any]) -> str | None:
    """The path of the longest recipient value that the error message quotes, if any."""
    best: tuple[int, str] | None = None
    for path, value in _leaves(recipient, "recipient"):
        if isinstance(value, bool) or value is None:
            continue
        shown = repr(value) if isinstance(value, str) else str(value)
        if len(shown) < _SHORTEST_TELLING or shown not in message:
            continue
        if best is None or len(shown) > best[0]:
            best = (len(shown), path)
    return best[1] if best else None


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every scalar inside `value` with its path (data is bounded: see content/fields.py)."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend((f"{where}.{k}", v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(item))))
        else:
            yield where, item
