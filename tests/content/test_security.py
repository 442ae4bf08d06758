"""The sandbox and the escaping: templates cannot reach Python, recipient data stays data.

Each test fails if its protection is removed: a plain jinja2.Environment would print the
internals, build the huge list or mutate the list; an HTML environment for the subject
would print entities; an identity urlencode_component would let '&' split the query.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import RenderError
from atn_content.content.renderer import RenderedEmail

REPO = Path(__file__).resolve().parents[2]
FRONT = """+++
subject = "Hi {{ recipient.first_name }}"
preheader = "For {{ recipient.first_name }}"

[fields.first_name]
type = "str"
default = ""

[fields.recent_searches]
type = "list[str]"
default = []
+++
"""
BODY = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-image src="https://static.example.com/a.png" alt="{{ recipient.first_name }}" />
        <mj-text>@EXPRESSION@</mj-text>
        <mj-button
          href="https://example.com/?name={{ recipient.first_name|urlencode_component }}&amp;x=1"
        >Go</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def render(tmp_path: Path, expression: str, **recipient: Any) -> RenderedEmail:
    """Render a one-section template whose text holds `expression`."""
    root = tmp_path / "content"
    if not root.exists():
        shutil.copytree(REPO / "locales", root / "locales")
        (root / "blocks").mkdir()
        (root / "templates").mkdir()
    (root / "templates" / "t.mjml").write_text(FRONT + BODY.replace("@EXPRESSION@", expression))
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    return renderer.render("t", "en", {"id": "r1", **recipient})


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__['os'] }}",
        "{{ lipsum.__globals__ }}",
        "{{ '{0.__class__.__mro__}'.format(recipient.first_name) }}",
        "{{ recipient.first_name.__class__.__subclasses__ }}",
    ],
)
def test_python_internals_are_out_of_reach(tmp_path: Path, expression: str) -> None:
    with pytest.raises(RenderError, match="unsafe"):
        render(tmp_path, expression, first_name="Hina")


def test_huge_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="Range too big"):
        render(tmp_path, "{{ range(10**9)|list }}")
    with pytest.raises(RenderError, match="Range too big"):
        render(tmp_path, "{{ range(200000)|length }}")
    assert "1000" in render(tmp_path, "{{ range(1000)|length }}").text


def test_recipient_lists_are_immutable_inside_templates(tmp_path: Path) -> None:
    expression = "{% set seen = recipient.recent_searches %}{{ seen.append('Tokyo') }}{{ seen }}"
    with pytest.raises(RenderError, match="unsafe"):
        render(tmp_path, expression, recent_searches=["Moorea"])


def test_jinja_in_recipient_data_stays_literal(tmp_path: Path) -> None:
    payload = "{{ 7*7 }}{% if true %}yes{% endif %}"
    email = render(tmp_path, "{{ recipient.first_name }}", first_name=payload)
    assert email.subject == f"Hi {payload}"
    assert payload in email.text
    assert payload in email.html
    assert "49" not in email.text and "yes{" not in email.text.replace(payload, "")


def test_recipient_data_is_html_escaped_in_text_and_attributes(tmp_path: Path) -> None:
    name = '"><script>alert(1)</script>'
    email = render(tmp_path, "{{ recipient.first_name }}", first_name=name)
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert 'alt="&#34;&gt;&lt;script&gt;' in email.html


def test_recipient_data_is_url_escaped_in_urls(tmp_path: Path) -> None:
    email = render(tmp_path, "", first_name="a&b=c d/#é")
    assert "https://example.com/?name=a%26b%3Dc%20d%2F%23%C3%A9&amp;x=1" in email.html
    assert "https://example.com/?name=a%26b%3Dc%20d%2F%23%C3%A9&x=1" in email.text


def test_subject_and_preheader_are_text_not_html(tmp_path: Path) -> None:
    name = "<b>Tom & Jerry</b>"
    email = render(tmp_path, "{{ recipient.first_name }}", first_name=name)
    assert email.subject == f"Hi {name}"
    assert email.preheader == f"For {name}"
    assert "<title>Hi &lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</title>" in email.html
    assert name in email.text


def test_gettext_of_recipient_data_is_escaped_in_html(tmp_path: Path) -> None:
    """`_(recipient.x)` must not turn recipient data into trusted markup."""
    root = tmp_path
    (root / "templates").mkdir()
    (root / "blocks").mkdir()
    for locale in ("fr", "en", "ja"):
        folder = root / "locales" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {locale}\\n"\n\n'
            'msgid "Tokyo"\nmsgstr "<b>Tokyo</b>"\n'
        )
    (root / "templates" / "t.mjml").write_text(
        '+++\nsubject = "{{ _(recipient.city) }}"\n[fields.city]\ntype = "str"\n+++\n'
        "<mjml><mj-body><mj-section><mj-column>"
        "<mj-text>[{{ _(recipient.city) }}]</mj-text>"
        "</mj-column></mj-section></mj-body></mjml>\n"
    )
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    hostile = renderer.render("t", "en", {"id": "1", "city": "<img src=x onerror=alert(1)> 5%"})
    assert "<img src=x" not in hostile.html
    assert "[&lt;img src=x onerror=alert(1)&gt; 5%]" in hostile.html
    assert hostile.subject == "<img src=x onerror=alert(1)> 5%"
    trusted = renderer.render("t", "en", {"id": "1", "city": "Tokyo"})
    assert "[<b>Tokyo</b>]" in trusted.html
