"""Lead score points and band boundaries (30 and 70 are both "offers")."""

from __future__ import annotations

import pytest

from atn_content.audience.lead_score import BANDS, lead_band, lead_score


@pytest.mark.parametrize(
    ("behaviour", "points"),
    [
        ("pricing_page", 10),
        ("price_simulation", 25),
        ("cart", 40),
        ("newsletter_open", 5),
        ("newsletter_click", 15),
        ("brochure_download", 20),
        ("concierge_chat", 30),
    ],
)
def test_points_per_occurrence(behaviour: str, points: int) -> None:
    assert lead_score({behaviour: 1}) == points
    assert lead_score({behaviour: 3}) == 3 * points


def test_score_sums_behaviours_and_ignores_unknown_or_negative() -> None:
    counts = {
        "pricing_page": 2,
        "cart": 1,
        "newsletter_open": 3,
        "page_view": 50,
        "concierge_chat": -2,
    }
    assert lead_score(counts) == 2 * 10 + 40 + 3 * 5
    assert lead_score({}) == 0


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "nurture"),
        (29, "nurture"),
        (30, "offers"),
        (55, "offers"),
        (70, "offers"),
        (71, "premium"),
        (500, "premium"),
    ],
)
def test_band_boundaries(score: int, band: str) -> None:
    assert lead_band(score) == band
    assert band in BANDS
