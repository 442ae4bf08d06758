"""A marketer in real Chromium: launches a test from its TOML file, sees its page and
plots, and decides only after confirming."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.studio_live import REPO, log_in, studio_server

SUBJECT_TEST = (REPO / "experiments" / "bf-2026-subject.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with studio_server(tmp_path_factory.mktemp("studio-experiments")) as live:
        yield live


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield page
    page.close()


def test_launch_a_test_from_its_toml_file_and_see_its_page(
    page: Page, url: str, tmp_path: Path
) -> None:
    toml = tmp_path / "studio-launch.toml"
    toml.write_text(re.sub(r'(?m)^key = ".*"$', 'key = "studio-launch"', SUBJECT_TEST, count=1))
    log_in(page, url, "/studio/experiments")
    page.set_input_files("#toml-file", str(toml))
    expect(page.locator("#toml")).to_have_value(re.compile('key = "studio-launch"'))
    page.click("form.launch button[type=submit]")
    page.wait_for_url(url + "/studio/experiments/studio-launch")
    expect(page.locator("#phase")).to_have_attribute("data-phase", "running")
    expect(page.locator("#planning")).not_to_be_empty()
    for plot in ("#plot-posterior svg", "#plot-lift svg", "#plot-split svg"):
        expect(page.locator(plot)).to_be_visible()
    expect(page.locator('#results tr[data-arm="C"]')).to_be_visible()
    # While it runs, the designers' variant picker shows each arm's email.
    page.goto(url + "/studio/templates/newsletter-destination?locale=fr")
    expect(page.locator("body[data-rendered], body[data-problem]")).to_be_attached()
    page.select_option("#variant", "studio-launch:C")
    expect(page.locator('#inbox tr[data-inbox="desktop"]')).to_contain_text(
        "48 h pour rêver de Bora Bora"
    )
    page.select_option("#variant", "studio-launch:B")
    expect(page.locator('#inbox tr[data-inbox="desktop"]')).to_contain_text("Votre Polynésie")
    page.goto(url + "/studio/experiments/studio-launch")
    page.select_option("form.force select", "C")
    page.click("form.force button")
    expect(page.locator("form.confirm")).to_contain_text("Force C as the winner?")
    page.click("form.confirm button")
    expect(page.locator("#decision-status")).to_contain_text("winner C")
    page.goto(url + "/studio/experiments")
    expect(page.locator('tr[data-experiment="studio-launch"] .phase')).to_contain_text("C")


def test_launch_problems_are_shown_by_field(page: Page, url: str) -> None:
    log_in(page, url, "/studio/experiments")
    broken = SUBJECT_TEST.replace("test_fraction = 0.2", "test_fraction = 7")
    page.fill("#toml", re.sub(r'(?m)^key = ".*"$', 'key = "studio-broken"', broken, count=1))
    page.click("form.launch button[type=submit]")
    expect(page.locator('.launch-errors li[data-field="test_fraction"]')).to_be_visible()
    expect(page.locator("#toml")).to_have_value(re.compile("test_fraction = 7"))
