"""MJML from other hands (the MJML app, Prettier, template packs) compiles as MJML compiles it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_compiler import content_root, renderer_for

from atn_content.content.mjml_normalise import ensure_img_alt, normalise_mjml

PRETTIER = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text
          color="#ffffff"
          color="#999999"
          font-size="13px"
        >
          <h1
            style="
              font-size: 60px;
              color: #ffffff;
              line-height: 64px;
            "
          >
            Summer in Bora Bora
          </h1>
        </mj-text>
        <mj-image
          src="https://example.com/lagoon.jpg"
          href="https://example.com/a"
          href="https://example.com/b"
        />
        <mj-text><p>Hi <img src="https://example.com/smile.png" width="16"></p></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def _html(tmp_path: Path, body: str) -> str:
    return renderer_for(content_root(tmp_path, body)).render("t", "en", {"id": "r1"}).html


def test_a_style_split_over_lines_keeps_its_declarations(tmp_path: Path) -> None:
    html = _html(tmp_path, PRETTIER)
    assert "\\n" not in html
    assert '<h1 style="font-size: 60px; color: #ffffff; line-height: 64px;">' in html


def test_an_image_without_alt_gets_an_empty_alt(tmp_path: Path) -> None:
    html = _html(tmp_path, PRETTIER)
    assert '<img alt="" height="auto" src="https://example.com/lagoon.jpg"' in html
    assert '<img alt="" src="https://example.com/smile.png" width="16"' in html


def test_a_duplicated_attribute_takes_its_first_value(tmp_path: Path) -> None:
    html = _html(tmp_path, PRETTIER)
    assert "color:#ffffff;" in html and "#999999" not in html
    assert 'href="https://example.com/a"' in html and "example.com/b" not in html


def test_normalising_touches_only_tags() -> None:
    text = 'a < b and <3 <!-- <x\n y="1\n2"> --> <mj-text a="x\n  y">1\n2</mj-text>'
    kept = 'a < b and <3 <!-- <x\n y="1\n2"> --> '
    assert normalise_mjml(text) == kept + '<mj-text a="x y">1\n2</mj-text>'


def test_a_url_split_over_lines_is_joined_without_spaces() -> None:
    assert (
        normalise_mjml('<a href="https://e.com/\n   path">x</a>')
        == '<a href="https://e.com/path">x</a>'
    )


def test_jinja_tokens_in_values_are_kept() -> None:
    text = '<mj-button href="@@atn3@@" css-class="@@atn4@@\n  big">Go</mj-button>'
    expected = '<mj-button href="@@atn3@@" css-class="@@atn4@@ big">Go</mj-button>'
    assert normalise_mjml(text) == expected


def test_alt_is_added_only_where_missing() -> None:
    assert ensure_img_alt('<img src="a.png"><img alt="A" src="b.png"/>') == (
        '<img alt="" src="a.png"><img alt="A" src="b.png"/>'
    )
    assert ensure_img_alt("<IMG SRC=a.png ALT=x>") == "<IMG SRC=a.png ALT=x>"


_NAME = st.sampled_from(["style", "class", "href", "alt", "padding"])
_VALUE = st.text(alphabet=st.sampled_from("ab:;# \n/"), max_size=12)


@given(st.lists(st.tuples(_NAME, _VALUE), max_size=6))
def test_any_tag_comes_out_single_line_with_first_values(attributes: list[tuple[str, str]]) -> None:
    tag = "<mj-text" + "".join(f'\n  {name}="{value}"' for name, value in attributes) + "\n>"
    out = normalise_mjml(tag)
    assert "\n" not in out
    first: dict[str, str] = {}
    for name, value in attributes:
        first.setdefault(name, value)
    for name in first:
        assert out.count(f' {name}="') == 1
