"""Make MRML give what the reference MJML compiler gives on MJML written elsewhere.

MJML exported from the MJML app, formatted by Prettier or bought in template packs has
attributes split over several lines and images without alt. MRML (mjml-python) differs
from the npm `mjml` package there: it writes a newline inside a raw HTML attribute as a
literal `\\n` (so every declaration of a multi-line `style` is lost), lets a duplicated
attribute take its last value where MJML and HTML take the first, and writes no `alt` on
an <mj-image> without one where MJML writes `alt=""`. Each tag is rewritten before MRML
(one line per tag, first value of each attribute) and every <img> gets an alt after it.
tests/content/test_mjml_reference.py compares the result with the reference compiler.
"""

from __future__ import annotations

import re

__all__ = ["ATTRIBUTE", "TAG", "ensure_img_alt", "is_url_attribute", "normalise_mjml"]

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ATTRIBUTE = r"""\s+[^\s"'=<>/`]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
#: A start tag (HTML or MJML): name, attributes, self-closing slash.
TAG = re.compile(rf"<([a-zA-Z][\w:-]*)((?:{_ATTRIBUTE})*)(\s*/?)>")
#: One attribute of TAG's second group: name, value with its quotes (None when bare).
ATTRIBUTE = re.compile(r"""\s+([^\s"'=<>/`]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_LINE_BREAK = re.compile(r"\s*[\r\n]\s*")
_IMG = re.compile(rf"<img\b((?:{_ATTRIBUTE})*)(\s*/?)>", re.IGNORECASE)
_ALT = re.compile(r"\salt(?:\s*=|\s|/|$)", re.IGNORECASE)
#: Attributes holding a URL (HTML and MJML); a line break in a URL is dropped, not spaced.
_URL_ATTRIBUTES = frozenset(
    {"href", "src", "srcset", "background", "action", "formaction", "poster", "cite"}
)
_URL_SUFFIXES = ("-url", "-src", "-href", "-icon")


def is_url_attribute(name: str) -> bool:
    """href, src, MJML's background-url, icon-wrapped-url, thumbnails-src, left-icon..."""
    name = name.lower()
    return name in _URL_ATTRIBUTES or name.endswith(_URL_SUFFIXES)


def normalise_mjml(text: str) -> str:
    """Every tag outside comments on one line, each attribute once with its first value."""
    comments = [m.span() for m in _COMMENT.finditer(text)]

    def rewrite(tag: re.Match[str]) -> str:
        if any(start <= tag.start() < end for start, end in comments):
            return tag.group(0)
        return _rewrite_tag(tag)

    return TAG.sub(rewrite, text)


def ensure_img_alt(html: str) -> str:
    """MJML writes alt="" on an image without one; raw <img> in mj-text or mj-raw too."""

    def add_alt(img: re.Match[str]) -> str:
        if _ALT.search(img.group(1)):
            return img.group(0)
        return img.group(0)[:4] + ' alt=""' + img.group(0)[4:]

    return _IMG.sub(add_alt, html)


def _rewrite_tag(tag: re.Match[str]) -> str:
    name, attributes, closing = tag.groups()
    seen: set[str] = set()
    parts = [f"<{name}"]
    for attribute in ATTRIBUTE.finditer(attributes):
        key, value = attribute.group(1), attribute.group(2)
        if key.lower() in seen:
            continue  # HTML and MJML keep the first of duplicated attributes
        seen.add(key.lower())
        if value is None:
            parts.append(f" {key}")
            continue
        parts.append(f" {key}={_one_line(value, is_url_attribute(key))}")
    if name.lower() == "mj-image" and "alt" not in seen:
        parts.append(' alt=""')
    parts.append("/>" if closing.strip() else ">")
    return "".join(parts)


def _one_line(value: str, is_url: bool) -> str:
    """A quoted value split over lines, joined as the reference compiler's output reads."""
    if "\n" not in value and "\r" not in value:
        return value
    quote, inner = value[0], value[1:-1]
    return quote + _LINE_BREAK.sub("" if is_url else " ", inner.strip()) + quote
