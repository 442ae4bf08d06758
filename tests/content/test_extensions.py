"""The extension seam: what an extension gives reaches templates, its fingerprint keys the
compile cache, its context is computed only for templates that read it, and the set of
extensions is fixed when the renderer is built."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.content.test_hostile_input import content_root
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import TemplateError
from atn_content.content.extensions import BaseExtension, Extension, RenderScope
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import Renderer

REPO = Path(__file__).resolve().parents[2]


def template(body: str) -> str:
    return (
        '+++\nsubject = "Hi"\n+++\n<mjml><mj-body><mj-section><mj-column>'
        f"<mj-text>{body}</mj-text></mj-column></mj-section></mj-body></mjml>\n"
    )


TEMPLATES = {
    "reads-badge": template("Badge: BADGE_HERE and {{ greet() }} and {{ badge }}"),
    "plain": template("Hello {{ recipient.id }}"),
    "misspelt": template("{{ badgee }}"),
    "badge-for": template("{{ badge }} for {{ recipient.id }}"),
}


class Badges(BaseExtension):
    """A feature with one of everything, counting what the engine asks of it."""

    name = "badges"
    context_names = frozenset({"badge"})

    def __init__(self) -> None:
        self.version = "1"
        self.context_calls = 0
        self.transforms = 0

    def fingerprint(self) -> str:
        return self.version

    def globals(self) -> Mapping[str, Any]:
        return {"greet": lambda: "Ia ora na"}

    def filters(self, locale: str) -> Mapping[str, Callable[..., Any]]:
        return {"shout": lambda value: f"{value}!".upper() + f" ({locale})"}

    def transform_html(self, html: str, template: str, locale: str) -> str:
        self.transforms += 1
        return html.replace("BADGE_HERE", "{{ badge|shout }}")  # Jinja, compiled after this

    def context(self, scope: RenderScope) -> Mapping[str, Any]:
        self.context_calls += 1
        return {"badge": f"gold-{scope.recipient['id']}-{scope.locale}", "recipient": "taken"}

    def headers(self, scope: RenderScope, context: Mapping[str, Any]) -> Mapping[str, str]:
        return {"X-Badge": str(context.get("badge", "none"))}


def make_renderer(root: Path, extensions: list[Extension]) -> Renderer:
    return Renderer(Library(root), Catalogs.load(root / "locales"), extensions)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return content_root(tmp_path, TEMPLATES)


def test_filter_global_context_name_and_html_transform_reach_the_template(root: Path) -> None:
    badges = Badges()
    email = make_renderer(root, [badges]).render("reads-badge", "en", {"id": "r1"})
    assert "Badge: GOLD-R1-EN! (en) and Ia ora na and gold-r1-en" in email.html
    assert email.headers == {"X-Badge": "gold-r1-en"}
    assert badges.context_calls == 1


def test_context_is_not_computed_for_a_template_that_does_not_read_it(root: Path) -> None:
    badges = Badges()
    renderer = make_renderer(root, [badges])
    for _ in range(3):
        email = renderer.render("plain", "fr", {"id": "r2"})
    assert badges.context_calls == 0
    assert email.headers == {"X-Badge": "none"}
    assert "Hello r2" in email.html


def test_an_extension_cannot_replace_the_engine_context(root: Path) -> None:
    renderer = make_renderer(root, [Badges()])
    html = renderer.render("badge-for", "en", {"id": "r3"}).html
    assert "gold-r3-en for r3" in html  # recipient stays the validated one, not "taken"


def test_a_new_fingerprint_recompiles_and_the_same_one_does_not(root: Path) -> None:
    badges = Badges()
    renderer = make_renderer(root, [badges])
    first = renderer.compiled("reads-badge", "en")
    assert renderer.compiled("reads-badge", "en") is first
    assert badges.transforms == 1
    badges.version = "2"
    second = renderer.compiled("reads-badge", "en")
    assert second is not first
    assert badges.transforms == 2
    assert renderer.compiled("reads-badge", "en") is second


def test_an_unknown_name_still_fails_the_compile_naming_it(root: Path) -> None:
    with pytest.raises(TemplateError, match="badgee"):
        make_renderer(root, [Badges()]).compiled("misspelt", "en")


def test_a_context_name_is_known_only_with_its_extension(root: Path) -> None:
    with pytest.raises(TemplateError, match="'badge'"):
        make_renderer(root, []).compiled("reads-badge", "en")


def test_extensions_cannot_be_added_after_construction(root: Path) -> None:
    extensions: list[Extension] = []
    renderer = make_renderer(root, extensions)
    extensions.append(Badges())
    assert renderer.extensions == ()
    with pytest.raises(TemplateError, match="'badge'"):
        renderer.compiled("reads-badge", "en")


def test_two_providers_of_one_context_name_are_refused(root: Path) -> None:
    with pytest.raises(ValueError, match="badge"):
        make_renderer(root, [Badges(), Badges()])


def test_an_extension_taking_a_registered_filter_name_is_refused(root: Path) -> None:
    class Money(BaseExtension):
        name = "money"

        def filters(self, locale: str) -> Mapping[str, Callable[..., Any]]:
            return {"money": str}

    with pytest.raises(ValueError, match="money"):
        make_renderer(root, [Money()]).compiled("plain", "en")


def test_the_shipped_newsletter_does_not_derive_a_profile() -> None:
    renderer = build_renderer(Settings(content_root=REPO, secret=b"x" * 32))
    assert "profile" not in renderer.compiled("newsletter-destination", "en").reads
    assert "profile" in renderer.compiled("reengage-6m", "en").reads
