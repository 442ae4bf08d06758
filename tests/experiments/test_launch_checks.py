"""Launch checks: a variant that cannot render, or a parameter that is not what its name
says, is refused at launch naming its field, instead of failing for every recipient."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.fields import parse_fields, validate_recipient
from atn_content.content.renderer import Renderer
from atn_content.experiments.definitions import parse_definition, parse_toml
from atn_content.experiments.launch_checks import (
    MAX_TEXT_PARAM,
    SAMPLE_ID,
    LaunchProblem,
    check_launch,
    param_kind,
    sample_recipient,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"s" * 32))


def subject_test(*subjects: str, **overrides: Any) -> dict[str, Any]:
    return {
        "key": "launch-check",
        "name": "Launch check",
        "kind": "subject",
        "template": "newsletter-destination",
        "locales": ["fr"],
        "variants": [{"key": f"v{i}", "subject": s} for i, s in enumerate(subjects)],
        **overrides,
    }


def cta_test(**params: Any) -> dict[str, Any]:
    return {
        "key": "cta-check",
        "name": "CTA check",
        "kind": "cta",
        "template": "newsletter-destination",
        "locales": ["fr"],
        "variants": [{"key": "control"}, {"key": "B", "params": params}],
    }


def problems(renderer: Renderer, data: dict[str, Any]) -> list[LaunchProblem]:
    return check_launch(renderer, parse_definition(data))


#: Subjects that compile but that the sandbox refuses when they render.
REFUSED_AT_RENDER = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ cycler.__init__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ lipsum.__code__ }}",
    "{{ dict.__class__ }}",
    "{{ self.__init__ }}",
    "{{ '{0.__class__}'.format(1) }}",
    "{{ recipient.first_name.__class__ }}",
    "{{ recipient.recent_searches.pop() }}",
    "{{ range(10**9)|list }}",
    "{{ 1 / 0 }}",
]


@pytest.mark.parametrize("subject", REFUSED_AT_RENDER)
def test_a_subject_the_sandbox_refuses_is_named(shipped: Renderer, subject: str) -> None:
    found = problems(shipped, subject_test("Bonjour", subject, "Salut"))
    assert [p.field for p in found] == ["variants[1].subject"]
    assert "(locale fr)" in found[0].message


def test_a_refused_preheader_is_named(shipped: Renderer) -> None:
    data = subject_test("Bonjour", "Salut")
    data["variants"][1]["preheader"] = "{{ lipsum.__globals__ }}"
    found = problems(shipped, data)
    assert [p.field for p in found] == ["variants[1].preheader"]
    assert "unsafe" in found[0].message


def test_a_subject_that_does_not_compile_is_named(shipped: Renderer) -> None:
    found = problems(shipped, subject_test("Bonjour", "Salut", "{{ recipient.nope }}"))
    assert [p.field for p in found] == ["variants[2].subject"]
    assert "recipient.nope is not declared" in found[0].message


def test_every_locale_of_the_test_is_rendered(shipped: Renderer) -> None:
    """Without `locales` every catalog takes part: a subject failing only in ja is caught."""
    subject = "{{ (1 / 0) if locale == 'ja' else 'Hello' }}"
    found = problems(shipped, subject_test("Hello", subject, locales=[]))
    assert [p.field for p in found] == ["variants[1].subject"]
    assert found[0].message.endswith("(locale ja)")


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.name
)
def test_shipped_definitions_launch(shipped: Renderer, path: Path) -> None:
    assert check_launch(shipped, parse_toml(path.read_text(encoding="utf-8"), str(path))) == []


@pytest.mark.parametrize(
    "colour",
    [
        "red;background-image:url(https://evil.example/x)",
        "url(https://evil.example/x)",
        "expression(alert(1))",
        "rgb(1,2,3)",
        "#c9472e;",
        '#fff" onmouseover="x',
        "#12345",
        "reddish",
        "",
        12,
    ],
)
def test_cta_color_must_be_a_colour(shipped: Renderer, colour: Any) -> None:
    found = problems(shipped, cta_test(cta_text="Réserver", cta_color=colour))
    assert [p.field for p in found] == ["variants[1].params.cta_color"]
    assert "colour" in found[0].message


@pytest.mark.parametrize("colour", ["#c9472e", "#0B4F6C", "#fff", "teal", "RebeccaPurple"])
def test_colours_pass(shipped: Renderer, colour: str) -> None:
    assert problems(shipped, cta_test(cta_text="Réserver", cta_color=colour)) == []


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"cta_text": "<img src=x onerror=alert(1)>"}, "plain text"),
        ({"cta_text": "Book\r\nBcc: x@evil.example"}, "control"),
        ({"cta_text": "Book\u202enow"}, "bidi"),
        ({"cta_text": "x" * (MAX_TEXT_PARAM + 1)}, f"at most {MAX_TEXT_PARAM}"),
        ({"cta_url": "http://www.airtahitinui.com/"}, "https URL"),
        ({"cta_url": "javascript:alert(1)"}, "https URL"),
        ({"cta_url": "https://"}, "https URL"),
        ({"cta_url": "https://x.example/a b"}, "https URL"),
        ({"hero_url": 3}, "https URL"),
    ],
)
def test_text_and_url_params_are_checked(
    shipped: Renderer, params: dict[str, Any], words: str
) -> None:
    found = problems(shipped, cta_test(**params))
    assert [p.field for p in found] == [f"variants[1].params.{next(iter(params))}"]
    assert words in found[0].message


def test_good_params_pass(shipped: Renderer) -> None:
    params = {
        "cta_text": "Je pars à Tahiti 🌴",
        "cta_color": "#0b4f6c",
        "cta_url": "https://www.airtahitinui.com/offers?x=1&y=2",
        "block": 2,
        "show_banner": True,
    }
    assert problems(shipped, cta_test(**params)) == []


def test_param_kinds_come_from_the_name() -> None:
    assert [param_kind(n) for n in ("cta_color", "banner_colour", "cta_url", "cta_text")] == [
        "colour",
        "colour",
        "url",
        "text",
    ]


def test_the_sample_recipient_satisfies_every_declared_type() -> None:
    types = ["str", "email", "int", "number", "bool", "list[str]", "list", "dict", "date"]
    raw: dict[str, Any] = {f"f_{t}": {"type": t} for t in [*types, "datetime"]}
    raw["with_default"] = {"type": "int", "default": 7}
    fields = parse_fields(raw, "t.mjml")
    sample = sample_recipient(fields)
    values, fallbacks = validate_recipient(sample, fields)
    assert values["id"] == SAMPLE_ID and values["with_default"] == 7
    assert fallbacks == []


TEMPLATE = """+++
subject = "Hello"
preheader = "An offer"

[fields.depart_date]
type = "date"

[fields.booking]
type = "dict"
+++
<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>{{ recipient.depart_date|string|length }}
          {{ 10 // (experiment.divisor if experiment.divisor is number else 1) }}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    """Content whose template requires fields without defaults and divides by a param."""
    root = tmp_path_factory.mktemp("content")
    shutil.copytree(ROOT / "locales", root / "locales")
    (root / "blocks").mkdir()
    (root / "templates").mkdir()
    (root / "templates" / "divide.mjml").write_text(TEMPLATE, encoding="utf-8")
    broken = TEMPLATE.replace("</mj-text>", "{{ 1 / 0 }}</mj-text>")
    (root / "templates" / "broken.mjml").write_text(broken, encoding="utf-8")
    return build_renderer(Settings(content_root=root, secret=b"s" * 32))


def content_test(*variants: dict[str, Any], kind: str = "content") -> dict[str, Any]:
    return {
        "key": "own",
        "name": "Own content",
        "kind": kind,
        "template": "divide",
        "locales": ["en"],
        "variants": list(variants),
    }


def test_a_template_with_required_fields_dry_renders(own: Renderer) -> None:
    data = content_test({"key": "A"}, {"key": "B", "params": {"divisor": 5}})
    assert check_launch(own, parse_definition(data)) == []


def test_a_param_the_template_cannot_use_is_named(own: Renderer) -> None:
    data = content_test({"key": "A"}, {"key": "B", "params": {"cta_text": "Go", "divisor": 0}})
    found = check_launch(own, parse_definition(data))
    assert [p.field for p in found] == ["variants[1].params.divisor"]
    assert "ZeroDivisionError" in found[0].message


def test_a_whole_template_arm_that_cannot_render_names_its_template(own: Renderer) -> None:
    data = content_test({"key": "A"}, {"key": "B", "template": "broken"}, kind="template")
    found = check_launch(own, parse_definition(data))
    assert [p.field for p in found] == ["variants[1].template"]
    assert "broken does not render with its declared defaults" in found[0].message


def test_a_subject_on_a_template_that_cannot_render_blames_the_template(own: Renderer) -> None:
    data = content_test({"key": "A"}, {"key": "B", "subject": "Fine"}, kind="subject")
    data["template"] = "broken"
    found = check_launch(own, parse_definition(data))
    assert {p.field for p in found} == {"template"}
