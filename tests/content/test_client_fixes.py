"""What Outlook for Windows and screen readers get from the shipped templates.

Outlook's view is the HTML with its conditional comments evaluated (lint.views), i.e. what
Word's engine reads; the other clients read the HTML as written.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selectolax.lexbor import LexborHTMLParser

from atn_content.content.client_fixes import fix_for_mail_clients
from atn_content.content.lint.views import outlook_source
from atn_content.content.renderer import RenderedEmail, Renderer, Variant

Render = Callable[[str, str, str], RenderedEmail]


def _styles(tree: LexborHTMLParser, selector: str) -> list[str]:
    return [node.attributes.get("style") or "" for node in tree.css(selector)]


def test_outlook_gets_the_inlined_title_styles(render_sample: Render) -> None:
    """Outlook ignores inline declarations marked !important: the head classes' sizes and
    colours must be inlined without it, or a 26 px teal title is 16 px black there."""
    email = render_sample("online-checkin", "en", "honeymoon-couple")
    outlook = LexborHTMLParser(outlook_source(email.html))
    assert "!important" not in "".join(_styles(outlook, "[style]"))
    subtitles = _styles(outlook, "td.subtitle > div")
    assert subtitles and all("font-size:20px" in s.replace(" ", "") for s in subtitles)
    assert all("color:#0b4f6c" in s.replace(" ", "") for s in subtitles)


def _px(style: str, name: str) -> int:
    return int(style.replace(" ", "").split(f"{name}:")[1].split("px")[0])


def _buttons(tree: LexborHTMLParser) -> list[tuple[str, str]]:
    """(href, label) of MRML's buttons: the link inside the cell that pads it for Outlook."""
    found = []
    for link in tree.css("td[bgcolor] > a"):
        cell_style = (link.parent.attributes.get("style") if link.parent else "") or ""
        if "mso-padding-alt" in cell_style:
            found.append((link.attributes.get("href") or "", link.text(deep=True).strip()))
    return found


@pytest.mark.parametrize(
    ("template", "locale", "sample"),
    [
        ("online-checkin", "ja", "japanese-family"),
        ("newsletter-destination", "fr", "honeymoon-couple"),
        ("reengage-6m", "en", "lapsed-customer"),  # outlined survey buttons, fixed width
    ],
)
def test_pill_buttons_are_round_in_outlook(
    template: str, locale: str, sample: str, render_sample: Render
) -> None:
    email = render_sample(template, locale, sample)
    standard = LexborHTMLParser(email.html)
    outlook = LexborHTMLParser(outlook_source(email.html))
    buttons = _buttons(standard)
    assert buttons, "the template has buttons"
    # Outlook reads no border-radius; it gets VML rounded rectangles instead.
    assert _buttons(outlook) == []
    shapes = outlook.css("v\\:roundrect")
    assert [(s.attributes.get("href"), s.text(deep=True).strip()) for s in shapes] == buttons
    radii = [_px(s, "border-radius") for s in _styles(standard, "td[bgcolor][role]")]
    for shape, radius in zip(shapes, radii, strict=True):
        style = shape.attributes.get("style") or ""
        height, width = _px(style, "height"), _px(style, "width")
        # The CSS corner radius, as VML's share of the shorter side (50% is a pill).
        assert shape.attributes.get("arcsize") == f"{min(50, round(100 * radius / height))}%"
        assert radius >= 20 and width >= 8 * len(shape.text(deep=True).strip()) + 56
        assert shape.attributes.get("fillcolor") or shape.attributes.get("filled") == "f"
    assert "border-radius" not in "".join(_styles(outlook, "td[bgcolor], td[bgcolor] > a"))


def test_a_label_from_an_experiment_sizes_the_outlook_button(renderer: Renderer) -> None:
    recipient = {"id": "c-1", "last_destination": "Bora Bora"}

    def width(text: str) -> int:
        variant = Variant("arm", params=(("cta_text", text), ("cta_color", "#0b4f6c")))
        email = renderer.render("newsletter-destination", "fr", recipient, variant=variant)
        shape = LexborHTMLParser(outlook_source(email.html)).css_first("v\\:roundrect")
        assert shape is not None and shape.text(deep=True).strip() == text
        assert shape.attributes.get("fillcolor") == "#0b4f6c"
        return int((shape.attributes.get("style") or "").split("width:")[1].split("px")[0])

    assert width("Je pars à Tahiti pour les vacances") > width("Je pars") + 150


def test_layout_tables_are_presentation_for_screen_readers(render_sample: Render) -> None:
    email = render_sample("booking-confirmation", "en", "business-traveller")
    tree = LexborHTMLParser(email.html)
    tables = tree.css("table")
    assert tables and tree.css_first("th") is None
    assert [t for t in tables if t.attributes.get("role") != "presentation"] == []


def test_no_head_style_chains_a_class_that_no_element_has(render_sample: Render) -> None:
    """MRML writes table.mj-full-width-mobile for every image; nothing carries the class,
    and Outlook would apply the chain to every table."""
    email = render_sample("campaign-launch", "fr", "champion-frequent-flyer")
    assert "mj-full-width-mobile" not in email.html


def test_chained_selectors_stay_when_an_element_carries_the_class() -> None:
    html = (
        "<html><head><style>@media (max-width:479px) { table.wide { width:100% !important; } "
        'td.gone { width:auto; } }</style></head><body><table class="wide" role="presentation">'
        "<tr><td>x</td></tr></table></body></html>"
    )
    fixed, spans = fix_for_mail_clients(html, ())
    assert "table.wide" in fixed and "td.gone" not in fixed and spans == ()


def test_data_tables_and_dynamic_classes_are_left_alone() -> None:
    data_table = "<table><tr><th>Flight</th></tr><tr><td>TN7</td></tr></table>"
    assert fix_for_mail_clients(data_table, ())[0] == data_table
    dynamic = (
        '<style>td.vip { color:red; }</style><table role="none"><tr>'
        '<td class="@@atn0@@">x</td></tr></table>'
    )
    assert fix_for_mail_clients(dynamic, ("{{ cls }}",))[0] == dynamic


def test_only_the_winning_declaration_is_kept_without_important() -> None:
    html = '<div style="color:#111 !important;font-size:16px;color:#222">x</div>'
    fixed, _ = fix_for_mail_clients(html, ())
    assert fixed == '<div style="color:#111;font-size:16px;">x</div>'
