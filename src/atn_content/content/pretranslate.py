"""Translate constant messages once per compile instead of once per recipient.

A compiled template has one locale, so `{{ _("Tokyo awaits") }}` always gives the same
text: it is replaced by that text before Jinja compiles the template. Messages with
placeholders, and messages the catalogue does not hold (escaped at render time), stay
as they are. The output is byte-identical to translating at render time.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from jinja2 import nodes

__all__ = ["escape_jinja_delimiters", "pretranslate", "pretranslate_calls"]

_CONSTANT_MESSAGE = re.compile(
    r"""\{\{\s*_\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*\)\s*\}\}"""
)
_JINJA_DELIMITER = re.compile(r"\{([{%#])")


def escape_jinja_delimiters(text: str) -> str:
    """Make literal text safe to embed in a Jinja source: '{{', '{%', '{#' stay literal."""
    return _JINJA_DELIMITER.sub(lambda m: "{{ '{" + m.group(1) + "' }}", text)


def pretranslate(source: str, translations: Any) -> str:
    """Replace every constant `{{ _("...") }}` in `source` by its translation."""
    known = getattr(translations, "_catalog", {})

    def translate(match: re.Match[str]) -> str:
        message = ast.literal_eval(match.group(1))
        if not isinstance(message, str) or message not in known:
            return match.group(0)
        try:
            # New-style gettext always %-formats, so "-15 %%" reads "-15 %".
            text = str(translations.gettext(message)) % {}
        except (TypeError, ValueError, KeyError):
            return match.group(0)
        return escape_jinja_delimiters(text)

    return _CONSTANT_MESSAGE.sub(translate, source)


#: Names a template calls to translate: Jinja's i18n extension installs both.
_GETTEXT_NAMES = frozenset({"_", "gettext"})


def pretranslate_calls(tree: nodes.Template, translations: Any, autoescape: bool) -> None:
    """Translate, in the parsed template, every `_("constant", name=value)` the catalogue
    holds, wherever it sits (`experiment.cta_text or _("Book")`, `_("Hi %(n)s", n=x)|f`).

    The call becomes what Jinja's new-style gettext returns for it: the translation
    (Markup when autoescaping), %-formatted with the keywords, so a render does a `%`
    (bounded and data only, like every `%` in the sandbox) instead of three calls through
    the sandbox; the output is the same. A template that assigns `_` or `gettext`, or
    changes autoescaping inside itself, is left as it is.
    """
    known = getattr(translations, "_catalog", {})
    if any(name.ctx != "load" for name in _gettext_names(tree)) or any(
        True for _ in tree.find_all((nodes.EvalContextModifier,))
    ):
        return
    # Children before parents, so a call inside another's keywords is translated first.
    for parent in reversed([tree, *tree.find_all(nodes.Node)]):
        for field in parent.fields:
            value = getattr(parent, field, None)
            if isinstance(value, nodes.Call):
                setattr(parent, field, _translated(value, known, translations, autoescape))
            elif isinstance(value, list):
                value[:] = [
                    _translated(item, known, translations, autoescape)
                    if isinstance(item, nodes.Call)
                    else item
                    for item in value
                ]


def _translated(call: nodes.Call, known: Any, translations: Any, autoescape: bool) -> nodes.Expr:
    message = _constant_message(call)
    if message is None or message not in known:
        return call
    text = str(translations.gettext(message))
    if not call.kwargs:  # new-style gettext %-formats even without keywords: "-15 %%"
        try:
            text = text % {}
        except (TypeError, ValueError, KeyError):
            return call  # a placeholder without a value: gettext's own fallback applies
    literal: nodes.Expr = nodes.Const(text, lineno=call.lineno)
    if autoescape:
        literal = nodes.MarkSafe(literal, lineno=call.lineno)
    if not call.kwargs:
        return literal
    pairs = [
        nodes.Pair(nodes.Const(keyword.key), keyword.value, lineno=call.lineno)
        for keyword in call.kwargs
    ]
    return nodes.Mod(literal, nodes.Dict(pairs, lineno=call.lineno), lineno=call.lineno)


def _gettext_names(tree: nodes.Template) -> list[nodes.Name]:
    return [name for name in tree.find_all(nodes.Name) if name.name in _GETTEXT_NAMES]


def _constant_message(call: nodes.Call) -> str | None:
    if not (isinstance(call.node, nodes.Name) and call.node.name in _GETTEXT_NAMES):
        return None
    if call.dyn_args is not None or call.dyn_kwargs is not None or len(call.args) != 1:
        return None
    argument = call.args[0]
    if isinstance(argument, nodes.Const) and isinstance(argument.value, str):
        return argument.value
    return None
