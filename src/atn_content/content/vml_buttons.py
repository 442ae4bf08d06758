"""Bulletproof buttons: MJML's pill buttons drawn in VML for Outlook for Windows.

Word's engine ignores border-radius, so an <mj-button> is a square box there. The usual
fix (buttons.cm, Campaign Monitor) draws the button as a VML <v:roundrect> inside
`<!--[if mso]>` and hides the HTML button from Outlook with `<!--[if !mso]><!-->`. The
other clients see MRML's button unchanged.

VML needs a width. A button with a fixed width gives it; otherwise it is measured when a
recipient is rendered (labels come from data and experiment arms), from Arial's advance
widths (Outlook's first font in the stack is Arial) and one em per CJK character.
"""

from __future__ import annotations

import html as html_lib
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import tinycss2
import tinycss2.ast as css
from markupsafe import Markup

from atn_content.content.html_edit import Edit, Element
from atn_content.content.protect import TEXT_TOKEN, text_token

__all__ = ["FILTER_NAME", "button_width", "vml_button_edits"]

#: The Jinja filter the compiled HTML calls to size a button whose label is data.
FILTER_NAME = "vml_button_width"
#: Arial (Liberation Sans is metric-compatible) advance widths for ' '..'~', 1/1000 em.
_ARIAL_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
    722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
    611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
    500, 389, 280, 389, 584,
)  # fmt: skip
_ARIAL = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584,
)  # fmt: skip
#: Room for rendering differences: a slightly wide pill is fine, a wrapped label is not.
_SAFETY = 1.1


def button_width(label: Any, font_px: float = 16, bold: bool = True, extra: float = 0) -> int:
    """Pixel width of a button whose label is `label` (markup allowed) plus `extra`."""
    return _button_width(str(label), font_px, bold, extra)


@lru_cache(maxsize=4096)  # labels repeat from one recipient to the next
def _button_width(label: str, font_px: float, bold: bool, extra: float) -> int:
    text = Markup(label).striptags()
    widths = _ARIAL_BOLD if bold else _ARIAL
    em = sum(_advance(ch, widths) for ch in text) / 1000
    return math.ceil(em * font_px * _SAFETY + extra)


def _advance(ch: str, widths: tuple[int, ...]) -> int:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1000
    base = unicodedata.normalize("NFKD", ch)[:1] or ch  # é -> e
    code = ord(base)
    return widths[code - 32] if 32 <= code < 127 else 600


@dataclass(frozen=True)
class _Button:
    table: Element  # MRML's button table: what Outlook must not see
    link: Element
    cell: Element


def vml_button_edits(html: str, elements: list[Element], spans: list[str]) -> list[Edit]:
    """Edits that give each MRML button a VML twin; new Jinja goes into `spans`."""
    edits: list[Edit] = []
    for element in elements:
        button = _button(element)
        if button is None:
            continue
        vml = _vml(html, button, spans)
        if vml is None:
            continue
        table = button.table
        assert table.end is not None
        edits.append(Edit(table.start, table.start, vml + "<!--[if !mso]><!-->"))
        edits.append(Edit(table.end, table.end, "<!--<![endif]-->"))
    return edits


def _button(link: Element) -> _Button | None:
    """MRML's <mj-button>: table > tbody > tr > td[bgcolor][role] > a[mso-padding-alt]."""
    cell = link.parent
    if (
        link.tag != "a"
        or cell is None
        or cell.tag != "td"
        or "mso-padding-alt" not in cell.attr("style")
    ):
        return None
    row = cell.parent
    group = row.parent if row is not None and row.tag == "tr" else None
    table = group.parent if group is not None and group.tag == "tbody" else group
    if table is None or table.tag != "table" or table.end is None or link.end_start is None:
        return None
    if "border-collapse:separate" not in table.attr("style").replace(" ", ""):
        return None
    return _Button(table, link, cell)


def _vml(html: str, button: _Button, spans: list[str]) -> str | None:
    link, cell = _declarations(button.link.attr("style")), _declarations(button.cell.attr("style"))
    font_px = _px(link.get("font-size"))
    padding = _box(link.get("padding"))
    radius = _px(cell.get("border-radius"))
    if font_px is None or padding is None or radius is None:
        return None  # a size we cannot read (e.g. from data): leave the button as it is
    stroke_px, stroke = _stroke(cell.get("border", "none"))
    line = _line_height(link.get("line-height"), font_px)
    height = math.ceil(font_px * line + padding[0] + padding[2] + 2 * stroke_px)
    bold = link.get("font-weight", "normal").lower() in (
        "bold",
        "bolder",
        "600",
        "700",
        "800",
        "900",
    )
    label = html[button.link.start_end : button.link.end_start]
    extra = padding[1] + padding[3] + 2 * stroke_px
    fixed = _px(_declarations(button.table.attr("style")).get("width"))
    capture = ""
    if fixed is not None:
        width = str(math.ceil(fixed))
    elif TEXT_TOKEN.search(label) or "<!--atn:" in label:
        # The label is Jinja: capture it once, measure it and show it per recipient.
        name = f"_atn_button_{len(spans)}"
        capture = _token(spans, f"{{% set {name} %}}") + label + _token(spans, "{% endset %}")
        width = _token(spans, f"{{{{ {name}|{FILTER_NAME}({font_px:g}, {bold}, {extra:g}) }}}}")
        label = _token(spans, f"{{{{ {name} }}}}")
    else:
        width = str(button_width(html_lib.unescape(label), font_px, bold, extra))
    fill = button.cell.attr("bgcolor") or cell.get("background-color") or cell.get("background")
    text_style = ";".join(
        f"{name}:{value}"
        for name in ("color", "font-family", "font-size", "font-weight", "letter-spacing")
        if (value := link.get(name))
    )
    return (
        f"{capture}<!--[if mso]>"
        '<v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" '
        f'href="{html_lib.escape(button.link.attr("href"))}" '
        f'style="height:{height}px;v-text-anchor:middle;width:{width}px;" '
        f'arcsize="{min(50, round(100 * radius / height))}%" {stroke} '
        + (f'fillcolor="{html_lib.escape(fill)}"' if fill else 'filled="f"')
        + f'><w:anchorlock/><center style="{html_lib.escape(text_style)};">{label}</center>'
        "</v:roundrect><![endif]-->"
    )


def _token(spans: list[str], jinja: str) -> str:
    spans.append(jinja)
    return text_token(len(spans) - 1)


def _declarations(style: str) -> dict[str, str]:
    values: dict[str, str] = {}
    nodes = tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True)
    for node in nodes:
        if isinstance(node, css.Declaration):
            values[node.lower_name] = tinycss2.serialize(node.value).strip()
    return values


def _px(value: str | None) -> float | None:
    tokens = _values(value)
    if (
        len(tokens) == 1
        and isinstance(tokens[0], css.DimensionToken)
        and tokens[0].lower_unit == "px"
    ):
        return float(tokens[0].value)
    if len(tokens) == 1 and isinstance(tokens[0], css.NumberToken) and tokens[0].value == 0:
        return 0.0
    return None


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    """padding shorthand -> (top, right, bottom, left) in px."""
    sizes = [_px(tinycss2.serialize([t])) for t in _values(value)]
    if not sizes or len(sizes) > 4 or any(s is None for s in sizes):
        return None
    top, right, bottom, left = {
        1: lambda s: (s[0], s[0], s[0], s[0]),
        2: lambda s: (s[0], s[1], s[0], s[1]),
        3: lambda s: (s[0], s[1], s[2], s[1]),
        4: lambda s: (s[0], s[1], s[2], s[3]),
    }[len(sizes)](sizes)
    return (top or 0.0, right or 0.0, bottom or 0.0, left or 0.0)


def _line_height(value: str | None, font_px: float) -> float:
    tokens = _values(value)
    if len(tokens) == 1:
        token = tokens[0]
        if isinstance(token, css.PercentageToken):
            return float(token.value) / 100
        if isinstance(token, css.NumberToken):
            return float(token.value)
        if isinstance(token, css.DimensionToken) and token.lower_unit == "px":
            return float(token.value) / font_px
    return 1.2


def _stroke(border: str) -> tuple[float, str]:
    """CSS border shorthand -> (width px, VML stroke attributes)."""
    tokens = _values(border)
    if not tokens or any(
        isinstance(t, css.IdentToken) and t.lower_value in ("none", "hidden") for t in tokens
    ):
        return 0.0, 'stroke="f"'
    width = next((w for t in tokens if (w := _px(tinycss2.serialize([t]))) is not None), 1.0)
    colour = next(
        (
            tinycss2.serialize([t])
            for t in tokens
            if isinstance(t, css.HashToken | css.FunctionBlock)
        ),
        None,
    ) or next(
        (
            t.value
            for t in tokens
            if isinstance(t, css.IdentToken) and t.lower_value not in _BORDER_STYLES
        ),
        "#000000",
    )
    return width, f'strokecolor="{html_lib.escape(colour)}" strokeweight="{width:g}px"'


_BORDER_STYLES = frozenset(
    "solid dashed dotted double groove ridge inset outset thin medium thick".split()  # noqa: SIM905
)


def _values(value: str | None) -> list[css.Node]:
    if not value:
        return []
    return [
        t
        for t in tinycss2.parse_component_value_list(value)
        if not isinstance(t, css.WhitespaceToken | css.Comment)
    ]
