"""Which HTML and CSS features a document uses, named as caniemail names them.

Elements and attributes come from the HTML parser (Lexbor, through selectolax), CSS from
tinycss2: inline `style` attributes, `<style>` sheets, their selectors and at-rules. Each
use is a (slug, example) pair; a slug caniemail does not list (`mso-line-height-rule`,
`<center>`) is kept too, so the report can say what it could not look up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import tinycss2
import tinycss2.ast as css
from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Use", "css_declarations", "document_uses"]


@dataclass(frozen=True)
class Use:
    slug: str
    example: str


def _words(text: str) -> list[str]:
    return text.split()


_ELEMENTS = {
    **{
        tag: f"html-{tag}"
        for tag in _words(
            "abbr acronym address audio base bdi blockquote body code del dfn dialog div form "
            "hr img link marquee meter object p picture pre progress rp rt ruby select small "
            "span strike strong style svg table textarea video wbr"
        )
    },
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)},
    **{tag: "html-lists" for tag in _words("ul ol li dl dt dd")},
    **{
        tag: "html-semantics"
        for tag in _words(
            "article aside details figcaption figure footer header main mark nav section "
            "summary time"
        )
    },
    "map": "html-image-maps",
    "area": "html-image-maps",
}
_ATTRIBUTES = {
    **{
        name: f"html-{name}"
        for name in _words(
            "align aria-describedby aria-hidden aria-label aria-labelledby aria-live background "
            "cellpadding cellspacing dir height hidden lang loading required role target valign "
            "width popover"
        )
    },
    "srcset": "html-srcset",
    "sizes": "html-srcset",
    "inert": "css-inert-attribute",
}
_IMAGE_TYPES = {
    "png": "image-png",
    "jpg": "image-jpg",
    "jpeg": "image-jpg",
    "gif": "image-gif",
    "webp": "image-webp",
    "svg": "image-svg",
    "avif": "image-avif",
    "apng": "image-apng",
    "bmp": "image-bmp",
    "ico": "image-ico",
    "tif": "image-tiff",
    "tiff": "image-tiff",
    "heic": "image-heif",
    "heif": "image-heif",
}


def document_uses(tree: LexborHTMLParser, source: str) -> Iterator[Use]:
    """Every feature use in the document, in document order (repeats included)."""
    if source.lstrip()[:15].lower().startswith("<!doctype html"):
        yield Use("html-doctype", "<!DOCTYPE html>")
    if tree.root is None:
        return
    for node in tree.root.traverse(include_text=False):
        if node.is_comment_node:
            yield Use("html-comments", "<!-- -->")
        elif node.is_element_node:
            yield from _element_uses(node)


def _element_uses(node: LexborNode) -> Iterator[Use]:
    tag = node.tag or ""
    yield Use(_ELEMENTS.get(tag, f"html-{tag}"), f"<{tag}>")
    attributes = node.attributes
    for name, value in attributes.items():
        if name == "style":
            yield from (Use(u.slug, f"{u.example} on <{tag}>") for u in _inline_uses(value or ""))
        elif name in _ATTRIBUTES:
            yield Use(_ATTRIBUTES[name], f'{name}="{_short(value)}" on <{tag}>')
    if tag == "input":
        kind = (attributes.get("type") or "text").lower()
        yield Use(f"html-input-{kind}", f'<input type="{kind}">')
    elif tag == "button":
        kind = (attributes.get("type") or "submit").lower()
        yield Use(f"html-button-{kind}", f'<button type="{kind}">')
    elif tag == "a":
        href = (attributes.get("href") or "").strip()
        if href.lower().startswith("mailto:"):
            yield Use("html-mailto-links", f'href="{_short(href)}"')
        elif href.startswith("#") and len(href) > 1:
            yield Use("html-anchor-links", f'href="{_short(href)}"')
    elif tag == "img":
        yield from _image_uses(attributes.get("src") or "")
    elif tag == "meta" and (attributes.get("name") or "").lower() in (
        "color-scheme",
        "supported-color-schemes",
    ):
        yield Use("html-meta-color-scheme", f'<meta name="{attributes.get("name")}">')
    elif tag == "style":
        if attributes.get("media"):
            yield Use("css-at-media", f'<style media="{attributes.get("media")}">')
        yield from _sheet_uses(node.text(deep=True))


def _image_uses(src: str) -> Iterator[Use]:
    if src.startswith("data:"):
        yield Use("image-base64", "data: URL")
        return
    path = urlsplit(src).path
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if extension in _IMAGE_TYPES:
        yield Use(_IMAGE_TYPES[extension], f".{extension} image")


# --- CSS -------------------------------------------------------------------------------


def css_declarations(style: str) -> tuple[css.Declaration, ...]:
    """The declarations of an inline style attribute, in order (tinycss2 nodes)."""
    return _declarations(style)


@lru_cache(maxsize=4096)
def _declarations(style: str) -> tuple[css.Declaration, ...]:
    nodes = tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True)
    return tuple(n for n in nodes if isinstance(n, css.Declaration))


@lru_cache(maxsize=4096)
def _inline_uses(style: str) -> tuple[Use, ...]:
    nodes = tinycss2.parse_blocks_contents(style, skip_comments=False, skip_whitespace=True)
    return tuple(_block_uses(nodes))


@lru_cache(maxsize=256)
def _sheet_uses(text: str) -> tuple[Use, ...]:
    rules = tinycss2.parse_stylesheet(text, skip_comments=False, skip_whitespace=True)
    return tuple(_rule_uses(rules))


def _rule_uses(rules: Iterable[css.Node]) -> Iterator[Use]:
    for rule in rules:
        if isinstance(rule, css.Comment):
            yield Use("css-comments", "/* */")
        elif isinstance(rule, css.QualifiedRule):
            yield from _selector_uses(rule.prelude)
            yield from _block_uses(
                tinycss2.parse_blocks_contents(
                    rule.content, skip_comments=False, skip_whitespace=True
                )
            )
        elif isinstance(rule, css.AtRule):
            yield from _at_rule_uses(rule)


def _at_rule_uses(rule: css.AtRule) -> Iterator[Use]:
    keyword = rule.lower_at_keyword
    prelude = tinycss2.serialize(rule.prelude).strip()
    if keyword == "media":
        yield Use("css-at-media", f"@media {prelude}")
        yield from _media_feature_uses(rule.prelude)
    elif keyword in ("keyframes", "-webkit-keyframes"):
        yield Use("css-at-keyframes", f"@{keyword} {prelude}")
        return  # keyframe selectors (from, 50%) are not selectors
    else:
        yield Use(f"css-at-{keyword}", f"@{keyword} {prelude}".strip())
    if rule.content is not None and keyword in ("media", "supports", "document", "layer"):
        yield from _rule_uses(
            tinycss2.parse_rule_list(rule.content, skip_comments=False, skip_whitespace=True)
        )
    elif rule.content is not None and keyword in ("font-face", "page"):
        yield from _block_uses(
            tinycss2.parse_blocks_contents(rule.content, skip_comments=False, skip_whitespace=True)
        )


_MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation",
    "hover": "css-at-media-hover",
    "any-hover": "css-at-media-hover",
    "-webkit-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-min-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-max-device-pixel-ratio": "css-at-media-device-pixel-ratio",
}


def _media_feature_uses(prelude: list[css.Node]) -> Iterator[Use]:
    for token in prelude:
        if isinstance(token, css.ParenthesesBlock):
            names = [t for t in token.content if isinstance(t, css.IdentToken)]
            if names and names[0].lower_value in _MEDIA_FEATURES:
                yield Use(_MEDIA_FEATURES[names[0].lower_value], f"({names[0].value})")


def _block_uses(nodes: Iterable[css.Node]) -> Iterator[Use]:
    for node in nodes:
        if isinstance(node, css.Comment):
            yield Use("css-comments", "/* */")
        elif isinstance(node, css.Declaration):
            yield from _declaration_uses(node)
        elif isinstance(node, css.QualifiedRule):
            yield Use("css-nesting", tinycss2.serialize(node.prelude).strip())
            yield from _rule_uses([node])
        elif isinstance(node, css.AtRule):
            yield from _at_rule_uses(node)


#: Longhands that caniemail tests under their shorthand's page.
_PROPERTY_GROUPS = {
    "css-margin": ("margin-top", "margin-right", "margin-bottom", "margin-left"),
    "css-padding": ("padding-top", "padding-right", "padding-bottom", "padding-left"),
    "css-border": tuple(
        f"border{side}{part}"
        for side in ("", "-top", "-right", "-bottom", "-left")
        for part in ("", "-width", "-style", "-color")
    ),
    "css-border-radius": (
        "border-top-left-radius",
        "border-top-right-radius",
        "border-bottom-right-radius",
        "border-bottom-left-radius",
    ),
    "css-left-right-top-bottom": ("left", "right", "top", "bottom"),
    "css-gap": ("gap", "column-gap", "row-gap"),
    "css-block-inline-size": ("block-size",),
    "css-margin-inline-block": ("margin-inline", "margin-block"),
    "css-padding-inline-block": ("padding-inline", "padding-block"),
    "css-margin-block-start-end": ("margin-block-start", "margin-block-end"),
    "css-margin-inline-start-end": ("margin-inline-start", "margin-inline-end"),
    "css-padding-block-start-end": ("padding-block-start", "padding-block-end"),
    "css-padding-inline-start-end": ("padding-inline-start", "padding-inline-end"),
    "css-border-inline-block": ("border-inline", "border-block"),
    "css-border-radius-logical": (
        "border-start-start-radius",
        "border-start-end-radius",
        "border-end-start-radius",
        "border-end-end-radius",
    ),
    "css-inset": ("inset", "inset-block", "inset-inline"),
    "css-grid-template": (
        "grid-template",
        "grid-template-areas",
        "grid-template-columns",
        "grid-template-rows",
    ),
    "css-column-layout-properties": (
        "columns",
        "column-fill",
        "column-rule",
        "column-span",
        "column-width",
    ),
    "css-font": ("font",),
}
_PROPERTY_SLUGS = {prop: slug for slug, props in _PROPERTY_GROUPS.items() for prop in props}
_DISPLAY = {
    "flex": "css-display-flex",
    "inline-flex": "css-display-flex",
    "grid": "css-display-grid",
    "inline-grid": "css-display-grid",
    "none": "css-display-none",
}
_FUNCTIONS = {
    "rgb": "css-rgb",
    "rgba": "css-rgba",
    "linear-gradient": "css-linear-gradient",
    "repeating-linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient",
    "repeating-radial-gradient": "css-radial-gradient",
    "conic-gradient": "css-conic-gradient",
    "calc": "css-unit-calc",
    "min": "css-function-min",
    "max": "css-function-max",
    "clamp": "css-function-clamp",
    "var": "css-variables",
    "light-dark": "css-function-light-dark",
    **{f: "css-modern-color" for f in ("lch", "oklch", "lab", "oklab")},
}
_UNITS = {u: f"css-unit-{u}" for u in _words("ch cm em ex in mm pc pt px rem vh vmax vmin vw")}
_KEYWORDS = {
    "initial": "css-unit-initial",
    "fit-content": "css-intrinsic-size",
    "min-content": "css-intrinsic-size",
    "max-content": "css-intrinsic-size",
}
_SYSTEM_FONTS = frozenset({"system-ui", "ui-serif", "ui-sans-serif", "ui-rounded", "ui-monospace"})


def _declaration_uses(declaration: css.Declaration) -> Iterator[Use]:
    name = declaration.lower_name
    value = tinycss2.serialize(declaration.value).strip()
    example = f"{name}:{_short(value)}"
    if name.startswith("--"):
        yield Use("css-variables", example)
    elif name == "display":
        keyword = value.lower()
        yield Use(_DISPLAY.get(keyword, "css-display"), example)
    else:
        yield Use(_PROPERTY_SLUGS.get(name, f"css-{name}"), example)
    if name == "flex-direction" and value.lower().startswith("column"):
        yield Use("css-flex-direction", example)
    if name == "flex-wrap" and value.lower().startswith("wrap"):
        yield Use("css-flex-wrap", example)
    if declaration.important:
        yield Use("css-important", f"{example} !important")
    for token in _tokens(declaration.value):
        if isinstance(token, css.DimensionToken) and token.lower_unit in _UNITS:
            yield Use(_UNITS[token.lower_unit], f"{token.value:g}{token.lower_unit} in {name}")
        elif isinstance(token, css.PercentageToken):
            yield Use("css-unit-percent", f"{token.value:g}% in {name}")
        elif isinstance(token, css.FunctionBlock) and token.lower_name in _FUNCTIONS:
            yield Use(_FUNCTIONS[token.lower_name], f"{token.lower_name}() in {name}")
        elif isinstance(token, css.IdentToken):
            if token.lower_value in _KEYWORDS:
                yield Use(_KEYWORDS[token.lower_value], f"{token.lower_value} in {name}")
            elif name in ("font-family", "font") and token.lower_value in _SYSTEM_FONTS:
                yield Use("css-sytem-ui", example)


def _tokens(values: Iterable[css.Node]) -> Iterator[css.Node]:
    for token in values:
        yield token
        if isinstance(token, css.FunctionBlock):
            yield from _tokens(token.arguments)
        elif isinstance(token, css.ParenthesesBlock | css.SquareBracketsBlock):
            yield from _tokens(token.content)


# --- selectors ---------------------------------------------------------------------------

_COMBINATORS = {
    ">": "css-selector-child",
    "+": "css-selector-adjacent-sibling",
    "~": "css-selector-general-sibling",
}


def _selector_uses(prelude: list[css.Node]) -> Iterator[Use]:
    text = tinycss2.serialize(prelude).strip()
    groups: list[list[css.Node]] = [[]]
    for token in prelude:
        if isinstance(token, css.LiteralToken) and token.value == ",":
            groups.append([])
        else:
            groups[-1].append(token)
    if len(groups) > 1:
        yield Use("css-selector-grouping", text)
    for group in groups:
        selector = tinycss2.serialize(group).strip()
        yield from (Use(slug, selector) for slug in _complex_selector_slugs(group))


def _complex_selector_slugs(tokens: list[css.Node]) -> Iterator[str]:
    """Slugs for one complex selector: its simple selectors, chains and combinators."""
    simple_in_compound = 0
    pending_space = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if isinstance(token, css.WhitespaceToken):
            pending_space = simple_in_compound > 0
            continue
        if isinstance(token, css.LiteralToken) and token.value in _COMBINATORS:
            yield _COMBINATORS[token.value]
            pending_space, simple_in_compound = False, 0
            continue
        if pending_space:
            yield "css-selector-descendant"
            pending_space, simple_in_compound = False, 0
        slug: str | None = None
        if isinstance(token, css.IdentToken):
            slug = "css-selector-type"
        elif isinstance(token, css.LiteralToken) and token.value == "*":
            slug = "css-selector-universal"
        elif isinstance(token, css.HashToken):
            slug = "css-selector-id"
        elif isinstance(token, css.SquareBracketsBlock):
            slug = "css-selector-attribute"
        elif isinstance(token, css.LiteralToken) and token.value == "." and index < len(tokens):
            index += 1
            slug = "css-selector-class"
        elif isinstance(token, css.LiteralToken) and token.value == ":":
            pseudo, index = _pseudo(tokens, index)
            if pseudo:
                yield pseudo
            continue
        if slug is not None:
            simple_in_compound += 1
            if simple_in_compound == 2:
                yield "css-selector-chaining"
            yield slug


def _pseudo(tokens: list[css.Node], index: int) -> tuple[str | None, int]:
    element = index < len(tokens) and isinstance(tokens[index], css.LiteralToken)
    if element:
        index += 1  # '::'
    if index >= len(tokens):
        return None, index
    token = tokens[index]
    if isinstance(token, css.IdentToken):
        name = token.lower_value
    elif isinstance(token, css.FunctionBlock):
        name = token.lower_name
    else:
        return None, index
    if element or name in ("before", "after", "first-letter", "first-line"):
        return f"css-pseudo-element-{name}", index + 1
    return f"css-pseudo-class-{name}", index + 1


def _short(value: str | None, limit: int = 60) -> str:
    text = " ".join((value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
