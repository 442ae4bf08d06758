"""Placeholders from other tools (Mailjet, Handlebars, Mailchimp): every one listed, in line
order, each with a hint that is the whole fix (doing what it says compiles)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_compiler import BODY_LINE, FRONT, SIMPLE, content_root, renderer_for

from atn_content.content.errors import TemplateError
from atn_content.content.placeholders import snake_case

BOUGHT = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hello {{FirstName}},</mj-text>
        <mj-text>{{var:city:"Papeete"}} · {{ Zed }}</mj-text>
        <mj-text>{{#if LastName}}Dear {{LastName}}{{/if}}</mj-text>
        <mj-text>{{{Signature}}} *|FNAME|* {{ recipient.nickname }}</mj-text>
        <mj-text>Bye {{FirstName}}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def _problems(tmp_path: Path, body: str, front: str = FRONT) -> list[tuple[int | None, str]]:
    root = content_root(tmp_path, body)
    (root / "templates" / "t.mjml").write_text(front + body)
    with pytest.raises(TemplateError) as caught:
        renderer_for(root).compiled("t", "en")
    assert {p.file for p in caught.value.problems} == {"templates/t.mjml"}
    return [(p.line, p.message) for p in caught.value.problems]


def test_every_foreign_placeholder_is_listed_in_line_order(tmp_path: Path) -> None:
    problems = _problems(tmp_path, BOUGHT)
    lines = [line for line, _ in problems]
    assert lines == sorted(lines)
    assert lines == [BODY_LINE + n for n in (4, 5, 5, 6, 6, 6, 7, 7, 7, 8)]
    messages = "\n".join(message for _, message in problems)
    for written in (
        '{{var:city:"Papeete"}}',
        "{{#if LastName}}",
        "{{/if}}",
        "{{{Signature}}}",
        "*|FNAME|*",
    ):
        assert written in messages


def test_a_bare_name_gets_the_declared_field_when_there_is_one(tmp_path: Path) -> None:
    [(line, message)] = _problems(tmp_path, SIMPLE.replace("recipient.first_name", "FirstName"))
    assert line == BODY_LINE + 4
    assert "write recipient.first_name in place of FirstName" in message
    assert "declare" not in message


def test_a_bare_name_gets_the_field_to_write_and_to_declare(tmp_path: Path) -> None:
    [(_, message)] = _problems(tmp_path, SIMPLE.replace("recipient.first_name", "HomeCity"))
    assert "write recipient.home_city in place of HomeCity" in message
    assert '[fields.home_city] with type = "str"' in message


def test_doing_what_the_hint_says_compiles(tmp_path: Path) -> None:
    """The fix of each message, applied literally, leaves nothing to fix."""
    body = SIMPLE.replace(
        "{{ recipient.first_name }}",
        '{{var:city:"Papeete"}} {{#if Vip}}VIP{{/if}} {{ HomeCity }} {{{Note}}} *|LNAME|*',
    )
    messages = [message for _, message in _problems(tmp_path, body)]
    assert len(messages) == 6
    fixed = SIMPLE.replace(
        "{{ recipient.first_name }}",
        "{{ recipient.city }} {% if recipient.vip %}VIP{% endif %} {{ recipient.home_city }} "
        "{{ recipient.note }} {{ recipient.last_name }}",
    )
    declarations = "".join(
        f'\n[fields.{name}]\ntype = "str"\ndefault = {default}\n'
        for name, default in (
            ("city", '"Papeete"'),
            ("vip", '""'),
            ("home_city", '""'),
            ("note", '""'),
            ("last_name", '""'),
        )
    )
    front = FRONT[: FRONT.rindex("+++")] + declarations + "+++\n"
    for name, expected in (
        ("city", 'default = "Papeete"'),
        ("vip", "[fields.vip]"),
        ("home_city", "[fields.home_city]"),
        ("note", "[fields.note]"),
        ("last_name", "[fields.last_name]"),
    ):
        assert any(f"recipient.{name}" in m and expected in m for m in messages), name
    root = content_root(tmp_path / "fixed", fixed)
    (root / "templates" / "t.mjml").write_text(front + fixed)
    assert renderer_for(root).render("t", "en", {"id": "r1"}).html


def test_an_undeclared_field_close_to_a_declared_one_names_it(tmp_path: Path) -> None:
    [(_, message)] = _problems(
        tmp_path, SIMPLE.replace("recipient.first_name", "recipient.FirstName")
    )
    assert "write recipient.first_name" in message


def test_placeholders_in_jinja_comments_and_raw_are_not_code(tmp_path: Path) -> None:
    body = SIMPLE.replace(
        "{{ recipient.first_name }}",
        "{# {{#if X}} #}{% raw %}*|FNAME|* {{{x}}}{% endraw %}",
    )
    html = renderer_for(content_root(tmp_path, body)).render("t", "en", {"id": "r1"}).html
    assert "*|FNAME|* {{{x}}}" in html


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("FirstName", "first_name"),
        ("firstname", "firstname"),
        ("HTMLPart", "html_part"),
        ("first-name", "first_name"),
        ("FNAME", "fname"),
        ("Last_Name", "last_name"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_placeholders_in_the_front_matter_get_the_same_hint(tmp_path: Path) -> None:
    front = FRONT.replace("Hello {{ recipient.first_name }}", "Hi *|FNAME|*")
    front = front.replace('preheader = "News"', 'preheader = "{{var:city}} news"')
    problems = _problems(tmp_path, SIMPLE, front)
    assert [line for line, _ in problems] == [None, None]
    assert problems[0][1].startswith("front matter subject: *|FNAME|* is a Mailchimp merge tag")
    assert problems[1][1].startswith("front matter preheader: {{var:city}} is a Mailjet")
