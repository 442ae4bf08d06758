"""The studio's views of an email: images off, forced inversion, the email's own dark styles."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from atn_content.preview.views import (
    forced_inversion,
    has_own_dark_styles,
    images_off,
    own_dark_styles,
)

EMAIL = (
    "<html><head><style>.a{color:#000}"
    "@media (prefers-color-scheme: dark) { .a { color: #fff } .b { background: #000 } }"
    "</style></head><body>"
    '<img src="https://x/a.png" alt="Bora Bora lagoon" width="600">'
    '<td background="https://x/b.png" style="background-image: url(https://x/c.png); color:red">'
    "</body></html>"
)


def test_images_off_keeps_the_alt_text_and_fetches_nothing() -> None:
    shown = images_off(EMAIL)
    assert "https://x/" not in shown
    assert 'alt="Bora Bora lagoon"' in shown and 'width="600"' in shown
    assert "color:red" in shown


def test_forced_inversion_inverts_the_page_and_puts_images_back() -> None:
    shown = forced_inversion(EMAIL)
    assert shown.index('data-studio-view="forced-inversion"') < shown.index("</head>")
    assert "invert(1)" in shown


def test_own_dark_styles_apply_the_dark_rules_unconditionally() -> None:
    assert has_own_dark_styles(EMAIL)
    shown = own_dark_styles(EMAIL)
    assert "prefers-color-scheme" not in shown
    assert ".a { color: #fff } .b { background: #000 }" in shown
    assert shown.count("{") == shown.count("}")


def test_an_email_without_dark_styles_looks_as_in_light() -> None:
    light = "<html><head><style>.a{color:#000}</style></head><body>x</body></html>"
    assert not has_own_dark_styles(light)
    assert own_dark_styles(light) == light


@given(st.text())
def test_views_never_fail_on_any_html(html: str) -> None:
    for view in (images_off, forced_inversion, own_dark_styles):
        assert isinstance(view(html), str)
