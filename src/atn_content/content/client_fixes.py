"""Compile-time fixes to MRML's output, for what mail clients do with it.

- Outlook for Windows ignores any inline declaration marked `!important` (Campaign
  Monitor 2010; PreMailer.Net #149): css-inline writes the keyword when a head rule beats
  MJML's inline value, so a 26 px teal title became 16 px black text there. Once inlined,
  the winning declaration is kept without the keyword.
- Pill buttons get a VML twin for Outlook for Windows (vml_buttons.py).
- A layout table (no <th>, no <caption>) gets role="presentation": MRML drops
  `<mj-table role>`, and a screen reader would announce the rows and columns.
- A head-style selector that chains a class no element carries (MRML's
  `table.mj-full-width-mobile`, written for every <mj-image>) is dropped: Outlook applies
  a chain to its first selector, i.e. to every table, and outlook.com breaks chains.

It runs on the tokenised HTML (Jinja still inert), before the tokens are restored.
"""

from __future__ import annotations

import tinycss2
import tinycss2.ast as css

from atn_content.content.html_edit import Edit, Element, apply_edits, parse_elements, start_tag
from atn_content.content.protect import TEXT_TOKEN
from atn_content.content.vml_buttons import vml_button_edits

__all__ = ["fix_for_mail_clients"]


def fix_for_mail_clients(html: str, spans: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The fixed HTML, and `spans` with the Jinja the fixes added (VML button labels)."""
    elements = parse_elements(html)
    added = list(spans)
    edits = [
        *_start_tag_edits(elements),
        *_style_sheet_edits(html, elements),
        *vml_button_edits(html, elements, added),
    ]
    return apply_edits(html, edits), tuple(added)


def _start_tag_edits(elements: list[Element]) -> list[Edit]:
    edits = []
    for element in elements:
        attrs = dict(element.attrs)
        style = attrs.get("style") or ""
        if "!important" in style:
            attrs["style"] = _without_important(style)
        if element.tag == "table" and _is_layout_table(element):
            attrs["role"] = "presentation"
        if attrs != element.attrs:
            edits.append(
                Edit(element.start, element.start_end, start_tag(element.tag, attrs.items()))
            )
    return edits


def _without_important(style: str) -> str:
    """The declarations that win the cascade, in order, without `!important`."""
    nodes = tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True)
    declarations = [n for n in nodes if isinstance(n, css.Declaration)]
    winner: dict[str, css.Declaration] = {}
    for declaration in declarations:
        known = winner.get(declaration.lower_name)
        if known is None or declaration.important or not known.important:
            winner[declaration.lower_name] = declaration
    kept = [d for d in declarations if winner[d.lower_name] is d]
    return "".join(f"{d.name}:{tinycss2.serialize(d.value).strip()};" for d in kept)


def _is_layout_table(table: Element) -> bool:
    if table.attr("role").strip().lower() in ("presentation", "none"):
        return False
    stack = list(table.children)
    while stack:
        child = stack.pop()
        if child.tag in ("th", "caption", "thead"):
            return False
        stack.extend(child.children)
    return True


def _style_sheet_edits(html: str, elements: list[Element]) -> list[Edit]:
    classes: set[str] = set()
    for element in elements:
        value = element.attr("class")
        if TEXT_TOKEN.search(value) or "{" in value:
            return []  # a class from data could match anything: keep every rule
        classes.update(value.split())
    edits = []
    for element in elements:
        if element.tag != "style" or element.end is None or element.end_start is None:
            continue
        sheet = html[element.start_end : element.end_start]
        kept = _live_rules(sheet, classes)
        if kept is None:
            continue
        if kept.strip():
            edits.append(Edit(element.start_end, element.end_start, kept))
        else:
            edits.append(Edit(element.start, element.end, ""))
    return edits


def _live_rules(sheet: str, classes: set[str]) -> str | None:
    """The sheet without selectors that chain an absent class; None when nothing changes."""
    rules = tinycss2.parse_stylesheet(sheet, skip_comments=False, skip_whitespace=False)
    changed, text = _filter_rules(rules, classes)
    return text if changed else None


def _filter_rules(rules: list[css.Node], classes: set[str]) -> tuple[bool, str]:
    changed = False
    out: list[str] = []
    for rule in rules:
        if isinstance(rule, css.QualifiedRule):
            groups = _selector_groups(rule.prelude)
            live = [g for g in groups if not _chains_absent_class(g, classes)]
            if len(live) != len(groups):
                changed = True
                if live:
                    prelude = ",".join(tinycss2.serialize(g).strip() for g in live)
                    out.append(f"{prelude} {{{tinycss2.serialize(rule.content)}}}")
                continue
        elif isinstance(rule, css.AtRule) and rule.lower_at_keyword == "media" and rule.content:
            inner = tinycss2.parse_rule_list(
                rule.content, skip_comments=False, skip_whitespace=False
            )
            inner_changed, inner_text = _filter_rules(inner, classes)
            if inner_changed:
                changed = True
                if inner_text.strip():
                    prelude = tinycss2.serialize(rule.prelude)
                    out.append(f"@media{prelude}{{{inner_text}}}")
                continue
        out.append(tinycss2.serialize([rule]))
    return changed, "".join(out)


def _selector_groups(prelude: list[css.Node]) -> list[list[css.Node]]:
    groups: list[list[css.Node]] = [[]]
    for token in prelude:
        if isinstance(token, css.LiteralToken) and token.value == ",":
            groups.append([])
        else:
            groups[-1].append(token)
    return groups


def _chains_absent_class(selector: list[css.Node], classes: set[str]) -> bool:
    """True for `table.gone`: a compound of two or more simple selectors, one of them a
    class that no element has."""
    compound: list[str] = []  # kinds of simple selectors in the current compound
    absent = False
    index = 0
    while index <= len(selector):
        token = selector[index] if index < len(selector) else None
        index += 1
        boundary = (
            token is None
            or isinstance(token, css.WhitespaceToken)
            or (isinstance(token, css.LiteralToken) and token.value in (">", "+", "~"))
        )
        if boundary:
            if len(compound) >= 2 and absent:
                return True
            compound, absent = [], False
            continue
        if isinstance(token, css.LiteralToken) and token.value == "." and index < len(selector):
            name = selector[index]
            index += 1
            compound.append("class")
            if isinstance(name, css.IdentToken) and name.value not in classes:
                absent = True
        elif isinstance(token, css.IdentToken | css.HashToken | css.SquareBracketsBlock) or (
            isinstance(token, css.LiteralToken) and token.value == "*"
        ):
            compound.append("simple")
    return False
