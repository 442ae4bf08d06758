"""The atn-content commands through the entry point (in-process), checked against the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import ROOT, Api, Cli
from tests.tokens import without_issue_times

from atn_content.store import Preferences

NEWSLETTER = ["--template", "newsletter-destination"]


@pytest.fixture
def recipient_file(tmp_path: Path) -> Path:
    path = tmp_path / "recipient.json"
    path.write_text(json.dumps({"id": "c-7", "first_name": "Hinano", "recent_searches": ["Tokyo"]}))
    return path


def test_render_prints_the_same_document_as_the_api(
    cli: Cli, api: Api, recipient_file: Path
) -> None:
    result = cli("render", *NEWSLETTER, "--locale", "fr", "--recipient", str(recipient_file))
    assert result.returncode == 0, result.stderr
    with api() as client:
        response = client.post(
            "/v1/render",
            json={
                "template": "newsletter-destination",
                "locale": "fr",
                "recipient": json.loads(recipient_file.read_text()),
            },
        )
    assert response.status_code == 200
    assert json.loads(without_issue_times(result.stdout)) == json.loads(
        without_issue_times(response.text)
    )
    assert response.json()["subject"] == "Tokyo vous attend"


def test_render_writes_html_and_text_files(cli: Cli, tmp_path: Path, recipient_file: Path) -> None:
    html, text = tmp_path / "out.html", tmp_path / "out.txt"
    result = cli(
        "render", *NEWSLETTER, "--locale", "ja", "--recipient", str(recipient_file),
        "--html", str(html), "--text", str(text),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert '<html lang="ja"' in html.read_text()
    assert "東京がお待ちしています" in text.read_text()


def test_render_reports_a_missing_required_field(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "nobody.json"
    path.write_text(json.dumps({"first_name": "Nobody"}))
    result = cli("render", *NEWSLETTER, "--locale", "en", "--recipient", str(path))
    assert result.returncode == 1
    problem = json.loads(result.stdout)
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "recipient.id"


def test_render_names_a_recipient_file_it_cannot_read(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    result = cli("render", *NEWSLETTER, "--locale", "en", "--recipient", str(missing))
    assert result.returncode == 1 and result.stdout == ""
    assert f"error: cannot read recipient {missing}" in result.stderr


def test_batch_renders_every_line_and_reports_bad_ones(cli: Cli, tmp_path: Path) -> None:
    lines = [
        {"template": "newsletter-destination", "locale": loc, "recipient": {"id": str(i)}}
        for i, loc in enumerate(["fr", "en", "ja"] * 4)
    ]
    source = tmp_path / "in.ndjson"
    source.write_text(
        "\n".join(json.dumps(line) for line in lines[:6])
        + "\n{not json\n"
        + "\n".join(json.dumps(line) for line in lines[6:])
        + "\n"
    )
    out = tmp_path / "out.ndjson"
    result = cli("batch", str(source), "--output", str(out))
    assert result.returncode == 1  # one line failed
    assert "rendered=12 errors=1" in result.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in results] == list(range(1, 14))
    assert results[6]["error"]["status"] == 400
    assert [r["result"]["locale"] for r in results if "result" in r] == [
        line["locale"] for line in lines
    ]


def test_batch_writes_to_stdout_without_an_output_file(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    line = {"template": "newsletter-destination", "locale": "en", "recipient": {"id": "1"}}
    source.write_text(json.dumps(line) + "\n")
    result = cli("batch", str(source), "--no-progress")
    assert result.returncode == 0, result.stderr
    [printed] = [json.loads(text) for text in result.stdout.splitlines()]
    assert printed["line"] == 1 and printed["result"]["locale"] == "en"
    assert "rendered=1 errors=0" in result.stderr


def test_compile_lists_every_template_and_locale(cli: Cli) -> None:
    result = cli("compile", *NEWSLETTER)
    assert result.returncode == 0, result.stdout
    for locale in ("fr", "en", "ja"):
        assert f"ok   newsletter-destination [{locale}]" in result.stdout
    assert result.stdout.strip().endswith("failures=0")


def test_compile_reports_errors_with_file_and_line(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "templates").mkdir(parents=True)
    (root / "blocks").mkdir()
    for locale in ("fr", "en", "ja"):
        (root / "locales" / locale / "LC_MESSAGES").mkdir(parents=True)
        (root / "locales" / locale / "LC_MESSAGES" / "messages.po").write_text(
            f'msgid ""\nmsgstr ""\n"Language: {locale}\\n"\n'
        )
    (root / "templates" / "broken.mjml").write_text(
        '+++\nsubject = "Hi"\n+++\n<mjml><mj-body>\n'
        '{% include "missing.mjml" %}\n</mj-body></mjml>\n'
    )
    result = cli("compile", root=root)
    assert result.returncode == 1
    assert "templates/broken.mjml:5: unknown block 'missing.mjml'" in result.stdout


def test_i18n_check_passes_on_the_shipped_templates(cli: Cli) -> None:
    result = cli("i18n", "check")
    assert result.returncode == 0, result.stdout
    assert "i18n_findings=0" in result.stdout


def test_no_command_prints_the_help(cli: Cli) -> None:
    result = cli()
    assert result.returncode == 2
    assert "usage: atn-content" in result.stdout


def test_render_applies_a_running_experiment_like_the_api(
    cli: Cli, api: Api, tmp_path: Path
) -> None:
    launched = cli("experiments", "launch", str(ROOT / "experiments" / "bf-2026-subject.toml"))
    assert launched.returncode == 0, launched.stderr + launched.stdout
    statuses = set()
    with api() as client:  # started after the launch, so it serves the experiment
        for number in range(12):
            recipient = {"id": f"bf-{number}"}
            path = tmp_path / f"r{number}.json"
            path.write_text(json.dumps(recipient))
            printed = cli("render", *NEWSLETTER, "--locale", "fr", "--recipient", str(path))
            answered = client.post(
                "/v1/render",
                json={"template": "newsletter-destination", "locale": "fr", "recipient": recipient},
            )
            # Rendered a moment apart: tracked links carry their second (tests/tokens.py).
            assert json.loads(without_issue_times(printed.stdout)) == json.loads(
                without_issue_times(answered.text)
            )
            statuses.add(answered.json().get("status"))
    assert statuses == {"test", 409}  # some in the test group, the others wait


def test_render_and_batch_refuse_a_suppressed_recipient_like_the_api(
    cli: Cli, api: Api, tmp_path: Path
) -> None:
    with api() as client:  # the same store: the CLI reads its suppressions once at start
        preferences = Preferences("ja-1", "monthly", ("inspiration",), "ja", 1.8e9)
        client.blocking_portal.call(client.app.state.buffer.record_or_spool, preferences)
        answered = client.post(
            "/v1/render",
            json={"template": "abandoned-h1", "locale": "ja", "recipient": {"id": "ja-1"}},
        )
    assert answered.status_code == 409
    path = tmp_path / "ja-1.json"
    path.write_text(json.dumps({"id": "ja-1"}))
    printed = cli(
        "render", "--template", "abandoned-h1", "--locale", "ja", "--recipient", str(path)
    )
    assert printed.returncode == 1
    assert json.loads(printed.stdout) == answered.json()
    lines = tmp_path / "batch.ndjson"
    lines.write_text(
        "\n".join(
            json.dumps({"template": t, "locale": "ja", "recipient": {"id": "ja-1"}})
            for t in ("abandoned-h1", "newsletter-destination")
        )
    )
    batch = cli("batch", str(lines), "--no-progress")
    refused, rendered = (json.loads(x) for x in batch.stdout.splitlines())
    assert refused["error"] == answered.json()
    assert "result" in rendered
