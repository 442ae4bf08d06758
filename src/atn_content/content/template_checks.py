"""Compile-time checks of a template's Jinja, all reported at once in line order.

A designer fixes a template from the top down: every problem is listed with file:line,
sorted by line, and each message says the whole fix (what to write, and what to declare
when a field is missing), so fixing one never reveals the next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import meta as jinja_meta
from jinja2 import nodes

from atn_content.content.errors import TemplateError, TemplateProblem
from atn_content.content.library import TemplateSource
from atn_content.content.placeholders import (
    declaration,
    field_for,
    foreign_placeholders,
    snake_case,
)

__all__ = ["check_jinja", "tree_problems"]

Origin = Callable[[int | None], tuple[str, int | None]]


def check_jinja(source: TemplateSource, env: jinja2.Environment, names: frozenset[str]) -> None:
    """Foreign placeholders (body and front matter), syntax errors, unknown variables and
    undeclared fields; `names` are the context names a template may read."""
    body = source.body
    findings: list[tuple[int | None, str]] = []
    for placeholder in foreign_placeholders(body, source.fields):
        findings.append((body.count("\n", 0, placeholder.start) + 1, placeholder.message))
        span = body[placeholder.start : placeholder.end]
        blank = "".join(c if c == "\n" else " " for c in span)
        body = body[: placeholder.start] + blank + body[placeholder.end :]
    try:
        tree = env.parse(body)
    except jinja2.TemplateSyntaxError as exc:
        findings.append((exc.lineno, exc.message or str(exc)))
    else:
        findings.extend(_tree_findings(tree, source, env, names))
    problems = _in_line_order(findings, source.origin) if findings else []
    for key in ("subject", "preheader"):  # Jinja would call these syntax errors, or send them
        for placeholder in foreign_placeholders(getattr(source, key), source.fields):
            problems.append(
                TemplateProblem(source.file, None, f"front matter {key}: {placeholder.message}")
            )
    if problems:
        raise TemplateError(problems)


def tree_problems(
    tree: nodes.Template,
    source: TemplateSource,
    env: jinja2.Environment,
    origin: Origin,
    names: frozenset[str],
) -> list[TemplateProblem]:
    """The problems of one parsed template (a body, a subject, a preheader), by line."""
    return _in_line_order(_tree_findings(tree, source, env, names), origin)


def _in_line_order(findings: list[tuple[int | None, str]], origin: Origin) -> list[TemplateProblem]:
    ordered = sorted(dict.fromkeys(findings), key=lambda f: f[0] or 0)
    return [TemplateProblem(*origin(line), message) for line, message in ordered]


def _tree_findings(
    tree: nodes.Template, source: TemplateSource, env: jinja2.Environment, names: frozenset[str]
) -> list[tuple[int | None, str]]:
    findings: list[tuple[int | None, str]] = []
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        findings.append(
            (
                node.lineno,
                "blocks are included with a literal "
                '{% include "name.mjml" %} only (no variables, lists, imports or '
                "extends): the library splices them in before compiling",
            )
        )
    known = names | set(env.globals)
    unknown = jinja_meta.find_undeclared_variables(tree) - known
    for name_node in tree.find_all(nodes.Name):
        if name_node.name in unknown and name_node.ctx == "load":
            findings.append((name_node.lineno, _unknown_name(name_node.name, source, known)))
    for getattr_node in tree.find_all(nodes.Getattr):
        target: Any = getattr_node.node
        is_recipient = isinstance(target, nodes.Name) and target.name == "recipient"
        if is_recipient and getattr_node.attr not in source.fields:
            findings.append((getattr_node.lineno, _undeclared(getattr_node.attr, source)))
    return findings


def _unknown_name(name: str, source: TemplateSource, known: set[str] | frozenset[str]) -> str:
    snake = snake_case(name)
    if snake in known:
        return f"unknown variable {name!r}: write {snake} in place of {name}"
    field = field_for(name, source.fields)
    return (
        f"unknown variable {name!r} (recipient data is read as recipient.FIELD): write "
        f"recipient.{field} in place of {name}{declaration(field, source.fields)}"
    )


def _undeclared(attribute: str, source: TemplateSource) -> str:
    snake = snake_case(attribute)
    if snake != attribute and snake in source.fields:
        return (
            f"recipient.{attribute} is not declared in the front matter [fields]: write "
            f"recipient.{snake} (declared) in place of recipient.{attribute}"
        )
    return (
        f"recipient.{attribute} is not declared in the front matter [fields]: add "
        f'[fields.{attribute}] with type = "str" and default = "" (no default if every '
        "recipient has it)"
    )
