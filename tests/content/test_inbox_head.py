"""What the inbox list shows: the <title> and the hidden preview line come from the front matter.

Mail clients read the preview line from the start of the body, not from our JSON, so the
HTML must carry exactly the subject and preheader the API sends.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest
from html5lib import getTreeBuilder
from test_compiler import BODY_LINE, SIMPLE, content_root, renderer_for

from atn_content.content.errors import TemplateError
from atn_content.content.inbox_head import PREVIEW_SPACER_CHARACTERS

WITH_OWN_HEAD = SIMPLE.replace(
    "<mjml>\n",
    '<mjml>\n  <mj-head>\n    <mj-attributes><mj-all font-family="Arial" /></mj-attributes>\n'
    "  </mj-head>\n",
)
#: A head block written like blocks/head.mjml: a Jinja comment that mentions <mj-head>.
HEAD_BLOCK = (
    "{#- Head: include it in place of a template's own <mj-head>. -#}\n"
    '<mj-head>\n  <mj-attributes><mj-all font-family="Arial" /></mj-attributes>\n'
    "</mj-head>\n"
)


def _parse(document: str) -> Element:
    parser = html5lib.HTMLParser(tree=getTreeBuilder("etree"), namespaceHTMLElements=False)
    return parser.parse(document)


def _title(document: str) -> str | None:
    title = _parse(document).find("head/title")
    return None if title is None else "".join(title.itertext())


def _first_in_body(document: str) -> Element:
    body = _parse(document).find("body")
    assert body is not None and not (body.text or "").strip()
    return body[0]


@pytest.mark.parametrize(
    ("body", "blocks"),
    [
        (SIMPLE, {}),
        (WITH_OWN_HEAD, {}),
        (
            SIMPLE.replace("<mjml>\n", '<mjml>\n{% include "head.mjml" %}\n'),
            {"head.mjml": HEAD_BLOCK},
        ),
    ],
    ids=["no-head", "own-head", "head-block-with-comment"],
)
def test_title_and_hidden_preview_carry_the_front_matter(
    tmp_path: Path, body: str, blocks: dict[str, str]
) -> None:
    email = renderer_for(content_root(tmp_path, body, blocks)).render(
        "t", "en", {"id": "r1", "first_name": "Teva & Co"}
    )
    assert email.subject == "Hello Teva & Co"
    assert _title(email.html) == email.subject
    hidden = _first_in_body(email.html)
    assert "display:none" in (hidden.get("style") or "").replace(" ", "")
    shown = "".join(hidden.itertext())
    assert shown.startswith(email.preheader) and email.preheader == "News"
    spacer = shown[len(email.preheader) :]
    assert len(spacer) >= 150 and set(spacer) <= PREVIEW_SPACER_CHARACTERS
    assert "News" not in email.text.split("Hello")[0]  # the text part has no filler


def test_a_template_title_that_disagrees_is_refused_with_its_line(tmp_path: Path) -> None:
    body = WITH_OWN_HEAD.replace("<mj-head>\n", "<mj-head>\n    <mj-title>Our news</mj-title>\n")
    with pytest.raises(TemplateError) as caught:
        renderer_for(content_root(tmp_path, body)).compiled("t", "en")
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("templates/t.mjml", BODY_LINE + 2)
    assert "front matter subject" in problem.message and "delete this <mj-title>" in problem.message


def test_a_template_preview_that_disagrees_is_refused_with_the_fix(tmp_path: Path) -> None:
    body = WITH_OWN_HEAD.replace(
        "<mj-head>\n", "<mj-head>\n    <mj-preview>Summer {{ recipient.first_name }}</mj-preview>\n"
    )
    with pytest.raises(TemplateError) as caught:
        renderer_for(content_root(tmp_path, body)).compiled("t", "en")
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("templates/t.mjml", BODY_LINE + 2)
    assert "preheader = 'Summer {{ recipient.first_name }}'" in problem.message


def test_title_and_preview_that_name_the_front_matter_are_accepted(tmp_path: Path) -> None:
    body = WITH_OWN_HEAD.replace(
        "<mj-head>\n",
        "<mj-head>\n    <mj-title>{{ subject }}</mj-title><mj-preview>{{preheader}}</mj-preview>\n",
    )
    email = renderer_for(content_root(tmp_path, body)).render("t", "en", {"id": "r1"})
    assert _title(email.html) == "Hello"
    assert email.html.count("<title>") == 1
    assert "".join(_first_in_body(email.html).itertext()).startswith("News")


def test_a_title_in_an_html_comment_is_not_a_title(tmp_path: Path) -> None:
    body = WITH_OWN_HEAD.replace("<mj-head>\n", "<mj-head>\n<!-- <mj-title>old</mj-title> -->\n")
    email = renderer_for(content_root(tmp_path, body)).render("t", "en", {"id": "r1"})
    assert _title(email.html) == "Hello"


def test_the_locale_sets_lang_over_the_template_root(tmp_path: Path) -> None:
    body = SIMPLE.replace("<mjml>", '<mjml lang="de">')
    html = renderer_for(content_root(tmp_path, body)).render("t", "en", {"id": "r1"}).html
    assert '<html lang="en" dir="ltr"' in html
