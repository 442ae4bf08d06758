"""Size, lang, alt, layout-table roles and links: each rule catches what it claims."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from atn_content.content.lint.checks import (
    CLIP_BYTES,
    WARN_BYTES,
    check_images,
    check_lang,
    check_links,
    check_outlook_corners,
    check_size,
    check_tables,
)


def _tree(body: str, html_attrs: str = 'lang="fr"') -> LexborHTMLParser:
    return LexborHTMLParser(f"<!DOCTYPE html><html {html_attrs}><body>{body}</body></html>")


def test_size_warns_from_80_kb_and_fails_above_102_kb() -> None:
    assert list(check_size("x" * (WARN_BYTES - 1))) == []
    assert [f.severity for f in check_size("x" * WARN_BYTES)] == ["warning"]
    assert [f.severity for f in check_size("x" * CLIP_BYTES)] == ["warning"]
    assert [f.severity for f in check_size("x" * (CLIP_BYTES + 1))] == ["error"]
    # Bytes as sent (UTF-8), not characters: Japanese takes three bytes a character.
    assert [f.severity for f in check_size("あ" * (WARN_BYTES // 3 + 1))] == ["warning"]


def test_lang_is_present_and_the_expected_one() -> None:
    assert list(check_lang(_tree("x"), "fr")) == []
    assert "no lang" in next(check_lang(_tree("x", ""), None)).message
    assert "expected" in next(check_lang(_tree("x", 'lang="en"'), "ja")).message


def test_every_image_has_alt_and_https() -> None:
    findings = list(
        check_images(
            _tree(
                '<img src="https://e.com/a.png" alt="Bora Bora">'
                '<img src="https://e.com/spacer.gif" alt="">'
                '<img src="https://e.com/b.png">'
                '<img src="http://e.com/c.png" alt="C">'
                '<img src="https://e.com/d.png" alt="hero-1200.jpg">'
            )
        )
    )
    assert [(f.check, f.severity) for f in findings] == [
        ("alt", "error"),
        ("image", "error"),
        ("alt", "warning"),
    ]
    assert "b.png" in findings[0].where and "c.png" in findings[1].where


def test_layout_tables_need_role_presentation_data_tables_do_not() -> None:
    findings = list(
        check_tables(
            _tree(
                '<table role="presentation"><tr><td>a</td></tr></table>'
                "<table><tr><th>Vol</th></tr><tr><td>TN7</td></tr></table>"
                '<table role="none"><tr><td>b</td></tr></table>'
                "<table><tr><td>layout</td></tr></table>"
            )
        )
    )
    assert len(findings) == 1 and "layout" in findings[0].where


def test_links_go_somewhere_over_https() -> None:
    tree = _tree(
        '<a href="https://e.com/ok">ok</a><a href="mailto:a@b.fr">mail</a>'
        '<a href="tel:+68940">tel</a><a href="#top">top</a>'
        '<a href="http://e.com">http</a><a href="">empty</a><a href="#">hash</a><a>none</a>'
        '<a href="javascript:alert(1)">js</a><a href="/relative">rel</a>'
    )
    messages = [f.message for f in check_links(tree)]
    assert messages == [
        "link is not https",
        'link goes nowhere (href="")',
        'link goes nowhere (href="#")',
        "link has no href",
        "link uses the javascript: scheme",
        "link is relative (a mail client has no page to resolve it against)",
    ]


def test_outlook_vml_buttons_are_links_too() -> None:
    tree = LexborHTMLParser(
        '<v:roundrect href="http://e.com" arcsize="50%"><center>Go</center></v:roundrect>'
    )
    assert [f.message for f in check_links(tree)] == ["link is not https"]


def test_rounded_corners_that_outlook_reads_are_reported() -> None:
    pill = '<td style="border-radius:24px;background:#c9472e"><a href="https://e.com">Go</a></td>'
    icon = '<td style="border-radius:3px;background:#0b4f6c">f</td>'
    tree = LexborHTMLParser(f"<table><tr>{pill}{icon}</tr></table>")
    findings = list(check_outlook_corners(tree))
    assert len(findings) == 1 and findings[0].client == "outlook-windows"
    assert "24px rounded corners are square in Outlook" in findings[0].message
