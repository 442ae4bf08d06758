"""The plain-text part: links kept as "label (url)", tables flattened, hidden parts dropped."""

from __future__ import annotations

from atn_content.content.plaintext import html_to_text, tidy_text


def test_links_keep_label_and_url() -> None:
    text = html_to_text('<p>Read <a href="https://example.com/a?b=1&amp;c=2">the offer</a>.</p>')
    assert text == "Read the offer (https://example.com/a?b=1&c=2).\n"


def test_links_without_a_useful_url_or_label() -> None:
    html = (
        '<p><a href="https://example.com/">https://example.com/</a></p>'
        '<p><a href="mailto:help@example.com">Write to us</a></p>'
        '<p><a href="#top">Top</a></p>'
        '<p><a href="https://example.com/logo"><img src="logo.png" alt="Air Tahiti Nui"></a></p>'
        '<p><a href="https://example.com/x"></a></p>'
    )
    lines = html_to_text(html).split("\n\n")
    assert lines == [
        "https://example.com/",
        "Write to us",
        "Top",
        "Air Tahiti Nui (https://example.com/logo)",
        "https://example.com/x\n",
    ]


def test_layout_tables_are_flattened_cell_by_cell() -> None:
    html = (
        "<table><tr><td>Papeete</td><td>Tokyo</td></tr>"
        "<tr><td><table><tr><td>TN 77</td></tr></table></td><td>11 h 40</td></tr></table>"
    )
    text = html_to_text(html)
    assert "<" not in text and "|" not in text
    assert [line for line in text.splitlines() if line] == [
        "Papeete",
        "Tokyo",
        "TN 77",
        "11 h 40",
    ]


def test_hidden_and_head_content_is_dropped() -> None:
    html = (
        "<html><head><title>Subject</title><style>p { color: red; }</style></head><body>"
        '<div style="display:none;max-height:0">Preheader filler</div>'
        '<div style="mso-hide: all">Outlook only</div>'
        "<p>Visible</p><script>alert(1)</script></body></html>"
    )
    assert html_to_text(html) == "Visible\n"


def test_lists_entities_and_whitespace() -> None:
    html = "<ul><li>Moorea</li><li>Bora&nbsp;Bora</li></ul><p>A\n   &amp;   B</p>"
    text = html_to_text(html)
    assert [line for line in text.splitlines() if line.startswith("- ")] == [
        "- Moorea",
        "- Bora Bora",
    ]
    assert "A & B" in text


def test_statement_tokens_pass_through_and_other_comments_do_not() -> None:
    html = "<!--atn:0--><p>Hi</p><!-- a designer note --><!--atn:1-->"
    assert html_to_text(html) == "<!--atn:0-->\n\nHi\n\n<!--atn:1-->\n"


def test_tidy_text_keeps_at_most_one_blank_line() -> None:
    assert tidy_text("\n\n  a  \n\n\n\n b\n \n") == "a\n\nb\n"
