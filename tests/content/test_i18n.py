"""Catalogs: .po files compiled in memory, versions, plurals, fuzzy entries, Jinja gettext."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from babel import Locale
from jinja2.sandbox import ImmutableSandboxedEnvironment

from atn_content.content.errors import UnknownLocale
from atn_content.content.i18n import Catalogs, parse_locale, po_path

HEADER = """msgid ""
msgstr ""
"Language: {lang}\\n"
"Plural-Forms: {plural}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""

ENTRIES = {
    "fr": (
        "nplurals=2; plural=(n > 1);",
        """
msgid "Tokyo awaits"
msgstr "Tokyo vous attend"

#, python-format
msgid "Hello %(name)s"
msgstr "Bonjour %(name)s"

#, fuzzy
msgid "Book my return"
msgstr "Réserver mon retour"

#, python-format
msgid "%(num)d night"
msgid_plural "%(num)d nights"
msgstr[0] "%(num)d nuit"
msgstr[1] "%(num)d nuits"

msgctxt "footer"
msgid "Unsubscribe"
msgstr "Se désabonner"
""",
    ),
    "en": (
        "nplurals=2; plural=(n != 1);",
        """
msgid "Tokyo awaits"
msgstr "Tokyo awaits"

#, python-format
msgid "%(num)d night"
msgid_plural "%(num)d nights"
msgstr[0] "%(num)d night"
msgstr[1] "%(num)d nights"
""",
    ),
    "ja": (
        "nplurals=1; plural=0;",
        """
msgid "Tokyo awaits"
msgstr "東京があなたを待っています"

#, python-format
msgid "Hello %(name)s"
msgstr "%(name)s様、こんにちは"

#, python-format
msgid "%(num)d night"
msgid_plural "%(num)d nights"
msgstr[0] "%(num)d泊"
""",
    ),
}


def write_po(locales: Path, lang: str, plural: str, body: str) -> Path:
    path = locales / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(lang=lang, plural=plural) + body, encoding="utf-8")
    return path


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    root = tmp_path / "locales"
    for lang, (plural, body) in ENTRIES.items():
        write_po(root, lang, plural, body)
    return root


@pytest.fixture
def catalogs(locales: Path) -> Catalogs:
    return Catalogs.load(locales)


class TestLoad:
    def test_every_locale_with_a_catalog_is_loaded(self, locales: Path) -> None:
        (locales / "de").mkdir()  # no LC_MESSAGES/messages.po: not a locale
        assert Catalogs.load(locales).locales == ("en", "fr", "ja")
        assert "fr" in Catalogs.load(locales)
        assert "de" not in Catalogs.load(locales)

    def test_reads_each_catalog_where_po_path_puts_it(self, locales: Path) -> None:
        """po_path is the one layout: loading, checking and updating all use it."""
        po = po_path(locales, "ja")
        assert po == locales / "ja" / "LC_MESSAGES" / "messages.po"
        (locales / "de").mkdir()
        po.rename(locales / "de" / "messages.po")  # beside LC_MESSAGES: not a catalog
        assert Catalogs.load(locales).locales == ("en", "fr")

    def test_translates_from_the_po_file(self, catalogs: Catalogs) -> None:
        assert catalogs.translations("fr").gettext("Tokyo awaits") == "Tokyo vous attend"
        assert catalogs.translations("ja").gettext("Tokyo awaits") == "東京があなたを待っています"
        assert catalogs.translations("en").gettext("Tokyo awaits") == "Tokyo awaits"
        fr = catalogs.translations("fr")
        assert fr.pgettext("footer", "Unsubscribe") == "Se désabonner"

    def test_fuzzy_entries_are_not_used(self, catalogs: Catalogs) -> None:
        assert catalogs.translations("fr").gettext("Book my return") == "Book my return"

    def test_unknown_locale_is_a_clear_error(self, catalogs: Catalogs) -> None:
        with pytest.raises(UnknownLocale, match=r"'de'.*available: en, fr, ja"):
            catalogs.translations("de")
        with pytest.raises(UnknownLocale):
            catalogs.version("de")

    def test_missing_directory_and_broken_po_are_reported(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="locales directory"):
            Catalogs.load(tmp_path / "nowhere")
        broken = write_po(tmp_path / "bad", "fr", "nplurals=2; plural=(n > 1);", 'msgid "x"\n')
        with pytest.raises(ValueError, match=re.escape(str(broken))):
            Catalogs.load(tmp_path / "bad")


class TestVersion:
    def test_is_the_sha256_of_the_po_text(self, locales: Path, catalogs: Catalogs) -> None:
        po = (locales / "ja" / "LC_MESSAGES" / "messages.po").read_bytes()
        assert catalogs.version("ja") == hashlib.sha256(po).hexdigest()[:12]
        assert len({catalogs.version(lang) for lang in catalogs.locales}) == 3

    def test_changes_when_a_translation_changes(self, locales: Path, catalogs: Catalogs) -> None:
        plural, body = ENTRIES["fr"]
        write_po(locales, "fr", plural, body.replace("Tokyo vous attend", "Tokyo t'attend"))
        reloaded = Catalogs.load(locales)
        assert reloaded.version("fr") != catalogs.version("fr")
        assert reloaded.version("ja") == catalogs.version("ja")
        assert reloaded.translations("fr").gettext("Tokyo awaits") == "Tokyo t'attend"


class TestPlurals:
    @pytest.mark.parametrize(
        ("lang", "n", "expected"),
        [
            ("fr", 0, "%(num)d nuit"),
            ("fr", 1, "%(num)d nuit"),
            ("fr", 2, "%(num)d nuits"),
            ("en", 0, "%(num)d nights"),
            ("en", 1, "%(num)d night"),
            ("en", 2, "%(num)d nights"),
            ("ja", 1, "%(num)d泊"),
            ("ja", 7, "%(num)d泊"),
        ],
    )
    def test_follow_the_catalogs_plural_forms(
        self, catalogs: Catalogs, lang: str, n: int, expected: str
    ) -> None:
        translations = catalogs.translations(lang)
        assert translations.ngettext("%(num)d night", "%(num)d nights", n) == expected


class TestInJinja:
    """The engine's set-up: sandboxed, autoescaped, new-style gettext from translations()."""

    def render(self, catalogs: Catalogs, lang: str, source: str, **context: object) -> str:
        env = ImmutableSandboxedEnvironment(autoescape=True, extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(  # type: ignore[attr-defined]
            catalogs.translations(lang), newstyle=True
        )
        return env.from_string(source).render(**context)

    def test_placeholders_are_filled_and_escaped(self, catalogs: Catalogs) -> None:
        source = '{{ _("Hello %(name)s", name=recipient.first_name) }}'
        recipient = {"first_name": "<b>Hina</b>"}
        assert self.render(catalogs, "fr", source, recipient=recipient) == (
            "Bonjour &lt;b&gt;Hina&lt;/b&gt;"
        )
        assert self.render(catalogs, "ja", source, recipient=recipient) == (
            "&lt;b&gt;Hina&lt;/b&gt;様、こんにちは"
        )

    @pytest.mark.parametrize(
        ("lang", "n", "expected"),
        [("fr", 0, "0 nuit"), ("fr", 1, "1 nuit"), ("fr", 3, "3 nuits"), ("ja", 3, "3泊")],
    )
    def test_ngettext(self, catalogs: Catalogs, lang: str, n: int, expected: str) -> None:
        source = '{{ ngettext("%(num)d night", "%(num)d nights", n) }}'
        assert self.render(catalogs, lang, source, n=n) == expected

    def test_trans_block(self, catalogs: Catalogs) -> None:
        source = "{% trans name=first %}Hello {{ name }}{% endtrans %}"
        assert self.render(catalogs, "fr", source, first="Teva") == "Bonjour Teva"


class TestParseLocale:
    @pytest.mark.parametrize("tag", ["fr_PF", "fr-PF"])
    def test_either_separator(self, tag: str) -> None:
        assert parse_locale(tag) == Locale("fr", "PF")

    def test_a_bare_language_and_a_locale_pass_through(self) -> None:
        assert parse_locale("ja").character_order == "left-to-right"
        assert parse_locale("ar").character_order == "right-to-left"
        ja = Locale("ja")
        assert parse_locale(ja) == ja  # cached: an equal Locale, maybe not this one

    def test_an_unknown_tag_is_an_error(self) -> None:
        with pytest.raises(ValueError):
            parse_locale("not a locale")
