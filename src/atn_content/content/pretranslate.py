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

__all__ = ["escape_jinja_delimiters", "pretranslate"]

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
