"""Compile a template once per (version, locale, variant): the expensive steps live here.

Block assembly (library), MJML -> HTML (mjml-python), CSS inlining (css-inline, no
network), lang/dir from the locale, the plain-text part, then one Jinja compile each for
HTML, text, subject and preheader. What is left per recipient is four renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import css_inline
import jinja2
from babel import Locale
from jinja2 import meta as jinja_meta
from jinja2 import nodes
from mjml import mjml2html

from atn_content.content.environment import CONTEXT_NAMES, Environments
from atn_content.content.errors import TemplateError, TemplateProblem
from atn_content.content.library import TemplateSource
from atn_content.content.mjml_check import check_mjml_structure
from atn_content.content.phrases import break_phrases
from atn_content.content.plaintext import html_to_text
from atn_content.content.pretranslate import escape_jinja_delimiters, pretranslate
from atn_content.content.protect import (
    COMMENT_TOKEN,
    TEXT_TOKEN,
    ProtectionError,
    protect,
    restore,
)

__all__ = ["CompiledTemplate", "compile_template"]

_MJML_ROOT = re.compile(r"<mjml\b[^>]*>")
_INLINE_STYLE = re.compile(
    r"<mj-style\b[^>]*\binline=\"inline\"[^>]*>(.*?)</mj-style>", re.DOTALL | re.IGNORECASE
)


@dataclass(frozen=True)
class CompiledTemplate:
    name: str
    version: str
    locale: str
    variant: str | None
    list_id: str
    html: jinja2.Template
    text: jinja2.Template
    subject: jinja2.Template
    preheader: jinja2.Template
    html_bytes: int


def compile_template(
    source: TemplateSource,
    locale: str,
    variant: str | None,
    envs: Environments,
    subject: str | None = None,
    preheader: str | None = None,
) -> CompiledTemplate:
    """Compile `source`; an experiment arm may override the subject and preheader."""
    html_env, text_env = envs.html(locale), envs.text(locale)
    _check_jinja(source, html_env)
    direction = (Locale.parse(locale).character_order == "right-to-left" and "rtl") or "ltr"
    body = _prepare_head(source.body, locale, direction)
    try:
        protected = protect(body)
    except ProtectionError as exc:
        file, line = source.origin(body.count("\n", 0, exc.offset) + 1)
        raise TemplateError([TemplateProblem(file, line, str(exc))]) from None
    mjml_problems = check_mjml_structure(
        protected.text, lambda line: "{}:{}".format(*source.origin(line))
    )
    if mjml_problems:
        raise TemplateError(
            [TemplateProblem(*source.origin(line), message) for line, message in mjml_problems]
        )
    mjml_text, extra_css = _take_inline_styles(protected.text)
    if COMMENT_TOKEN.search(extra_css) or TEXT_TOKEN.search(extra_css):
        raise TemplateError(
            [
                TemplateProblem(
                    source.file,
                    None,
                    '<mj-style inline="inline"> is inlined once per '
                    "compile, so it cannot hold Jinja; branch on a css-class instead",
                )
            ]
        )
    try:
        html = mjml2html(mjml_text)
    except ValueError as exc:
        raise TemplateError([TemplateProblem(source.file, None, f"MJML: {exc}")]) from None
    html = _inline_css(html, extra_css)
    text = html_to_text(html)
    translations = envs.translations(locale)
    spans = tuple(pretranslate(span, translations) for span in protected.spans)
    html = break_phrases(restore(escape_jinja_delimiters(html), spans), locale)
    text = restore(escape_jinja_delimiters(text), spans)
    return CompiledTemplate(
        name=source.name,
        version=source.version,
        locale=locale,
        variant=variant,
        list_id=source.list_id,
        html=html_env.from_string(html),
        text=text_env.from_string(text),
        subject=_compile_line(text_env, source, "subject", subject, translations),
        preheader=_compile_line(text_env, source, "preheader", preheader, translations),
        html_bytes=len(html.encode()),
    )


def _prepare_head(body: str, locale: str, direction: str) -> str:
    """Set lang/dir on <mjml>; add title and preview text from the front matter."""
    root = _MJML_ROOT.search(body)
    if root is None:
        return body  # check_mjml_structure reports the missing root with a line
    head_extra = ""
    if "<mj-title" not in body:
        head_extra += "<mj-title>{{ subject }}</mj-title>"
    if "<mj-preview" not in body:
        head_extra += "<mj-preview>{{ preheader }}</mj-preview>"
    opening = f'<mjml lang="{locale}" dir="{direction}">'
    if "<mj-head" in body:
        body = re.sub(r"<mj-head>", lambda _: "<mj-head>" + head_extra, body, count=1)
        return body[: root.start()] + opening + body[root.end() :]
    return body[: root.start()] + opening + f"<mj-head>{head_extra}</mj-head>" + body[root.end() :]


def _take_inline_styles(mjml_text: str) -> tuple[str, str]:
    """MRML leaves <mj-style inline="inline"> as a <style> block; we inline it ourselves."""
    css = "\n".join(m.group(1) for m in _INLINE_STYLE.finditer(mjml_text))
    return _INLINE_STYLE.sub("", mjml_text), css


def _inline_css(html: str, extra_css: str) -> str:
    if not extra_css.strip():
        return html
    inliner = css_inline.CSSInliner(
        inline_style_tags=False,
        keep_style_tags=True,
        load_remote_stylesheets=False,
        extra_css=extra_css,
    )
    return str(inliner.inline(html))


def _compile_line(
    env: jinja2.Environment,
    source: TemplateSource,
    key: str,
    override: str | None,
    translations: Any,
) -> jinja2.Template:
    """Subject or preheader: the same checks as the body, reported against the line."""
    where = f"experiment variant {key}" if override is not None else f"front matter {key}"
    line = override if override is not None else getattr(source, key)
    try:
        tree = env.parse(line)  # report problems against what the designer wrote
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            [TemplateProblem(source.file, None, f"{where}: {exc.message}")]
        ) from None
    problems = _tree_problems(tree, source, env, lambda _: (source.file, None))
    if problems:
        raise TemplateError(
            [TemplateProblem(p.file, p.line, f"{where}: {p.message}") for p in problems]
        )
    return env.from_string(pretranslate(line, translations))


def _check_jinja(source: TemplateSource, env: jinja2.Environment) -> None:
    """Syntax errors, unknown variables and undeclared recipient fields, with file:line."""
    try:
        tree = env.parse(source.body)
    except jinja2.TemplateSyntaxError as exc:
        file, line = source.origin(exc.lineno)
        raise TemplateError([TemplateProblem(file, line, exc.message or str(exc))]) from None
    problems = _tree_problems(tree, source, env, source.origin)
    if problems:
        raise TemplateError(problems)


def _tree_problems(
    tree: nodes.Template,
    source: TemplateSource,
    env: jinja2.Environment,
    origin: Callable[[int | None], tuple[str, int | None]],
) -> list[TemplateProblem]:
    problems: list[TemplateProblem] = []
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        problems.append(
            TemplateProblem(
                *origin(node.lineno),
                "blocks are included with a literal "
                '{% include "name.mjml" %} only (no variables, lists, imports or '
                "extends): the library splices them in before compiling",
            )
        )
    known = CONTEXT_NAMES | set(env.globals)
    for name in sorted(jinja_meta.find_undeclared_variables(tree) - known):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), None)
        problems.append(
            TemplateProblem(
                *origin(line),
                f"unknown variable {name!r}; did you mean "
                f"recipient.{name}? (available: {', '.join(sorted(CONTEXT_NAMES))})",
            )
        )
    for getattr_node in tree.find_all(nodes.Getattr):
        target: Any = getattr_node.node
        is_recipient = isinstance(target, nodes.Name) and target.name == "recipient"
        if is_recipient and getattr_node.attr not in source.fields:
            problems.append(
                TemplateProblem(
                    *origin(getattr_node.lineno),
                    f"recipient.{getattr_node.attr} is not declared in the front matter "
                    f"[fields]; declare it with a type (and a default if optional)",
                )
            )
    return problems
