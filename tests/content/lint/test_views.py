"""Conditional comments, read as Outlook for Windows (mso 16) and as everyone else."""

from __future__ import annotations

import pytest

from atn_content.content.lint.views import condition_holds, outlook_source, parse_views


@pytest.mark.parametrize(
    ("condition", "outlook", "others"),
    [
        ("mso", True, False),
        ("mso | IE", True, False),
        ("!mso", False, True),
        ("gte mso 9", True, False),
        ("lte mso 11", False, False),  # Outlook 2003 and older only
        ("mso 16", True, False),
        ("gt mso 16", False, False),
        ("(mso)|(IE)", True, False),
        ("!mso & !IE", False, True),
        ("IE", False, False),
    ],
)
def test_conditions(condition: str, outlook: bool, others: bool) -> None:
    assert condition_holds(condition, 16) is outlook
    assert condition_holds(condition, None) is others


def test_outlook_reads_what_mso_comments_hold_and_skips_what_they_hide() -> None:
    html = (
        "<html><head><style>/* <!-- not a comment --> */ p{}</style></head><body>"
        "<!--[if mso | IE]><table><tr><td><![endif]-->"
        "<p>for everyone</p>"
        "<!--[if !mso]><!--><div class=pill>not for Outlook</div><!--<![endif]-->"
        "<!-- an ordinary comment -->"
        "<!--[if lte mso 11]><b>Outlook 2003</b><![endif]-->"
        "<!--[if mso | IE]></td></tr></table><![endif]--></body></html>"
    )
    source = outlook_source(html)
    assert "<table><tr><td><p>for everyone</p>" in source
    assert "not for Outlook" not in source and "Outlook 2003" not in source
    assert "<!-- an ordinary comment -->" in source
    assert "/* <!-- not a comment --> */" in source
    views = parse_views(html)
    assert views.outlook.css_first("div.pill") is None
    assert views.outlook.css_first("td p") is not None
    assert views.standard.css_first("div.pill") is not None
    assert views.standard.css_first("table") is None


def test_a_document_without_conditional_comments_is_one_view() -> None:
    views = parse_views("<p>hello</p>")
    assert views.outlook is views.standard
