"""The checks that do not depend on a client: size, lang, alt texts, table roles, links."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode
from tinycss2.ast import DimensionToken

from atn_content.content.lint.features import css_declarations
from atn_content.content.lint.findings import Finding

__all__ = [
    "CLIP_BYTES",
    "WARN_BYTES",
    "check_images",
    "check_lang",
    "check_links",
    "check_outlook_corners",
    "check_size",
    "check_tables",
    "describe",
]

#: Gmail clips a message whose HTML is larger than this ("[Message clipped]").
CLIP_BYTES = 102 * 1024
#: Warn early: personalisation, tracking links and an ESP's own additions still add bytes.
WARN_BYTES = 80 * 1024
#: Link schemes that work in a mail client; anything else (http, javascript, relative) not.
_LINK_SCHEMES = ("https", "mailto", "tel", "sms")
#: From this radius on, square corners change how a button looks (icons use 3 px).
_ROUNDED_PX = 8
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")


def check_size(html: str) -> Iterator[Finding]:
    size = len(html.encode("utf-8"))
    if size > CLIP_BYTES:
        yield Finding("size", "error", f"HTML is {size / 1024:.1f} KB: Gmail clips it above 102 KB")
    elif size >= WARN_BYTES:
        yield Finding(
            "size",
            "warning",
            f"HTML is {size / 1024:.1f} KB: close to Gmail's 102 KB clipping (warning from 80 KB)",
        )


def check_lang(tree: LexborHTMLParser, expected: str | None = None) -> Iterator[Finding]:
    root = tree.css_first("html")
    lang = ((root.attributes.get("lang") if root else None) or "").strip()
    if not lang:
        yield Finding(
            "lang",
            "error",
            "<html> has no lang: screen readers pick a voice from it",
            "<html>",
        )
    elif expected and lang.lower() != expected.lower():
        yield Finding("lang", "error", f'<html lang="{lang}">, expected "{expected}"', "<html>")


def check_images(tree: LexborHTMLParser) -> Iterator[Finding]:
    for img in tree.css("img"):
        attributes = img.attributes
        src = (attributes.get("src") or "").strip()
        if "alt" not in attributes:
            yield Finding(
                "alt",
                "error",
                'image without alt (screen readers read the file name; use alt="" if '
                "it is decorative)",
                describe(img),
            )
        elif (attributes["alt"] or "").strip().lower().endswith(_IMAGE_EXTENSIONS):
            yield Finding("alt", "warning", "alt text is a file name", describe(img))
        if not src:
            yield Finding("image", "error", "image without src", describe(img))
        elif not src.startswith(("https://", "data:", "cid:")):
            yield Finding(
                "image",
                "error",
                "image not served over https (blocked or flagged by mail clients)",
                describe(img),
            )


def check_tables(tree: LexborHTMLParser) -> Iterator[Finding]:
    """A table without headers is layout: without role=presentation a screen reader
    announces rows and columns of nothing."""
    for table in tree.css("table"):
        role = (table.attributes.get("role") or "").strip().lower()
        if role in ("presentation", "none"):
            continue
        if table.css_first("th") is not None or table.css_first("caption") is not None:
            continue
        yield Finding(
            "role",
            "error",
            'layout table without role="presentation" (no <th> or <caption>: not a data table)',
            describe(table),
        )


def check_links(tree: LexborHTMLParser) -> Iterator[Finding]:
    """Every <a> and every Outlook VML button goes somewhere real, over https."""
    seen: set[int] = set()
    for link in tree.css("a, area, v\\:roundrect, v\\:rect"):
        if link.mem_id in seen:
            continue
        seen.add(link.mem_id)
        href = (link.attributes.get("href") or "").strip()
        if not href or href == "#":
            what = (
                "has no href" if "href" not in link.attributes else f'goes nowhere (href="{href}")'
            )
            yield Finding("link", "error", f"link {what}", describe(link))
            continue
        scheme = urlsplit(href).scheme.lower()
        if scheme in _LINK_SCHEMES:
            continue
        if scheme == "http":
            problem = "is not https"
        elif not scheme:
            problem = "is relative (a mail client has no page to resolve it against)"
            if href.startswith("#"):
                continue  # in-message anchor: reported as a feature (html-anchor-links)
        else:
            problem = f"uses the {scheme}: scheme"
        yield Finding("link", "error", f"link {problem}", describe(link))


def check_outlook_corners(outlook: LexborHTMLParser) -> Iterator[Finding]:
    """Word ignores border-radius: a pill button must be drawn in VML for Outlook.

    `outlook` is the document as Outlook for Windows reads it (views.Views.outlook), so a
    button that has a VML twin, with the HTML one behind `<!--[if !mso]><!-->`, passes.
    Small radii (social icons' 3 px) are left to the allow-list."""
    for node in outlook.css("[style]"):
        for declaration in css_declarations(node.attributes.get("style") or ""):
            if declaration.lower_name != "border-radius":
                continue
            radius = max(
                (t.value for t in declaration.value if isinstance(t, DimensionToken)),
                default=0,
            )
            if radius >= _ROUNDED_PX:
                yield Finding(
                    "outlook-corners",
                    "error",
                    f"{radius:g}px rounded corners are square in Outlook for Windows: draw the "
                    "shape as a VML <v:roundrect> inside <!--[if mso]> (the engine does it for "
                    "<mj-button>)",
                    describe(node),
                    client="outlook-windows",
                )


def describe(node: LexborNode, limit: int = 60) -> str:
    """`<a href="https://…"> "Check in online"`: enough to find the element."""
    attributes = node.attributes
    key = next((a for a in ("href", "src", "class") if attributes.get(a)), None)
    tag = (
        f'<{node.tag} {key}="{_shorten(attributes[key] or "", limit)}">' if key else f"<{node.tag}>"
    )
    text = " ".join(node.text(deep=True, separator=" ").split())
    return f'{tag} "{_shorten(text, 40)}"' if text else tag


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
