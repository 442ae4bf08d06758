"""Constant messages are translated at compile time, exactly as render time would."""

from __future__ import annotations

import gettext
from io import BytesIO

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import Translations
from hypothesis import given
from hypothesis import strategies as st

from atn_content.content.pretranslate import (
    escape_jinja_delimiters,
    pretranslate,
    pretranslate_calls,
)
from atn_content.content.sandbox import BoundedSandbox


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


def sandbox(autoescape: bool) -> jinja2.Environment:
    env = BoundedSandbox(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_translations(FR, newstyle=True)  # type: ignore[attr-defined]
    return env


def both_ways(source: str, autoescape: bool, **context: object) -> tuple[str, str, str]:
    """(rendered as written, rendered after pretranslate_calls, the translated tree's dump)."""
    env = sandbox(autoescape)
    tree = env.parse(source)
    pretranslate_calls(tree, FR, autoescape)
    return (
        env.from_string(source).render(context),
        env.from_string(tree).render(context),
        (repr(tree)),
    )


CALLS = [
    '{{ experiment.cta_text or _("Tokyo awaits") }}',
    '{{ (_("Hello %(name)s,", name=first_name))|upper }}',
    '{% if first_name %}{{ _("Hello %(name)s,", name=first_name) }}{% endif %}',
    '{{ _("Return to Bora Bora with -15%%") }} {{ _("Hello %(name)s,", name=_("Tokyo awaits")) }}',
]


@pytest.mark.parametrize("source", CALLS)
@pytest.mark.parametrize("autoescape", [True, False])
def test_calls_anywhere_are_translated_once_per_compile(source: str, autoescape: bool) -> None:
    written, translated, tree = both_ways(
        source, autoescape, first_name="Léa", experiment={"cta_text": ""}
    )
    assert translated == written
    assert "Name(name='_'" not in tree  # no gettext call is left for the render


@given(st.text(alphabet=st.sampled_from("<>&\"'%()s{}éa "), max_size=12))
def test_recipient_data_is_escaped_and_formatted_as_gettext_does(name: str) -> None:
    source = '<p>{{ _("Hello %(name)s,", name=first_name) }}</p>'
    for autoescape in (True, False):
        written, translated, _ = both_ways(source, autoescape, first_name=name)
        assert translated == written


def test_what_gettext_must_still_do_is_left_to_it() -> None:
    """A placeholder without its value (the engine's gettext falls back to the message),
    a message the catalogue lacks, a message from data, a template that assigns `_`."""
    for source in (
        '{{ _("Hello %(name)s,") }}',
        '{{ _("Not in the catalogue") }}',
        "{{ _(city) }}",
        '{% set _ = "x" %}{{ _ }}{{ gettext("Tokyo awaits") }}',
    ):
        tree = sandbox(True).parse(source)
        before = repr(tree)
        pretranslate_calls(tree, FR, True)
        assert repr(tree) == before
