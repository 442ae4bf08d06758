"""The post-booking and abandoned-search journeys branch on the recipient's data as promised.

The template harness checks that every rendering is well formed; these tests check what
each recipient is told: the right subject for the data they have, the incentive they are
due, the fare that dropped, the islands not yet visited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atn_content.content.renderer import RenderedEmail, Renderer

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "recipients"
Render = Callable[..., RenderedEmail]


@pytest.fixture(scope="module")
def render(renderer: Renderer) -> Render:
    """render(template, locale, sample, **changed_fields) at the sample's own date."""

    def _render(template: str, locale: str, sample: str, **changes: Any) -> RenderedEmail:
        data = json.loads((SAMPLES / f"{sample}.json").read_text())
        as_of = data.pop("sample")["as_of"]
        now = dt.datetime.fromisoformat(f"{as_of}T20:00:00+00:00")
        return renderer.render(template, locale, {**data, **changes}, now=now)

    return _render


class TestPostBooking:
    @pytest.mark.parametrize(
        ("locale", "sample", "subject"),
        [
            ("fr", "honeymoon-couple", "Votre voyage à Bora Bora est confirmé"),
            ("ja", "honeymoon-couple", "ボラボラ島へのご旅行のご予約が確定しました"),
            ("en", "business-traveller", "Your trip to Tahiti is confirmed"),
            ("fr", "new-subscriber", "Votre voyage est confirmé"),
        ],
    )
    def test_confirmation_subject_names_the_destination_when_known(
        self, render: Render, locale: str, sample: str, subject: str
    ) -> None:
        assert render("booking-confirmation", locale, sample).subject == subject

    def test_confirmation_carries_the_booking_reference(self, render: Render) -> None:
        email = render("booking-confirmation", "en", "business-traveller")
        assert email.preheader.startswith("Booking reference M4XR8P")
        assert "TN7" in email.text and "TN8" in email.text

    def test_day_before_names_flight_and_terminal(self, render: Render) -> None:
        email = render("departure-schedule", "en", "business-traveller")
        assert email.subject == "Flight TN7 tomorrow: your terminal and schedule"
        assert "Flight TN7 departs from terminal B" in email.text

    def test_checklist_warns_about_esta_for_a_trip_through_los_angeles(
        self, render: Render
    ) -> None:
        text = render("checklist-upgrade", "fr", "honeymoon-couple").text
        assert "ESTA" in text and "Poerava Business" in text  # premium -> business upgrade

    def test_review_offer_depends_on_club_tiare_membership(self, render: Render) -> None:
        member = render("review-request", "en", "business-traveller").text
        guest = render("review-request", "en", "new-subscriber").text
        assert "double miles on your next booking" in member
        assert "ask for the miles of the trip you have just flown" in guest

    def test_new_adventure_skips_the_island_just_visited(self, render: Render) -> None:
        text = render("new-adventure", "en", "honeymoon-couple").text
        assert "Discover Bora Bora" not in text
        assert all(f"Discover {p}" in text for p in ("Moorea", "Rangiroa", "Nuku Hiva"))
        tahiti = {"destination": "Tahiti"}
        text = render("new-adventure", "en", "honeymoon-couple", booking=tahiti).text
        assert "Discover Bora Bora" not in text  # four ideas, three shown

    def test_new_adventure_shows_a_personal_code_only_when_there_is_one(
        self, render: Render
    ) -> None:
        assert "MAEVA15-SW" in render("new-adventure", "en", "lapsed-customer").text
        assert "Your personal code" not in render("new-adventure", "en", "new-subscriber").text


class TestAbandoned:
    def test_an_hour_later_the_greeting_knows_where_they_stopped(self, render: Render) -> None:
        booking = render("abandoned-h1", "en", "abandoned-search-prospect").text
        search = render("abandoned-h1", "en", "japanese-family").text
        assert "only a few steps away from booking" in booking
        assert "looking at flights" in search

    def test_next_day_shows_the_fare_in_the_currency_seen(self, render: Render) -> None:
        email = render("abandoned-h24", "en", "abandoned-search-prospect")
        assert email.subject == "Your flight to Bora Bora is still available"
        assert "$10,939.00" in email.text
        assert "￥1,500,800" in render("abandoned-h24", "ja", "japanese-family").text

    def test_last_chance_uses_the_code_when_there_is_one_else_bonus_miles(
        self, render: Render
    ) -> None:
        miles = render("abandoned-h72", "en", "abandoned-search-prospect")
        code = render("abandoned-h72", "fr", "abandoned-search-prospect", promo_code="BB5-JA")
        assert miles.subject == "Last chance: 5,000 bonus miles on your trip to Bora Bora"
        assert code.subject == "Dernière chance\u00a0: -5\u00a0% sur votre voyage à Bora Bora"
        assert "BB5-JA" in code.text and "5 000 miles" not in code.text

    def test_a_week_later_a_price_drop_is_announced_with_the_saving(self, render: Render) -> None:
        email = render("abandoned-d7", "en", "abandoned-search-prospect")
        assert email.subject == "Prices dropped on your search for Bora Bora"
        assert "6% less" in email.text

    def test_a_week_later_without_a_drop_no_drop_is_claimed(self, render: Render) -> None:
        email = render("abandoned-d7", "en", "japanese-family")
        assert email.subject == "Your trip to Bora Bora is still within reach"
        assert "gone down" not in email.text and "¥1,500,800" in email.text

    def test_without_search_data_the_journey_still_makes_sense(self, render: Render) -> None:
        email = render("abandoned-d7", "fr", "new-subscriber")
        assert email.subject == "Votre voyage dans les îles est toujours à portée de main"
        assert "calendrier des tarifs" in email.text
