"""rewrite_text_nodes: the text a reader sees is rewritten, every other byte copied."""

from __future__ import annotations

import pytest

from atn_content.content.text_nodes import rewrite_text_nodes


def mark(source: str, **options: object) -> str:
    return rewrite_text_nodes(source, lambda text: f"[{text}]", **options)  # type: ignore[arg-type]


def test_each_text_node_is_rewritten_and_tags_are_copied() -> None:
    source = '<td class="a" style="x:1"><a href="https://x/?a=1&amp;b=2">Go &amp; see</a> now</td>'
    assert mark(source) == (
        '<td class="a" style="x:1"><a href="https://x/?a=1&amp;b=2">[Go &amp; see]</a>[ now]</td>'
    )


def test_white_space_between_tags_is_left_alone() -> None:
    assert mark("<tr>\n  <td>x</td>\n</tr>") == "<tr>\n  <td>[x]</td>\n</tr>"


@pytest.mark.parametrize(
    "source",
    [
        "<style>td > a { color: red }</style>",
        "<title>Subject</title>",
        "<script>if (a < b) {}</script>",
        "<!-- a comment with <b>markup</b> -->",
        "<!--[if mso | IE]><table><tr><td>Outlook only</td></tr></table><![endif]-->",
        '<div style="display:none;max-height:0">preheader <div>nested</div> end</div>',
        '<div style="max-height:0px;overflow:hidden;opacity:0">preheader</div>',
        "<span style='visibility: hidden'>spacer</span>",
        '<img alt="a > b" src="x.png">',
        "<br/><wbr><hr>",
    ],
)
def test_what_is_not_laid_out_as_text_is_copied(source: str) -> None:
    assert mark(source) == source


def test_an_attribute_value_holding_jinja_with_its_own_quotes_stays_in_the_tag() -> None:
    source = '<img alt="{{ _("a > b") }}" src="{{ u }}">after'
    assert mark(source, jinja=True) == '<img alt="{{ _("a > b") }}" src="{{ u }}">[after]'


def test_jinja_tags_are_units_and_expressions_in_text_go_to_the_callback() -> None:
    source = '<p>Hi {{ name }}{% if x == "%}" %}!{% endif %}{# c #}</p>'
    out = mark(source, jinja=True, expression=lambda tag: f"<<{tag}>>")
    assert out == '<p>[Hi ]<<{{ name }}>>{% if x == "%}" %}[!]{% endif %}{# c #}</p>'


def test_raw_blocks_are_copied() -> None:
    source = "<p>{% raw %}{{ not jinja }} text{% endraw %}</p>"
    assert mark(source, jinja=True, expression=lambda tag: "X") == source


def test_without_jinja_braces_are_text() -> None:
    assert mark("<p>{{ data }}</p>") == "<p>[{{ data }}]</p>"


def test_kept_elements_are_copied_whole() -> None:
    source = '<p><span class="done">a <span>b</span> c</span> d</p>'
    out = mark(source, keep=lambda tag: 'class="done"' in tag)
    assert out == '<p><span class="done">a <span>b</span> c</span>[ d]</p>'
