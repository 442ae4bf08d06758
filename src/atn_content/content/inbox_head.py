"""The two lines an inbox shows before the email is opened: the title and the preview text.

Mail clients take the preview line from the first text of the body, not from the API's
`preheader` field, so the compiled HTML must carry exactly what the response says: the
front matter's subject as <title>, its preheader as MJML's hidden preview text, followed
by a run of invisible spacer characters (the Litmus/Mailchimp preheader hack) so that the
body's first words ("View this email in your browser", a logo's alt text) do not fill the
rest of the line.

The front matter is the one source: a template's own <mj-title> or <mj-preview> with other
text is refused with its line (see docs/CONTENT.md), so the response and the HTML can
never disagree. This runs on protect()ed text, where Jinja comments are gone and Jinja
tags are tokens, so a `<mj-head>` mentioned in a `{# comment #}` is not mistaken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from atn_content.content.protect import COMMENT_TOKEN, TEXT_TOKEN, Protected

__all__ = ["PREVIEW_SPACER", "PREVIEW_SPACER_CHARACTERS", "HeadProblem", "prepare_head"]

#: One spacer unit: combining grapheme joiner, zero-width non-joiner, no-break space.
_SPACER_UNIT = "&#847;&zwnj;&nbsp;"
#: Invisible filler after the preview text: about 100 positions, more than any inbox shows.
PREVIEW_SPACER = _SPACER_UNIT * 100
#: The characters the spacer is made of, once the HTML is parsed.
PREVIEW_SPACER_CHARACTERS = frozenset("\u034f\u200c\u00a0")

_COMMENT = re.compile(r"<!--(?!atn:).*?-->", re.DOTALL)
_ROOT = re.compile(r"<mjml\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_LANG_DIR = re.compile(r"\s(?:lang|dir)\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_HEAD = re.compile(r"<mj-head\b[^>]*>")
_ELEMENT = {
    tag: re.compile(rf"<{tag}\b[^>]*>(.*?)</{tag}\s*>", re.DOTALL)
    for tag in ("mj-title", "mj-preview")
}
#: What a template may write itself: the front matter by name.
_AGREES = {"mj-title": "{{subject}}", "mj-preview": "{{preheader}}"}


@dataclass(frozen=True)
class HeadProblem:
    line: int
    message: str


def prepare_head(
    protected: Protected, locale: str, direction: str
) -> tuple[Protected, list[HeadProblem]]:
    """Set lang/dir on <mjml>, and the front matter's subject and preheader in <mj-head>."""
    text, spans = protected.text, list(protected.spans)
    comments = [m.span() for m in _COMMENT.finditer(text)]

    def live(match: re.Match[str]) -> bool:
        return not any(start <= match.start() < end for start, end in comments)

    root = next((m for m in _ROOT.finditer(text) if live(m)), None)
    if root is None:
        return protected, []  # check_mjml_structure reports the missing root with a line
    problems: list[HeadProblem] = []
    removals: list[tuple[int, int]] = []
    for tag, pattern in _ELEMENT.items():
        for element in filter(live, pattern.finditer(text)):
            written = _restore(element.group(1), spans).strip()
            if re.sub(r"\s+", "", written) == _AGREES[tag]:
                removals.append(element.span())
            else:
                line = text.count("\n", 0, element.start()) + 1
                problems.append(HeadProblem(line, _conflict(tag, written)))
    if problems:
        return protected, problems
    for start, end in sorted(removals, reverse=True):
        text = text[:start] + text[end:]
    head_extra = (
        f"<mj-title>{_token(spans, '{{ subject }}')}</mj-title>"
        f"<mj-preview>{_token(spans, '{{ preheader }}')}{PREVIEW_SPACER}</mj-preview>"
    )
    root = next(m for m in _ROOT.finditer(text) if live(m))
    kept = _LANG_DIR.sub("", root.group(1))
    opening = f'<mjml lang="{locale}" dir="{direction}"{kept}>'
    head = next((m for m in _HEAD.finditer(text) if live(m) and m.start() > root.end()), None)
    if head is None:
        head_extra = f"<mj-head>{head_extra}</mj-head>"
        text = text[: root.start()] + opening + head_extra + text[root.end() :]
    else:
        text = (
            text[: root.start()]
            + opening
            + text[root.end() : head.end()]
            + head_extra
            + text[head.end() :]
        )
    return Protected(text, tuple(spans), protected.lines), []


def _token(spans: list[str], jinja: str) -> str:
    spans.append(jinja)
    return f"@@atn{len(spans) - 1}@@"


def _restore(text: str, spans: list[str]) -> str:
    text = COMMENT_TOKEN.sub(lambda m: spans[int(m.group(1))], text)
    return TEXT_TOKEN.sub(lambda m: spans[int(m.group(1))], text)


def _conflict(tag: str, written: str) -> str:
    if tag == "mj-title":
        return (
            f"<mj-title>{written}</mj-title> disagrees with the front matter subject, which "
            "is the <title> and the subject the API sends: delete this <mj-title> "
            "(or write <mj-title>{{ subject }}</mj-title>)"
        )
    return (
        f"<mj-preview> disagrees with the front matter preheader, which is the inbox "
        f"preview line and the preheader the API sends: write preheader = {written!r} in "
        "the front matter and delete this <mj-preview>"
    )
