"""The studio's views of one email's HTML: images off, forced dark inversion, own dark styles.

Each is a pure HTML-to-HTML function, shown in a sandboxed frame next to the light view:
- images off: what Outlook and corporate clients show before "download pictures": no
  image is fetched, the alt text stands in its box;
- forced inversion: what Gmail's apps and Outlook.com do to an email that declares no dark
  styles: every colour inverted, photos put back the right way round;
- own dark styles: the email's `@media (prefers-color-scheme: dark)` rules applied, as
  Apple Mail does in dark mode. An email without such rules looks as it does in light.
"""

from __future__ import annotations

import html as html_lib
import re

from atn_content.tracking.clicks import ClickLinks

__all__ = [
    "DARK_QUERY",
    "counts_nothing",
    "forced_inversion",
    "has_own_dark_styles",
    "images_off",
    "own_dark_styles",
]

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\s(?:src|srcset)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_BACKGROUND_ATTR = re.compile(r"""\sbackground\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_CSS_BACKGROUND = re.compile(r"(background(?:-image)?\s*:[^;\"'}>]*?)url\([^)]*\)", re.IGNORECASE)
#: The media query that turns an email's own dark styles on.
DARK_QUERY = re.compile(
    r"@media\s*(?:screen\s+and\s*)?\(\s*prefers-color-scheme\s*:\s*dark\s*\)\s*\{", re.IGNORECASE
)
_INVERT = (
    '<style data-studio-view="forced-inversion">'
    "html{filter:invert(1) hue-rotate(180deg);background:#fff}"
    'img,[background],[style*="background-image"]{filter:invert(1) hue-rotate(180deg)}'
    "</style>"
)


def counts_nothing(html: str, public_url: str) -> str:
    """The email for the studio's frames: no open pixel, and each tracked link going
    straight to its destination, so looking at a preview or clicking in it is not an open
    or a click of the sample recipient (the "HTML as sent" tab keeps the real thing)."""
    base = re.escape(public_url.rstrip("/"))
    pixel = re.compile(rf"""<img\b[^>]*\ssrc="{base}/t/o/[^"]*"[^>]*>""", re.IGNORECASE)
    link = re.compile(rf'href="{base}/t/c/([^"]+)"')

    def destination(match: re.Match[str]) -> str:
        url = ClickLinks.unverified_destination(match.group(1))
        return f'href="{html_lib.escape(url)}"' if url else 'href="#"'

    return link.sub(destination, pixel.sub("", html))


def images_off(html: str) -> str:
    """No image source left: <img> keep their alt, width and height; CSS and table
    backgrounds that point at an image are dropped."""
    html = _IMG.sub(lambda m: _SRC.sub("", m.group(0)), html)
    html = _BACKGROUND_ATTR.sub("", html)
    return _CSS_BACKGROUND.sub(r"\1none", html)


def forced_inversion(html: str) -> str:
    return _before_head_end(html, _INVERT)


def has_own_dark_styles(html: str) -> bool:
    return DARK_QUERY.search(html) is not None


def own_dark_styles(html: str) -> str:
    """The dark media queries' rules made unconditional (each block's braces kept balanced)."""
    out, position = [], 0
    for match in DARK_QUERY.finditer(html):
        if match.start() < position:
            continue  # inside a block already unwrapped
        close = _matching_brace(html, match.end())
        if close is None:
            break
        out.append(html[position : match.start()])
        out.append(html[match.end() : close])
        position = close + 1
    out.append(html[position:])
    return "".join(out)


def _matching_brace(text: str, start: int) -> int | None:
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _before_head_end(html: str, snippet: str) -> str:
    at = html.lower().find("</head>")
    return html[:at] + snippet + html[at:] if at >= 0 else snippet + html
