"""<mj-include path="..."> as MJML resolves it, inside the content root only, with file:line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_compiler import BODY_LINE, SIMPLE, content_root, renderer_for

from atn_content.content.errors import TemplateError
from atn_content.content.library import Library

PARTIAL = """<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Partial for {{ recipient.first_name }}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def _including(tag: str) -> str:
    """SIMPLE with `tag` on its own line at the end of <mj-body> (line BODY_LINE + 7)."""
    return SIMPLE.replace("  </mj-body>", f"    {tag}\n  </mj-body>")


def _root_with(tmp_path: Path, body: str, files: dict[str, str]) -> Path:
    root = content_root(tmp_path, body)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _problems(root: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(TemplateError) as caught:
        renderer_for(root).compiled("t", "en")
    return [(p.file, p.line, p.message) for p in caught.value.problems]


def test_an_included_document_is_spliced_in_with_its_jinja(tmp_path: Path) -> None:
    body = _including('<mj-include path="./partials/offer.mjml" />')
    root = _root_with(tmp_path, body, {"templates/partials/offer.mjml": PARTIAL})
    email = renderer_for(root).render("t", "en", {"id": "r1", "first_name": "Hina"})
    assert "Partial for Hina" in email.html and "Partial for Hina" in email.text
    assert "templates/partials/offer.mjml" in Library(root).get("t").files


def test_the_mjml_extension_may_be_left_out_and_paths_nest(tmp_path: Path) -> None:
    body = _including('<mj-include path="parts/outer" />')
    outer = '<mj-include path="../shared/inner.mjml" />\n'
    inner = "<mj-section><mj-column><mj-text>Inner</mj-text></mj-column></mj-section>\n"
    root = _root_with(
        tmp_path, body, {"templates/parts/outer.mjml": outer, "templates/shared/inner.mjml": inner}
    )
    assert "Inner" in renderer_for(root).render("t", "en", {"id": "r1"}).html


def test_css_and_html_includes(tmp_path: Path) -> None:
    body = SIMPLE.replace(
        "<mjml>\n",
        '<mjml>\n  <mj-head>\n    <mj-include path="styles/email.css" type="css"'
        ' css-inline="inline" />\n  </mj-head>\n',
    ).replace("  </mj-body>", '    <mj-include path="raw.html" type="html" />\n  </mj-body>')
    files = {
        "templates/styles/email.css": ".hi div { letter-spacing: 3px; }\n",
        "templates/raw.html": '<p class="raw">Raw HTML</p>\n',
    }
    html = renderer_for(_root_with(tmp_path, body, files)).render("t", "en", {"id": "r1"}).html
    assert '<p class="raw">Raw HTML</p>' in html
    assert "letter-spacing: 3px" in html.split('class="hi"')[1].split("</div>")[0]


def test_an_error_inside_an_included_file_names_that_file_and_line(tmp_path: Path) -> None:
    body = _including('<mj-include path="offer.mjml" />')
    broken = PARTIAL.replace("</mj-text>", "")
    problems = _problems(_root_with(tmp_path, body, {"templates/offer.mjml": broken}))
    assert ("templates/offer.mjml", 5) in [(file, line) for file, line, _ in problems], problems


@pytest.mark.parametrize(
    "path", ["../../outside.mjml", "/etc/hostname", "../../content/../outside.mjml"]
)
def test_a_path_outside_the_content_root_is_refused_with_its_line(
    tmp_path: Path, path: str
) -> None:
    (tmp_path / "outside.mjml").write_text(PARTIAL)
    body = _including(f'<mj-include path="{path}" />')
    [(file, line, message)] = _problems(content_root(tmp_path, body))
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 7)
    assert "outside the content root" in message and '{% include "' in message


def test_a_symlink_leading_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.mjml").write_text(PARTIAL)
    body = _including('<mj-include path="link.mjml" />')
    root = content_root(tmp_path, body)
    os.symlink(tmp_path / "outside.mjml", root / "templates" / "link.mjml")
    [(_, _, message)] = _problems(root)
    assert "outside the content root" in message


def test_a_missing_file_is_refused_with_the_block_alternative(tmp_path: Path) -> None:
    body = _including('<mj-include path="nope.mjml" />')
    [(file, line, message)] = _problems(content_root(tmp_path, body))
    assert (file, line) == ("templates/t.mjml", BODY_LINE + 7)
    assert "templates/nope.mjml" in message and '{% include "' in message


def test_an_included_file_with_its_own_head_is_refused(tmp_path: Path) -> None:
    body = _including('<mj-include path="full.mjml" />')
    full = PARTIAL.replace("<mjml>\n", "<mjml>\n  <mj-head><mj-title>x</mj-title></mj-head>\n")
    [(file, line, message)] = _problems(_root_with(tmp_path, body, {"templates/full.mjml": full}))
    assert (file, line) == ("templates/full.mjml", 2)
    assert "<mj-head>" in message


def test_an_include_that_includes_itself_is_stopped(tmp_path: Path) -> None:
    body = _including('<mj-include path="loop.mjml" />')
    root = _root_with(tmp_path, body, {"templates/loop.mjml": '<mj-include path="loop.mjml" />\n'})
    [(_, _, message)] = _problems(root)
    assert "including itself" in message


def test_an_edited_included_file_gives_a_new_version(tmp_path: Path) -> None:
    body = _including('<mj-include path="parts/offer" />')
    root = _root_with(tmp_path, body, {"templates/parts/offer.mjml": PARTIAL})
    library = Library(root, check_interval=0)
    before = library.get("t").version
    changed = PARTIAL.replace("Partial", "Changed partial")
    (root / "templates" / "parts" / "offer.mjml").write_text(changed)
    assert library.get("t").version != before
    assert "Changed partial" in library.get("t").body


def test_a_commented_out_include_is_not_spliced(tmp_path: Path) -> None:
    body = SIMPLE.replace("  </mj-body>", '    {# <mj-include path="nope.mjml" /> #}\n  </mj-body>')
    assert renderer_for(content_root(tmp_path, body)).render("t", "en", {"id": "r1"}).html
