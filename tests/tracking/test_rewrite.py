"""Compile-time link rewriting: ids from the link's place, destinations kept as written."""

from __future__ import annotations

import jinja2

from atn_content.tracking.rewrite import href_values, marker_pattern, rewrite_links

BASE = "https://news.airtahitinui.com"
OWN = (f"{BASE}/u/", f"{BASE}/preferences/", f"{BASE}/t/")
MARK = "\x01nonce"
PIXEL = "\x01nonce\x03v1\x03"


def calls(html: str) -> list[tuple[str, str, str]]:
    """(version, link id, href value) of every link marker; the pixel's left out."""
    return [m[:3] for m in marker_pattern(MARK).findall(html) if m[1]]


def test_the_same_url_twice_gets_two_ids() -> None:
    html = (
        '<a href="https://www.airtahitinui.com/">logo</a>'
        '<a href="https://www.airtahitinui.com/">again</a></body>'
    )
    result = rewrite_links(html, "v1", MARK, default_file="templates/promo.mjml")
    assert [link.id for link in result.links] == ["promo.1", "promo.2"]
    assert [link.occurrence for link in result.links] == [1, 2]
    assert {link.url for link in result.links} == {"https://www.airtahitinui.com/"}
    assert len(calls(result.html)) == 2


def test_links_in_conditional_branches_stay_distinct() -> None:
    html = (
        '{% if recipient.tier == "gold" %}<a href="https://x.pf/a">gold</a>'
        '{% else %}<a href="https://x.pf/a">others</a>{% endif %}'
    )
    result = rewrite_links(html, "v1", MARK, default_file="templates/t.mjml", pixel=False)
    assert [link.id for link in result.links] == ["t.1", "t.2"]


def test_ids_name_the_block_the_link_is_written_in() -> None:
    source = [("blocks/header.mjml", "https://x.pf/"), ("blocks/hero.mjml", "https://x.pf/go")]
    html = '<a href="https://x.pf/">h</a><a href="https://x.pf/go">cta</a>'
    result = rewrite_links(html, "v1", MARK, source_hrefs=source, default_file="templates/t.mjml")
    assert [(link.id, link.block) for link in result.links] == [
        ("header.1", "blocks/header.mjml"),
        ("hero.1", "blocks/hero.mjml"),
    ]


def test_an_outlook_vml_button_shares_the_id_of_its_fallback_link() -> None:
    html = (
        '<!--[if mso]><v:roundrect href="https://x.pf/go"></v:roundrect><![endif]-->'
        '<!--[if !mso]><!--><a href="https://x.pf/go">Go</a><!--<![endif]-->'
    )
    result = rewrite_links(html, "v1", MARK, default_file="templates/t.mjml", pixel=False)
    assert [link.id for link in result.links] == ["t.1"]
    assert calls(result.html) == [("v1", "t.1", "https://x.pf/go")] * 2


def test_untracked_links_are_left_alone() -> None:
    kept = [
        "mailto:contact@airtahitinui.com",
        "tel:+68940464040",
        "#top",
        "/relative",
        f"{BASE}/u/abc",
        "{{ unsubscribe_url }}",
        "{{ preferences_url }}",
        "{% if a %}https://x.pf/a{% else %}https://x.pf/b{% endif %}",
    ]
    html = "".join(f'<a href="{href}">x</a>' for href in kept) + "</body>"
    result = rewrite_links(html, "v1", MARK, default_file="templates/t.mjml", own_prefixes=OWN)
    assert result.links == ()
    assert result.html == html.replace("</body>", PIXEL + "</body>")


def test_jinja_destinations_stay_jinja_inside_their_marker_and_render_as_before() -> None:
    href = "https://x.pf/offer?promo=A&amp;rid={{ recipient.id|urlencode }}&amp;q=it's"
    html = f'<a href="{href}">x</a><a href="{{{{ recipient.search.resume_url }}}}">y</a>'
    result = rewrite_links(html, "v1", MARK, default_file="templates/t.mjml", pixel=False)
    assert [link.url for link in result.links] == [
        "https://x.pf/offer?promo=A&rid={{ recipient.id|urlencode }}&q=it's",
        "{{ recipient.search.resume_url }}",
    ]
    env = jinja2.Environment(autoescape=True)
    out = env.from_string(result.html).render(
        recipient={"id": "a b", "search": {"resume_url": "https://x.pf/r?s=1&t=2"}}
    )
    assert calls(out) == [
        ("v1", "t.1", "https://x.pf/offer?promo=A&amp;rid=a%20b&amp;q=it's"),
        ("v1", "t.2", "https://x.pf/r?s=1&amp;t=2"),
    ]


def test_the_pixel_goes_before_the_last_body_end_tag() -> None:
    result = rewrite_links("<html><body>hi</BODY></html>", "v9", MARK)
    assert result.html == "<html><body>hi\x01nonce\x03v9\x03</BODY></html>"


def test_source_href_values_are_unescaped_and_in_order() -> None:
    body = '<mj-button href="https://x.pf/?a=1&amp;b=2">x</mj-button><a href="{{ u }}">y</a>'
    assert [value for _, value in href_values(body)] == ["https://x.pf/?a=1&b=2", "{{ u }}"]
