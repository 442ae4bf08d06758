"""No `javascript:` link by construction: a URL attribute whose scheme could come from data
without |safe_url is refused at compile time, with file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_compiler import BODY_LINE, SIMPLE, content_root, renderer_for
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import TemplateError

REPO = Path(__file__).resolve().parents[2]
FRONT_FIELDS = '\n[fields.link]\ntype = "str"\ndefault = ""\n'
#: Where the body starts once FRONT_FIELDS is added to the front matter.
BODY = BODY_LINE + FRONT_FIELDS.count("\n")


def _body(tag: str) -> str:
    """SIMPLE with `tag` in place of its mj-text (line BODY + 4)."""
    return SIMPLE.replace('<mj-text css-class="hi">{{ recipient.first_name }}</mj-text>', tag)


def _root(tmp_path: Path, body: str, blocks: dict[str, str] | None = None) -> Path:
    root = content_root(tmp_path, body, blocks)
    template = root / "templates" / "t.mjml"
    text = template.read_text()
    front_end = text.index("+++", 3)
    template.write_text(text[:front_end] + FRONT_FIELDS + text[front_end:])
    return root


def _problems(root: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(TemplateError) as caught:
        renderer_for(root).compiled("t", "en")
    return [(p.file, p.line, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    "tag",
    [
        '<mj-button href="{{ recipient.link }}">Go</mj-button>',
        '<mj-image src="{{ recipient.link }}" alt="x" />',
        '<mj-text><a href="{{ recipient.link|lower }}">Go</a></mj-text>',
        '<mj-text><a href="java{{ recipient.link }}">Go</a></mj-text>',
        '<mj-button href="{% if recipient.link %}{{ recipient.link }}{% else %}'
        'https://e.com/{% endif %}">Go</mj-button>',
        "<mj-button href=\"{{ recipient.link or 'https://e.com/' }}\">Go</mj-button>",
        "<mj-button href=\"{{ '' ~ recipient.link }}\">Go</mj-button>",
        '{% set base = "" %}<mj-button href="{{ base }}{{ recipient.link }}">Go</mj-button>',
        '<mj-image src="https://e.com/a.png" alt="x" href="{{ experiment.url }}" />',
    ],
)
def test_a_url_from_data_without_safe_url_is_refused(tmp_path: Path, tag: str) -> None:
    problems = _problems(_root(tmp_path, _body(tag)))
    assert [(file, line) for file, line, _ in problems] == [("templates/t.mjml", BODY + 4)]
    assert "|safe_url" in problems[0][2]


def test_a_url_attribute_of_a_section_is_checked_too(tmp_path: Path) -> None:
    body = SIMPLE.replace("<mj-section>", '<mj-section background-url="{{ recipient.link }}">')
    [(_, line, message)] = _problems(_root(tmp_path, body))
    assert line == BODY + 2 and "background-url" in message


@pytest.mark.parametrize(
    "tag",
    [
        '<mj-button href="{{ recipient.link|safe_url }}">Go</mj-button>',
        "<mj-button href=\"{{ recipient.link|safe_url('https://e.com/')|trim }}\">Go</mj-button>",
        '<mj-button href="https://e.com/o?id={{ recipient.id|urlencode_component }}">Go'
        "</mj-button>",
        '<mj-text><a href="/local/{{ recipient.link }}">Go</a></mj-text>',
        '<mj-text><a href="{{ unsubscribe_url }}">Stop</a></mj-text>',
        "<mj-button href=\"{{ 'https://e.com/' ~ recipient.link }}\">Go</mj-button>",
        '{% set base = "https://e.com/r?x=" ~ recipient.id %}'
        '<mj-button href="{{ base ~ 1 }}">Go</mj-button>',
        '<mj-button href="{% if recipient.link %}{{ recipient.link|safe_url }}{% else %}'
        'https://e.com/{% endif %}">Go</mj-button>',
        '<mj-image src="https://e.com/a.png" alt="{{ recipient.link }}" />',
        '{% set nowhere = "" %}<mj-button href="{{ nowhere }}">Go</mj-button>',
    ],
)
def test_urls_whose_scheme_data_cannot_choose_are_accepted(tmp_path: Path, tag: str) -> None:
    assert renderer_for(_root(tmp_path, _body(tag))).render("t", "en", {"id": "r1"}).html


def test_a_block_parameter_set_from_data_is_refused_naming_where_it_is_set(
    tmp_path: Path,
) -> None:
    block = '<mj-button href="{{ cta_url }}">Go</mj-button>\n'
    body = _body('{% with cta_url=recipient.link %}\n{% include "cta.mjml" %}{% endwith %}')
    [(file, line, message)] = _problems(_root(tmp_path, body, {"cta.mjml": block}))
    assert (file, line) == ("blocks/cta.mjml", 1)
    assert f"templates/t.mjml:{BODY + 4}" in message and "cta_url" in message


def test_a_block_parameter_passed_through_safe_url_is_accepted(tmp_path: Path) -> None:
    block = '<mj-button href="{{ cta_url }}">Go</mj-button>\n'
    body = _body('{% with cta_url=recipient.link|safe_url %}{% include "cta.mjml" %}{% endwith %}')
    root = _root(tmp_path, body, {"cta.mjml": block})
    email = renderer_for(root).render("t", "en", {"id": "r1", "link": "javascript:alert(1)"})
    assert "javascript:" not in email.html


def test_abandoned_h72_never_links_to_javascript() -> None:
    renderer = build_renderer(Settings(content_root=REPO, secret=b"s" * 32))
    recipient = {
        "id": "r1",
        "promo_code": "TIARE-5",
        "search": {"resume_url": "javascript:alert(document.cookie)"},
    }
    html = renderer.render("abandoned-h72", "en", recipient).html
    assert "javascript:" not in html
    assert re.search(r'href="https://www\.airtahitinui\.com/fares"', html)
