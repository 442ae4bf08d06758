"""The width an Outlook VML button gets for its label."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from atn_content.content.html_edit import Edit, apply_edits, parse_elements
from atn_content.content.vml_buttons import button_width


def test_width_follows_the_label_and_its_script() -> None:
    assert button_width("", 16, True, 56) == 56
    latin = button_width("Check in online", 16, True, 56)
    # 15 characters of Arial Bold at 16 px are about 125 px wide (measured: 124.5).
    assert 56 + 125 <= latin <= 56 + 125 * 1.15
    assert button_width("オンラインチェックイン", 16, True, 0) == 194  # 11 em, 10 % to spare
    assert button_width("Éàü", 16, True, 0) == button_width("Eau", 16, True, 0)
    assert button_width("Wide", 16, False, 0) < button_width("Wide", 16, True, 0)


def test_markup_in_a_label_is_not_measured() -> None:
    tagged = Markup("予約を<wbr>確認する &amp; 変更")
    assert button_width(tagged, 16) == button_width("予約を確認する & 変更", 16)


@given(st.text(max_size=80), st.text(max_size=8))
def test_a_longer_label_is_never_narrower(label: str, more: str) -> None:
    assert button_width(label + more, 16, True, 56) >= button_width(label, 16, True, 56)


def test_elements_carry_their_source_offsets() -> None:
    html = '<table role="x"><tr><td><a href="https://e.com?a=1&amp;b=2">Go</a></td></tr></table>'
    elements = parse_elements(html)
    link = next(e for e in elements if e.tag == "a")
    assert link.attr("href") == "https://e.com?a=1&b=2"
    assert html[link.start : link.end] == '<a href="https://e.com?a=1&amp;b=2">Go</a>'
    assert link.parent is not None and link.parent.tag == "td"
    table = elements[0]
    assert html[table.start : table.end] == html
    edited = apply_edits(html, [Edit(table.start, table.start, "<!--x-->"), Edit(0, 0, "")])
    assert edited == "<!--x-->" + html
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits(html, [Edit(0, 10, ""), Edit(5, 6, "")])
