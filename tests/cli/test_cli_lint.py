"""`atn-content lint` through the entry point: report, last line, exit status."""

from __future__ import annotations

import json
from pathlib import Path

from cli_runner import Cli


def _summary(stdout: str) -> dict[str, int]:
    last = stdout.strip().splitlines()[-1]
    return {k: int(v) for k, v in (pair.split("=") for pair in last.split())}


def test_one_template_for_one_client(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "lint.json"
    result = cli(
        "lint", "--template", "online-checkin", "--client", "outlook-windows", "--json", str(out)
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for locale in ("en", "fr", "ja"):
        assert f"online-checkin [{locale}]  8 samples" in result.stdout
    assert "client gaps" in result.stdout and "allowed: " in result.stdout
    assert "Gmail (" not in result.stdout  # only the client asked for
    summary = _summary(result.stdout)
    assert summary["renders"] == 24 and summary["errors"] == 0
    assert summary["features"] > 40
    assert summary["outlook_windows_unsupported"] > 0 and summary["outlook_windows_partial"] > 0
    assert not any(key.startswith("gmail") for key in summary)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [r["locale"] for r in document["renders"]] == ["en", "fr", "ja"]
    assert document["renders"][0]["summary"]["errors"] == 0


def test_a_gap_not_in_the_allow_list_fails(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "allow.toml"
    empty.write_text("", encoding="utf-8")
    result = cli(
        "lint", "--template", "online-checkin", "--locale", "fr", "--sample", "honeymoon-couple",
        "--client", "yahoo", "--allow-list", str(empty),
    )  # fmt: skip
    assert result.returncode == 1
    assert "NOT IN THE ALLOW-LIST" in result.stdout
    assert "Yahoo (Android)" in result.stdout and "Outlook" not in result.stdout
    summary = _summary(result.stdout)
    assert summary["errors"] > 0 and summary["renders"] == 1 and summary["allowed"] == 0


def test_a_broken_allow_list_is_named(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "allow.toml"
    broken.write_text("[features.css-flexbox]\nreason = 'x'\n", encoding="utf-8")
    result = cli("lint", "--allow-list", str(broken))
    assert result.returncode == 1
    assert "features.css-flexbox: not a caniemail feature" in result.stderr
