"""Text contrast against its background, WCAG 2 AA (4.5:1, 3:1 for large text).

Mail clients apply inline styles and presentational attributes (`bgcolor`, `<font
color>`) reliably, so the colours are computed from those, inherited down the table
layout as a browser would: `color`, `font-size` and `font-weight` inherit; a background
paints under everything inside its element (half-transparent ones are composited over
what is behind). Links without a colour of their own take the client's link blue. Text
over a background image cannot be judged from the HTML and is skipped, as is hidden text
(the preheader, display:none).
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass, replace

import tinycss2
import tinycss2.ast as css
import tinycss2.color3
from selectolax.lexbor import LexborHTMLParser, LexborNode

from atn_content.content.lint.checks import describe
from atn_content.content.lint.features import css_declarations
from atn_content.content.lint.findings import Finding

__all__ = ["AA_LARGE", "AA_NORMAL", "Rgb", "check_contrast", "contrast_ratio"]

#: WCAG 2 success criterion 1.4.3 (AA).
AA_NORMAL = 4.5
AA_LARGE = 3.0
#: "Large" is 18pt, or 14pt bold (CSS px are 0.75pt).
_LARGE_PX, _LARGE_BOLD_PX = 24.0, 18.66
#: What clients paint links and the canvas with when the HTML does not say.
_LINK_BLUE = (0, 0, 238)
_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)
_SKIPPED = frozenset({"head", "style", "script", "title", "noscript", "template", "xml"})
_BOLD_TAGS = frozenset({"b", "strong", "th", "h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_EM = {"h1": 2.0, "h2": 1.5, "h3": 1.17, "h5": 0.83, "h6": 0.67, "small": 0.83}
_KEYWORD_PX = {
    "xx-small": 9.0,
    "x-small": 10.0,
    "small": 13.0,
    "medium": 16.0,
    "large": 18.0,
    "x-large": 24.0,
    "xx-large": 32.0,
}

Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class _Style:
    color: Rgb
    background: Rgb | None  # None: an image is behind, the contrast is unknown
    font_px: float
    bold: bool


def check_contrast(tree: LexborHTMLParser) -> Iterator[Finding]:
    """Text below AA is an error; alt text (what shows with images off) a warning."""
    root = tree.css_first("html")
    if root is None:
        return
    yield from _walk(root, _Style(_BLACK, _WHITE, 16.0, False))


def contrast_ratio(foreground: Rgb, background: Rgb) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _walk(node: LexborNode, parent: _Style) -> Iterator[Finding]:
    tag = node.tag or ""
    if tag in _SKIPPED:
        return
    declared = _declared(node)
    if _hidden(declared):
        return
    style = _own_style(node, tag, declared, parent)
    if tag == "img":
        yield from _alt_contrast(node, style)
        return
    text = "".join(
        child.text_content or "" for child in _children(node) if child.is_text_node
    ).strip()
    if text and style.font_px > 1 and style.background is not None:
        yield from _text_contrast(node, text, style, "contrast", "error", "text")
    for child in _children(node):
        if child.is_element_node:
            yield from _walk(child, style)


def _children(node: LexborNode) -> Iterator[LexborNode]:
    child = node.child
    while child is not None:
        yield child
        child = child.next


def _text_contrast(
    node: LexborNode, text: str, style: _Style, check: str, severity: str, what: str
) -> Iterator[Finding]:
    assert style.background is not None
    ratio = contrast_ratio(style.color, style.background)
    large = style.font_px >= _LARGE_PX or (style.bold and style.font_px >= _LARGE_BOLD_PX)
    needed = AA_LARGE if large else AA_NORMAL
    if ratio >= needed:
        return
    weight = " bold" if style.bold else ""
    yield Finding(
        check,
        "error" if severity == "error" else "warning",
        f"{what} contrast {int(ratio * 100) / 100:.2f}:1 ({_hex(style.color)} on "
        f"{_hex(style.background)}, {style.font_px:g}px{weight}), below {needed:g}:1: "
        f'"{" ".join(text.split())[:40]}"',
        describe(node),
    )


def _alt_contrast(node: LexborNode, style: _Style) -> Iterator[Finding]:
    alt = (node.attributes.get("alt") or "").strip()
    if alt and style.background is not None and style.font_px > 1:
        yield from _text_contrast(
            node, alt, style, "alt-contrast", "warning", "alt text (images off)"
        )


def _declared(node: LexborNode) -> dict[str, list[css.Node]]:
    """The element's inline declarations after the cascade: last wins, !important first."""
    values: dict[str, list[css.Node]] = {}
    important: set[str] = set()
    for declaration in css_declarations(node.attributes.get("style") or ""):
        name = declaration.lower_name
        if name in important and not declaration.important:
            continue
        if declaration.important:
            important.add(name)
        values[name] = [t for t in declaration.value if not isinstance(t, css.WhitespaceToken)]
    return values


def _hidden(declared: dict[str, list[css.Node]]) -> bool:
    def keyword(name: str) -> str:
        return _keyword(declared.get(name))

    if keyword("display") == "none" or keyword("visibility") == "hidden":
        return True
    if keyword("opacity") in ("0", "0.0"):
        return True
    return keyword("max-height") in ("0", "0px") and keyword("overflow") == "hidden"


def _own_style(
    node: LexborNode, tag: str, declared: dict[str, list[css.Node]], parent: _Style
) -> _Style:
    attributes = node.attributes
    style = parent
    background = _background(declared, attributes.get("bgcolor"), attributes.get("background"))
    if background == "image":
        style = replace(style, background=None)
    elif isinstance(background, tuple):
        if background[3] >= 1:
            style = replace(style, background=_over(background, _WHITE))
        elif style.background is not None:
            style = replace(style, background=_over(background, style.background))
    if _keyword(declared.get("color")) == "inherit":
        return _inherited_font(style, declared, tag, parent)
    color = _color(declared.get("color"))
    if color is None and tag == "font":
        color = _color_text(attributes.get("color"))
    if color is not None:
        style = replace(style, color=_over(color, style.background or _WHITE))
    elif tag == "a" and "href" in attributes:
        style = replace(style, color=_LINK_BLUE)
    return _inherited_font(style, declared, tag, parent)


def _inherited_font(
    style: _Style, declared: dict[str, list[css.Node]], tag: str, parent: _Style
) -> _Style:
    style = replace(style, font_px=_font_px(declared.get("font-size"), tag, parent.font_px))
    bold = _bold(declared.get("font-weight"), tag)
    return replace(style, bold=parent.bold if bold is None else bold)


def _keyword(tokens: list[css.Node] | None) -> str:
    return tinycss2.serialize(tokens).strip().lower() if tokens else ""


def _background(
    declared: dict[str, list[css.Node]], bgcolor: str | None, image: str | None
) -> tuple[float, float, float, float] | str | None:
    for name in ("background", "background-image"):
        if any(isinstance(t, css.URLToken) or _is_url(t) for t in declared.get(name) or []):
            return "image"
    colour = _color(declared.get("background-color"))
    if colour is None:
        for token in declared.get("background") or []:
            colour = _color([token]) or colour
    if colour is None and image:
        return "image"
    return colour if colour is not None else _color_text(bgcolor)


def _is_url(token: css.Node) -> bool:
    return isinstance(token, css.FunctionBlock) and token.lower_name in ("url", "image-set")


def _color(tokens: list[css.Node] | None) -> tuple[float, float, float, float] | None:
    if not tokens or len(tokens) != 1:
        return None
    parsed = tinycss2.color3.parse_color(tokens[0])
    if parsed is None or isinstance(parsed, str):  # invalid, or currentColor
        return None
    return (parsed.red, parsed.green, parsed.blue, parsed.alpha)


def _color_text(value: str | None) -> tuple[float, float, float, float] | None:
    """A colour attribute (bgcolor, <font color>); "ffffff" without # as clients accept."""
    text = (value or "").strip()
    if len(text) in (3, 6) and all(c in string.hexdigits for c in text):
        text = "#" + text
    tokens = [t for t in tinycss2.parse_component_value_list(text) if t.type != "whitespace"]
    return _color(tokens)


def _over(colour: tuple[float, float, float, float], behind: Rgb) -> Rgb:
    red, green, blue, alpha = colour
    return (
        round(red * 255 * alpha + behind[0] * (1 - alpha)),
        round(green * 255 * alpha + behind[1] * (1 - alpha)),
        round(blue * 255 * alpha + behind[2] * (1 - alpha)),
    )


def _font_px(tokens: list[css.Node] | None, tag: str, parent_px: float) -> float:
    if not tokens or len(tokens) != 1:
        return parent_px * _HEADING_EM.get(tag, 1.0)
    token = tokens[0]
    if isinstance(token, css.DimensionToken):
        unit = token.lower_unit
        factor = {"px": 1.0, "pt": 4 / 3, "em": parent_px, "rem": 16.0}.get(unit)
        return float(token.value) * factor if factor is not None else parent_px
    if isinstance(token, css.PercentageToken):
        return float(token.value) * parent_px / 100
    if isinstance(token, css.NumberToken) and token.value == 0:
        return 0.0
    if isinstance(token, css.IdentToken):
        return _KEYWORD_PX.get(token.lower_value, parent_px)
    return parent_px


def _bold(tokens: list[css.Node] | None, tag: str) -> bool | None:
    if tokens and len(tokens) == 1:
        token = tokens[0]
        if isinstance(token, css.IdentToken):
            if token.lower_value in ("bold", "bolder"):
                return True
            if token.lower_value in ("normal", "lighter"):
                return False
        if isinstance(token, css.NumberToken):
            return float(token.value) >= 600
    return True if tag in _BOLD_TAGS else None


def _luminance(colour: Rgb) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def _hex(colour: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)
