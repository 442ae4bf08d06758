"""MJML structure checks: the line numbers MRML does not give."""

from __future__ import annotations

from mjml import mjml2html

from atn_content.content.mjml_check import KNOWN_TAGS, check_mjml_structure

GOOD = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-image src="a.png" />
        <mj-text><p>Any <b>HTML</b> <span>here</span></p></mj-text>
        <!-- <mj-commented-out> -->
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def test_a_well_formed_document_has_no_problems() -> None:
    assert check_mjml_structure(GOOD) == []
    assert mjml2html(GOOD)


def test_missing_root() -> None:
    assert check_mjml_structure("<mj-body></mj-body>") == [(1, "no <mjml> root element")]


def test_unknown_tag_with_its_line() -> None:
    text = GOOD.replace("<mj-image", "<mj-img")
    assert check_mjml_structure(text) == [(5, "unknown MJML tag <mj-img>")]


def test_unclosed_tag_reports_where_it_was_opened() -> None:
    text = GOOD.replace("    </mj-section>\n", "")
    assert check_mjml_structure(text) == [
        (9, "</mj-body> found where <mj-section> (line 3) must be closed")
    ]
    assert check_mjml_structure(GOOD.replace("</mjml>\n", "")) == [(1, "<mjml> is never closed")]


def test_where_callback_names_the_open_tag() -> None:
    text = GOOD.replace("      </mj-column>\n", "")
    problems = check_mjml_structure(text, lambda line: f"blocks/offer.mjml:{line + 10}")
    assert problems == [
        (8, "</mj-section> found where <mj-column> (blocks/offer.mjml:14) must be closed")
    ]


def test_stray_close() -> None:
    text = GOOD.replace("</mjml>", "</mjml></mj-column>")
    assert check_mjml_structure(text) == [(11, "</mj-column> closes nothing")]


def test_comments_keep_line_numbers() -> None:
    text = "<mjml>\n<!-- one\ntwo -->\n<mj-bogus />\n</mjml>"
    assert check_mjml_structure(text) == [(4, "unknown MJML tag <mj-bogus>")]


def test_known_tags_cover_the_shipped_vocabulary() -> None:
    assert {"mj-section", "mj-column", "mj-text", "mj-button", "mj-raw"} <= KNOWN_TAGS


def test_tags_inside_raw_content_are_the_authors_business() -> None:
    text = "<mjml><mj-body><mj-raw><mj-anything><mj-section></mj-raw></mj-body></mjml>"
    assert check_mjml_structure(text) == []
