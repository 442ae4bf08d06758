"""Human or machine: the rules in machines.toml and the behaviours, each with its evidence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from atn_content.tracking.humans import BURST_WINDOW_S, Facts, classify, in_burst, load_rules

CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
YAHOO = "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"


@pytest.mark.parametrize(
    ("facts", "evidence"),
    [
        (Facts("open", user_agent=GMAIL, address="66.249.84.1"), ("gmail-image-proxy",)),
        (Facts("open", user_agent=YAHOO), ("yahoo-image-proxy",)),
        (
            Facts("open", user_agent="Mozilla/5.0", address="17.58.1.2"),
            ("apple-mpp-ua", "apple-mpp-network"),
        ),
        (Facts("open", user_agent=CHROME, address="17.58.1.2"), ("apple-mpp-network",)),
        (Facts("open", method="HEAD", user_agent=CHROME), ("head-request",)),
        (Facts("click", user_agent=CHROME, purpose="prefetch"), ("prefetch",)),
        (Facts("click", user_agent=CHROME, since_issue_s=0.4), ("click-within-2s",)),
        (Facts("click", user_agent=CHROME, since_issue_s=600, burst=True), ("link-burst",)),
        (
            Facts("click", user_agent="Mozilla/5.0 Microsoft-URLAnalyzer/1.0"),
            ("microsoft-safe-links",),
        ),
        (Facts("click", user_agent="Barracuda Sentinel (EE)"), ("barracuda",)),
        (Facts("click", user_agent=CHROME + " HeadlessChrome"), ("headless-browser",)),
    ],
)
def test_machines_are_flagged_with_their_evidence(facts: Facts, evidence: tuple[str, ...]) -> None:
    assert classify(facts) == (True, evidence)


@pytest.mark.parametrize(
    "facts",
    [
        Facts("open", user_agent=CHROME, address="203.0.113.9"),
        Facts("click", user_agent=CHROME, address="203.0.113.9", since_issue_s=3600),
        # an Apple address opening a link is a person on an iPhone: the proxy only fetches images
        Facts("click", user_agent="Mozilla/5.0", address="17.58.1.2", since_issue_s=3600),
        # the image proxies fetch images: a Gmail click comes from the reader's browser
        Facts("click", user_agent=CHROME, since_issue_s=60),
    ],
)
def test_people_are_people(facts: Facts) -> None:
    assert classify(facts) == (False, ())


def test_every_link_in_one_burst_is_a_machine_but_two_clicks_apart_are_not() -> None:
    now = 1000.0
    assert in_burst([(now - 1, "a.1"), (now, "a.2")], now, link_count=2)
    assert not in_burst([(now - 1, "a.1"), (now, "a.2")], now, link_count=5)
    assert not in_burst([(now - BURST_WINDOW_S - 1, "a.1"), (now, "a.2")], now, link_count=2)
    assert not in_burst([(now - 1, "a.1"), (now, "a.1")], now, link_count=2)  # same link twice
    four = [(now - i, f"b.{i}") for i in range(4)]
    assert in_burst(four, now, link_count=None) and in_burst(four, now, link_count=30)


def test_every_rule_names_its_sources() -> None:
    path = Path(__file__).resolve().parents[2] / "src/atn_content/tracking/data/machines.toml"
    entries = tomllib.loads(path.read_text())["machine"]
    assert {e["id"] for e in entries} == {r.id for r in load_rules()}
    for entry in entries:
        assert entry["sources"] and all(s.startswith("https://") for s in entry["sources"])


def test_a_rule_without_sources_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "machines.toml"
    path.write_text('[[machine]]\nid = "x"\napplies = "open"\nua_contains = "x"\n')
    with pytest.raises(ValueError, match="sources"):
        load_rules(path)
