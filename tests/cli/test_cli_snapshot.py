"""`atn-content snapshot` in real Chromium: an email's desktop and mobile PNGs, and the
studio's pages for the docs. Chromium missing: skipped, but under CI=true a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cli_runner import Cli
from PIL import Image, ImageStat

from atn_content.cli.studio_shots import PAGES

pytestmark = pytest.mark.browser

TEMPLATE = "newsletter-destination"
RECIPIENT = "japanese-family"


@pytest.fixture
def chromium() -> None:
    """The rule of tests/browser/conftest.py: no chromium, no test (CI=true: a failure)."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    message = "chromium not found (apt package chromium; `make test` installs it as root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI=true requires the real-browser tests to run")
    pytest.skip(message)


def pairs(line: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in line.split())


def assert_not_blank(path: Path) -> None:
    with Image.open(path) as image:
        spread = ImageStat.Stat(image.convert("L")).stddev[0]
    assert spread > 10, f"{path.name} looks blank (grey-level spread {spread:.1f})"


@pytest.mark.usefixtures("chromium")
def test_an_email_is_shot_desktop_and_mobile_without_sideways_scroll(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "shots"
    ran = cli("snapshot", TEMPLATE, "--locale", "ja", "--recipient", RECIPIENT, "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    last = pairs(ran.stdout.strip().splitlines()[-1])
    assert last["mobile_scroll"] == "false"
    assert "placeholder" in ran.stdout  # the remote images were answered locally, and it says so
    desktop = out / f"{TEMPLATE}.ja.{RECIPIENT}.desktop.png"
    mobile = out / f"{TEMPLATE}.ja.{RECIPIENT}.mobile.png"
    assert last["desktop"] == str(desktop) and last["mobile"] == str(mobile)
    with Image.open(desktop) as image:
        assert image.width >= 600 and image.height > 400
    with Image.open(mobile) as image:
        assert image.width == 375 and image.height > 400
    assert_not_blank(desktop)
    assert_not_blank(mobile)


def test_an_unknown_recipient_is_named_with_the_known_ones(cli: Cli, tmp_path: Path) -> None:
    ran = cli("snapshot", TEMPLATE, "--locale", "ja", "--recipient", "nobody-at-all")
    assert ran.returncode == 2
    assert "'nobody-at-all'" in ran.stderr and RECIPIENT in ran.stderr
    assert "Traceback" not in ran.stderr


def test_an_unknown_template_or_locale_is_named(cli: Cli) -> None:
    ran = cli("snapshot", "no-such-template", "--locale", "ja", "--recipient", RECIPIENT)
    assert ran.returncode == 2 and "'no-such-template'" in ran.stderr and TEMPLATE in ran.stderr
    ran = cli("snapshot", TEMPLATE, "--locale", "xx", "--recipient", RECIPIENT)
    assert ran.returncode == 2 and "'xx'" in ran.stderr and "ja" in ran.stderr


def test_a_missing_chromium_names_the_apt_package(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    ran = cli("snapshot", TEMPLATE, "--locale", "ja", "--recipient", RECIPIENT)
    assert ran.returncode == 2
    assert "apt package `chromium`" in ran.stderr


@pytest.mark.usefixtures("chromium")
def test_the_studio_pages_are_shot_for_the_docs(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "studio"
    ran = cli("snapshot", "--studio", "--out", str(out))
    assert ran.returncode == 0, ran.stderr
    assert pairs(ran.stdout.strip().splitlines()[-1])["pages"] == "6"
    assert sorted(p.name for p in out.glob("*.png")) == sorted(PAGES)
    for name in PAGES:
        with Image.open(out / name) as image:
            assert image.width == 1400 and image.height >= 1000, name
        assert_not_blank(out / name)
