"""Compile a template once per (version, locale, variant): the expensive steps live here.

Block assembly (library), MJML -> HTML (mjml-python), CSS inlining (css-inline, no
network), lang/dir from the locale, the plain-text part, then one Jinja compile each for
HTML, text, subject and preheader. Extensions may rewrite the compiled HTML (its Jinja tags
in place) just before its Jinja compile. What is left per recipient is four renders, and the
context names they read (recorded here, so a render computes only the context it needs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import css_inline
import jinja2
from jinja2 import meta as jinja_meta
from mjml import mjml2html

from atn_content.content.client_fixes import fix_for_mail_clients
from atn_content.content.environment import Environments
from atn_content.content.errors import TemplateError, TemplateProblem
from atn_content.content.i18n import parse_locale
from atn_content.content.inbox_head import prepare_head
from atn_content.content.library import TemplateSource
from atn_content.content.mjml_check import check_mjml_structure
from atn_content.content.mjml_normalise import ensure_img_alt, normalise_mjml
from atn_content.content.phrases import break_phrases
from atn_content.content.plaintext import html_to_text
from atn_content.content.pretranslate import (
    escape_jinja_delimiters,
    pretranslate,
    pretranslate_calls,
)
from atn_content.content.protect import (
    COMMENT_TOKEN,
    TEXT_TOKEN,
    Protected,
    ProtectionError,
    protect,
    restore,
)
from atn_content.content.template_checks import check_jinja
from atn_content.content.template_checks import tree_problems as _tree_problems
from atn_content.content.url_check import unsafe_url_attributes

__all__ = ["CompiledTemplate", "compile_template"]

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
    sources: dict[str, str] = field(default_factory=dict, repr=False)
    """The Jinja source of the html and text parts, read only to explain a failed render."""
    spans: tuple[str, ...] = ()
    """Every Jinja tag in those parts, and the (file, line) it was written at."""
    origins: tuple[tuple[str, int | None], ...] = ()
    reads: frozenset[str] = frozenset()
    """Every name the four parts read from the render context (or the globals)."""


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
    check_jinja(source, html_env, envs.context_names)
    direction = (parse_locale(locale).character_order == "right-to-left" and "rtl") or "ltr"
    protected = _protect(source, html_env)
    protected = _prepare_head(source, protected, locale, direction)
    mjml_text, extra_css = _take_inline_styles(normalise_mjml(protected.text))
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
    html = _inline_css(ensure_img_alt(html), extra_css)
    text = html_to_text(html)
    translations = envs.translations(locale)
    spans = tuple(pretranslate(span, translations) for span in protected.spans)
    html, spans = fix_for_mail_clients(html, spans)
    html = break_phrases(restore(escape_jinja_delimiters(html), spans), locale)
    for extension in envs.extensions:
        html = extension.transform_html(html, source.name, locale)
    text = restore(escape_jinja_delimiters(text), spans)
    names = envs.context_names
    html_template, html_reads = _jinja(html_env, html, translations)
    text_template, text_reads = _jinja(text_env, text, translations)
    subject_template, subject_reads = _compile_line(
        text_env, source, "subject", subject, translations, names
    )
    preheader_template, preheader_reads = _compile_line(
        text_env, source, "preheader", preheader, translations, names
    )
    return CompiledTemplate(
        name=source.name,
        version=source.version,
        locale=locale,
        variant=variant,
        list_id=source.list_id,
        html=html_template,
        text=text_template,
        subject=subject_template,
        preheader=preheader_template,
        html_bytes=len(html.encode()),
        sources={"html": html, "text": text},
        spans=spans,
        origins=tuple(
            source.origin(protected.lines[i] if i < len(protected.lines) else None)
            for i in range(len(spans))
        ),
        reads=html_reads | text_reads | subject_reads | preheader_reads,
    )


def _jinja(
    env: jinja2.Environment, source: str, translations: Any
) -> tuple[jinja2.Template, frozenset[str]]:
    """One Jinja compile, and the names the template reads from outside itself."""
    tree = env.parse(source)
    pretranslate_calls(tree, translations, autoescape=bool(env.autoescape))
    reads = frozenset(jinja_meta.find_undeclared_variables(tree))
    template = env.from_string(tree)
    # Jinja keeps a template's globals as a ChainMap over the environment's and copies it
    # into every render's context, slowly; the environment is complete and never changes
    # once built, so one flat dict holds the same names and makes that copy a C dict copy.
    template.globals = dict(template.globals)
    return template, reads


def _protect(source: TemplateSource, env: jinja2.Environment) -> Protected:
    """Jinja out of MRML's way, then the checks that need the source's lines."""
    try:
        protected = protect(source.body)
    except ProtectionError as exc:
        file, line = source.origin(source.body.count("\n", 0, exc.offset) + 1)
        raise TemplateError([TemplateProblem(file, line, str(exc))]) from None

    def where(line: int | None) -> str:
        return "{}:{}".format(*source.origin(line))

    problems = check_mjml_structure(protected.text, where)
    problems += unsafe_url_attributes(source.body, protected, env, where)
    if problems:
        raise TemplateError(
            [TemplateProblem(*source.origin(line), message) for line, message in sorted(problems)]
        )
    return protected


def _prepare_head(
    source: TemplateSource, protected: Protected, locale: str, direction: str
) -> Protected:
    """lang/dir, <title> and the hidden preview line, from the locale and the front matter."""
    prepared, problems = prepare_head(protected, locale, direction)
    if problems:
        raise TemplateError([TemplateProblem(*source.origin(p.line), p.message) for p in problems])
    return prepared


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
    names: frozenset[str],
) -> tuple[jinja2.Template, frozenset[str]]:
    """Subject or preheader: the same checks as the body, reported against the line."""
    where = f"experiment variant {key}" if override is not None else f"front matter {key}"
    line = override if override is not None else getattr(source, key)
    try:
        tree = env.parse(line)  # report problems against what the designer wrote
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            [TemplateProblem(source.file, None, f"{where}: {exc.message}")]
        ) from None
    problems = _tree_problems(tree, source, env, lambda _: (source.file, None), names)
    if problems:
        raise TemplateError(
            [TemplateProblem(p.file, p.line, f"{where}: {p.message}") for p in problems]
        )
    return _jinja(env, pretranslate(line, translations), translations)
