"""Compile-time link rewriting: every tracked href of the compiled HTML is wrapped in a
marker naming its template version and link id, and a pixel marker goes before </body>.
Pure: text in, text out.

A link's marker replaces its href value: `<mark><version>\x02<link id>\x02<the value as
written>`, ending where the attribute does, at its closing quote. The value keeps its Jinja
expressions, so Jinja renders the destination as it always did, and autoescaping turns any
quote a value renders into `&#34;`: no recipient value can end a marker early. The pixel's
marker is `<mark>\x03<version>\x03`. After the render, the click extension replaces each
marker by the signed URL in one pass over the HTML (a Jinja call per link would cost more
than the rest of the tracking). `mark` starts with \x01 and holds a per-process secret
nonce, so no recipient value can pose as a marker.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "LinkInfo",
    "Rewritten",
    "href_values",
    "marked",
    "marker_pattern",
    "pixel_marker",
    "rewrite_links",
]

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


def marked(mark: str, version: str, link_id: str, value: str) -> str:
    """The marker of one link, in place of its href value."""
    return f"{mark}{version}\x02{link_id}\x02{value}"


def pixel_marker(mark: str, version: str) -> str:
    return f"{mark}\x03{version}\x03"


def marker_pattern(mark: str) -> re.Pattern[str]:
    """A link's groups: version, link id, the rendered href value (HTML-escaped, as in the
    page); a pixel's: group 4, its version."""
    return re.compile(
        re.escape(mark) + r'(?:([^\x02\x03"]*)\x02([^\x02"]*)\x02([^"]*)|\x03([^\x02\x03"]*)\x03)'
    )


def rewrite_links(
    html: str,
    version: str,
    mark: str,
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
        if link is None:
            continue
        out += [html[position : href.start], marked(mark, version, link.id, href.value)]
        position = href.end
    out.append(html[position:])
    rewritten = "".join(out)
    if pixel:
        rewritten = add_pixel(rewritten, pixel_marker(mark, version))
    links = tuple(dict.fromkeys(ids[i] for i in sorted(ids)))
    return Rewritten(rewritten, links)


def add_pixel(html: str, tag: str) -> str:
    """`tag` just before the last </body> (or at the end)."""
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + tag
    at = ends[-1].start()
    return html[:at] + tag + html[at:]
