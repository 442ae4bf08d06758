"""Errors of the content engine, each saying what was wrong and where.

The API turns them into RFC 9457 problem details; the CLI prints them one per line.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ContentError",
    "FieldProblem",
    "LimitError",
    "RecipientError",
    "RenderError",
    "TemplateError",
    "TemplateProblem",
    "UnknownLocale",
    "UnknownTemplate",
]


@dataclass(frozen=True)
class TemplateProblem:
    """A problem in a template or block file; line is 1-based, None when unknown."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one recipient field; field is a dotted path such as recipient.age."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ContentError(Exception):
    """Base of every error the engine raises on purpose."""


class TemplateError(ContentError):
    """A template cannot be compiled: syntax, unknown block, MJML error."""

    def __init__(self, problems: list[TemplateProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class RecipientError(ContentError):
    """Recipient data does not satisfy the template's declared fields."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class UnknownTemplate(ContentError):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"unknown template {name!r}; known templates: {', '.join(known)}")


class UnknownLocale(ContentError):
    def __init__(self, locale: str, known: tuple[str, ...] | list[str]) -> None:
        self.locale = locale
        super().__init__(f"unknown locale {locale!r}; available: {', '.join(known)}")


class RenderError(ContentError):
    """A compiled template failed for one recipient (sandbox violation, bad filter input)."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.problems = [TemplateProblem(file, line, message)]
        super().__init__(str(self.problems[0]))


class LimitError(ContentError):
    """A render produced a part over its limit (a subject, the HTML): refused, not sent."""

    def __init__(self, file: str, part: str, message: str) -> None:
        self.file = file
        self.part = part
        self.problems = [TemplateProblem(file, None, f"{part} {message}")]
        super().__init__(f"{file}: {part} {message}")
