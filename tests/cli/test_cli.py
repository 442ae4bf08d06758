"""The atn-content command line, run as a user runs it (a subprocess), checked against the API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.testing import TestClient

from atn_content.app import create_app
from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-test-secret-0123456789abcdef"
KEY = "cli-test-key-0123456789"


def run_cli(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ATN_SECRET": SECRET,
        "ATN_CONTENT_ROOT": str(ROOT),
        "ATN_STATE_DIR": str(tmp_path / "state"),
    }
    return subprocess.run(
        [sys.executable, "-m", "atn_content.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def recipient_file(tmp_path: Path) -> Path:
    path = tmp_path / "recipient.json"
    path.write_text(json.dumps({"id": "c-7", "first_name": "Hinano", "recent_searches": ["Tokyo"]}))
    return path


def test_render_prints_the_same_document_as_the_api(tmp_path: Path, recipient_file: Path) -> None:
    result = run_cli(
        "render",
        "--template",
        "newsletter-destination",
        "--locale",
        "fr",
        "--recipient",
        str(recipient_file),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    settings = Settings(
        content_root=ROOT,
        store_url=f"sqlite:///{tmp_path}/api.db",
        api_keys={KEY: frozenset({"render"})},
        secret=SECRET.encode(),
    )
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/v1/render",
            json={
                "template": "newsletter-destination",
                "locale": "fr",
                "recipient": json.loads(recipient_file.read_text()),
            },
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert response.status_code == 200
    assert json.loads(result.stdout) == response.json()
    assert response.json()["subject"] == "Tokyo vous attend"


def test_render_writes_html_and_text_files(tmp_path: Path, recipient_file: Path) -> None:
    html, text = tmp_path / "out.html", tmp_path / "out.txt"
    result = run_cli(
        "render",
        "--template",
        "newsletter-destination",
        "--locale",
        "ja",
        "--recipient",
        str(recipient_file),
        "--html",
        str(html),
        "--text",
        str(text),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '<html lang="ja"' in html.read_text()
    assert "東京がお待ちしています" in text.read_text()


def test_render_reports_a_missing_required_field(tmp_path: Path) -> None:
    path = tmp_path / "nobody.json"
    path.write_text(json.dumps({"first_name": "Nobody"}))
    result = run_cli(
        "render",
        "--template",
        "newsletter-destination",
        "--locale",
        "en",
        "--recipient",
        str(path),
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    problem = json.loads(result.stdout)
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "recipient.id"


def test_batch_renders_every_line_and_reports_bad_ones(tmp_path: Path) -> None:
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
    result = run_cli("batch", str(source), "--output", str(out), tmp_path=tmp_path)
    assert result.returncode == 1  # one line failed
    assert "rendered=12 errors=1" in result.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in results] == list(range(1, 14))
    assert results[6]["error"]["status"] == 400
    assert [r["result"]["locale"] for r in results if "result" in r] == [
        line["locale"] for line in lines
    ]


def test_compile_lists_every_template_and_locale(tmp_path: Path) -> None:
    result = run_cli("compile", "--template", "newsletter-destination", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout
    for locale in ("fr", "en", "ja"):
        assert f"ok   newsletter-destination [{locale}]" in result.stdout
    assert result.stdout.strip().endswith("failures=0")


def test_compile_reports_errors_with_file_and_line(tmp_path: Path) -> None:
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
    env = {
        **os.environ,
        "ATN_SECRET": SECRET,
        "ATN_CONTENT_ROOT": str(root),
        "ATN_STATE_DIR": str(tmp_path / "state"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "atn_content.cli", "compile"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "templates/broken.mjml:5: unknown block 'missing.mjml'" in result.stdout


def test_i18n_check_passes_on_the_shipped_templates(tmp_path: Path) -> None:
    result = run_cli("i18n", "check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "i18n_findings=0" in result.stdout


def test_render_applies_a_running_experiment_like_the_api(tmp_path: Path) -> None:
    launched = run_cli(
        "experiments",
        "launch",
        str(ROOT / "experiments" / "bf-2026-subject.toml"),
        tmp_path=tmp_path,
    )
    assert launched.returncode == 0, launched.stderr + launched.stdout
    settings = Settings(
        content_root=ROOT,
        store_url=f"sqlite:///{tmp_path}/state/atn.db",
        api_keys={KEY: frozenset({"render"})},
        secret=SECRET.encode(),
    )
    statuses = set()
    with TestClient(create_app(settings)) as client:
        for number in range(12):
            recipient = {"id": f"bf-{number}"}
            path = tmp_path / f"r{number}.json"
            path.write_text(json.dumps(recipient))
            cli = run_cli(
                "render",
                "--template",
                "newsletter-destination",
                "--locale",
                "fr",
                "--recipient",
                str(path),
                tmp_path=tmp_path,
            )
            api = client.post(
                "/v1/render",
                json={"template": "newsletter-destination", "locale": "fr", "recipient": recipient},
                headers={"Authorization": f"Bearer {KEY}"},
            )
            assert json.loads(cli.stdout) == api.json()
            statuses.add(api.json().get("status"))
    assert statuses == {"test", 409}  # some in the test group, the others wait
