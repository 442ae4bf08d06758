"""Feature detection: HTML from the parser, CSS from tinycss2, named as caniemail names them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from atn_content.content.lint.caniemail import caniemail
from atn_content.content.lint.features import document_uses


def _slugs(html: str) -> set[str]:
    return {u.slug for u in document_uses(LexborHTMLParser(html), html)}


def test_elements_attributes_and_links() -> None:
    slugs = _slugs(
        '<!DOCTYPE html><html lang="fr" dir="ltr"><body><!-- note -->'
        '<table role="presentation" cellpadding="0" align="center"><tr><td valign="top">'
        '<h2>Titre</h2><ul><li>un</li></ul><a href="mailto:x@y.fr" target="_blank">écrire</a>'
        '<a href="#top">haut</a><img src="https://e.com/a.PNG?v=2" alt="" width="10" '
        'srcset="a.png 2x"><img src="data:image/gif;base64,R0lGOD" alt=""><section></section>'
        "</td></tr></table></body></html>"
    )
    assert {
        "html-doctype",
        "html-lang",
        "html-dir",
        "html-comments",
        "html-table",
        "html-role",
        "html-cellpadding",
        "html-align",
        "html-valign",
        "html-h1-h6",
        "html-lists",
        "html-mailto-links",
        "html-anchor-links",
        "html-target",
        "html-img",
        "html-width",
        "html-srcset",
        "image-png",
        "image-base64",
        "html-semantics",
    } <= slugs


def test_inline_css_properties_values_and_units() -> None:
    slugs = _slugs(
        '<div style="display:flex;flex-direction:column;margin-top:1em;border-top-left-radius:4px;'
        "padding:2rem 5%;color:rgba(0,0,0,.5);background:linear-gradient(#fff,#000);"
        'width:calc(100% - 2px) !important;font-family:system-ui;--brand:#c9472e">x</div>'
    )
    assert {
        "css-display-flex",
        "css-flex-direction",
        "css-margin",
        "css-unit-em",
        "css-border-radius",
        "css-padding",
        "css-unit-rem",
        "css-unit-percent",
        "css-rgba",
        "css-background",
        "css-linear-gradient",
        "css-width",
        "css-unit-calc",
        "css-unit-px",
        "css-important",
        "css-sytem-ui",
        "css-variables",
    } <= slugs
    assert "css-display" not in slugs  # display:flex has its own page


def test_style_sheets_selectors_and_at_rules() -> None:
    slugs = _slugs(
        "<style>/* c */ #outlook a { padding:0 } table.full, td > p + span ~ em { width:100% }"
        " a:hover { color:red } p::first-line { color:red } [data-ogsc] p { color:red }"
        " * { margin:0 } @media (prefers-color-scheme: dark) { .dark { color:#fff } }"
        " @font-face { font-family: X; src: url(x.woff2) } @import url(x.css);</style>"
    )
    assert {
        "html-style",
        "css-comments",
        "css-selector-id",
        "css-selector-descendant",
        "css-selector-type",
        "css-selector-class",
        "css-selector-chaining",
        "css-selector-grouping",
        "css-selector-child",
        "css-selector-adjacent-sibling",
        "css-selector-general-sibling",
        "css-pseudo-class-hover",
        "css-pseudo-element-first-line",
        "css-selector-attribute",
        "css-selector-universal",
        "css-at-media",
        "css-at-media-prefers-color-scheme",
        "css-at-font-face",
        "css-at-import",
    } <= slugs


def test_single_class_and_descendant_selectors_are_not_chains() -> None:
    slugs = _slugs("<style>.a .b { color:red } .c { color:red } div p { color:red }</style>")
    assert "css-selector-chaining" not in slugs
    assert {"css-selector-descendant", "css-selector-class", "css-selector-type"} <= slugs


def test_what_caniemail_does_not_list_is_kept_under_its_own_name() -> None:
    slugs = _slugs('<center style="mso-line-height-rule:exactly">x</center>')
    assert {"html-center", "css-mso-line-height-rule"} <= slugs
    assert not ({"html-center", "css-mso-line-height-rule"} & set(caniemail().features))


@given(st.text(max_size=200))
def test_any_style_attribute_is_read_without_error(style: str) -> None:
    html = f"<p style='{style.replace(chr(39), '')}'>x</p><style>{style}</style>"
    for use in document_uses(LexborHTMLParser(html), html):
        assert use.slug and isinstance(use.example, str)
