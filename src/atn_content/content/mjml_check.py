"""Structural MJML checks with line numbers, because MRML reports neither.

MRML silently drops unknown tags and says only "unexpected end of stream" for an unclosed
one; a designer needs the file and line. Only mj-* tags are tracked: the HTML inside
mj-text, mj-button, mj-table and mj-raw is theirs to write.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["KNOWN_TAGS", "check_mjml_structure"]

#: Every tag MJML 4 defines.
KNOWN_TAGS = frozenset(
    [
        "mjml",
        "mj-head",
        "mj-body",
        "mj-attributes",
        "mj-all",
        "mj-class",
        "mj-breakpoint",
        "mj-font",
        "mj-html-attributes",
        "mj-html-attribute",
        "mj-selector",
        "mj-preview",
        "mj-style",
        "mj-title",
        "mj-accordion",
        "mj-accordion-element",
        "mj-accordion-title",
        "mj-accordion-text",
        "mj-button",
        "mj-carousel",
        "mj-carousel-image",
        "mj-column",
        "mj-divider",
        "mj-group",
        "mj-hero",
        "mj-image",
        "mj-navbar",
        "mj-navbar-link",
        "mj-raw",
        "mj-section",
        "mj-social",
        "mj-social-element",
        "mj-spacer",
        "mj-table",
        "mj-text",
        "mj-wrapper",
        "mj-include",
    ]
)
_TAG = re.compile(r"<(/?)(mjml|mj-[a-z-]+)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
#: Inside these, content is raw HTML; nested mj-* tags are not tracked.
_RAW_CONTENT = frozenset(
    {
        "mj-text",
        "mj-button",
        "mj-table",
        "mj-raw",
        "mj-style",
        "mj-title",
        "mj-preview",
        "mj-navbar-link",
        "mj-social-element",
        "mj-accordion-title",
        "mj-accordion-text",
    }
)


def _line(line: int) -> str:
    return f"line {line}"


def check_mjml_structure(text: str, where: Callable[[int], str] = _line) -> list[tuple[int, str]]:
    """Return (line, message) for each unknown, unclosed or mismatched mj-* tag.

    `where` names a line inside a message (the compiler maps it back to file:line).
    """
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    problems: list[tuple[int, str]] = []
    stack: list[tuple[str, int]] = []
    if not re.search(r"<mjml\b", text):
        return [(1, "no <mjml> root element")]
    for match in _TAG.finditer(text):
        closing, tag, _, self_closing = match.groups()
        line = text.count("\n", 0, match.start()) + 1
        if stack and stack[-1][0] in _RAW_CONTENT and not (closing and tag == stack[-1][0]):
            continue
        if tag not in KNOWN_TAGS:
            problems.append((line, f"unknown MJML tag <{tag}>"))
            continue
        if self_closing:
            continue
        if not closing:
            stack.append((tag, line))
            continue
        if not stack:
            problems.append((line, f"</{tag}> closes nothing"))
        elif stack[-1][0] == tag:
            stack.pop()
        else:
            open_tag, open_line = stack[-1]
            problems.append(
                (line, f"</{tag}> found where <{open_tag}> ({where(open_line)}) must be closed")
            )
            if any(t == tag for t, _ in stack):
                while stack and stack[-1][0] != tag:
                    stack.pop()
                stack.pop()
    problems.extend((line, f"<{tag}> is never closed") for tag, line in reversed(stack))
    return problems
