"""WCAG AA contrast from inline colours, inherited through the table layout."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from atn_content.content.lint.contrast import check_contrast, contrast_ratio

rgb = st.tuples(*(st.integers(0, 255) for _ in range(3)))


def _messages(body: str) -> list[str]:
    tree = LexborHTMLParser(f"<html><body>{body}</body></html>")
    return [f"{f.severity}: {f.message}" for f in check_contrast(tree)]


def test_ratios_match_wcag() -> None:
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((255, 255, 255), (255, 255, 255)) == pytest.approx(1.0)
    assert contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio((0xE5, 0x55, 0x3B), (255, 255, 255)) == pytest.approx(3.68, abs=0.01)


@given(rgb, rgb)
def test_ratio_is_symmetric_and_bounded(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    assert contrast_ratio(a, b) == pytest.approx(contrast_ratio(b, a))
    assert 1.0 <= contrast_ratio(a, b) <= 21.0


def test_colours_inherit_down_the_table_layout() -> None:
    body = (
        '<div style="background:#0b4f6c"><table><tr><td style="color:#ffffff">'
        '<div style="font-size:16px">on teal</div></td>'
        '<td bgcolor="#ffffff"><div style="color:#e8f1f4">pale on white</div></td>'
        "</tr></table></div>"
    )
    assert _messages(body) == [
        'error: text contrast 1.14:1 (#e8f1f4 on #ffffff, 16px), below 4.5:1: "pale on white"'
    ]


def test_large_text_needs_3_to_1() -> None:
    coral = "color:#e5553b"
    assert _messages(f'<p style="{coral};font-size:24px">Big</p>') == []
    assert _messages(f'<p style="{coral};font-size:19px;font-weight:bold">Bold</p>') == []
    assert _messages(f'<p style="{coral};font-size:18px;font-weight:bold">Small</p>')
    assert _messages(f'<h1 style="{coral}">Heading (2em)</h1>') == []


def test_links_without_a_colour_are_client_blue() -> None:
    body = '<div style="background:#0b4f6c"><a href="https://e.com">Logo</a></div>'
    assert "#0000ee on #0b4f6c" in _messages(body)[0]
    styled = (
        '<div style="background:#0b4f6c"><a href="https://e.com" style="color:#fff">ok</a></div>'
    )
    assert _messages(styled) == []


def test_the_cascade_of_one_style_attribute() -> None:
    assert _messages('<p style="color:#fff !important;color:#000">x</p>')
    assert _messages('<p style="color:#000;color:#fff">x</p>')
    assert _messages('<p style="color:#fff;color:#000">x</p>') == []


def test_half_transparent_backgrounds_are_composited() -> None:
    body = (
        '<div style="background:#000">'
        '<p style="background:rgba(255,255,255,.9);color:#fff">x</p></div>'
    )
    assert "(#ffffff on #e6e6e6" in _messages(body)[0]


def test_hidden_text_and_text_over_images_are_not_judged() -> None:
    preheader = (
        '<div style="display:none;font-size:1px;color:#ffffff;line-height:1px;max-height:0px;'
        'max-width:0px;opacity:0;overflow:hidden;">Preview text</div>'
    )
    over_image = (
        '<table><tr><td style="background:url(hero.jpg) center / cover">'
        '<p style="color:#fff">x</p></td></tr></table>'
    )
    zero = (
        '<table><tr><td style="font-size:0px;color:#fff">&nbsp;'
        '<div style="font-size:16px;color:#000">ok</div></td></tr></table>'
    )
    assert _messages(preheader + over_image + zero) == []


def test_alt_text_contrast_is_a_warning() -> None:
    body = (
        '<div style="background:#0b4f6c"><a href="https://e.com">'
        '<img src="https://e.com/logo.png" alt="Air Tahiti Nui" style="font-size:13px"></a></div>'
    )
    assert _messages(body) == [
        "warning: alt text (images off) contrast 1.05:1 (#0000ee on #0b4f6c, 13px), "
        'below 4.5:1: "Air Tahiti Nui"'
    ]
