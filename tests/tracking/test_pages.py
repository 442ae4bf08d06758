"""The recipient's pages: every word in every language, nothing from outside unescaped."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from atn_content.tracking.pages.html import (
    invalid_page,
    preferences_page,
    saved_page,
    unsubscribe_page,
    unsubscribed_page,
)
from atn_content.tracking.pages.text import LANGUAGES, TEXT

#: Words that are the same in every language (names, a Tahitian thank-you).
SHARED = re.compile(r"Air Tahiti Nui|Māuruuru|e-?mails?", re.IGNORECASE)


def test_every_key_exists_in_every_language() -> None:
    keys = set(TEXT["en"])
    for lang in LANGUAGES:
        assert set(TEXT[lang]) == keys, lang


def test_no_english_is_left_in_the_french_and_japanese_pages() -> None:
    for lang in ("fr", "ja"):
        for key, words in TEXT[lang].items():
            assert words != TEXT["en"][key], (lang, key)
    for key, words in TEXT["ja"].items():
        latin = re.findall(r"[A-Za-z]{3,}", SHARED.sub("", words))
        assert not latin, (key, latin)


def pages(lang: str) -> list[str]:
    return [
        unsubscribe_page(lang, "tok", "https://x.pf/preferences/p"),
        unsubscribed_page(lang, "https://x.pf/preferences/p"),
        preferences_page(lang, "tok", "monthly", ["inspiration"], False),
        saved_page(lang, True),
        invalid_page(lang, "frequency", "daily", "/preferences/tok"),
    ]


def test_every_page_names_its_language_and_labels_every_control() -> None:
    for lang in LANGUAGES:
        for page in pages(lang):
            tree = HTMLParser(page)
            assert tree.css_first("html").attributes["lang"] == lang
            assert tree.css_first("h1") is not None
            for control in tree.css("input:not([type=hidden])"):
                label = tree.css_first(f'label[for="{control.attributes["id"]}"]')
                assert label is not None and label.text(strip=True)
            assert "<script" not in page


#: Text as a browser keeps it: parsers drop NUL and fold CR into LF, whatever we send.
_TEXT = st.text(st.characters(blacklist_characters="\x00\r", blacklist_categories=("Cs",)))


@given(token=_TEXT.filter(lambda t: len(t) <= 40), value=_TEXT.filter(lambda t: len(t) <= 100))
def test_what_comes_from_outside_is_escaped(token: str, value: str) -> None:
    """Whatever a link or a form carries reads back as text, never as markup."""
    form = HTMLParser(unsubscribe_page("fr", token, None)).css_first("form")
    assert form is not None and form.attributes["action"] == f"/u/{token}"
    tree = HTMLParser(invalid_page("en", "topics", value, f"/preferences/{token}"))
    assert not tree.css("script")
    assert [c.text() for c in tree.css("code")] == ["topics", value[:80]]
