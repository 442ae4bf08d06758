"""Compile once per (version, locale, variant); errors say which file and line."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import TemplateError
from atn_content.content.renderer import Renderer, Variant

REPO = Path(__file__).resolve().parents[2]
FRONT = """+++
subject = "Hello {{ recipient.first_name }}"
preheader = "News"

[fields.first_name]
type = "str"
default = ""
+++
"""
#: Line of the template file where the MJML body starts.
BODY_LINE = FRONT.count("\n") + 1
SIMPLE = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text css-class="hi">{{ recipient.first_name }}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def content_root(tmp_path: Path, body: str, blocks: dict[str, str] | None = None) -> Path:
    root = tmp_path / "content"
    shutil.copytree(REPO / "locales", root / "locales")
    (root / "templates").mkdir()
    (root / "blocks").mkdir()
    (root / "templates" / "t.mjml").write_text(FRONT + body)
    for name, text in (blocks or {}).items():
        (root / "blocks" / name).write_text(text)
    return root


def renderer_for(root: Path) -> Renderer:
    return build_renderer(Settings(content_root=root, secret=b"s" * 32))


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=REPO, secret=b"s" * 32))


@pytest.mark.parametrize("locale", ["fr", "en", "ja"])
def test_lang_and_dir_are_set_per_locale(shipped: Renderer, locale: str) -> None:
    html = shipped.render("newsletter-destination", locale, {"id": "r1"}).html
    opening = re.search(r"<html\b[^>]*>", html)
    assert opening is not None
    assert f'lang="{locale}"' in opening.group(0) and 'dir="ltr"' in opening.group(0)


def test_right_to_left_locale_gets_dir_rtl(tmp_path: Path) -> None:
    root = content_root(tmp_path, SIMPLE)
    ar = root / "locales" / "ar" / "LC_MESSAGES"
    ar.mkdir(parents=True)
    ar.joinpath("messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ar\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
    )
    html = renderer_for(root).render("t", "ar", {"id": "r1"}).html
    assert re.search(r'<html lang="ar" dir="rtl"', html)


def test_second_render_reuses_the_compiled_template(shipped: Renderer) -> None:
    first = shipped.compiled("newsletter-destination", "fr")
    shipped.render("newsletter-destination", "fr", {"id": "a", "last_destination": "Bora Bora"})
    shipped.render("newsletter-destination", "fr", {"id": "b", "recent_searches": ["Tokyo"]})
    assert shipped.compiled("newsletter-destination", "fr") is first
    assert shipped.compiled("newsletter-destination", "ja") is not first


def test_changed_file_gives_a_new_version_and_a_recompile(tmp_path: Path) -> None:
    root = content_root(tmp_path, SIMPLE)
    renderer = renderer_for(root)
    before = renderer.compiled("t", "en")
    template = root / "templates" / "t.mjml"
    template.write_text(template.read_text().replace("{{ recipient.first_name }}", "Ia ora na"))
    renderer.library.refresh()
    after = renderer.compiled("t", "en")
    assert after is not before and after.version != before.version
    email = renderer.render("t", "en", {"id": "r1"})
    assert email.template_version == after.version
    assert "Ia ora na" in email.text


def test_changed_block_gives_a_new_version(tmp_path: Path) -> None:
    body = SIMPLE.replace("<mj-section>", '<mj-section>{% include "b.mjml" %}', 1)
    block = "<mj-column><mj-text>One</mj-text></mj-column>\n"
    root = content_root(tmp_path, body, {"b.mjml": block})
    renderer = renderer_for(root)
    before = renderer.compiled("t", "en")
    (root / "blocks" / "b.mjml").write_text(block.replace("One", "Two, longer"))
    renderer.library.refresh()
    after = renderer.compiled("t", "en")
    assert after.version != before.version
    assert "Two, longer" in renderer.render("t", "en", {"id": "r1"}).text


def test_touched_but_unchanged_file_is_never_recompiled(tmp_path: Path) -> None:
    root = content_root(tmp_path, SIMPLE)
    renderer = renderer_for(root)
    before = renderer.compiled("t", "en")
    template = root / "templates" / "t.mjml"
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    template.write_text(template.read_text())
    renderer.library.refresh()
    assert renderer.compiled("t", "en") is before


def test_inline_styles_are_inlined_without_network_or_touching_jinja(tmp_path: Path) -> None:
    head = """<mj-head>
    <mj-font name="Brand" href="http://127.0.0.1:9/brand.css" />
    <mj-style inline="inline">.hi div { letter-spacing: 3px; }</mj-style>
  </mj-head>
  <mj-body>"""
    body = SIMPLE.replace("<mj-body>", head, 1).replace(
        'css-class="hi"', 'css-class="hi" font-family="Brand, Arial"'
    )
    email = renderer_for(content_root(tmp_path, body)).render(
        "t", "en", {"id": "r1", "first_name": "Hina"}
    )
    cell = re.search(r'<td class="hi"[^>]*>\s*<div style="([^"]*)">Hina</div>', email.html)
    assert cell is not None and "letter-spacing: 3px" in cell.group(1)
    assert "{{" not in email.html and "@@atn" not in email.html and "<!--atn:" not in email.html


def test_literal_braces_in_content_are_not_jinja(tmp_path: Path) -> None:
    body = SIMPLE.replace("{{ recipient.first_name }}", "{{ '{{' }} not code }}")
    root = content_root(tmp_path, body)
    assert "{{ not code }}" in renderer_for(root).render("t", "en", {"id": "r1"}).text


def test_variant_overrides_subject_and_is_compiled_separately(tmp_path: Path) -> None:
    renderer = renderer_for(content_root(tmp_path, SIMPLE))
    variant = Variant("b", subject="Ia ora na {{ recipient.first_name }}")
    plain = renderer.compiled("t", "en")
    assert renderer.compiled("t", "en", variant) is not plain
    assert renderer.compiled("t", "en", variant) is renderer.compiled("t", "en", variant)
    email = renderer.render("t", "en", {"id": "r1", "first_name": "Hina"}, variant)
    assert (email.subject, email.variant) == ("Ia ora na Hina", "b")


def _problems(root: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(TemplateError) as caught:
        renderer_for(root).compiled("t", "en")
    return [(p.file, p.line, p.message) for p in caught.value.problems]


def test_jinja_syntax_error_in_a_block_points_at_the_block_line(tmp_path: Path) -> None:
    body = SIMPLE.replace("<mj-column>", '{% include "offer.mjml" %}<mj-column>', 1)
    block = "<mj-column>\n  <mj-text>{{ recipient.first_name }</mj-text>\n</mj-column>\n"
    [(file, line, message)] = _problems(content_root(tmp_path, body, {"offer.mjml": block}))
    assert (file, line) == ("blocks/offer.mjml", 2)
    assert message


def test_unknown_block_points_at_the_include_line(tmp_path: Path) -> None:
    body = SIMPLE.replace("<mj-section>", '<mj-section>{% include "nope.mjml" %}', 1)
    [(file, line, message)] = _problems(content_root(tmp_path, body))
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 2)
    assert "nope.mjml" in message


def test_unknown_mjml_tag_is_reported_with_its_line(tmp_path: Path) -> None:
    body = SIMPLE.replace("<mj-text css-class", "<mj-txt css-class").replace(
        "</mj-text>", "</mj-txt>"
    )
    problems = _problems(content_root(tmp_path, body))
    assert ("templates/t.mjml", BODY_LINE + 4, "unknown MJML tag <mj-txt>") in problems


def test_unclosed_mjml_tag_names_where_it_was_opened(tmp_path: Path) -> None:
    body = SIMPLE.replace("      </mj-column>\n", "")
    problems = _problems(content_root(tmp_path, body))
    file, line, message = problems[0]
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 5)
    assert "<mj-column>" in message and f"t.mjml:{BODY_LINE + 3}" in message


def test_unclosed_tag_in_a_block_names_the_block(tmp_path: Path) -> None:
    body = SIMPLE.replace("      <mj-column>", '{% include "offer.mjml" %}\n<mj-column>', 1)
    block = "<mj-column>\n  <mj-text>Hi</mj-text>\n"
    problems = _problems(content_root(tmp_path, body, {"offer.mjml": block}))
    assert any("blocks/offer.mjml:1" in message for _, _, message in problems), problems


def test_undeclared_recipient_field_is_reported(tmp_path: Path) -> None:
    body = SIMPLE.replace("recipient.first_name", "recipient.loyalty_tier")
    [(file, line, message)] = _problems(content_root(tmp_path, body))
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 4)
    assert "recipient.loyalty_tier is not declared" in message


def test_unknown_variable_is_reported(tmp_path: Path) -> None:
    body = SIMPLE.replace("recipient.first_name", "first_name")
    [(file, line, message)] = _problems(content_root(tmp_path, body))
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 4)
    assert "unknown variable 'first_name'" in message


def test_jinja_between_attributes_is_reported(tmp_path: Path) -> None:
    body = SIMPLE.replace(
        'css-class="hi"', '{% if recipient.first_name %}css-class="hi"{% endif %}'
    )
    [(file, line, message)] = _problems(content_root(tmp_path, body))
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 4)
    assert "between attributes" in message


def test_syntax_error_in_the_front_matter_subject(tmp_path: Path) -> None:
    root = content_root(tmp_path, SIMPLE)
    template = root / "templates" / "t.mjml"
    template.write_text(template.read_text().replace("first_name }}", "first_name }", 1))
    [(file, _, message)] = _problems(root)
    assert file == "templates/t.mjml" and message.startswith("front matter subject")


def test_template_errors_are_raised_on_every_call(tmp_path: Path) -> None:
    renderer = renderer_for(content_root(tmp_path, SIMPLE.replace("</mjml>", "")))
    for _ in range(2):
        with pytest.raises(TemplateError, match="never closed"):
            renderer.render("t", "en", {"id": "r1"})
