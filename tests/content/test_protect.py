"""protect/restore: per-recipient Jinja travels through MJML and CSS inlining intact."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mjml import mjml2html

from atn_content.content.protect import (
    COMMENT_TOKEN,
    TEXT_TOKEN,
    ProtectionError,
    protect,
    restore,
)

SECTIONS = """<mjml><mj-body>
{% if recipient.last_destination == "Bora Bora" %}
<mj-section><mj-column><mj-text>Bora {{ recipient.first_name }}</mj-text></mj-column></mj-section>
{% else %}
<mj-section><mj-column><mj-text>Generic</mj-text></mj-column></mj-section>
{% endif %}
</mj-body></mjml>
"""


def test_restore_gives_back_the_source() -> None:
    protected = protect(SECTIONS)
    assert "{%" not in protected.text and "{{" not in protected.text
    assert restore(protected.text, protected.spans) == SECTIONS


def test_statements_between_elements_become_comments_expressions_text() -> None:
    protected = protect(SECTIONS)
    assert len(COMMENT_TOKEN.findall(protected.text)) == 3
    assert len(TEXT_TOKEN.findall(protected.text)) == 1
    assert protected.spans[1] == "{{ recipient.first_name }}"


def test_tags_inside_attribute_values_become_text_tokens() -> None:
    source = '<mj-button css-class="{% if vip %}gold{% endif %}" href="{{ url }}">Go</mj-button>'
    protected = protect(source)
    assert not COMMENT_TOKEN.search(protected.text)
    assert len(TEXT_TOKEN.findall(protected.text)) == 3
    assert restore(protected.text, protected.spans) == source


def test_a_tag_between_attributes_is_refused_with_its_offset() -> None:
    source = '<mj-text {% if vip %}css-class="gold"{% endif %}>Hi</mj-text>'
    with pytest.raises(ProtectionError) as caught:
        protect(source)
    assert caught.value.offset == source.index("{% if")


def test_comments_are_dropped_but_line_numbers_kept() -> None:
    source = "<mjml>{# a note\nover two lines #}<mj-body>\n{{ x }}\n</mj-body></mjml>"
    protected = protect(source)
    assert "note" not in protected.text
    assert protected.text.count("\n") == source.count("\n")
    multi = protect("<p>{{ a\n   }}</p>\nnext")
    assert multi.text.count("\n") == 2


def test_markup_comments_and_quotes_do_not_confuse_the_tag_scanner() -> None:
    source = "<!-- <not-a-tag --><p title='a > b'>{{ x }}</p>{% if y %}"
    protected = protect(source)
    assert protected.text.endswith("<!--atn:1-->")
    assert TEXT_TOKEN.search(protected.text)


def test_conditional_sections_stay_balanced_through_mjml() -> None:
    protected = protect(SECTIONS)
    html = restore(mjml2html(protected.text), protected.spans)
    if_at = html.index("{% if")
    else_at = html.index("{% else %}")
    endif_at = html.index("{% endif %}")
    bora = html[if_at:else_at]
    generic = html[else_at:endif_at]
    assert "Bora {{ recipient.first_name }}" in bora and "Generic" in generic
    for part in (bora, generic):
        assert part.count("<table") == part.count("</table>")
        assert part.count("<div") == part.count("</div>")


_PIECES = st.sampled_from(
    [
        "<mj-text>",
        "</mj-text>",
        "Ia ora na ",
        "\n",
        "{{ recipient.first_name }}",
        "{{ x\n|upper }}",
        "{% if recipient.vip %}",
        "{% endif %}",
        "{# a note\n #}",
        '<a href="{{ url }}">',
        "</a>",
        "<!-- c -->",
        "'",
        '"',
        ">",
    ]
)


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_protect_then_restore_gives_the_source_without_comments(source: str) -> None:
    try:
        protected = protect(source)
    except ProtectionError:
        return  # a tag between attributes: refused with its offset, tested above
    assert "{{" not in protected.text and "{%" not in protected.text
    # Comments go (their newlines stay); a tag's newlines are kept after its token too.
    expected = re.sub(
        r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}",
        lambda m: (
            ("" if m.group(0).startswith("{#") else m.group(0)) + "\n" * m.group(0).count("\n")
        ),
        source,
        flags=re.DOTALL,
    )
    assert restore(protected.text, protected.spans) == expected
    assert protected.text.count("\n") == source.count("\n")  # lines still match
    for span, line in zip(protected.spans, protected.lines, strict=True):
        assert span.split("\n")[0] in source.splitlines()[line - 1]
