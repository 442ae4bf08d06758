"""Carry per-recipient Jinja through MJML and CSS inlining untouched.

Before compiling, every Jinja tag is swapped for an inert token; after, the tokens are
swapped back. Statements between elements become HTML comments, which MRML keeps at the
matching place in its output (between a section's Outlook wrappers, between a column's
rows), so `{% if %}` around sections stays balanced. Expressions, and anything inside an
attribute value, become plain-text tokens that neither MRML nor css-inline alter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "COMMENT_TOKEN",
    "JINJA_TAG",
    "TEXT_TOKEN",
    "Protected",
    "ProtectionError",
    "protect",
    "restore",
    "text_token",
]

#: A Jinja tag: expression, statement or comment.
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: Token standing for a statement between elements; an HTML comment survives MRML there.
COMMENT_TOKEN = re.compile(r"<!--atn:(\d+)-->")
#: Token standing for an expression or a tag inside an attribute: plain text.
TEXT_TOKEN = re.compile(r"@@atn(\d+)@@")


class ProtectionError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


@dataclass(frozen=True)
class Protected:
    text: str
    spans: tuple[str, ...]
    lines: tuple[int, ...] = ()
    """1-based line of the source each span starts on (spans added later have none)."""


def protect(source: str) -> Protected:
    """Replace Jinja tags in `source` by tokens; `{# comments #}` are dropped.

    Newlines inside a replaced tag are kept after its token, so line numbers still match.
    """
    spans: list[str] = []
    lines: list[int] = []
    out: list[str] = []
    cursor = 0
    line = 1
    in_tag = False
    quote: str | None = None
    for match in JINJA_TAG.finditer(source):
        in_tag, quote = _scan_markup(source[cursor : match.start()], in_tag, quote)
        out.append(source[cursor : match.start()])
        line += source.count("\n", cursor, match.start())
        span = match.group(0)
        newlines = "\n" * span.count("\n")
        if span.startswith("{#"):
            out.append(newlines)
        elif in_tag and quote is None:
            raise ProtectionError(
                "a Jinja tag cannot stand between attributes; put it inside an attribute "
                'value, e.g. class="{% if vip %}vip{% endif %}"',
                match.start(),
            )
        else:
            index = len(spans)
            spans.append(span)
            lines.append(line)
            is_statement = span.startswith("{%")
            token = f"<!--atn:{index}-->" if is_statement and not in_tag else f"@@atn{index}@@"
            out.append(token + newlines)
        line += len(newlines)
        cursor = match.end()
    out.append(source[cursor:])
    return Protected("".join(out), tuple(spans), tuple(lines))


def restore(text: str, spans: tuple[str, ...]) -> str:
    """Put the original Jinja tags back in place of their tokens."""
    text = COMMENT_TOKEN.sub(lambda m: spans[int(m.group(1))], text)
    return TEXT_TOKEN.sub(lambda m: spans[int(m.group(1))], text)


def text_token(index: int) -> str:
    """The plain-text token for spans[index], for steps that add Jinja after MRML."""
    return f"@@atn{index}@@"


def _scan_markup(chunk: str, in_tag: bool, quote: str | None) -> tuple[bool, str | None]:
    """Track whether the end of `chunk` lies inside a markup tag, and inside which quote."""
    i = 0
    n = len(chunk)
    while i < n:
        ch = chunk[i]
        if quote is not None:
            if ch == quote:
                quote = None
        elif in_tag:
            if ch in "\"'":
                quote = ch
            elif ch == ">":
                in_tag = False
        elif ch == "<":
            if chunk.startswith("<!--", i):
                end = chunk.find("-->", i + 4)
                if end == -1:
                    return False, None
                i = end + 3
                continue
            nxt = chunk[i + 1 : i + 2]
            if nxt.isalpha() or nxt == "/":
                in_tag = True
        i += 1
    return in_tag, quote
