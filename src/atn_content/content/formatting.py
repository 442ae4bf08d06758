"""Locale-aware Jinja filters: money, dates and times in the recipient's zone, numbers.

Every filter reads the locale from context["locale"] and the zone from
context["recipient"]["timezone"] (default Pacific/Tahiti, also used when the recipient's
zone is unknown), so a compiled template serves every recipient. Babel's CLDR data does
the formatting: French groups digits with U+202F and puts U+00A0 before the currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from atn_content.content.i18n import parse_locale

__all__ = [
    "DEFAULT_TIMEZONE",
    "format_money",
    "install_i18n_filters",
    "recipient_zone",
    "to_datetime",
    "zone_named",
]

#: Air Tahiti Nui's home zone, used when the recipient has none (or an unknown one).
DEFAULT_TIMEZONE = "Pacific/Tahiti"

Number = int | float | Decimal | str
DateLike = dt.datetime | dt.date | str


@lru_cache(maxsize=256)
def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def recipient_zone(name: object) -> ZoneInfo:
    """A recipient's zone; a missing or unknown name falls back to Pacific/Tahiti."""
    zone = zone_named(name) if isinstance(name, str) and name else None
    return zone or ZoneInfo(DEFAULT_TIMEZONE)


def _context_locale(context: Context) -> Locale:
    tag = context.get("locale")
    if not isinstance(tag, str) or not tag:
        raise ValueError("i18n filters need a 'locale' variable in the render context")
    return parse_locale(tag)


def _context_zone(context: Context) -> ZoneInfo:
    recipient = context.get("recipient")
    name: Any = None
    if isinstance(recipient, Mapping):
        name = recipient.get("timezone")
    elif recipient is not None:
        name = getattr(recipient, "timezone", None)
    return recipient_zone(name)


def _decimal(amount: Number) -> Decimal:
    try:
        return Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not a number: {amount!r}") from None


def format_money(amount: Number, currency: str, locale: Locale | str) -> str:
    """Round half-up to the currency's minor unit (none for XPF and JPY), then format.

    Spaces are plain, as marketing writes them ("1 234 567 FCFP"): CLDR's narrow no-break
    spaces survive neither copy-paste into an ESP nor every email client's font.
    """
    value = _decimal(amount)
    digits = get_currency_precision(currency)
    value = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if currency == "XPF" and parse_locale(locale).language != "fr":
        # CLDR's symbol outside French is "CFPF", which nobody reads; the code is what
        # Air Tahiti Nui prints in English and Japanese: "XPF 152,000".
        text = format_currency(value, currency, locale=locale, format="¤¤\u00a0#,##0")
    else:
        text = format_currency(value, currency, locale=locale)
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def to_datetime(value: DateLike, zone: dt.tzinfo) -> dt.datetime | dt.date:
    """An aware datetime in `zone` (naive means UTC), or a date unchanged.

    ISO 8601 strings are parsed first: "2026-12-24" is a date, anything with a time is a
    datetime. A calendar date has no instant, so it is never shifted between zones.
    """
    if isinstance(value, str):
        text = value.strip()
        parse = dt.date.fromisoformat if len(text) == 10 else dt.datetime.fromisoformat
        try:
            value = parse(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date or datetime: {value!r}") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(zone)
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a datetime, date or ISO 8601 string, got {type(value).__name__}")


@pass_context
def money(context: Context, amount: Number, currency: str = "XPF") -> str:
    return format_money(amount, currency, _context_locale(context))


@pass_context
def date(context: Context, value: DateLike, format: str = "long") -> str:
    moment = to_datetime(value, _context_zone(context))
    return format_date(moment, format, locale=_context_locale(context))


@pass_context
def datetime(context: Context, value: DateLike, format: str = "medium") -> str:
    moment = to_datetime(value, _context_zone(context))
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time(), tzinfo=_context_zone(context))
    return format_datetime(moment, format, tzinfo=moment.tzinfo, locale=_context_locale(context))


@pass_context
def time(context: Context, value: DateLike | dt.time, format: str = "short") -> str:
    if isinstance(value, dt.time):
        return format_time(value, format, locale=_context_locale(context))
    moment = to_datetime(value, _context_zone(context))
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"time filter needs a datetime, got the date {moment.isoformat()}")
    return format_time(moment, format, tzinfo=moment.tzinfo, locale=_context_locale(context))


@pass_context
def number(context: Context, n: Number) -> str:
    return format_decimal(_decimal(n), locale=_context_locale(context))


@pass_context
def percent(context: Context, x: Number) -> str:
    """0.25 -> "25 %" in French, "25%" in English."""
    return format_percent(_decimal(x), locale=_context_locale(context))


def install_i18n_filters(env: Environment) -> None:
    """Register money, date, datetime, time, number and percent as Jinja filters."""
    env.filters.update(
        money=money, date=date, datetime=datetime, time=time, number=number, percent=percent
    )
