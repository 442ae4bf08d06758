"""Constant messages are translated at compile time, exactly as render time would."""

from __future__ import annotations

import gettext
from io import BytesIO

import jinja2
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations

from atn_content.content.pretranslate import escape_jinja_delimiters, pretranslate


def translations(entries: dict[str, str]) -> Translations:
    catalog = Catalog(locale="fr")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


FR = translations(
    {
        "Tokyo awaits": "Tokyo vous attend",
        "Return to Bora Bora with -15%%": "Revenez à Bora Bora avec -15 %%",
        "Hello %(name)s,": "Bonjour %(name)s,",
        "Curly": "{{ 7*7 }} {#x#}",
    }
)


def test_constant_messages_become_their_translation() -> None:
    assert pretranslate('<p>{{ _("Tokyo awaits") }}</p>', FR) == "<p>Tokyo vous attend</p>"
    assert pretranslate("{{_('Tokyo awaits')}}", FR) == "Tokyo vous attend"


def test_doubled_percent_reads_as_one_like_new_style_gettext() -> None:
    assert pretranslate('{{ _("Return to Bora Bora with -15%%") }}', FR) == (
        "Revenez à Bora Bora avec -15 %"
    )


def test_messages_with_placeholders_or_unknown_to_the_catalogue_stay() -> None:
    with_name = '{{ _("Hello %(name)s,", name=recipient.first_name) }}'
    assert pretranslate(with_name, FR) == with_name
    unknown = '{{ _("Not in the catalogue") }}'
    assert pretranslate(unknown, FR) == unknown
    dynamic = "{{ _(recipient.city) }}"
    assert pretranslate(dynamic, FR) == dynamic


def test_jinja_in_a_translation_stays_literal_text() -> None:
    template = jinja2.Environment().from_string(pretranslate('{{ _("Curly") }}', FR))
    assert template.render() == "{{ 7*7 }} {#x#}"


def test_same_result_as_translating_at_render_time() -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_translations(FR, newstyle=True)  # type: ignore[attr-defined]
    source = '<p>{{ _("Return to Bora Bora with -15%%") }} · {{ _("Tokyo awaits") }}</p>'
    assert env.from_string(pretranslate(source, FR)).render() == env.from_string(source).render()


def test_escape_jinja_delimiters() -> None:
    text = "a {{ b }} {% c %} {# d #}"
    assert jinja2.Environment().from_string(escape_jinja_delimiters(text)).render() == text


def test_null_translations_leave_everything() -> None:
    source = '{{ _("Tokyo awaits") }}'
    assert pretranslate(source, gettext.NullTranslations()) == source
