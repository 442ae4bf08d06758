"""Blocks may declare the recipient fields they read; templates including them inherit those."""

from __future__ import annotations

from pathlib import Path

import pytest

from atn_content.content.errors import TemplateError
from atn_content.content.library import Library


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


BLOCK = """+++
[fields.web_version_url]
type = "str"
default = "https://www.airtahitinui.com/"
description = "The ESP's view-in-browser link."
+++
<mj-section><mj-column>
<mj-text><a href="{{ recipient.web_version_url }}">View</a> {{ broken </mj-text>
</mj-column></mj-section>
"""


def test_template_inherits_fields_declared_by_its_blocks(tmp_path: Path) -> None:
    write(tmp_path, "blocks/top.mjml", BLOCK.replace(" {{ broken ", ""))
    write(
        tmp_path,
        "templates/t.mjml",
        '+++\nsubject = "s"\n[fields.first_name]\ntype = "str"\n'
        '+++\n<mjml><mj-body>{% include "top.mjml" %}</mj-body></mjml>\n',
    )
    source = Library(tmp_path).get("t")
    assert set(source.fields) == {"id", "first_name", "web_version_url"}
    assert source.fields["web_version_url"].required is False
    assert "+++" not in source.body


def test_template_declaration_wins_over_the_block(tmp_path: Path) -> None:
    write(tmp_path, "blocks/top.mjml", BLOCK.replace(" {{ broken ", ""))
    write(
        tmp_path,
        "templates/t.mjml",
        '+++\nsubject = "s"\n[fields.web_version_url]\n'
        'type = "str"\n+++\n<mjml><mj-body>{% include "top.mjml" %}</mj-body></mjml>\n',
    )
    assert Library(tmp_path).get("t").fields["web_version_url"].required is True


def test_lines_in_a_block_with_front_matter_map_to_the_block_file(tmp_path: Path) -> None:
    write(tmp_path, "blocks/top.mjml", BLOCK)
    write(
        tmp_path,
        "templates/t.mjml",
        '+++\nsubject = "s"\n+++\n<mjml><mj-body>\n{% include "top.mjml" %}\n</mj-body></mjml>\n',
    )
    source = Library(tmp_path).get("t")
    broken_line = next(i for i, line in enumerate(source.body.splitlines(), 1) if "broken" in line)
    assert source.origin(broken_line) == ("blocks/top.mjml", 8)


def test_bad_field_declaration_in_a_block_names_the_block(tmp_path: Path) -> None:
    write(tmp_path, "blocks/top.mjml", '+++\n[fields.x]\ntype = "strnig"\n+++\n<mj-section/>\n')
    write(
        tmp_path,
        "templates/t.mjml",
        '+++\nsubject = "s"\n+++\n<mjml><mj-body>{% include "top.mjml" %}</mj-body></mjml>\n',
    )
    with pytest.raises(TemplateError) as caught:
        Library(tmp_path).get("t")
    assert caught.value.problems[0].file == "blocks/top.mjml"
    assert "unknown type 'strnig'" in caught.value.problems[0].message
