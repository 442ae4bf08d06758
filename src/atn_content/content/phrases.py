"""Line breaks a reader expects: Japanese between phrases, brand names and amounts whole.

Japanese has no spaces, so a browser may break a line between any two characters: a
headline ends on "フ", "5,000ボー / ナスマイル" splits a word, a button reads "…を見 / る".
BudouX (Apache-2.0) finds the phrase boundaries; we put a zero-width space at each one and
wrap the run in `word-break: keep-all` (lines then break only there, in the clients that
honour it) with `overflow-wrap: anywhere` (a phrase longer than the line still breaks
rather than overflowing). A zero-width space rather than BudouX's old `<wbr>`: caniemail
lists `<wbr>` as dropped by Outlook for Windows and Gmail for iOS, while a character
survives every client and sanitiser (BudouX itself now inserts U+200B).

In every locale the spaces inside brand names ("Air Tahiti Nui", "Moana Premium", "Club
Tiare") and amounts ("5,000 miles", "5 000 miles", "XPF 152,000", "-30 %") become no-break
spaces, so a line never ends between "Air Tahiti" and "Nui".

The work happens once per compile. `break_phrases` rewrites the compiled HTML (Jinja tags
included): text nodes only (content/text_nodes.py), never tags, attribute values, comments
(Outlook's conditional ones included), `<style>`, `<title>`, `<script>`, hidden elements
(the preheader) or Jinja tags. Text that only exists per recipient (a `{{ expression }}` in
a text node: a block's headline parameter, a translated message with placeholders, a name,
an amount) gets the `phrases` filter appended, which applies the same rules to the rendered
value, cached per distinct value.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import budoux
from markupsafe import Markup, escape

from atn_content.content.text_nodes import rewrite_text_nodes

__all__ = [
    "BRAND_NAMES",
    "KEEP_ALL_STYLE",
    "PHRASES_FILTER",
    "PHRASE_BREAK",
    "break_phrases",
    "break_phrases_fragment",
    "phrases_filter",
    "without_filter",
]

#: Names that read as one word in every locale (their spaces never end a line).
BRAND_NAMES = (
    "Air Tahiti Nui",
    "エア タヒチ ヌイ",
    "Moana Premium",
    "Moana Economy",
    "Poerava Business",
    "Club Tiare",
    "クラブ・ティアレ",
)
#: What is inserted at each Japanese phrase boundary: a zero-width space.
PHRASE_BREAK = "\u200b"
#: Inline style of the span around each Japanese text run.
KEEP_ALL_STYLE = "word-break:keep-all;overflow-wrap:anywhere;"
#: Name of the Jinja filter `break_phrases` appends to expressions in text nodes.
PHRASES_FILTER = "phrases"
#: Rendered values up to this length are cached (names, headlines, messages); longer ones
#: (a whole section passed through |safe) are rewritten each time instead of filling memory.
_CACHED_LENGTH = 2000
#: Longest text node given phrase breaks and keep-all (a long paragraph wraps as usual).
_LONGEST_PHRASED = 2000

_NO_BREAK_SPACE = "\u00a0"
#: Inside a phrase, where keep-all still lets Chromium and WebKit break ("30% / オフ",
#: "クラブ・ / ティアレ", before an opening bracket): a word joiner holds the phrase together.
_WORD_JOINER = "\u2060"
_BREAKS_AFTER = frozenset("%％：:・、。，．！？!?）」』】〕〉》”’)]")
_BREAKS_BEFORE = frozenset("（「『【〔〈《“‘([¥￥$€")
#: A last phrase of at most this many letters stays on the line before it.
_SHORT_LAST_PHRASE = 2
#: Phrases this long may also break where katakana meets kanji.
_LONG_PHRASE = 10
_KEEP_ALL_OPEN = f'<span style="{KEEP_ALL_STYLE}">'
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_SPACE = re.compile(r"[ \t\n\r\f\u00a0\u202f]+")
_NUMBER = r"(?<![\d.,])[-−+]?(?:\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_KEEP_TOGETHER = re.compile(
    "|".join(
        [
            *(r"\s+".join(map(re.escape, name.split(" "))) for name in BRAND_NAMES),
            rf"(?:XPF|JPY|EUR|USD|¥|€|\$)\s?(?:{_NUMBER})",
            rf"(?:{_NUMBER})\s?(?:(?:bonus|award|qualifying|extra)\s)?"
            r"(?:miles?|マイル|FCFP|XPF|JPY|EUR|€|円|%)(?![A-Za-z])",
        ]
    )
)
#: `escape_jinja_delimiters` output: a literal "{{" in the text, nothing to break.
_DELIMITER_LITERAL = re.compile(r"\{\{ '\{[{%#]' \}\}")
_EXPRESSION = re.compile(r"(\{\{[-+]?)(.*?)([-+]?\}\})", re.DOTALL)


def break_phrases(source: str, locale: str) -> str:
    """The compiled HTML of one locale (Jinja tags in it) with its line breaks fixed."""
    japanese = _is_japanese(locale)
    return rewrite_text_nodes(
        source,
        lambda chunk: _text_node(chunk, japanese),
        jinja=True,
        expression=_with_filter,
        keep=_KEEP_ALL_OPEN.__eq__,
    )


def break_phrases_fragment(markup: str, locale: str) -> str:
    """The same rules for rendered HTML (no Jinja): what the `phrases` filter applies."""
    return _fragment(markup, locale)


def phrases_filter(locale: str) -> Callable[[Any], Markup]:
    """The `phrases` Jinja filter of `locale`'s HTML environment.

    The value is escaped exactly as autoescaping would have done, then rewritten.
    """

    def phrases(value: Any) -> Markup:
        return Markup(_fragment(str(escape(value)), locale))

    return phrases


def _fragment(markup: str, locale: str) -> str:
    if len(markup) > _CACHED_LENGTH:  # a whole rendered section: rare, and unique
        return _rewrite_fragment(markup, locale)
    return _cached_fragment(markup, locale)


@lru_cache(maxsize=8192)
def _cached_fragment(markup: str, locale: str) -> str:
    return _rewrite_fragment(markup, locale)


def _rewrite_fragment(markup: str, locale: str) -> str:
    japanese = _is_japanese(locale)
    return rewrite_text_nodes(
        markup, lambda chunk: _text_node(chunk, japanese), keep=_KEEP_ALL_OPEN.__eq__
    )


def _is_japanese(locale: str) -> bool:
    return re.split("[-_]", locale)[0] == "ja"


def _with_filter(tag: str) -> str:
    """`{{ expr }}` in a text node -> `{{ (expr)|phrases }}` (whitespace control kept)."""
    parts = _EXPRESSION.fullmatch(tag)
    if parts is None or _DELIMITER_LITERAL.fullmatch(tag):
        return tag
    opening, expression, closing = parts.groups()
    return f"{opening} ({expression.strip()})|{PHRASES_FILTER} {closing}"


def without_filter(tag: str) -> str:
    """The tag as written, before `_with_filter` (to find where a compiled tag came from)."""
    parts = _EXPRESSION.fullmatch(tag)
    suffix = f")|{PHRASES_FILTER}"
    if parts is None:
        return tag
    opening, expression, closing = parts.groups()
    inner = expression.strip()
    if not (inner.startswith("(") and inner.endswith(suffix)):
        return tag
    return f"{opening} {inner[1 : -len(suffix)]} {closing}"


def _text_node(chunk: str, japanese: bool) -> str:
    """A text node as written (entities and all); unchanged bytes when nothing applies."""
    text = html.unescape(chunk)
    rewritten = _break_text(text, japanese)
    return chunk if rewritten == html.escape(text, quote=False) else rewritten


@cache
def _parser() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def _break_text(text: str, japanese: bool) -> str:
    """One text node, unescaped, as HTML: no-break spaces, and phrase breaks for Japanese."""
    pieces, kept, cursor, length = [], [], 0, 0  # linear: this runs on recipient data
    for match in _KEEP_TOGETHER.finditer(text):
        pieces.append(text[cursor : match.start()])
        length += len(pieces[-1])
        pieces.append(_SPACE.sub(_NO_BREAK_SPACE, match.group(0)))
        kept.append((length, length + len(pieces[-1])))
        length += len(pieces[-1])
        cursor = match.end()
    text = "".join([*pieces, text[cursor:]])
    if not (japanese and _JAPANESE.search(text)) or len(text) > _LONGEST_PHRASED:
        # Past a headline's length, browsers' own CJK line breaking is right (and BudouX
        # would cost milliseconds per thousand characters of recipient data).
        return html.escape(text, quote=False)
    lead = len(text) - len(text.lstrip())
    core = text.strip()
    breaks, position = set(), lead
    for phrase in _phrases(core):
        position += len(phrase)
        breaks.add(position)
    inside = bytearray(len(text) + 1)  # 1 where a break would split a kept amount
    for start, end in kept:
        inside[start + 1 : end] = b"\x01" * max(end - start - 1, 0)
    out = []
    for i in range(lead, lead + len(core)):
        if i > lead and not (text[i - 1].isspace() or text[i].isspace()):
            if i in breaks and not inside[i]:
                out.append(PHRASE_BREAK)
            elif text[i - 1] in _BREAKS_AFTER or text[i] in _BREAKS_BEFORE:
                out.append(_WORD_JOINER)
        out.append(html.escape(text[i], quote=False))
    body = "".join(out)
    return f"{text[:lead]}{_KEEP_ALL_OPEN}{body}</span>{text[lead + len(core) :]}"


def _phrases(text: str) -> list[str]:
    """BudouX's phrases, a short last phrase kept with the one before, long ones split.

    A last phrase of one or two letters ("9年", "す。") would end a headline alone. A
    phrase longer than a headline line ("ブラックフライデー開催間近") would otherwise be
    broken anywhere by overflow-wrap; it may break where katakana meets kanji.
    """
    phrases = list(_parser().parse(text))
    if len(phrases) > 1 and sum(ch.isalnum() for ch in phrases[-1]) <= _SHORT_LAST_PHRASE:
        phrases[-2:] = [phrases[-2] + phrases[-1]]
    split = []
    for phrase in phrases:
        if len(phrase) < _LONG_PHRASE:
            split.append(phrase)
            continue
        start = 0
        for i in range(2, len(phrase) - 1):
            before, after = _script(phrase[i - 1]), _script(phrase[i])
            if {before, after} == {"katakana", "kanji"} and i - start >= 2:
                split.append(phrase[start:i])
                start = i
        split.append(phrase[start:])
    return split


def _script(ch: str) -> str:
    if "\u30a0" <= ch <= "\u30ff" or "\uff66" <= ch <= "\uff9f":
        return "katakana"
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "々":
        return "kanji"
    return "other"
