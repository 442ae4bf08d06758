"""Renderer: the seed rule in three languages, the missing-data policy, output safety."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import RecipientError, UnknownLocale, UnknownTemplate
from atn_content.content.inbox_head import PREVIEW_SPACER_CHARACTERS
from atn_content.content.renderer import RenderedEmail, Renderer, Variant
from atn_content.tracking.extension import LinksExtension

REPO = Path(__file__).resolve().parents[2]
NEWSLETTER = "newsletter-destination"

#: (locale, branch) -> the offer title the subject, HTML and text part must carry.
TITLES = {
    ("en", "bora"): "Return to Bora Bora with 15% off",
    ("fr", "bora"): "Revenez à Bora Bora avec -15 %",
    ("ja", "bora"): "ボラボラ島へもう一度、15%オフ",
    ("en", "tokyo"): "Tokyo awaits",
    ("fr", "tokyo"): "Tokyo vous attend",
    ("ja", "tokyo"): "東京がお待ちしています",
    ("en", "generic"): "Your next escape to the islands of Tahiti",
    ("fr", "generic"): "Votre prochaine évasion dans les îles de Tahiti",
    ("ja", "generic"): "タヒチの島々へ、次の旅を",
}
#: A link only each branch's block carries.
BRANCH_LINKS = {
    "bora": "https://www.airtahitinui.com/offers/bora-bora?promo=RETURN15",
    "tokyo": "https://www.airtahitinui.com/flights/ppt-nrt",
    "generic": "https://www.airtahitinui.com/destinations",
}
RECIPIENTS: dict[str, dict[str, Any]] = {
    "bora": {"id": "c-1", "first_name": "Hina", "last_destination": "Bora Bora"},
    "tokyo": {"id": "c-2", "first_name": "Kenji", "recent_searches": ["Moorea", "Tokyo"]},
    "generic": {"id": "c-3", "last_destination": "Moorea", "recent_searches": ["Paris"]},
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return build_renderer(Settings(content_root=REPO, secret=b"s" * 32))


def render(renderer: Renderer, locale: str, recipient: dict[str, Any]) -> RenderedEmail:
    return renderer.render(NEWSLETTER, locale, recipient)


def visible_html(html: str) -> str:
    """The HTML minus its hidden preheader div and tags: what a reader sees.

    No-break spaces read as spaces, phrase breaks and word joiners (zero width) as nothing.
    """
    html = re.sub(r'<div style="display:none[^>]*>.*?</div>', "", html, flags=re.DOTALL)
    html = re.sub(r"<title>.*?</title>", "", html, flags=re.DOTALL)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub("[\u200b\u2060]", "", html).replace("\u00a0", " ")


@pytest.mark.parametrize("locale", ["fr", "en", "ja"])
@pytest.mark.parametrize("branch", ["bora", "tokyo", "generic"])
def test_seed_rule_picks_one_branch_in_subject_html_and_text(
    renderer: Renderer, locale: str, branch: str
) -> None:
    email = render(renderer, locale, RECIPIENTS[branch])
    title = TITLES[locale, branch]
    assert email.subject == title
    seen = visible_html(email.html)
    assert title.replace("\u00a0", " ") in seen
    assert title in email.text
    for other, link in BRANCH_LINKS.items():
        assert (link in email.html) is (other == branch), (other, link)
        assert (link in email.text) is (other == branch), (other, link)
    for other in {"bora", "tokyo", "generic"} - {branch}:
        assert TITLES[locale, other] not in seen
        assert TITLES[locale, other] not in email.text


@pytest.mark.parametrize("locale", ["fr", "en", "ja"])
def test_bora_bora_wins_over_a_tokyo_search(renderer: Renderer, locale: str) -> None:
    both = {"id": "c-4", "last_destination": "Bora Bora", "recent_searches": ["Tokyo"]}
    email = render(renderer, locale, both)
    assert email.subject == TITLES[locale, "bora"]
    assert TITLES[locale, "tokyo"] not in email.text
    assert BRANCH_LINKS["tokyo"] not in email.html


def test_a_search_is_matched_as_a_whole_name_not_a_substring(renderer: Renderer) -> None:
    email = render(renderer, "en", {"id": "c-5", "recent_searches": ["Tokyo Disneyland"]})
    assert email.subject == TITLES["en", "generic"]


def test_greeting_and_preheader_are_translated_and_personalised(renderer: Renderer) -> None:
    fr = render(renderer, "fr", RECIPIENTS["bora"])
    assert fr.preheader == "Hina, une offre choisie pour vous"
    assert "Bonjour Hina," in fr.text
    ja = render(renderer, "ja", RECIPIENTS["bora"])
    assert "Hina" in ja.preheader and ja.preheader != fr.preheader
    anonymous = render(renderer, "en", RECIPIENTS["generic"])
    assert anonymous.preheader == "An offer chosen for you"
    assert "Hello," in anonymous.text


def test_response_names_template_version_locale_and_no_variant(renderer: Renderer) -> None:
    email = render(renderer, "ja", RECIPIENTS["tokyo"])
    source = renderer.library.get(NEWSLETTER)
    assert (email.template, email.template_version, email.locale) == (
        NEWSLETTER,
        source.version,
        "ja",
    )
    assert email.variant is None


def test_optional_fields_fall_back_to_defaults_and_are_listed(renderer: Renderer) -> None:
    email = render(renderer, "en", {"id": "c-6"})
    assert sorted(email.fallbacks) == [
        "first_name",
        "last_destination",
        "last_name",
        "recent_searches",
    ]
    assert email.subject == TITLES["en", "generic"]
    full = render(
        renderer,
        "en",
        {"id": "c-7", **RECIPIENTS["tokyo"], "last_destination": "", "last_name": "Tane"},
    )
    assert full.fallbacks == []


def test_missing_required_id_names_the_field(renderer: Renderer) -> None:
    with pytest.raises(RecipientError) as caught:
        render(renderer, "en", {"first_name": "Hina"})
    assert [p.field for p in caught.value.problems] == ["recipient.id"]


def test_wrong_types_are_all_named_at_once(renderer: Renderer) -> None:
    bad = {"id": "c-8", "first_name": 42, "recent_searches": "Tokyo"}
    with pytest.raises(RecipientError) as caught:
        render(renderer, "en", bad)
    by_field = {p.field: p.message for p in caught.value.problems}
    assert set(by_field) == {"recipient.first_name", "recipient.recent_searches"}
    assert "a string" in by_field["recipient.first_name"]
    assert "list of strings" in by_field["recipient.recent_searches"]


def test_unknown_locale_template_and_time_zone(renderer: Renderer) -> None:
    with pytest.raises(UnknownLocale):
        render(renderer, "de", RECIPIENTS["bora"])
    with pytest.raises(UnknownTemplate):
        renderer.render("no-such-template", "en", RECIPIENTS["bora"])
    with pytest.raises(RecipientError) as caught:
        render(renderer, "en", {"id": "c-9", "timezone": "Mars/Olympus_Mons"})
    assert caught.value.problems[0].field == "recipient.timezone"


def test_integer_id_is_accepted_as_a_string(renderer: Renderer) -> None:
    email = render(renderer, "en", {"id": 1234})
    assert "rid=1234" in email.html


def test_markup_in_a_name_is_text_in_subject_and_escaped_in_html(renderer: Renderer) -> None:
    name = "<b>Tom & Jerry</b>"
    email = render(renderer, "en", {"id": "c-10", "first_name": name})
    assert email.preheader == f"{name}, an offer chosen for you"
    assert "<b>Tom" not in email.html
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in email.html
    assert f"Hello {name}," in email.text


def test_line_breaks_cannot_inject_headers_through_the_subject(renderer: Renderer) -> None:
    evil = "Hina\r\nBcc: victim@example.com\n\rX-Evil: 1"
    email = render(renderer, "en", {"id": "c-11", "first_name": evil})
    assert "\r" not in email.preheader and "\n" not in email.preheader
    assert email.preheader.startswith("Hina Bcc: victim@example.com X-Evil: 1")
    assert all("\r" not in v and "\n" not in v for v in email.headers.values())


def test_html_carries_the_preheader_once_hidden_and_the_subject_as_title(
    renderer: Renderer,
) -> None:
    email = render(renderer, "en", RECIPIENTS["bora"])
    assert f"<title>{TITLES['en', 'bora']}</title>" in email.html
    hidden = re.search(r'<div style="display:none[^>]*>(.*?)</div>', email.html)
    assert hidden is not None
    preview, spacer = hidden.group(1)[:29], html.unescape(hidden.group(1)[29:])
    assert preview == "Hina, an offer chosen for you"
    assert spacer and set(spacer) <= PREVIEW_SPACER_CHARACTERS
    assert "an offer chosen for you" not in email.text


def test_text_part_is_readable(renderer: Renderer) -> None:
    text = render(renderer, "en", RECIPIENTS["tokyo"]).text
    assert "<" not in text and "&amp;" not in text
    assert "See flights to Tokyo (https://www.airtahitinui.com/flights/ppt-nrt?rid=c-2)" in text
    assert "\n\n\n" not in text
    assert text.endswith("\n") and not text.startswith("\n")


def test_one_click_unsubscribe_headers_carry_a_signed_https_url(renderer: Renderer) -> None:
    email = render(renderer, "en", RECIPIENTS["bora"])
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    found = re.fullmatch(r"<(https://[^>]+/u/([^>]+))>", email.headers["List-Unsubscribe"])
    assert found is not None
    url, token = found.groups()
    assert url in email.html and url in email.text
    [links] = [e.links for e in renderer.extensions if isinstance(e, LinksExtension)]
    assert links.read(token) == ("c-1", "newsletter", "en")  # the email's locale
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert links.read(tampered) is None
    other = render(renderer, "en", RECIPIENTS["tokyo"]).headers["List-Unsubscribe"]
    assert other != email.headers["List-Unsubscribe"]


def test_japanese_greeting_uses_the_family_name(renderer: Renderer) -> None:
    recipient = {"id": "c-8", "first_name": "Yuki", "last_name": "佐藤"}
    assert "佐藤様" in render(renderer, "ja", recipient).text
    assert "Hello Yuki," in render(renderer, "en", recipient).text


def test_cta_experiment_parameters_change_the_button(renderer: Renderer) -> None:
    lagoon = Variant("lagoon", params=(("cta_text", "Je pars à Tahiti"), ("cta_color", "#0b4f6c")))
    tested = renderer.render(NEWSLETTER, "fr", {"id": "c-9"}, variant=lagoon)
    control = renderer.render(NEWSLETTER, "fr", {"id": "c-9"})
    assert 'bgcolor="#0b4f6c"' in tested.html and "Je pars à Tahiti" in tested.text
    assert 'bgcolor="#c9472e"' in control.html and "Découvrir nos destinations" in control.text
    assert tested.variant == "lagoon" and control.variant is None
