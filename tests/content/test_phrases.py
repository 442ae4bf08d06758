"""Line breaks: Japanese between phrases, brand names and amounts whole, markup untouched."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from atn_content.content.phrases import (
    KEEP_ALL_STYLE,
    PHRASE_BREAK,
    PHRASES_FILTER,
    break_phrases,
    break_phrases_fragment,
    phrases_filter,
)
from atn_content.content.renderer import Renderer

NBSP = "\u00a0"
WJ = "\u2060"
KEEP_ALL = f'<span style="{KEEP_ALL_STYLE}">'


def seen(markup: str) -> str:
    """The text a reader gets: our spans gone, no-break spaces as spaces, zero widths gone."""
    text = markup.replace(KEEP_ALL, "").replace("</span>", "")
    return text.replace(NBSP, " ").replace(PHRASE_BREAK, "").replace(WJ, "")


class TestJapanese:
    def test_text_breaks_between_budoux_phrases_inside_a_keep_all_span(self) -> None:
        out = break_phrases("<div>すべての運賃を見る</div>", "ja")
        assert out == f"<div>{KEEP_ALL}すべての{PHRASE_BREAK}運賃を見る</span></div>"

    def test_a_one_or_two_letter_last_phrase_stays_with_the_one_before(self) -> None:
        out = break_phrases_fragment("ポリネシアとの出会いから9年", "ja")
        assert out.endswith("出会いから9年</span>")
        assert PHRASE_BREAK not in out.split("出会い")[1]

    def test_keep_all_holes_are_closed_inside_a_phrase(self) -> None:
        # Chromium breaks "30% / オフ" even with keep-all: a word joiner holds the phrase.
        out = break_phrases_fragment("タヒチの島々へ最大30%オフ", "ja")
        assert f"30%{WJ}オフ" in out

    def test_a_phrase_longer_than_a_headline_line_may_break_where_katakana_meets_kanji(
        self,
    ) -> None:
        out = break_phrases_fragment("ポリネシア ブラックフライデー開催間近", "ja")
        assert f"ブラックフライデー{PHRASE_BREAK}開催間近" in out
        assert PHRASE_BREAK not in out.split("ブラックフライデー")[0]

    def test_katakana_brand_and_amount_get_no_break_inside(self) -> None:
        out = break_phrases_fragment("エア タヒチ ヌイとクラブ・ティアレで5,000マイルを獲得", "ja")
        assert f"エア{NBSP}タヒチ{NBSP}ヌイ" in out
        assert f"クラブ・{WJ}ティアレ" in out
        assert "5,000マイル" in out

    def test_latin_only_text_in_japanese_gets_no_span(self) -> None:
        assert break_phrases("<p>TN7 · PPT</p>", "ja") == "<p>TN7 · PPT</p>"

    def test_other_locales_get_no_phrase_breaks(self) -> None:
        assert break_phrases("<p>すべての運賃を見る</p>", "fr") == "<p>すべての運賃を見る</p>"


class TestKeptTogether:
    @pytest.mark.parametrize(
        ("text", "kept"),
        [
            ("Fly Air Tahiti Nui today", f"Air{NBSP}Tahiti{NBSP}Nui"),
            ("in Moana Premium", f"Moana{NBSP}Premium"),
            ("your Club Tiare account", f"Club{NBSP}Tiare"),
            ("5,000 bonus miles", f"5,000{NBSP}bonus{NBSP}miles"),
            ("add 5,000 miles", f"5,000{NBSP}miles"),
            ("ajoute 5 000 miles", f"5{NBSP}000{NBSP}miles"),
            ("from XPF 152,000", f"XPF{NBSP}152,000"),
            ("dès 1 234 567 FCFP", f"1{NBSP}234{NBSP}567{NBSP}FCFP"),
            ("jusqu'à -30 %", f"-30{NBSP}%"),
            ("Air Tahiti\n      Nui", f"Air{NBSP}Tahiti{NBSP}Nui"),
        ],
    )
    def test_spaces_inside_become_no_break_spaces(self, text: str, kept: str) -> None:
        out = break_phrases_fragment(text, "fr")
        assert kept in out
        assert seen(out).replace("\n      ", " ") == text.replace("\n      ", " ")

    def test_a_number_without_a_unit_keeps_its_spaces(self) -> None:
        text = "BP 1673, 98713 Papeete"
        assert break_phrases_fragment(text, "en") == text


class TestMarkupIsNeverTouched:
    @pytest.mark.parametrize(
        "source",
        [
            '<img alt="Air Tahiti Nui" src="https://x/y.png">',
            '<a title="すべての運賃を見る" href="https://x/?a=1&amp;b=2">',
            "<style>.title div { font-size: 26px }</style>",
            "<title>Air Tahiti Nui すべての運賃</title>",
            "<!--[if mso | IE]><p>Air Tahiti Nui すべての運賃</p><![endif]-->",
            '<div style="display:none;max-height:0">Air Tahiti Nui すべて<b>の</b>運賃</div>',
            '{% if recipient.tier == "Club Tiare" %}',
            "{# Air Tahiti Nui #}",
            '<img alt="{{ _("The lagoon of %(x)s", x="Air Tahiti Nui") }}" src="{{ u }}">',
            "{% raw %}{{ not jinja }}{% endraw %}",
        ],
    )
    def test_tags_attributes_comments_style_title_hidden_and_jinja_stay(self, source: str) -> None:
        for locale in ("fr", "en", "ja"):
            assert break_phrases(source, locale) == source

    def test_entities_survive_in_changed_text(self) -> None:
        out = break_phrases("<p>Air Tahiti Nui &amp; vous &lt;3</p>", "en")
        assert out == f"<p>Air{NBSP}Tahiti{NBSP}Nui &amp; vous &lt;3</p>"

    def test_unchanged_text_keeps_its_bytes(self) -> None:
        source = "<p>L&#39;&eacute;t&eacute; &nbsp; ici</p>"
        assert break_phrases(source, "fr") == source


class TestExpressions:
    def test_expressions_in_text_get_the_filter_and_nowhere_else(self) -> None:
        source = '<a href="{{ url }}">{{ label }}</a><p>{{- x -}}</p><title>{{ subject }}</title>'
        assert break_phrases(source, "en") == (
            f'<a href="{{{{ url }}}}">{{{{ (label)|{PHRASES_FILTER} }}}}</a>'
            f"<p>{{{{- (x)|{PHRASES_FILTER} -}}}}</p><title>{{{{ subject }}}}</title>"
        )

    def test_an_expression_with_braces_in_a_string_is_wrapped_whole(self) -> None:
        source = '<p>{{ "}}" ~ x if y else z }}</p>'
        assert break_phrases(source, "en") == '<p>{{ ("}}" ~ x if y else z)|phrases }}</p>'

    def test_escaped_delimiters_stay_as_they_are(self) -> None:
        assert break_phrases("<p>{{ '{{' }} x</p>", "en") == "<p>{{ '{{' }} x</p>"

    def test_the_filter_escapes_data_exactly_like_autoescape(self) -> None:
        phrases = phrases_filter("en")
        assert phrases("<script>alert(1)</script> & co") == (
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
        )
        assert phrases(None) == "None"
        assert phrases(5000) == "5000"
        assert isinstance(phrases("x"), Markup)

    def test_the_filter_rewrites_only_the_text_of_safe_markup(self) -> None:
        out = phrases_filter("ja")(Markup('<b class="Air Tahiti Nui">運賃を見る</b>'))
        assert out.startswith('<b class="Air Tahiti Nui">')

    def test_the_filter_treats_braces_in_data_as_text(self) -> None:
        assert phrases_filter("en")("{{ Air Tahiti Nui") == f"{{{{ Air{NBSP}Tahiti{NBSP}Nui"

    def test_running_twice_changes_nothing_more(self) -> None:
        once = break_phrases_fragment("エア タヒチ ヌイで5,000マイルを獲得しよう", "ja")
        assert break_phrases_fragment(once, "ja") == once

    def test_wrapped_expressions_render_in_jinja(self) -> None:
        env = jinja2.Environment(autoescape=True)
        env.filters[PHRASES_FILTER] = phrases_filter("ja")
        template = env.from_string(break_phrases("<h1>{{ title }}</h1>", "ja"))
        out = template.render(title="タヒチの島々へ最大30%オフ <3")
        assert seen(out) == "<h1>タヒチの島々へ最大30%オフ &lt;3</h1>"
        assert PHRASE_BREAK in out


# Text from the alphabets the emails use, markup-significant characters and spaces.
_ALPHABET = list("ABaz09 ,.%-&<>'\"\n") + list("タヒチの島々へ最大オフ・：（）見る")
_TEXT = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40)
_BRANDS = st.sampled_from(["Air Tahiti Nui", "エア タヒチ ヌイ", "Club Tiare", "5,000 miles", ""])


@given(st.lists(st.tuples(_TEXT, _BRANDS), max_size=6), st.sampled_from(["fr", "en", "ja"]))
def test_what_a_reader_sees_is_the_same_text(pieces: list[tuple[str, str]], locale: str) -> None:
    """Whatever the text, the rewrite only adds invisible breaks and no-break spaces."""
    text = "".join(a + b for a, b in pieces)
    source = f"<p class='x'>{html.escape(text, quote=False)}</p>"
    out = break_phrases(source, locale)
    assert out.startswith("<p class='x'>") and out.endswith("</p>")
    inner = out[len("<p class='x'>") : -len("</p>")]
    assert html.unescape(seen(inner)).replace("\n", " ") == text.replace("\n", " ").replace(
        NBSP, " "
    )
    assert not re.search(r"<(?!/?span)", inner)


class TestCompiledEmails:
    """Through the real renderer (the `renderer` fixture of tests/content/conftest.py)."""

    def test_a_japanese_hero_headline_breaks_between_phrases(self, renderer: Renderer) -> None:
        email = renderer.render(
            "campaign-launch", "ja", {"id": "r-1", "last_name": "佐藤", "campaign_discount": 30}
        )
        assert f"{KEEP_ALL}タヒチの{PHRASE_BREAK}島々へ" in email.html
        assert PHRASE_BREAK not in email.text and WJ not in email.text
        assert PHRASE_BREAK not in email.subject + email.preheader

    def test_brand_names_in_constant_copy_and_in_data_are_kept_whole(
        self, renderer: Renderer
    ) -> None:
        email = renderer.render("first-flight-anniversary", "en", {"id": "r-2"})
        assert f"Air{NBSP}Tahiti{NBSP}Nui" in email.html
        assert "Air Tahiti Nui" in email.text  # the text part keeps ordinary spaces


def test_many_amounts_in_one_text_node_are_kept_in_linear_time() -> None:
    """Keeping "10 %" together summed every piece so far for each amount: 40,000
    characters took 2.4 s, so a 1 MB body within every data bound held a render thread for
    12 s. A subprocess with a generous deadline turns such a stall into a failure."""
    code = (
        "from atn_content.content.phrases import break_phrases_fragment\n"
        "out = break_phrases_fragment('10 % ' * 40_000, 'en')\n"
        "assert out.count('10\\u00a0%') == 40_000\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=30, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_a_long_japanese_paragraph_wraps_as_browsers_do() -> None:
    """Phrase breaks and keep-all are for headlines and buttons; BudouX over recipient data
    of thousands of characters would cost milliseconds per thousand."""
    long_text = "東京の夜景をお楽しみください。" * 200
    out = break_phrases_fragment(long_text, "ja")
    assert "keep-all" not in out and PHRASE_BREAK not in out
    assert "keep-all" in break_phrases_fragment("東京の夜景をお楽しみください。", "ja")
