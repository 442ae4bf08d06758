"""Click and open tracking as an engine extension: links rewritten once per compile, signed
per render.

At compile time (transform_html) every tracked href is wrapped in a marker naming its
version and link id (tracking/rewrite.py) and a pixel marker goes before </body>; the link
map of each template version is kept for click maps. Per render (finish_html), one pass
over the rendered HTML signs one token per link actually rendered: the cost of tracking is
the signing, not a Jinja call per link. A template turns it off with
`tracking = false` in its front matter, a request with `"tracking": false` (sending.py).
UTM parameters come from the front matter: `utm = {source = "newsletter", medium =
"email", campaign = "bora-bora"}` (existing query parameters of the link are kept).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import secrets
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from markupsafe import escape

from atn_content.content.errors import ContentError, TemplateError, TemplateProblem
from atn_content.content.extensions import BaseExtension, RenderScope
from atn_content.content.library import Library, TemplateSource
from atn_content.sending import current_send
from atn_content.tracking.clicks import ClickLinks, EmailLinks
from atn_content.tracking.rewrite import (
    LinkInfo,
    href_values,
    rewrite_links,
)

__all__ = ["UTM_KEYS", "ClicksExtension", "with_utm"]

#: Front-matter `utm` keys and the query parameter each one sets.
UTM_KEYS = {k: f"utm_{k}" for k in ("source", "medium", "campaign", "term", "content")}
#: Longest template version or link id a marker holds (both are ours, and short).
_ID_SPAN = 256
_PIXEL = (
    '<img src="{src}" width="1" height="1" alt="" role="presentation" '
    'style="display:block;width:1px;height:1px;border:0;margin:0;padding:0;" />'
)


class ClicksExtension(BaseExtension):
    name = "clicks"

    def __init__(self, links: ClickLinks, public_url: str, content_root: Path) -> None:
        self.links = links
        base = public_url.rstrip("/")
        self._own = (f"{base}/u/", f"{base}/preferences/", f"{base}/t/")
        self._root = content_root
        self._library: Library | None = None
        self._lock = threading.Lock()
        self._maps: dict[tuple[str, str], tuple[LinkInfo, ...]] = {}
        self._utm: dict[str, tuple[tuple[str, str], ...]] = {}
        # Secret to this process: recipient data cannot forge a marker it does not know.
        self._mark = "\x01" + secrets.token_hex(8)
        # A signed URL is the base and base64url: nothing to escape unless the base has it.
        self._plain = html_lib.escape(base) == base

    def fingerprint(self) -> str:
        return "clicks-2" + self._mark  # compiled HTML holds this instance's markers

    def link_map(self, template: str, version: str) -> tuple[LinkInfo, ...] | None:
        """The tracked links of one compiled template version (None: not compiled here)."""
        return self._maps.get((template, version))

    def transform_html(self, html: str, template: str, locale: str) -> str:
        source = self._source(template)
        meta: Mapping[str, Any] = source.meta if source else {}
        file = source.file if source else f"templates/{template}.mjml"
        tracking = meta.get("tracking", True)
        if not isinstance(tracking, bool):
            raise TemplateError(
                [TemplateProblem(file, 1, "front matter tracking must be true or false")]
            )
        if not tracking:
            return html
        version = source.version if source else hashlib.sha256(html.encode()).hexdigest()[:12]
        result = rewrite_links(
            html,
            version,
            self._mark,
            source_hrefs=_source_hrefs(source) if source else (),
            default_file=file,
            own_prefixes=self._own,
        )
        with self._lock:
            self._maps[(template, version)] = result.links
            self._utm[version] = _utm(meta.get("utm"), file)
        return result.html

    def _source(self, template: str) -> TemplateSource | None:
        """The template as the renderer's library sees it (same root, refreshed now)."""
        with self._lock:
            if self._library is None:
                self._library = Library(self._root)
            library = self._library
        library.refresh()
        try:
            return library.get(template)
        except ContentError:
            return None

    def finish_html(self, html: str, scope: RenderScope) -> str:
        mark = self._mark
        at = html.find(mark)  # literal searches and slices of the page: no regex, no split
        if at < 0:
            return html
        send = current_send()
        links = (
            self.links.for_email(
                scope.template,
                scope.variant,
                send.experiment,
                str(scope.recipient["id"]),
                scope.locale,
                int(scope.now.timestamp()),  # the render's clock: one render, one document
            )
            if send.tracking
            else None
        )
        out: list[str] = []
        position = 0
        while at >= 0:
            out.append(html[position:at])
            position = self._fill(html, at + len(mark), links, out)
            at = html.find(mark, position)
        out.append(html[position:])
        return "".join(out)

    def _fill(self, html: str, i: int, links: EmailLinks | None, out: list[str]) -> int:
        """Appends what the marker at `i` becomes (signed, or as written when `links` is
        None) and returns where the page goes on."""
        if html.startswith("\x03", i):  # the pixel
            pixel_end = html.find("\x03", i + 1, i + 1 + _ID_SPAN)
            src = links.open_url(html[i + 1 : pixel_end]) if links and pixel_end > 0 else None
            if src is not None:
                out.append(_PIXEL.format(src=escape(src)))
            return pixel_end + 1 if pixel_end > 0 else i
        link_sep = html.find("\x02", i, i + _ID_SPAN)
        id_sep = html.find("\x02", link_sep + 1, link_sep + 1 + _ID_SPAN)
        end = html.find('"', id_sep + 1)
        if link_sep < 0 or id_sep < 0 or end < 0:  # not a marker we wrote: drop the mark
            return i
        value = html[id_sep + 1 : end]
        url = (html_lib.unescape(value) if "&" in value else value).strip()
        if links is None or not url.lower().startswith(("https://", "http://")):
            out.append(value)
            return end
        version = html[i:link_sep]
        utm = self._utm.get(version)
        signed = links.click_url(
            version, html[link_sep + 1 : id_sep], with_utm(url, utm) if utm else url
        )
        out.append(value if signed is None else signed if self._plain else str(escape(signed)))
        return end


def _source_hrefs(source: TemplateSource) -> list[tuple[str, str]]:
    """(file written in, value) of each href in the assembled source."""
    body = source.body
    return [
        (source.origin(body.count("\n", 0, offset) + 1)[0], value)
        for offset, value in href_values(body)
    ]


def _utm(spec: Any, file: str) -> tuple[tuple[str, str], ...]:
    if spec is None:
        return ()
    if not isinstance(spec, dict) or not all(isinstance(v, str) for v in spec.values()):
        raise TemplateError(
            [
                TemplateProblem(
                    file,
                    1,
                    "front matter utm must be a table of strings, "
                    'e.g. utm = {source = "newsletter", medium = "email"}',
                )
            ]
        )
    unknown = sorted(set(spec) - set(UTM_KEYS))
    if unknown:
        raise TemplateError(
            [
                TemplateProblem(
                    file,
                    1,
                    f"front matter utm: unknown key(s) {', '.join(unknown)}; "
                    f"use {', '.join(UTM_KEYS)}",
                )
            ]
        )
    return tuple((UTM_KEYS[k], spec[k]) for k in UTM_KEYS if spec.get(k))


def with_utm(url: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """`url` with the UTM parameters it does not already have (its own query kept)."""
    base, hash_mark, fragment = url.partition("#")
    _, question, query = base.partition("?")
    existing = {key for key, _ in parse_qsl(query, keep_blank_values=True)}
    missing = [(k, v) for k, v in pairs if k not in existing]
    if not missing:
        return url
    joiner = "" if not question else ("" if query == "" or query.endswith("&") else "&")
    return base + ("" if question else "?") + joiner + urlencode(missing) + hash_mark + fragment
