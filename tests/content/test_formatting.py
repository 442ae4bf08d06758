"""Locale filters as templates use them, with the exact strings Babel's CLDR data gives.

French groups digits with U+202F (narrow no-break space) and puts U+00A0 (no-break space)
before a currency or percent sign; the constants below spell them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from jinja2 import UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from atn_content.content.formatting import install_i18n_filters, to_datetime

NNBSP = "\u202f"
NBSP = "\u00a0"
#: 05:00 UTC on Christmas Day is still Christmas Eve in Tahiti (UTC-10).
CHRISTMAS_MORNING_UTC = dt.datetime(2026, 12, 25, 5, 0, tzinfo=dt.UTC)


def render(source: str, locale: str = "fr", **context: Any) -> str:
    env = ImmutableSandboxedEnvironment(autoescape=True)
    install_i18n_filters(env)
    return env.from_string(source).render(locale=locale, **context)


class TestMoney:
    @pytest.mark.parametrize(
        ("locale", "expected"),
        [
            ("fr", "1 234 567 FCFP"),
            ("en", "XPF 1,234,567"),
            ("ja", "XPF 1,234,567"),
        ],
    )
    def test_xpf_has_no_decimals(self, locale: str, expected: str) -> None:
        assert render("{{ 1234567|money }}", locale) == expected

    def test_spaces_are_plain_as_marketing_writes_them(self) -> None:
        french = render("{{ 1234567|money }}", "fr")
        assert NNBSP not in french and NBSP not in french

    @pytest.mark.parametrize(
        ("locale", "currency", "amount", "expected"),
        [
            ("fr", "EUR", 1234.5, "1 234,50 €"),
            ("en", "EUR", 1234.5, "€1,234.50"),
            ("ja", "EUR", 1234.5, "€1,234.50"),
            ("fr", "JPY", 1234.5, "1 235 JPY"),
            ("en", "JPY", 1234.5, "¥1,235"),
            ("ja", "JPY", 1234.5, "￥1,235"),
            ("fr", "USD", 19.999, "20,00 $US"),
            ("en", "USD", 19.999, "$20.00"),
            ("ja", "USD", 19.999, "$20.00"),
        ],
    )
    def test_other_currencies(
        self, locale: str, currency: str, amount: float, expected: str
    ) -> None:
        assert render("{{ amount|money(currency) }}", locale, amount=amount, currency=currency) == (
            expected
        )

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            (1234.5, "XPF 1,235"),
            (Decimal("1234.49"), "XPF 1,234"),
            ("99.5", "XPF 100"),
            (-2.5, "-XPF 3"),
        ],
    )
    def test_rounds_half_up_to_the_franc(self, amount: object, expected: str) -> None:
        assert render("{{ amount|money }}", "en", amount=amount) == expected

    def test_not_a_number_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="not a number: 'abc'"):
            render("{{ 'abc'|money }}")


class TestDate:
    @pytest.mark.parametrize(
        ("locale", "expected"),
        [("fr", "24 décembre 2026"), ("en", "December 24, 2026"), ("ja", "2026年12月24日")],
    )
    def test_long_by_default(self, locale: str, expected: str) -> None:
        assert render("{{ d|date }}", locale, d=dt.date(2026, 12, 24)) == expected

    @pytest.mark.parametrize(
        ("locale", "fmt", "expected"),
        [
            ("fr", "full", "jeudi 24 décembre 2026"),
            ("fr", "medium", "24 déc. 2026"),
            ("fr", "short", "24/12/2026"),
            ("en", "full", "Thursday, December 24, 2026"),
            ("en", "medium", "Dec 24, 2026"),
            ("en", "short", "12/24/26"),
            ("ja", "full", "2026年12月24日木曜日"),
            ("ja", "medium", "2026/12/24"),
            ("ja", "short", "2026/12/24"),
            ("fr", "EEEE d MMMM", "jeudi 24 décembre"),
        ],
    )
    def test_formats_and_patterns(self, locale: str, fmt: str, expected: str) -> None:
        assert render("{{ d|date(fmt) }}", locale, d=dt.date(2026, 12, 24), fmt=fmt) == expected

    def test_an_instant_is_dated_in_tahiti_by_default(self) -> None:
        assert render("{{ d|date }}", "fr", d=CHRISTMAS_MORNING_UTC) == "24 décembre 2026"

    def test_an_instant_is_dated_in_the_recipients_zone(self) -> None:
        tokyo = {"timezone": "Asia/Tokyo"}
        assert render("{{ d|date }}", "ja", d=CHRISTMAS_MORNING_UTC, recipient=tokyo) == (
            "2026年12月25日"
        )

    def test_recipient_may_be_an_object(self) -> None:
        @dataclass
        class Recipient:
            timezone: str

        paris = Recipient("Europe/Paris")
        assert render("{{ d|date }}", "fr", d=CHRISTMAS_MORNING_UTC, recipient=paris) == (
            "25 décembre 2026"
        )

    @pytest.mark.parametrize("zone", ["Mars/Olympus", "", None, 42])
    def test_unusable_zone_falls_back_to_tahiti(self, zone: object) -> None:
        recipient = {"timezone": zone}
        assert render("{{ d|date }}", "en", d=CHRISTMAS_MORNING_UTC, recipient=recipient) == (
            "December 24, 2026"
        )

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("2026-12-25T05:00:00Z", "December 24, 2026"),
            ("2026-12-25T05:00:00+00:00", "December 24, 2026"),
            ("2026-12-25T05:00:00", "December 24, 2026"),  # naive means UTC
            (dt.datetime(2026, 12, 25, 5, 0), "December 24, 2026"),
            ("2026-12-25", "December 25, 2026"),  # a calendar date is never shifted
        ],
    )
    def test_accepted_values(self, value: object, expected: str) -> None:
        assert render("{{ d|date }}", "en", d=value) == expected

    @pytest.mark.parametrize("value", ["next tuesday", "2026-13-01", 20261224])
    def test_rejected_values(self, value: object) -> None:
        with pytest.raises((ValueError, TypeError), match=r"ISO 8601|datetime, date"):
            render("{{ d|date }}", "en", d=value)


class TestDatetimeAndTime:
    @pytest.mark.parametrize(
        ("locale", "expected"),
        [
            ("fr", "24 déc. 2026, 19:00:00"),
            ("en", f"Dec 24, 2026, 7:00:00{NNBSP}PM"),
            ("ja", "2026/12/24 19:00:00"),
        ],
    )
    def test_datetime_in_tahiti(self, locale: str, expected: str) -> None:
        assert render("{{ d|datetime }}", locale, d=CHRISTMAS_MORNING_UTC) == expected

    @pytest.mark.parametrize(
        ("locale", "expected"),
        [
            ("fr", "25 décembre 2026, 14:00:00 +0900"),
            ("en", f"December 25, 2026, 2:00:00{NNBSP}PM +0900"),
            ("ja", "2026年12月25日 14:00:00 JST"),
        ],
    )
    def test_datetime_long_in_tokyo(self, locale: str, expected: str) -> None:
        tokyo = {"timezone": "Asia/Tokyo"}
        out = render("{{ d|datetime('long') }}", locale, d=CHRISTMAS_MORNING_UTC, recipient=tokyo)
        assert out == expected

    def test_datetime_of_a_date_is_local_midnight(self) -> None:
        assert render("{{ d|datetime('short') }}", "fr", d=dt.date(2026, 12, 24)) == (
            "24/12/2026 00:00"
        )

    @pytest.mark.parametrize(
        ("locale", "expected"), [("fr", "19:00"), ("en", f"7:00{NNBSP}PM"), ("ja", "19:00")]
    )
    def test_time_short_in_tahiti(self, locale: str, expected: str) -> None:
        assert render("{{ d|time }}", locale, d="2026-12-25T05:00:00Z") == expected

    def test_time_of_day_is_not_shifted(self) -> None:
        assert render("{{ t|time('HH:mm') }}", "en", t=dt.time(7, 5)) == "07:05"

    def test_time_of_a_date_is_an_error(self) -> None:
        with pytest.raises(TypeError, match="time filter needs a datetime"):
            render("{{ d|time }}", "en", d="2026-12-24")


class TestNumbers:
    @pytest.mark.parametrize(
        ("locale", "number", "percent"),
        [
            ("fr", f"1{NNBSP}234{NNBSP}567,891", f"15{NBSP}%"),
            ("en", "1,234,567.891", "15%"),
            ("ja", "1,234,567.891", "15%"),
        ],
    )
    def test_number_and_percent(self, locale: str, number: str, percent: str) -> None:
        assert render("{{ 1234567.891|number }}", locale) == number
        assert render("{{ 0.15|percent }}", locale) == percent


class TestContext:
    def test_locale_is_required(self) -> None:
        env = ImmutableSandboxedEnvironment()
        install_i18n_filters(env)
        with pytest.raises(ValueError, match="'locale' variable"):
            env.from_string("{{ 5|money }}").render()

    def test_undefined_value_is_not_formatted_silently(self) -> None:
        with pytest.raises((ValueError, UndefinedError)):
            render("{{ recipient.balance|money }}", "fr", recipient={})

    def test_to_datetime_converts_aware_values(self) -> None:
        tahiti = to_datetime(CHRISTMAS_MORNING_UTC, dt.timezone(dt.timedelta(hours=-10)))
        assert isinstance(tahiti, dt.datetime)
        assert (tahiti.day, tahiti.hour) == (24, 19)
