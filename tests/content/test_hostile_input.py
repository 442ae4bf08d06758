"""What a reviewer threw at the engine: each case once gave a 500, a leak or an injection."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import RecipientError, RenderError, TemplateError
from atn_content.content.headers import header_line
from atn_content.content.renderer import Renderer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"s" * 32))


def content_root(tmp_path: Path, templates: dict[str, bytes | str]) -> Path:
    (tmp_path / "blocks").mkdir()
    (tmp_path / "templates").mkdir()
    for locale in ("fr", "en", "ja"):
        folder = tmp_path / "locales" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(f'msgid ""\nmsgstr ""\n"Language: {locale}\\n"\n')
    for name, text in templates.items():
        path = tmp_path / "templates" / f"{name}.mjml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return tmp_path


GOOD = (
    '+++\nsubject = "Hi"\n+++\n<mjml><mj-body><mj-section><mj-column><mj-text>{body}</mj-text>'
    "</mj-column></mj-section></mj-body></mjml>\n"
)


def test_a_flight_time_that_is_not_a_string_is_a_422_not_a_crash(shipped: Renderer) -> None:
    booking = {"flights": [{"flight_number": "TN8", "from": "CDG", "to": "PPT", "departure": 5}]}
    with pytest.raises(RenderError):
        shipped.render("booking-confirmation", "fr", {"id": "r1", "booking": booking})


def test_recipient_data_equal_to_a_message_with_placeholders(shipped: Renderer) -> None:
    search = {"destination_name": "Hello %(name)s,", "destination": "BOB"}
    email = shipped.render("abandoned-h1", "fr", {"id": "r1", "search": search})
    assert email.subject


def test_javascript_urls_from_data_never_reach_an_href(shipped: Renderer) -> None:
    hostile = "javascript:alert(document.cookie)"
    recipient = {
        "id": "r1",
        "web_version_url": hostile,
        "booking": {"manage_url": hostile, "flights": []},
    }
    email = shipped.render("booking-confirmation", "en", recipient)
    assert "javascript:" not in email.html


@pytest.mark.parametrize(
    "bad_id",
    [
        *["", "   ", "x" * 300, "a\nb", "a\x0bb", "a\x85b", "a\u2028b", 10**300],
        pytest.param(-(10**5000), id="an-int-too-long-to-print"),
    ],
)
def test_blank_huge_or_multiline_ids_are_refused(shipped: Renderer, bad_id: object) -> None:
    with pytest.raises(RecipientError) as caught:
        shipped.render("newsletter-destination", "en", {"id": bad_id})
    assert caught.value.problems[0].field == "recipient.id"


def test_subject_keeps_no_character_a_mail_library_reads_as_a_line_break() -> None:
    line = header_line("Dernière chance\u00a0: x\u2028Bcc: y\x0bz\x85w\x00v\r\n t")
    assert line == "Dernière chance\u00a0: x Bcc: y z w v t"


def test_a_non_utf8_template_breaks_only_itself(tmp_path: Path) -> None:
    root = content_root(
        tmp_path,
        {
            "good": GOOD.format(body="fine"),
            "latin1": GOOD.format(body="café").encode("latin-1"),
            "fields": '+++\nsubject = "s"\nfields = 5\n+++\n<mjml></mjml>\n',
            "locales": '+++\nsubject = "s"\nlocales = 5\n+++\n<mjml></mjml>\n',
        },
    )
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    assert "fine" in renderer.render("good", "en", {"id": "1"}).html
    for name, words in [
        ("latin1", "not UTF-8"),
        ("fields", "fields must be tables"),
        ("locales", "locales must be a list"),
    ]:
        with pytest.raises(TemplateError) as caught:
            renderer.render(name, "en", {"id": "1"})
        assert words in str(caught.value)


def test_a_broken_template_raises_a_fresh_error_each_time(tmp_path: Path) -> None:
    root = content_root(tmp_path, {"broken": GOOD.format(body="{{ oops(")})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    depths = []
    for _ in range(3):
        with pytest.raises(TemplateError) as caught:
            renderer.render("broken", "en", {"id": "1"})
        depths.append(len(traceback.extract_tb(caught.value.__traceback__)))
    assert depths[0] == depths[1] == depths[2]


@pytest.mark.parametrize(
    "include",
    [
        "{% include name %}",
        '{% include ["a.mjml"] %}',
        '{% import "a.mjml" as a %}',
    ],
)
def test_only_literal_includes_are_accepted(tmp_path: Path, include: str) -> None:
    root = content_root(tmp_path, {"t": GOOD.format(body=include)})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    with pytest.raises(TemplateError) as caught:
        renderer.render("t", "en", {"id": "1"})
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("templates/t.mjml", 4)
    assert "literal" in problem.message


@pytest.mark.parametrize(
    "expression", ["{{ 'a' * 10**7 }}", "{{ 2 ** 100000 }}", "{{ [1] * 1000000 }}"]
)
def test_templates_cannot_build_huge_values(tmp_path: Path, expression: str) -> None:
    root = content_root(tmp_path, {"t": GOOD.format(body=expression)})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    with pytest.raises(RenderError):
        renderer.render("t", "en", {"id": "1"})


def test_jinja_in_inlined_styles_is_refused_not_dropped(tmp_path: Path) -> None:
    template = (
        '+++\nsubject = "s"\n+++\n<mjml><mj-head><mj-style inline="inline">'
        "{% if variant %}.x div { color: red }{% endif %}</mj-style></mj-head>"
        "<mj-body></mj-body></mjml>\n"
    )
    root = content_root(tmp_path, {"t": template})
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    with pytest.raises(TemplateError) as caught:
        renderer.render("t", "en", {"id": "1"})
    assert "cannot hold Jinja" in str(caught.value)


def test_a_line_that_fails_in_rendering_does_not_end_the_batch(shipped: Renderer) -> None:
    import json

    from atn_content.delivery import Delivery
    from atn_content.experiments.assign import Assigner

    good = {"template": "newsletter-destination", "locale": "fr", "recipient": {"id": "a"}}
    bad = {
        "template": "booking-confirmation",
        "locale": "fr",
        "recipient": {"id": "b", "booking": {"flights": [{"from": "CDG", "departure": 5}]}},
    }
    lines = [json.dumps(x).encode() for x in (good, bad, good)]
    out = [
        json.loads(line)
        for line in Delivery(shipped, Assigner(), max_line_bytes=1_000_000).render_lines(lines)
    ]
    assert [o["line"] for o in out] == [1, 2, 3]
    assert "result" in out[0] and "result" in out[2]
    assert out[1]["error"]["status"] == 422


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        ("{{ recipient.first_name }", "unexpected '}'"),
        ("{{ recipient.nope }}", "recipient.nope is not declared"),
        ("{{ foo }}", "unknown variable 'foo'"),
    ],
)
def test_variant_subjects_get_the_body_checks(shipped: Renderer, subject: str, words: str) -> None:
    from atn_content.content.renderer import Variant

    with pytest.raises(TemplateError) as caught:
        shipped.compiled("newsletter-destination", "fr", Variant("B", subject=subject))
    assert words in str(caught.value)
    assert "experiment variant subject" in str(caught.value)


def test_a_variant_subject_that_cannot_compile_is_refused_at_launch(tmp_path: Path) -> None:
    import tomllib

    from litestar.testing import TestClient

    from atn_content.app import create_app

    key = "k" * 20
    settings = Settings(
        content_root=ROOT,
        store_url=f"sqlite:///{tmp_path}/x.db",
        api_keys={key: frozenset({"experiments"})},
        secret=b"s" * 32,
    )
    body = tomllib.loads((ROOT / "experiments" / "bf-2026-subject.toml").read_text())
    body["variants"][2]["subject"] = "{{ recipient.nope }}"
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/v1/experiments", json=body, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "variants[2].subject"


@pytest.mark.parametrize(
    "wrapped",
    ['{# {% include "a.mjml" %} #}', '{% raw %}{% include "a.mjml" %}{% endraw %}'],
)
def test_an_include_in_a_comment_or_raw_section_is_not_spliced(
    tmp_path: Path, wrapped: str
) -> None:
    root = content_root(tmp_path, {"t": GOOD.format(body=f"before {wrapped} after")})
    (root / "blocks" / "a.mjml").write_text("SPLICED")
    renderer = build_renderer(Settings(content_root=root, secret=b"s" * 32))
    html = renderer.render("t", "en", {"id": "1"}).html
    assert "SPLICED" not in html and "after" in html
