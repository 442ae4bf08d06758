"""Compile-time link rewriting: every tracked href of the compiled HTML becomes a call to
the per-render `click_url`, and the open pixel goes before </body>. Pure: text in, text out.

Link ids come from the link's place in the template: the file it is written in (the
template or the block) and its rank among that file's links, e.g. `hero.1`,
`offer-card.3`. So the same URL twice, or links in per-recipient `{% if %}` branches, get
ids of their own, and editing one block leaves the other blocks' ids alone. An Outlook VML
button (`v:roundrect`) shares the id of the `<a>` fallback that follows it: one button.

Left as they are: mailto:, tel:, sms:, #anchors, relative links, our own unsubscribe,
preferences and tracking links, and an href whose value holds a Jinja statement (`{% %}`):
its destination cannot be passed as one expression.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LinkInfo", "Rewritten", "href_values", "rewrite_links"]

_HREF = re.compile(r"<([a-zA-Z][\w:-]*)\b[^<>]*?\shref=\"")
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_UNTRACKED_SCHEMES = ("mailto:", "tel:", "sms:", "#", "javascript:", "data:")
#: Context names of our own links: never wrapped (their pages are not destinations).
_OWN_LINKS = frozenset({"unsubscribe_url", "preferences_url"})
_FIRST_NAME = re.compile(r"\s*([A-Za-z_]\w*)")


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """One tracked link of a template version: for click maps."""

    id: str
    block: str
    """The file the link is written in (templates/x.mjml or blocks/y.mjml)."""
    occurrence: int
    """Its rank among that file's tracked links (1 = first)."""
    url: str
    """The destination as written: a URL, or Jinja (`{{ recipient.search.resume_url }}`)."""


@dataclass(frozen=True, slots=True)
class Rewritten:
    html: str
    links: tuple[LinkInfo, ...]


@dataclass(frozen=True, slots=True)
class _Href:
    tag: str
    start: int
    """Offset of the value (after the opening quote)."""
    end: int
    """Offset of the closing quote."""
    value: str


def _value_end(text: str, start: int) -> int:
    """Offset of the quote closing an attribute value; Jinja tags may hold quotes."""
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return i
        if ch == "{" and i + 1 < n and text[i + 1] in "{%#":
            close = {"{": "}}", "%": "%}", "#": "#}"}[text[i + 1]]
            found = text.find(close, i + 2)
            if found < 0:
                return -1
            i = found + 2
            continue
        i += 1
    return -1


def _hrefs(text: str) -> list[_Href]:
    found: list[_Href] = []
    for match in _HREF.finditer(text):
        start = match.end()
        end = _value_end(text, start)
        if end >= 0:
            found.append(_Href(match.group(1).lower(), start, end, text[start:end]))
    return found


def _normal(value: str) -> str:
    return " ".join(html_lib.unescape(value).split())


def href_values(body: str) -> list[tuple[int, str]]:
    """(offset, normalised value) of every href in a template source, in order."""
    return [(h.start, _normal(h.value)) for h in _hrefs(body)]


def _parts(value: str) -> list[tuple[bool, str]] | None:
    """[(is_expression, text)] of an href value; None when it holds a statement or comment."""
    parts: list[tuple[bool, str]] = []
    i = 0
    while i < len(value):
        open_at = value.find("{", i)
        while open_at >= 0 and value[open_at + 1 : open_at + 2] not in ("{", "%", "#"):
            open_at = value.find("{", open_at + 1)
        if open_at < 0:
            parts.append((False, html_lib.unescape(value[i:])))
            break
        if value[open_at + 1] != "{":
            return None
        if open_at > i:
            parts.append((False, html_lib.unescape(value[i:open_at])))
        close = value.find("}}", open_at + 2)
        if close < 0:
            return None
        expression = value[open_at + 2 : close].strip().strip("-").strip()
        parts.append((True, expression))
        i = close + 2
    if parts and not parts[0][0]:
        parts[0] = (False, parts[0][1].lstrip())
    if parts and not parts[-1][0]:
        parts[-1] = (False, parts[-1][1].rstrip())
    return [p for p in parts if p[0] or p[1]]


def _tracked(parts: list[tuple[bool, str]], own_prefixes: Sequence[str]) -> bool:
    if not parts:
        return False
    is_expression, first = parts[0]
    if is_expression:
        name = _FIRST_NAME.match(first)
        return not (len(parts) == 1 and name is not None and name.group(1) in _OWN_LINKS)
    lowered = first.lower()
    if lowered.startswith(_UNTRACKED_SCHEMES) or not lowered.startswith(("https://", "http://")):
        return False
    return not any(first.startswith(prefix) for prefix in own_prefixes)


def _literal(text: str) -> str:
    """A Jinja string literal reading back as `text`."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _call(version: str, link_id: str, parts: list[tuple[bool, str]]) -> str:
    args = [_literal(version), _literal(link_id)]
    args += [f"({text})" if is_expression else _literal(text) for is_expression, text in parts]
    return "{{ click_url(" + ", ".join(args) + ") }}"


def rewrite_links(
    html: str,
    version: str,
    *,
    source_hrefs: Sequence[tuple[str, str]] = (),
    default_file: str = "",
    own_prefixes: Sequence[str] = (),
    pixel: bool = True,
) -> Rewritten:
    """Rewrite the tracked links of compiled `html` and add the pixel.

    `source_hrefs`: (file, normalised value) of the template source's hrefs in order, to
    name the file each link was written in (unmatched links count as `default_file`'s).
    `own_prefixes`: URL prefixes of our own pages (unsubscribe, preferences, tracking).
    """
    found = _hrefs(html)
    ids: dict[int, LinkInfo] = {}
    ranks: dict[str, int] = {}
    cursor = 0
    pending_vml: list[int] = []
    for index, href in enumerate(found):
        if href.tag.startswith("v:"):
            pending_vml.append(index)
            continue
        normal = _normal(href.value)
        file = default_file
        for k in range(cursor, len(source_hrefs)):
            if source_hrefs[k][1] == normal:
                file, cursor = source_hrefs[k][0], k + 1
                break
        parts = _parts(href.value)
        if parts is None or not _tracked(parts, own_prefixes):
            pending_vml.clear()
            continue
        stem = file.rsplit("/", 1)[-1].removesuffix(".mjml") or "link"
        ranks[stem] = ranks.get(stem, 0) + 1
        info = LinkInfo(
            f"{stem}.{ranks[stem]}", file, ranks[stem], html_lib.unescape(href.value.strip())
        )
        ids[index] = info
        for vml in pending_vml:
            if found[vml].value == href.value:
                ids[vml] = info
        pending_vml.clear()
    out: list[str] = []
    position = 0
    for index, href in enumerate(found):
        link = ids.get(index)
        parts = _parts(href.value) if link is not None else None
        if link is None or parts is None:
            continue
        out += [html[position : href.start], _call(version, link.id, parts)]
        position = href.end
    out.append(html[position:])
    rewritten = "".join(out)
    if pixel:
        rewritten = add_pixel(rewritten, version)
    links = tuple(dict.fromkeys(ids[i] for i in sorted(ids)))
    return Rewritten(rewritten, links)


def add_pixel(html: str, version: str) -> str:
    """`{{ open_pixel(version) }}` just before the last </body> (or at the end)."""
    tag = "{{ open_pixel(" + _literal(version) + ") }}"
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + tag
    at = ends[-1].start()
    return html[:at] + tag + html[at:]
