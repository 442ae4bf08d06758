"""The plain-text part: readable text from the compiled HTML, computed once per compile.

Layout tables are flattened (each cell its own paragraph), links are kept as
"label (url)", hidden content (preheader filler, Outlook-only markup) is dropped. Jinja
tokens from protect() pass through, so the text part is personalised per recipient too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from atn_content.content.protect import COMMENT_TOKEN

__all__ = ["html_to_text", "tidy_text"]

_BLOCK = {
    "address",
    "article",
    "blockquote",
    "br",
    "div",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "section",
    "table",
    "tbody",
    "td",
    "th",
    "tr",
    "ul",
}
_SKIP = {"head", "style", "script", "title", "template"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}
_HIDDEN = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200c\u034f]+")
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hides its content)
        self._hidden = 0
        self._links: list[tuple[str, int]] = []  # (href, index of first part of the label)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        hides = tag in _SKIP or bool(_HIDDEN.search(attributes.get("style", "")))
        if tag not in _VOID:
            self._stack.append((tag, hides))
            self._hidden += hides
        if self._hidden:
            return
        if tag in _BLOCK:
            self.parts.append("\n\n" if tag in {"p", "h1", "h2", "h3", "table", "hr"} else "\n")
        if tag == "li":
            self.parts.append("- ")
        elif tag == "a":
            self._links.append((attributes.get("href", ""), len(self.parts)))
        elif tag == "img" and self._links:
            self.parts.append(attributes.get("alt", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self._stack:
            open_tag, hides = self._stack.pop()
            self._hidden -= hides
            if not self._hidden:
                self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag: str) -> None:
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "mailto:")) and href != label:
                self.parts.append(f" ({href})" if label else href)
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag in {"p", "h1", "h2", "h3", "table"} else "\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ")))

    def handle_comment(self, data: str) -> None:
        token = COMMENT_TOKEN.fullmatch(f"<!--{data}-->")
        if token and not self._hidden:
            self.parts.append(token.group(0))


def html_to_text(html: str) -> str:
    builder = _TextBuilder()
    builder.feed(html)
    builder.close()
    return tidy_text("".join(builder.parts))


def tidy_text(text: str) -> str:
    """Strip each line, keep at most one blank line in a row; also used after each render."""
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip() + "\n"
