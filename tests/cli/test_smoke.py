"""One subprocess per command group: `python -m atn_content.cli` as a user runs it (the
module entry point, argument parsing, exit status and output streams). Everything else
about the commands is tested in-process."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import Cli


def test_render(cli_subprocess: Cli, tmp_path: Path) -> None:
    path = tmp_path / "recipient.json"
    path.write_text(json.dumps({"id": "c-7", "recent_searches": ["Tokyo"]}))
    result = cli_subprocess(
        "render", "--template", "newsletter-destination", "--locale", "fr", "--recipient", str(path)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["subject"] == "Tokyo vous attend"


def test_batch(cli_subprocess: Cli, tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    good = {"template": "newsletter-destination", "locale": "ja", "recipient": {"id": "1"}}
    source.write_text(json.dumps(good) + "\n{not json\n")
    result = cli_subprocess("batch", str(source))
    assert result.returncode == 1  # the second line is not JSON
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["result"]["locale"] == "ja" and second["error"]["status"] == 400
    assert "rendered=1 errors=1" in result.stderr


def test_compile(cli_subprocess: Cli) -> None:
    result = cli_subprocess("compile", "--template", "newsletter-destination")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("templates=1 locales=3 failures=0")


def test_i18n(cli_subprocess: Cli) -> None:
    result = cli_subprocess("i18n", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "i18n_findings=0" in result.stdout


def test_lint(cli_subprocess: Cli) -> None:
    result = cli_subprocess(
        "lint", "--template", "online-checkin", "--locale", "en", "--sample", "honeymoon-couple",
        "--client", "apple-mail-ios",
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1].startswith("templates=1 locales=1 samples=1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_experiments(cli_subprocess: Cli) -> None:
    result = cli_subprocess("experiments", "list")
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0][:3] == ["KEY", "KIND", "TEMPLATE"]
    assert ["bf-2026-subject", "subject", "newsletter-destination", "draft"] in [
        row[:4] for row in rows
    ]
