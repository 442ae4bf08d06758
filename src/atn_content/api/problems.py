"""RFC 9457 problem details: every error says what was wrong and where.

Shared by the HTTP API and by the batch stream, where one bad line yields one problem
object and the batch goes on.
"""

from __future__ import annotations

from typing import Any

import msgspec

from atn_content.content.errors import (
    ContentError,
    LimitError,
    RecipientError,
    RenderError,
    TemplateError,
    UnknownLocale,
    UnknownTemplate,
)
from atn_content.decode_errors import field_of

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ProblemItem",
    "problem_for_content_error",
    "problem_for_decode_error",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemItem(msgspec.Struct, omit_defaults=True):
    message: str
    field: str | None = None
    template: str | None = None
    line: int | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    status: int
    title: str
    detail: str
    type: str = "about:blank"
    errors: list[ProblemItem] = msgspec.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


def problem_for_content_error(exc: ContentError) -> Problem:
    if isinstance(exc, RecipientError):
        return Problem(
            422,
            "Recipient data does not fit the template",
            str(exc),
            errors=[ProblemItem(p.message, field=p.field) for p in exc.problems],
        )
    if isinstance(exc, LimitError):
        return Problem(
            422,
            "Rendered email over a limit",
            str(exc),
            errors=[ProblemItem(str(exc.problems[0].message), field=exc.part, template=exc.file)],
        )
    if isinstance(exc, TemplateError | RenderError):
        return Problem(
            422,
            "Template error",
            str(exc),
            errors=[ProblemItem(p.message, template=p.file, line=p.line) for p in exc.problems],
        )
    if isinstance(exc, UnknownTemplate):
        return Problem(
            404, "Unknown template", str(exc), errors=[ProblemItem(str(exc), field="template")]
        )
    if isinstance(exc, UnknownLocale):
        return Problem(
            422, "Unknown locale", str(exc), errors=[ProblemItem(str(exc), field="locale")]
        )
    return Problem(422, "Content error", str(exc))


def problem_for_decode_error(exc: msgspec.MsgspecError) -> Problem:
    """msgspec says 'Expected `str`, got `int` - at `$.recipient.id`': name the field."""
    message = str(exc)
    if isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError):
        return Problem(
            400,
            "Malformed JSON",
            f"the body is not valid JSON: {message}",
            errors=[ProblemItem(message)],
        )
    field, text = field_of(message)
    return Problem(422, "Invalid request", message, errors=[ProblemItem(text, field=field or None)])
