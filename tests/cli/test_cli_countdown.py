"""`atn-content countdown sheet`: a PNG of every frame, named for what it shows."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cli_runner import Cli
from PIL import Image

from atn_content.images.countdown import FRAMES, contact_sheet


def test_sheet_writes_a_png_with_a_clear_name_in_the_cwd(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("countdown", "sheet", "--locale", "ja")
    assert result.returncode == 0, result.stderr
    written = tmp_path / "countdown-sheet-ja-lagoon-1x-172800s.png"
    assert f"wrote {written.name}" in result.stdout
    assert written.read_bytes() == contact_sheet(172_800, "ja")
    with Image.open(written) as sheet:
        assert sheet.format == "PNG" and sheet.width > 4 * 600


def test_sheet_takes_theme_scale_remaining_and_out(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "designs" / "fr.png"
    out.parent.mkdir()
    args = ("--locale", "fr", "--theme", "sand", "--scale", "2", "--remaining", "75")
    result = cli("countdown", "sheet", *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data == contact_sheet(75, "fr", "sand", 2)
    with Image.open(io.BytesIO(data)) as sheet:
        assert sheet.width > 4 * 1200  # four 2x frames a row
    assert FRAMES == 60


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--locale", "de"), "--locale"),
        (("--locale", "fr", "--theme", "neon"), "--theme"),
        (("--locale", "fr", "--scale", "3"), "--scale"),
        (("--locale", "fr", "--remaining", "soon"), "--remaining"),
        (("--locale", "fr", "--remaining", "-1"), "--remaining"),
    ],
)
def test_bad_options_are_named(
    cli: Cli, args: tuple[str, ...], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli("countdown", "sheet", *args)
    assert exited.value.code == 2
    assert named in capsys.readouterr().err


def test_an_unwritable_out_is_an_error_not_a_traceback(cli: Cli, tmp_path: Path) -> None:
    result = cli("countdown", "sheet", "--locale", "en", "--out", str(tmp_path / "no" / "x.png"))
    assert result.returncode == 1 and "cannot write" in result.stderr
