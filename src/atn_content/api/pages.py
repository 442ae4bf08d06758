"""What the recipient's pages share: their headers, the refused-link page, form bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from litestar import MediaType, Request, Response

from atn_content.tracking.refused import page_language, refused_page

__all__ = ["PAGE_HEADERS", "form_fields", "form_value", "page_response", "refused"]

#: No caching of a personal page, no referrer to the next site, no indexing, no scripts.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}
#: Fields and values read from a form body (the body size is capped app-wide).
_MAX_FIELDS = 50


def page_response(page: str, status_code: int = 200) -> Response[str]:
    return Response(page, status_code=status_code, media_type=MediaType.HTML, headers=PAGE_HEADERS)


def refused(request: Request[Any, Any, Any], locale: str | None) -> Response[str]:
    """An altered or unreadable link: the localised page that says nothing about it."""
    lang = page_language(locale, request.headers.get("accept-language", ""))
    return page_response(refused_page(lang), status_code=404)


def form_value(fields: Mapping[str, list[str]], name: str) -> str:
    """The first value of a form field, "" when the form has none."""
    return (fields.get(name) or [""])[0]


def form_fields(body: bytes) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body; anything unreadable reads as empty."""
    try:
        return parse_qs(body.decode("utf-8"), max_num_fields=_MAX_FIELDS, errors="replace")
    except (UnicodeDecodeError, ValueError):  # not UTF-8, or more fields than any form has
        return {}
