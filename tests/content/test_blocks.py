"""Every block documents itself, compiles inside a minimal template, and does what it says.

A block's leading `{#- ... -#}` comment is its contract: the parameters it needs (set
before the include) and the recipient fields it reads (which a template must declare).
The tests read that comment, build a minimal template from it alone, and render it for
every sample recipient in every locale; they also check the comment against what the
block's Jinja really reads and against the catalogue in docs/CONTENT.md, so the three
cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, meta, nodes

from atn_content.audience.extension import ProfileExtension
from atn_content.content.environment import Environments
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import RenderedEmail, Renderer
from atn_content.images.extension import CountdownExtension
from atn_content.images.tokens import CountdownTokens
from atn_content.recommendations.extension import RecommendationsExtension
from atn_content.recommendations.reasons import Reasons
from atn_content.recommendations.serving import Recommender
from atn_content.recommendations.snapshot import ModelSnapshot
from atn_content.signing import Signer
from atn_content.tracking.extension import LinksExtension
from atn_content.travel.extension import AirportsExtension

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = sorted(p.name for p in (ROOT / "blocks").glob("*.mjml"))
SAMPLES = {p.stem: p for p in sorted((ROOT / "samples" / "recipients").glob("*.json"))}
LOCALES = ("fr", "en", "ja")
CATALOGUE = ROOT / "docs" / "CONTENT.md"

_FRONT = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n", re.DOTALL)
_DOC = re.compile(r"\A\{#-(.*?)-#\}", re.DOTALL)
_PARAM = re.compile(r"^\s{4,}([a-z_]+)\s+(str|int)\s+\S", re.MULTILINE)
_INCLUDE = re.compile(r"\{%-?\s*include\s+[\"']([^\"']+)[\"']\s*-?%\}")
#: Values the minimal templates pass for parameters that take one of a few words.
CHOICES = {
    "search_price": "drop",
    "campaign_step": "launch",
    "countdown_deadline": "2026-12-31",
    "countdown_hours": 48,
    "countdown_zone": "Pacific/Tahiti",
}


@dataclass(frozen=True)
class BlockDoc:
    """A block's contract: its comment, parameters, and the fields its front matter declares."""

    name: str
    text: str
    params: dict[str, str]
    fields: dict[str, dict[str, Any]]
    body: str


def read_doc(name: str) -> BlockDoc:
    source = (ROOT / "blocks" / name).read_text(encoding="utf-8")
    front = _FRONT.match(source)
    fields = tomllib.loads(front.group(1)).get("fields", {}) if front else {}
    body = source[front.end() :] if front else source
    found = _DOC.match(body)
    text = found.group(1) if found else ""
    params_part = text.split("Parameters", 1)[-1].split("Reads", 1)[0] if text else ""
    params = {m.group(1): m.group(2) for m in _PARAM.finditer(params_part)}
    return BlockDoc(name, text, params, fields, body)


def expanded(name: str) -> str:
    """The block's body with the blocks it includes spliced in, as the library assembles it."""
    return _INCLUDE.sub(lambda m: expanded(m.group(1)), read_doc(name).body)


def param_value(name: str, type_: str) -> Any:
    if name in CHOICES:
        return CHOICES[name]
    if type_ == "int":
        return 152000
    if name.endswith(("_url", "_image")):
        return f"https://www.airtahitinui.com/{name}"
    return f"Sample {name}"


def minimal_template(doc: BlockDoc) -> str:
    """A template that declares nothing (the block brings its fields) and sets its parameters."""
    include = f'{{% include "{doc.name}" %}}'
    if doc.name == "head.mjml":
        body = include + "<mj-body><mj-section><mj-column><mj-text>x</mj-text></mj-column>"
        return f'+++\nsubject = "Block test"\n+++\n<mjml>{body}</mj-section></mj-body></mjml>\n'
    if doc.params:
        args = ", ".join(f"{k}={json.dumps(param_value(k, t))}" for k, t in doc.params.items())
        include = f"{{% with {args} %}}\n{include}\n{{% endwith %}}"
    return f'+++\nsubject = "Block test"\n+++\n<mjml><mj-body>\n{include}\n</mj-body></mjml>\n'


def build_renderer(root: Path, airports: bool) -> Renderer:
    return Renderer(
        Library(root),
        Catalogs.load(ROOT / "locales"),
        [
            ProfileExtension(),
            LinksExtension(Signer(b"k" * 32, "unsubscribe"), "https://news.airtahitinui.com"),
            CountdownExtension(
                CountdownTokens(Signer(b"k" * 32, "countdown")), "https://news.airtahitinui.com"
            ),
            RecommendationsExtension(
                Recommender(ModelSnapshot(), Reasons(ROOT))
            ),  # no model: cold start
            *([AirportsExtension()] if airports else []),
        ],
    )


@pytest.fixture(scope="module")
def content_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("content")
    (root / "templates").mkdir()
    (root / "blocks").symlink_to(ROOT / "blocks")
    for name in BLOCKS:
        stem = name.removesuffix(".mjml")
        (root / "templates" / f"{stem}.mjml").write_text(minimal_template(read_doc(name)))
    return root


@pytest.fixture(scope="module")
def renderers(content_root: Path) -> dict[bool, Renderer]:
    """Keyed by whether the airport filters are registered (the itinerary works either way)."""
    return {flag: build_renderer(content_root, flag) for flag in (False, True)}


def sample(name: str, **changes: Any) -> tuple[dict[str, Any], dt.datetime]:
    data = json.loads(SAMPLES[name].read_text())
    as_of = data.pop("sample")["as_of"]
    data.update(changes)
    return data, dt.datetime.fromisoformat(f"{as_of}T18:00:00+00:00")


def render(
    renderers: dict[bool, Renderer],
    block: str,
    locale: str,
    who: str,
    airports: bool = True,
    **changes: Any,
) -> RenderedEmail:
    recipient, now = sample(who, **changes)
    return renderers[airports].render(block, locale, recipient, now=now)


class TestDocumentation:
    @pytest.mark.parametrize("name", BLOCKS)
    def test_starts_with_a_comment_naming_parameters_and_reads(self, name: str) -> None:
        doc = read_doc(name)
        assert doc.text, f"blocks/{name}: the body must open with a {{#- ... -#}} comment"
        assert "Parameters" in doc.text and "Reads" in doc.text

    @pytest.mark.parametrize("name", BLOCKS)
    def test_declares_exactly_the_recipient_fields_it_reads(self, name: str) -> None:
        doc = read_doc(name)
        own, with_included = _recipient_reads(doc.body), _recipient_reads(expanded(name))
        assert own <= set(doc.fields), f"{name}: reads undeclared {own - set(doc.fields)}"
        assert set(doc.fields) <= with_included, f"{name}: declares unread fields"
        for field, spec in doc.fields.items():
            assert f"recipient.{field}" in doc.text, f"{name}: comment does not name {field}"
            assert "default" in spec and spec.get("description"), f"{name}: {field}"

    def test_blocks_declaring_the_same_field_agree_on_it(self) -> None:
        seen: dict[str, tuple[str, dict[str, Any]]] = {}
        for name in BLOCKS:
            for field, spec in read_doc(name).fields.items():
                first = seen.setdefault(field, (name, spec))
                same = (first[1]["type"], first[1]["default"]) == (spec["type"], spec["default"])
                assert same, f"{field}: {first[0]} and {name} declare it differently"

    @pytest.mark.parametrize("name", BLOCKS)
    def test_documents_exactly_the_parameters_it_reads(self, name: str) -> None:
        free = meta.find_undeclared_variables(_parse(expanded(name)))
        assert free - _envs().context_names - set(_env().globals) == set(read_doc(name).params)

    @pytest.mark.parametrize("name", BLOCKS)
    def test_is_in_the_catalogue_with_its_parameters_and_fields(self, name: str) -> None:
        rows = [r for r in CATALOGUE.read_text().splitlines() if r.startswith(f"| `{name}`")]
        assert len(rows) == 1, f"docs/CONTENT.md needs one catalogue row for {name}"
        doc = read_doc(name)
        for word in [*doc.params, *doc.fields]:
            assert f"`{word}`" in rows[0], f"{name}: catalogue row lacks `{word}`"


@cache
def _envs() -> Environments:
    return build_renderer(ROOT, airports=True).envs


def _env() -> Environment:
    return _envs().html("en")


def _parse(source: str) -> nodes.Template:
    return _env().parse(source)


def _recipient_reads(source: str) -> set[str]:
    """recipient.X names a Jinja source reads (id is always declared by the engine)."""
    tree = _parse(source)
    names = {
        n.attr
        for n in tree.find_all(nodes.Getattr)
        if isinstance(n.node, nodes.Name) and n.node.name == "recipient"
    }
    return names - {"id"}


class TestCompiles:
    @pytest.mark.parametrize("locale", LOCALES)
    @pytest.mark.parametrize("name", BLOCKS)
    def test_renders_for_every_sample(
        self, name: str, locale: str, renderers: dict[bool, Renderer]
    ) -> None:
        block = name.removesuffix(".mjml")
        for who in SAMPLES:
            for airports in (False, True):
                email = render(renderers, block, locale, who, airports)
                assert f'lang="{locale}"' in email.html
                assert "{{" not in email.html and "%(" not in email.html


def texts(renderers: dict[bool, Renderer], block: str, locale: str, who: str, **kw: Any) -> str:
    return render(renderers, block, locale, who, **kw).text


class TestItinerary:
    def test_times_are_local_to_each_airport_not_to_the_recipient(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        text = texts(renderers, "itinerary", "fr", "honeymoon-couple", timezone="Asia/Tokyo")
        assert "09:55\nParis (CDG)\nTerminal 2E" in text
        assert "23:45\nPapeete (PPT)" in text  # TN8 leaves on the 24th, Tahiti time
        assert "10:35 (vendredi 25 décembre 2026)" in text

    def test_without_the_airport_filters_the_local_time_is_read_from_the_data(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        text = texts(renderers, "itinerary", "en", "honeymoon-couple", airports=False)
        assert "09:55\nCDG\nTerminal 2E" in text
        assert "Thursday, December 10, 2026" in text

    def test_japanese_uses_japanese_dates_and_city_names(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        text = texts(renderers, "itinerary", "ja", "business-traveller")
        assert "TN7 · 2026年11月27日金曜日" in text and "ロサンゼルス（LAX）" in text

    @pytest.mark.parametrize("airports", [False, True])
    def test_a_leg_without_times_still_renders(
        self, airports: bool, renderers: dict[bool, Renderer]
    ) -> None:
        legs = {"pnr": "K7Q2ZT", "flights": [{"flight_number": "TN7", "from": "PPT", "to": "NRT"}]}
        text = texts(
            renderers, "itinerary", "en", "new-subscriber", airports=airports, booking=legs
        )
        assert "TN7" in text and "()" not in text

    def test_without_flights_it_points_to_the_booking(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        text = texts(renderers, "itinerary", "en", "new-subscriber")
        assert "Your flight details are in your booking" in text
        assert "Manage my booking (https://www.airtahitinui.com/manage-booking)" in text


class TestTripBlocks:
    def test_esta_line_only_when_a_leg_lands_in_the_united_states(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        via_lax = texts(renderers, "checklist", "en", "honeymoon-couple")
        direct = {"flights": [{"flight_number": "TN77", "from": "PPT", "to": "NRT"}]}
        tokyo = texts(renderers, "checklist", "en", "honeymoon-couple", booking=direct)
        assert "ESTA" in via_lax and "ESTA" not in tokyo

    @pytest.mark.parametrize(
        ("cabin", "offer"),
        [("economy", "Moana Premium"), ("premium", "Poerava Business"), ("business", None)],
    )
    def test_upgrade_offers_the_next_cabin(
        self, cabin: str, offer: str | None, renderers: dict[bool, Renderer]
    ) -> None:
        text = texts(renderers, "upgrade", "en", "honeymoon-couple", booking={"cabin": cabin})
        assert ("See my upgrade options" in text) is (offer is not None)
        if offer:
            assert offer in text

    def test_terminal_names_the_first_departure_terminal(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        assert "TN7 part du terminal B" in texts(renderers, "terminal", "fr", "business-traveller")
        assert texts(renderers, "terminal", "fr", "new-subscriber").strip() == ""

    def test_weather_follows_the_month_of_arrival(self, renderers: dict[bool, Renderer]) -> None:
        july = {"destination": "Moorea", "flights": [{"arrival": "2027-07-02T06:00:00-10:00"}]}
        text = texts(renderers, "weather", "en", "honeymoon-couple", booking=july)
        assert "dry season" in text and "humpback whales" in text
        assert "warm season" in texts(renderers, "weather", "en", "honeymoon-couple")

    def test_review_links_carry_each_rating(self, renderers: dict[bool, Renderer]) -> None:
        html = render(renderers, "review", "en", "honeymoon-couple").html
        for n in range(1, 6):
            assert f"pnr=K7Q2ZT&amp;rid=smp-honeymoon-fr&amp;rating={n}" in html


class TestRecipientBlocks:
    def test_japanese_greeting_uses_the_family_name(self, renderers: dict[bool, Renderer]) -> None:
        assert texts(renderers, "greeting", "ja", "japanese-family").startswith("佐藤様")
        assert texts(renderers, "greeting", "fr", "new-subscriber").startswith("Bonjour,")

    def test_loyalty_says_how_far_the_next_tier_is(self, renderers: dict[bool, Renderer]) -> None:
        silver = {"tier": "silver", "miles": 55000}
        text = texts(renderers, "loyalty", "en", "honeymoon-couple", loyalty=silver)
        assert "Only 5,000 miles to Gold." in text
        assert "highest status" in texts(renderers, "loyalty", "en", "business-traveller")
        assert "Join Club Tiare" in texts(renderers, "loyalty", "en", "new-subscriber")

    def test_promo_code_only_with_a_code(self, renderers: dict[bool, Renderer]) -> None:
        text = texts(renderers, "promo-code", "en", "lapsed-customer")
        assert "MAEVA15-SW" in text and "Valid until December 31, 2026." in text
        assert texts(renderers, "promo-code", "en", "new-subscriber").strip() == ""

    def test_price_drop_shows_new_fare_and_saving(self, renderers: dict[bool, Renderer]) -> None:
        text = texts(renderers, "search-summary", "fr", "abandoned-search-prospect")
        assert "Désormais 1 158 000 FCFP" in text
        assert "6\u00a0% de moins" in text

    def test_without_a_drop_the_fare_seen_is_shown_in_its_currency(
        self, renderers: dict[bool, Renderer]
    ) -> None:
        text = texts(renderers, "search-summary", "ja", "japanese-family")
        assert "￥1,500,800" in text and "東京 → ボラボラ島" in text

    def test_view_online_only_with_an_address(self, renderers: dict[bool, Renderer]) -> None:
        url = "https://esp.example/v/123"
        assert url in texts(renderers, "view-online", "en", "new-subscriber", web_version_url=url)
        assert texts(renderers, "view-online", "en", "new-subscriber").strip() == ""

    @pytest.mark.parametrize("locale", LOCALES)
    def test_countdown_says_the_end_in_words_beside_its_image(
        self, locale: str, renderers: dict[bool, Renderer]
    ) -> None:
        # The minimal template passes 2026-12-31 in Tahiti: the offer ends at the midnight
        # after it, shown as 23:59 on the 31st to a recipient in Tahiti.
        email = render(renderers, "countdown", locale, "champion-frequent-flyer")
        words = {
            "fr": ("31 décembre 2026", "23:59"),
            "en": ("December 31, 2026", "11:59\u202fPM"),
            "ja": ("2026年12月31日", "23:59"),
        }[locale]
        img = re.search(r'<img src="([^"]+/v1/img/countdown/[^"]+\.gif)"[^>]*>', email.html)
        assert img is not None
        assert 'width="600"' in img.group(0) and 'height="120"' in img.group(0)
        assert "display:block" in img.group(0)
        alt = re.search(r'alt="([^"]+)"', img.group(0))
        assert alt is not None and all(w in alt.group(1) for w in words)
        assert all(w in email.text for w in words) and "/v1/img/countdown/" not in email.text

    @pytest.mark.parametrize("slot", ["place-names"])
    def test_slots_render_nothing_yet(self, slot: str, renderers: dict[bool, Renderer]) -> None:
        assert texts(renderers, slot, "en", "champion-frequent-flyer").strip() == ""


_FENCE = re.compile(
    r"^```mjml ((?:blocks|templates)/[\w.-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL
)


def test_the_worked_example_in_the_docs_is_the_real_file() -> None:
    examples = _FENCE.findall(CATALOGUE.read_text())
    assert examples, "docs/CONTENT.md shows no file"
    for path, text in examples:
        assert text == (ROOT / path).read_text(), f"docs/CONTENT.md shows an old {path}"
