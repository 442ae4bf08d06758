"""Edit compiled HTML in place: tags with their source offsets, and splices.

The compile-time fixes (client_fixes.py) change a few tags of MRML's output and leave
every other byte alone, so they work on the source text rather than re-serialising a
parsed tree (which would normalise markup that Jinja tokens and Outlook's conditional
comments rely on). The stdlib tokenizer gives each tag's offsets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

__all__ = ["Edit", "Element", "apply_edits", "parse_elements", "start_tag"]


@dataclass
class Element:
    """An element of the source: its start tag's span and, once closed, its end tag's."""

    tag: str
    attrs: dict[str, str | None]
    start: int
    start_end: int
    parent: Element | None
    children: list[Element] = field(default_factory=list)
    end: int | None = None  # offset just past the end tag
    end_start: int | None = None  # offset of the end tag

    def attr(self, name: str) -> str:
        return self.attrs.get(name) or ""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


def parse_elements(html: str) -> list[Element]:
    """Every element in document order, with offsets and parent links."""
    scanner = _Scanner(html)
    scanner.feed(html)
    scanner.close()
    return scanner.elements


def start_tag(tag: str, attrs: Iterable[tuple[str, str | None]]) -> str:
    parts = [f"<{tag}"]
    for name, value in attrs:
        parts.append(f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"')
    return "".join(parts) + ">"


def apply_edits(html: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (insertions are edits with start == end)."""
    out: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < cursor:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(html[cursor : edit.start])
        out.append(edit.text)
        cursor = edit.end
    out.append(html[cursor:])
    return "".join(out)


#: Elements without an end tag.
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())  # noqa: SIM905


class _Scanner(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._html = html
        self._line_starts = [0]
        for index, char in enumerate(html):
            if char == "\n":
                self._line_starts.append(index + 1)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        start = self._offset()
        text = self.get_starttag_text() or ""
        parent = self._open[-1] if self._open else None
        element = Element(tag, dict(attrs), start, start + len(text), parent)
        self.elements.append(element)
        if parent is not None:
            parent.children.append(element)
        if tag in _VOID or text.endswith("/>"):
            element.end_start = element.end = element.start_end
        else:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        start = self._offset()
        if not any(e.tag == tag for e in self._open):
            return  # a stray end tag closes nothing
        end = self._html.find(">", start) + 1
        while self._open:
            element = self._open.pop()
            element.end_start, element.end = start, end
            if element.tag == tag:
                break
