"""The shipped caniemail table: every client resolves, the newest test counts, notes read."""

from __future__ import annotations

from pathlib import Path

import pytest

from atn_content.content.lint.caniemail import CLIENT_KEYS, CLIENTS, CanIEmail, Client, caniemail

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "src" / "atn_content" / "content" / "lint" / "data"


def test_the_data_ships_with_its_licence() -> None:
    assert "MIT License" in (DATA / "caniemail.LICENSE").read_text(encoding="utf-8")
    assert "Rémi Parmentier" in (DATA / "caniemail.LICENSE").read_text(encoding="utf-8")
    assert len(caniemail().features) > 300
    assert len(caniemail().commit) == 40


@pytest.mark.parametrize("client", CLIENTS, ids=CLIENT_KEYS)
def test_every_client_has_real_data(client: Client) -> None:
    """A misspelt family or platform would leave a client 'unknown' everywhere."""
    key = client.key
    known = [f for f in caniemail().features.values() if f.support[key].status != "unknown"]
    assert len(known) > 150


def test_the_newest_version_counts_and_its_notes_are_resolved() -> None:
    table = CanIEmail(
        {
            "commit": "x",
            "features": [
                {
                    "slug": "css-demo",
                    "title": "demo",
                    "category": "css",
                    "stats": {
                        "outlook": {"windows": {"2003": "y", "2019": "a #2 #3"}},
                        "yahoo": {"desktop-webmail": {"2019-10": "n", "2025-06": "y #1"}},
                    },
                    "notes_by_num": {"1": "one", "2": "two", "3": "three"},
                }
            ],
        }
    )
    feature = table["css-demo"]
    outlook = feature.support["outlook-windows"]
    assert (outlook.status, outlook.version, outlook.notes) == ("partial", "2019", ("two", "three"))
    assert feature.support["yahoo-web"].status == "supported"
    assert feature.support["yahoo-web"].notes == ("one",)
    assert feature.support["gmail-web"].status == "unknown"
    assert feature.url == "https://www.caniemail.com/features/css-demo/"


def test_known_facts_of_the_shipped_table() -> None:
    radius = caniemail()["css-border-radius"]
    assert radius.support["outlook-windows"].status == "unsupported"
    assert "VML" in radius.support["outlook-windows"].notes[0]
    assert radius.support["apple-mail-ios"].status == "supported"
    # Outlook for Mac lists 2011, 2016 then 16.80: the last one listed is the newest.
    assert caniemail()["css-at-media"].support["outlook-macos"].version == "16.80"
