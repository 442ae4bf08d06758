"""Click and open tracking as an engine extension: links rewritten once per compile, signed
per render.

At compile time (transform_html) every tracked href becomes `{{ click_url(version, id,
<the original URL or expression>) }}` and the pixel `{{ open_pixel(version) }}` goes
before </body>; the link map of each template version is kept for click maps. Per render,
`click_url` signs one token per link actually rendered. A template turns it off with
`tracking = false` in its front matter, a request with `"tracking": false` (sending.py).
UTM parameters come from the front matter: `utm = {source = "newsletter", medium =
"email", campaign = "bora-bora"}` (existing query parameters of the link are kept).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from markupsafe import Markup, escape

from atn_content.content.errors import ContentError, TemplateError, TemplateProblem
from atn_content.content.extensions import BaseExtension
from atn_content.content.library import Library, TemplateSource
from atn_content.sending import current_send
from atn_content.tracking.clicks import ClickLinks, Tracked
from atn_content.tracking.rewrite import LinkInfo, href_values, rewrite_links

__all__ = ["UTM_KEYS", "ClicksExtension", "with_utm"]

#: Front-matter `utm` keys and the query parameter each one sets.
UTM_KEYS = {k: f"utm_{k}" for k in ("source", "medium", "campaign", "term", "content")}
_PIXEL_STYLE = "display:block;width:1px;height:1px;border:0;margin:0;padding:0;"


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

    def fingerprint(self) -> str:
        return "clicks-1"

    def globals(self) -> Mapping[str, Any]:
        return {"click_url": self._click_url, "open_pixel": self._open_pixel}

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

    @jinja2.pass_context
    def _click_url(self, ctx: Any, version: str, link: str, *parts: Any) -> str:
        url = "".join(str(p) for p in parts)
        send = current_send()
        if not send.tracking or not url.lower().startswith(("https://", "http://")):
            return url
        utm = self._utm.get(version)
        if utm:
            url = with_utm(url, utm)
        tracked = Tracked(
            "c",
            ctx["template"],
            version,
            ctx["variant"],
            send.experiment,
            link,
            str(ctx["recipient"]["id"]),
            ctx["locale"],
            _issued(ctx),
            url,
        )
        return self.links.click_url(tracked) or url

    @jinja2.pass_context
    def _open_pixel(self, ctx: Any, version: str) -> Markup:
        send = current_send()
        if not send.tracking:
            return Markup("")
        tracked = Tracked(
            "o",
            ctx["template"],
            version,
            ctx["variant"],
            send.experiment,
            "",
            str(ctx["recipient"]["id"]),
            ctx["locale"],
            _issued(ctx),
            "",
        )
        src = self.links.open_url(tracked)
        if src is None:
            return Markup("")
        return Markup(
            f'<img src="{escape(src)}" width="1" height="1" alt="" role="presentation" '
            f'style="{_PIXEL_STYLE}" />'
        )


def _issued(ctx: Any) -> int:
    """The render's own clock (its `now`), so one render gives one document."""
    now = ctx.get("now")
    return int(now.timestamp()) if isinstance(now, dt.datetime) else int(time.time())


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
