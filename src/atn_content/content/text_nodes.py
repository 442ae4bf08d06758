"""Rewrite the text a reader sees in HTML, and nothing else, in one pass.

Compile-time transforms (Japanese phrase breaks, kept-together names) must change text
nodes only: never a tag, an attribute value, a comment (Outlook's conditional comments hold
markup), the content of `<style>`, `<script>`, `<title>` or `<textarea>`, a hidden element
(`display:none`, `visibility:hidden` or `max-height:0`, such as the preheader), or a Jinja
tag. The compiled HTML still holds Jinja,
inside text and inside attribute values (`alt="{{ _("…") }}"` has quotes of its own), so
Jinja tags are recognised as units, string literals included. Everything not rewritten is
copied byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["rewrite_text_nodes"]

#: Elements whose content is not text laid out for the reader (or not text at all).
_RAW_TEXT = frozenset({"style", "script", "title", "textarea"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)
#: Inline styles that hide an element (the preheader conventions among them).
_HIDDEN = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|max-height\s*:\s*0(?:px)?\s*[;\"'!]",
    re.IGNORECASE,
)
_MARKUP_START = re.compile(r"<!--|<(/?)([a-zA-Z][\w:-]*)")
_MARKUP_OR_JINJA_START = re.compile(r"<!--|<(/?)([a-zA-Z][\w:-]*)|\{\{|\{%|\{#")
_TAG_PART = re.compile(r"[\"'>]|\{[{%#]")
_JINJA_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}
_JINJA_PART = {
    "}}": re.compile(r"[\"']|\}\}"),
    "%}": re.compile(r"[\"']|%\}"),
    "#}": re.compile(r"#\}"),
}
_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}")
_END_RAW_BLOCK = re.compile(r"\{%-?\s*endraw\s*-?%\}")


def rewrite_text_nodes(
    source: str,
    text: Callable[[str], str],
    *,
    jinja: bool = False,
    expression: Callable[[str], str] | None = None,
    keep: Callable[[str], bool] | None = None,
) -> str:
    """`source` with each text node (as written, entities included) replaced by text(node).

    jinja: `source` is a Jinja template; its tags are kept whole, and each `{{ … }}` standing
    in a text node is replaced by expression(tag) when given. Without it, braces are text.
    keep: start tags (the whole tag, as written) whose element is left as it is.
    """
    out: list[str] = []
    starts = _MARKUP_OR_JINJA_START if jinja else _MARKUP_START
    i, n = 0, len(source)
    while i < n:
        match = starts.search(source, i)
        start = match.start() if match else n
        if start > i:
            chunk = source[i:start]
            out.append(text(chunk) if chunk.strip() else chunk)
        if match is None:
            break
        token = match.group(0)
        if token.startswith("{"):
            i = _jinja_tag(source, start, out, expression)
        elif token == "<!--":
            end = source.find("-->", start + 4)
            i = n if end == -1 else end + 3
            out.append(source[start:i])
        else:
            i = _element(source, match, out, jinja, keep)
    return "".join(out)


def _jinja_tag(
    source: str, start: int, out: list[str], expression: Callable[[str], str] | None
) -> int:
    end = _jinja_tag_end(source, start)
    tag = source[start:end]
    if _RAW_BLOCK.fullmatch(tag):
        raw_end = _END_RAW_BLOCK.search(source, end)
        end = len(source) if raw_end is None else raw_end.end()
        out.append(source[start:end])
    elif tag.startswith("{{") and tag.endswith("}}") and expression is not None:
        out.append(expression(tag))
    else:
        out.append(tag)
    return end


def _element(
    source: str,
    match: re.Match[str],
    out: list[str],
    jinja: bool,
    keep: Callable[[str], bool] | None,
) -> int:
    """Copy a start or end tag; past it, the content of an element that is left alone."""
    closing, name = match.group(1) == "/", match.group(2).lower()
    end = _tag_end(source, match.end(), jinja)
    tag = source[match.start() : end]
    out.append(tag)
    if closing or tag.endswith("/>") or name in _VOID:
        return end
    if name in _RAW_TEXT:
        close = re.compile(rf"</{name}\b", re.IGNORECASE).search(source, end)
        stop = len(source) if close is None else close.start()
    elif _HIDDEN.search(tag) or (keep is not None and keep(tag)):
        stop = _element_end(source, end, name)
    else:
        return end
    out.append(source[end:stop])
    return stop


def _jinja_tag_end(source: str, start: int) -> int:
    """End of the Jinja tag opening at `start` (string literals inside it skipped)."""
    closer = _JINJA_CLOSER[source[start : start + 2]]
    part = _JINJA_PART[closer]
    i, quote = start + 2, None
    while True:
        if quote is not None:
            found = source.find(quote, i)
            while found != -1 and source[found - 1] == "\\":
                found = source.find(quote, found + 1)
            if found == -1:
                return len(source)
            i, quote = found + 1, None
            continue
        match = part.search(source, i)
        if match is None:
            return len(source)
        if match.group(0) == closer:
            return match.end()
        i, quote = match.end(), match.group(0)


def _tag_end(source: str, i: int, jinja: bool) -> int:
    """End of a markup tag, past quoted attribute values and Jinja tags inside it."""
    quote = None
    while True:
        match = _TAG_PART.search(source, i)
        if match is None:
            return len(source)
        token = match.group(0)
        if token.startswith("{"):
            i = _jinja_tag_end(source, match.start()) if jinja else match.end()
        elif quote is not None:
            quote = None if token == quote else quote
            i = match.end()
        elif token in "\"'":
            quote, i = token, match.end()
        else:
            return match.end()


def _element_end(source: str, i: int, name: str) -> int:
    """Where the element whose start tag ends at `i` closes (same-name nesting counted)."""
    pattern = re.compile(rf"<(/?){re.escape(name)}\b[^>]*>", re.IGNORECASE)
    depth = 1
    for match in pattern.finditer(source, i):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.start()
    return len(source)
