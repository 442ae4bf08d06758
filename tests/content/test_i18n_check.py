"""Extraction (ours and pybabel's with the repo's babel.cfg), catalog update, and findings."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface, parse_mapping_cfg
from babel.messages.pofile import read_po

from atn_content.content.errors import TemplateError
from atn_content.content.i18n import Catalogs
from atn_content.content.i18n_check import (
    JINJA_OPTIONS,
    METHOD_MAP,
    Finding,
    check_translations,
    extract_messages,
    format_findings,
    update_catalogs,
)

REPO = Path(__file__).resolve().parents[2]

TEMPLATE = """+++
subject = "{{ _('Tokyo awaits') }}"
preheader = "{{ _('Hello %(name)s', name=recipient.first_name) }}"
+++
<mjml><mj-body>
{# NOTE: under the hero image #}
<mj-text>{{ ngettext("%(num)d night", "%(num)d nights", nights) }}</mj-text>
<mj-text>{% trans trimmed name=recipient.first_name %}
  Welcome back,
  {{ name }}.
{% endtrans %}</mj-text>
{% include "footer.mjml" %}
</mj-body></mjml>
"""
FOOTER = '<mj-text>{{ pgettext("footer", "Unsubscribe") }}</mj-text>\n'

HEADER = """msgid ""
msgstr ""
"Language: {lang}\\n"
"Plural-Forms: {plural}\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"""
PLURALS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "ja": "nplurals=1; plural=0;",
}
TRANSLATIONS = {
    "fr": {
        "Tokyo awaits": "Tokyo vous attend",
        "Hello %(name)s": "Bonjour %(name)s",
        ("%(num)d night", "%(num)d nights"): ("%(num)d nuit", "%(num)d nuits"),
        "Welcome back, %(name)s.": "Bon retour, %(name)s.",
        ("footer", "Unsubscribe"): "Se désabonner",
    },
    "en": {
        "Tokyo awaits": "Tokyo awaits",
        "Hello %(name)s": "Hello %(name)s",
        ("%(num)d night", "%(num)d nights"): ("%(num)d night", "%(num)d nights"),
        "Welcome back, %(name)s.": "Welcome back, %(name)s.",
        ("footer", "Unsubscribe"): "Unsubscribe",
    },
    "ja": {
        "Tokyo awaits": "東京があなたを待っています",
        "Hello %(name)s": "%(name)s様、こんにちは",
        ("%(num)d night", "%(num)d nights"): ("%(num)d泊",),
        "Welcome back, %(name)s.": "%(name)s様、おかえりなさい。",
        ("footer", "Unsubscribe"): "配信停止",
    },
}


def po_entry(key: str | tuple[str, str], value: str | tuple[str, ...], flags: str = "") -> str:
    head = f"#, {flags}\n" if flags else ""
    if isinstance(key, tuple) and isinstance(value, tuple):
        forms = "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(value))
        return f'{head}msgid "{key[0]}"\nmsgid_plural "{key[1]}"\n{forms}'
    if isinstance(key, tuple):
        return f'{head}msgctxt "{key[0]}"\nmsgid "{key[1]}"\nmsgstr "{value}"\n'
    return f'{head}msgid "{key}"\nmsgstr "{value}"\n'


def write_catalog(root: Path, lang: str, entries: dict[object, object], extra: str = "") -> None:
    body = "\n".join(po_entry(k, v) for k, v in entries.items())  # type: ignore[arg-type]
    path = root / "locales" / lang / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = HEADER.format(lang=lang, plural=PLURALS[lang]) + "\n" + body + "\n" + extra
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "blocks").mkdir()
    (tmp_path / "templates" / "news.mjml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "blocks" / "footer.mjml").write_text(FOOTER, encoding="utf-8")
    (tmp_path / "templates" / "notes.txt").write_text("{{ _('not a template') }}")
    for lang, entries in TRANSLATIONS.items():
        write_catalog(tmp_path, lang, dict(entries))
    return tmp_path


def replace_entry(root: Path, lang: str, key: object, value: object | None) -> None:
    entries: dict[object, object] = dict(TRANSLATIONS[lang])
    if value is None:
        del entries[key]
    else:
        entries[key] = value
    write_catalog(root, lang, entries)


class TestExtract:
    def test_strings_files_and_lines(self, root: Path) -> None:
        found = {
            (m.context, m.id if isinstance(m.id, str) else tuple(m.id)): m.locations
            for m in extract_messages(root)
            if m.id
        }
        assert found == {
            (None, "Tokyo awaits"): [("templates/news.mjml", 2)],
            (None, "Hello %(name)s"): [("templates/news.mjml", 3)],
            (None, ("%(num)d night", "%(num)d nights")): [("templates/news.mjml", 7)],
            (None, "Welcome back, %(name)s."): [("templates/news.mjml", 8)],
            ("footer", "Unsubscribe"): [("blocks/footer.mjml", 1)],
        }

    def test_translator_notes_and_python_format_flags(self, root: Path) -> None:
        catalog = extract_messages(root)
        nights = catalog.get("%(num)d night")
        assert nights is not None
        assert nights.auto_comments == ["under the hero image"]
        assert "python-format" in nights.flags

    def test_syntax_error_names_file_and_line(self, root: Path) -> None:
        (root / "blocks" / "broken.mjml").write_text("ok\n{{ _('x' }}\n")
        with pytest.raises(TemplateError, match=r"blocks/broken\.mjml:2"):
            extract_messages(root)


class TestBabelCfg:
    def test_repo_babel_cfg_matches_the_code(self) -> None:
        with (REPO / "babel.cfg").open() as f:
            method_map, options_map = parse_mapping_cfg(f)
        assert tuple(method_map) == METHOD_MAP
        assert options_map == {pattern: JINJA_OPTIONS for pattern, _ in METHOD_MAP}

    def test_pybabel_extract_finds_what_we_find(self, root: Path) -> None:
        pot = root / "pybabel.pot"
        argv = ["pybabel", "-q", "extract", "-F", str(REPO / "babel.cfg"), "-o", str(pot)]
        with contextlib.redirect_stdout(io.StringIO()):
            CommandLineInterface().run([*argv, str(root)])
        with pot.open("rb") as f:
            theirs = {(m.context, str(m.id)) for m in read_po(f) if m.id}
        ours = {(m.context, str(m.id)) for m in extract_messages(root) if m.id}
        assert theirs == ours
        assert len(ours) == 5


class TestUpdate:
    def test_keeps_translations_adds_new_and_creates_missing(self, root: Path) -> None:
        (root / "locales" / "ja" / "LC_MESSAGES" / "messages.po").unlink()
        (root / "blocks" / "footer.mjml").write_text(FOOTER + '{{ _("Email preferences") }}\n')
        written = update_catalogs(root)
        assert [p.relative_to(root).as_posix() for p in written] == [
            "locales/messages.pot",
            "locales/fr/LC_MESSAGES/messages.po",
            "locales/en/LC_MESSAGES/messages.po",
            "locales/ja/LC_MESSAGES/messages.po",
        ]
        catalogs = Catalogs.load(root / "locales")
        assert catalogs.translations("fr").gettext("Tokyo awaits") == "Tokyo vous attend"
        with (root / "locales" / "ja" / "LC_MESSAGES" / "messages.po").open("rb") as f:
            ja = read_po(f)
        assert ja.num_plurals == 1
        assert len([m for m in ja if m.id]) == 6
        findings = check_translations(root)
        assert {(f.locale, f.msgid, f.problem) for f in findings if f.locale != "ja"} == {
            ("fr", "Email preferences", "has an empty translation"),
            ("en", "Email preferences", "has an empty translation"),
        }
        assert len([f for f in findings if f.locale == "ja"]) == 6

    def test_removed_strings_become_obsolete(self, root: Path) -> None:
        (root / "blocks" / "footer.mjml").write_text("<mj-text>-</mj-text>\n")
        update_catalogs(root)
        po = (root / "locales" / "fr" / "LC_MESSAGES" / "messages.po").read_text()
        assert '#~ msgctxt "footer"\n#~ msgid "Unsubscribe"\n#~ msgstr "Se désabonner"' in po
        assert check_translations(root) == []


class TestCheck:
    def test_complete_catalogs_have_no_findings(self, root: Path) -> None:
        assert check_translations(root) == []

    def test_missing_string(self, root: Path) -> None:
        replace_entry(root, "ja", "Tokyo awaits", None)
        assert check_translations(root) == [
            Finding("templates/news.mjml", 2, "ja", "Tokyo awaits", "is not translated")
        ]

    def test_english_needs_every_entry_too(self, root: Path) -> None:
        replace_entry(root, "en", ("footer", "Unsubscribe"), None)
        assert check_translations(root) == [
            Finding("blocks/footer.mjml", 1, "en", "Unsubscribe", "is not translated")
        ]

    def test_empty_translation(self, root: Path) -> None:
        replace_entry(root, "fr", ("%(num)d night", "%(num)d nights"), ("%(num)d nuit", ""))
        assert check_translations(root) == [
            Finding("templates/news.mjml", 7, "fr", "%(num)d night", "has an empty translation")
        ]

    def test_fuzzy_translation(self, root: Path) -> None:
        path = root / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
        text = path.read_text().replace('msgid "Tokyo awaits"', '#, fuzzy\nmsgid "Tokyo awaits"')
        path.write_text(text)
        assert Catalogs.load(root / "locales").translations("fr").gettext("Tokyo awaits") == (
            "Tokyo awaits"
        )
        assert check_translations(root) == [
            Finding(
                "templates/news.mjml",
                2,
                "fr",
                "Tokyo awaits",
                "is fuzzy (ignored until reviewed)",
            )
        ]

    def test_obsolete_entry_counts_as_missing(self, root: Path) -> None:
        entries: dict[object, object] = dict(TRANSLATIONS["ja"])
        del entries["Tokyo awaits"]
        write_catalog(root, "ja", entries, extra='#~ msgid "Tokyo awaits"\n#~ msgstr "東京"\n')
        assert [f.problem for f in check_translations(root)] == ["is not translated"]

    @pytest.mark.parametrize(
        ("translation", "problem"),
        [
            ("Bonjour", "translation lacks %(name)s"),
            ("Bonjour %(nom)s", "translation lacks %(name)s and has unknown %(nom)s"),
            ("Bonjour %(name)s à 100%", "translation has a % that is not a %(name)s placeholder"),
            ("Bonjour %s", "translation has a % that is not a %(name)s placeholder"),
        ],
    )
    def test_placeholders_must_match(self, root: Path, translation: str, problem: str) -> None:
        replace_entry(root, "fr", "Hello %(name)s", translation)
        [finding] = check_translations(root)
        assert (finding.file, finding.line, finding.locale) == ("templates/news.mjml", 3, "fr")
        assert finding.problem.startswith(problem)

    def test_a_plural_form_may_drop_the_number(self, root: Path) -> None:
        plural = ("%(num)d night", "%(num)d nights")
        replace_entry(root, "fr", plural, ("une nuit", "%(num)d nuits"))
        assert check_translations(root) == []
        replace_entry(root, "ja", plural, ("数泊",))
        assert [f.problem for f in check_translations(root)] == ["translation lacks %(num)s"]

    def test_plural_shape_must_match_the_catalog(self, root: Path) -> None:
        plural = ("%(num)d night", "%(num)d nights")
        replace_entry(root, "fr", plural, ("%(num)d nuit",))
        replace_entry(root, "en", plural, None)
        path = root / "locales" / "en" / "LC_MESSAGES" / "messages.po"
        path.write_text(path.read_text() + '\nmsgid "%(num)d night"\nmsgstr "%(num)d night"\n')
        replace_entry(root, "ja", plural, ("%(num)d泊", "%(num)d泊"))
        assert [(f.file, f.line, f.locale, f.problem) for f in check_translations(root)] == [
            (
                "locales/ja/LC_MESSAGES/messages.po",
                13,  # where the entry with two forms for Japanese's one starts
                "ja",
                "cannot be read: msg has more translations than num_plurals of catalog",
            ),
            ("templates/news.mjml", 7, "fr", "has an empty translation"),
            ("templates/news.mjml", 7, "en", "is plural in the template but not in the catalog"),
        ]

    def test_lone_percent_in_a_template_string(self, root: Path) -> None:
        (root / "blocks" / "sale.mjml").write_text('{{ _("Save 15% today") }}\n')
        findings = check_translations(root)
        assert findings[0] == Finding(
            "blocks/sale.mjml",
            1,
            "",
            "Save 15% today",
            "has a % that is not a %(name)s placeholder (write %% for a percent sign)",
        )
        assert [f.locale for f in findings[1:]] == ["fr", "en", "ja"]

    def test_missing_catalog_and_broken_template(self, root: Path) -> None:
        (root / "locales" / "en" / "LC_MESSAGES" / "messages.po").unlink()
        (root / "blocks" / "broken.mjml").write_text("{% if %}\n")
        findings = check_translations(root)
        assert [(f.file, f.line, f.locale) for f in findings] == [
            ("blocks/broken.mjml", 1, ""),
            ("locales/en/LC_MESSAGES/messages.po", 0, "en"),
        ]
        assert findings[0].problem.startswith("cannot be parsed: ")
        assert findings[1].problem == "catalog file is missing"


class TestFormat:
    def test_one_readable_line_per_finding(self) -> None:
        findings = [
            Finding("templates/x.mjml", 12, "ja", "Tokyo awaits", "is not translated"),
            Finding("locales/en/LC_MESSAGES/messages.po", 0, "en", "", "catalog file is missing"),
        ]
        assert format_findings(findings) == (
            "templates/x.mjml:12 [ja] 'Tokyo awaits' is not translated\n"
            "locales/en/LC_MESSAGES/messages.po [en] catalog file is missing"
        )


def test_shipped_templates_are_translated() -> None:
    if not list((REPO / "locales").glob("*/LC_MESSAGES/messages.po")):
        pytest.skip("no shipped catalogs in locales/ yet")
    findings = check_translations(REPO)
    assert findings == [], "\n" + format_findings(findings)
