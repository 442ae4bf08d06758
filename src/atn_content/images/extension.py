"""The countdown as an engine extension: `countdown(deadline, style=...)` in templates.

The template function signs a token (tokens.py) and returns a `Countdown`: its URL, its
size at 1x (a 2x image shown at 1x width is sharp on retina screens), its deadline in the
recipient's zone for the words beside or instead of it, and `img(alt)`, the `<img>` markup
(width and height attributes, display:block). The words are the template's: the block
translates them (locales/*.po) from `deadline` and `hours`. In the text part `img(alt)` is
the alt text alone.

Where the deadline comes from:
- `deadline`: a date (offer ends at midnight ending that day, in `zone`, default the
  recipient's), a date-time (naive: in `zone`), or their ISO 8601 strings; recipient data
  (`recipient.promo_expires`, `recipient.campaign_end`) works as is.
- no deadline and `hours`: `hours` after the send (the render's `now`), or, with
  `evergreen=true`, after the recipient's first open of this email (kept in the store).
- neither: None, and the block shows nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context, Undefined
from markupsafe import Markup, escape

from atn_content.content.extensions import BaseExtension
from atn_content.content.formatting import recipient_zone, to_datetime, zone_named
from atn_content.images.countdown import SCALES
from atn_content.images.text import LOCALES
from atn_content.images.themes import DEFAULT_THEME, theme
from atn_content.images.tokens import MAX_DURATION_S, CountdownToken, CountdownTokens

__all__ = ["DEFAULT_SCALE", "ROUTE_PREFIX", "Countdown", "CountdownExtension"]

#: Where the images are served (api/countdown.py).
ROUTE_PREFIX = "/v1/img/countdown/"
#: Drawn at 2x and shown at 1x: sharp on retina screens.
DEFAULT_SCALE = 2
_IMG = (
    '<img src="{src}" width="{width}" height="{height}" alt="{alt}" '
    'style="display:block;width:100%;max-width:{width}px;height:auto;border:0;'
    'outline:none;text-decoration:none;margin:0 auto;" />'
)


@dataclass(frozen=True, slots=True)
class Countdown:
    """One email's countdown image (see the module doc)."""

    url: str
    width: int
    height: int
    deadline: dt.datetime | None
    """The end, in the recipient's zone; None for an evergreen timer."""
    hours: int | None
    """An evergreen timer's length (None when there is a deadline)."""
    html: bool

    @property
    def evergreen(self) -> bool:
        return self.deadline is None

    @property
    def last_minute(self) -> dt.datetime | None:
        """The deadline minus one second, for words: midnight reads as 23:59 of the last day."""
        return None if self.deadline is None else self.deadline - dt.timedelta(seconds=1)

    def img(self, alt: Any) -> Markup | str:
        """The `<img>` (the alt text alone in the text part)."""
        if not self.html:
            return str(alt)
        return Markup(
            _IMG.format(src=escape(self.url), width=self.width, height=self.height, alt=escape(alt))
        )

    def __str__(self) -> str:
        return self.url


class CountdownExtension(BaseExtension):
    name = "countdown"

    def __init__(self, tokens: CountdownTokens, public_url: str) -> None:
        self.tokens = tokens
        self._base = public_url.rstrip("/") + ROUTE_PREFIX

    def globals(self) -> Mapping[str, Any]:
        return {"countdown": self._countdown}

    def url(self, token: CountdownToken) -> str:
        return f"{self._base}{self.tokens.sign(token)}.gif"

    @pass_context
    def _countdown(
        self,
        context: Context,
        deadline: Any = None,
        style: str = DEFAULT_THEME,
        scale: int = DEFAULT_SCALE,
        hours: Any = None,
        evergreen: bool = False,
        zone: str | None = None,
    ) -> Countdown | None:
        look = theme(style)
        if scale not in SCALES or isinstance(scale, bool):
            raise ValueError(f"countdown(): scale {scale!r} is not one of {SCALES}")
        locale = str(context.get("locale") or "")
        if locale not in LOCALES:
            raise ValueError(f"countdown(): no countdown in locale {locale!r} (only {LOCALES})")
        recipient = context.get("recipient") or {}
        if zone is None:
            where = recipient_zone(recipient.get("timezone"))
        else:
            found = zone_named(zone)
            if found is None:
                raise ValueError(f"countdown(): unknown time zone {zone!r}")
            where = found
        duration = _hours(hours)
        end: dt.datetime | None = None
        if _given(deadline):
            end = _deadline(deadline, where)
        elif duration is not None and not evergreen:
            now = context.get("now")
            if not isinstance(now, dt.datetime):
                raise ValueError("countdown(): the render context has no `now`")
            end = now.astimezone(where) + dt.timedelta(hours=duration)
        elif duration is None:
            return None
        if end is not None:
            token = CountdownToken(locale, look.name, scale, deadline=int(end.timestamp()))
            shown = end.astimezone(recipient_zone(recipient.get("timezone")))
        else:
            assert duration is not None  # no deadline, and evergreen
            key = f"{context.get('template')}\n{recipient.get('id')}"
            token = CountdownToken(locale, look.name, scale, duration=duration * 3600, key=key)
            shown = None
        return Countdown(
            url=self.url(token),
            width=look.width,
            height=look.height,
            deadline=shown,
            hours=duration if end is None else None,
            html=bool(context.eval_ctx.autoescape),
        )


def _given(value: Any) -> bool:
    return not (value is None or isinstance(value, Undefined) or value == "")


def _hours(value: Any) -> int | None:
    if not _given(value) or value == 0:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"countdown(): hours must be a whole number of hours, not {value!r}")
    if value * 3600 > MAX_DURATION_S:
        raise ValueError(f"countdown(): hours {value!r} is more than a year")
    return value


def _deadline(value: Any, zone: dt.tzinfo) -> dt.datetime:
    """An aware datetime: a date ends at the midnight after it; naive times are in `zone`."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone)
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            message = f"countdown(): deadline {value!r} is not an ISO 8601 date-time"
            raise ValueError(message) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    try:
        moment = to_datetime(value, zone)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"countdown(): deadline {value!r} is not a date or date-time ({exc})"
        ) from None
    if isinstance(moment, dt.datetime):
        return moment
    return dt.datetime.combine(moment + dt.timedelta(days=1), dt.time(), tzinfo=zone)
