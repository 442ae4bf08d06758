"""countdown() in a template: the deadline it signs (from recipient data, a date, a
date-time, hours after the send, an evergreen timer), the <img> it gives, the text part's
words, and bad input named by field or by template line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from tests.content.test_hostile_input import content_root

from atn_content.content.errors import ContentError, RecipientError
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import RenderedEmail, Renderer
from atn_content.images.extension import CountdownExtension
from atn_content.images.tokens import CountdownToken, CountdownTokens
from atn_content.signing import Signer

BASE = "https://news.airtahitinui.com"
tokens = CountdownTokens(Signer(b"k" * 32, "countdown"))
NOW = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
TEMPLATE = """+++
subject = "Countdown"
[fields.ends]
type = "str"
default = ""
description = "The end."
[fields.timezone]
type = "str"
default = "Pacific/Tahiti"
description = "The recipient's zone."
+++
<mjml><mj-body><mj-section><mj-column><mj-text>
{%- set timer = countdown(CALL) -%}
{{ timer.img("ALT") if timer else "none" }}
</mj-text></mj-column></mj-section></mj-body></mjml>
"""


def renderer(tmp_path: Path, call: str) -> Renderer:
    root = content_root(tmp_path, {"t": TEMPLATE.replace("CALL", call)})
    return Renderer(
        Library(root), Catalogs.load(root / "locales"), [CountdownExtension(tokens, BASE)]
    )


def rendered(tmp_path: Path, call: str, locale: str = "fr", **recipient: str) -> RenderedEmail:
    return renderer(tmp_path, call).render("t", locale, {"id": "r-1", **recipient}, now=NOW)


def token_in(html: str) -> CountdownToken:
    found = re.search(rf'src="{BASE}/v1/img/countdown/([^"]+)\.gif"', html)
    assert found is not None, html
    token = tokens.read(found.group(1))
    assert token is not None
    return token


def epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).timestamp())


@pytest.mark.parametrize(
    ("ends", "zone", "expected"),
    [
        # A date ends at the midnight after it, in the recipient's zone or the one given.
        ("2026-11-30", "Pacific/Tahiti", epoch("2026-12-01T00:00:00-10:00")),
        ("2026-11-30", "Europe/Paris", epoch("2026-12-01T00:00:00+01:00")),
        ("2026-12-10T09:55:00+01:00", "Pacific/Tahiti", epoch("2026-12-10T08:55:00Z")),
        ("2026-12-10T09:55:00", "Asia/Tokyo", epoch("2026-12-10T09:55:00+09:00")),
    ],
)
def test_a_deadline_from_recipient_data_is_signed_in_the_url(
    tmp_path: Path, ends: str, zone: str, expected: int
) -> None:
    email = rendered(tmp_path, "recipient.ends", ends=ends, timezone=zone)
    assert token_in(email.html) == CountdownToken("fr", "lagoon", 2, deadline=expected)


def test_each_recipient_gets_their_own_deadline(tmp_path: Path) -> None:
    r = renderer(tmp_path, "recipient.ends")
    first = r.render("t", "en", {"id": "a", "ends": "2026-12-01T10:00:00Z"}, now=NOW)
    second = r.render("t", "en", {"id": "b", "ends": "2026-12-03T10:00:00Z"}, now=NOW)
    assert token_in(first.html).deadline == epoch("2026-12-01T10:00:00Z")
    assert token_in(second.html).deadline == epoch("2026-12-03T10:00:00Z")


def test_a_zone_argument_overrides_the_recipients(tmp_path: Path) -> None:
    email = rendered(
        tmp_path, 'recipient.ends, zone="Pacific/Tahiti"', ends="2026-11-30", timezone="Asia/Tokyo"
    )
    assert token_in(email.html).deadline == epoch("2026-12-01T00:00:00-10:00")


def test_hours_without_a_deadline_run_from_the_send(tmp_path: Path) -> None:
    token = token_in(rendered(tmp_path, "recipient.ends, hours=48", "ja").html)
    assert token == CountdownToken("ja", "lagoon", 2, deadline=int(NOW.timestamp()) + 48 * 3600)


def test_an_evergreen_timer_runs_from_the_recipients_first_open(tmp_path: Path) -> None:
    token = token_in(rendered(tmp_path, "hours=24, evergreen=true").html)
    assert token == CountdownToken("fr", "lagoon", 2, duration=24 * 3600, key="t\nr-1")


def test_style_and_scale_are_carried(tmp_path: Path) -> None:
    email = rendered(tmp_path, 'recipient.ends, style="night", scale=1', ends="2027-01-01")
    token = token_in(email.html)
    assert (token.theme, token.scale) == ("night", 1)


def test_the_image_is_shown_at_1x_with_its_size_and_alt(tmp_path: Path) -> None:
    email = rendered(tmp_path, "recipient.ends", ends="2027-01-01")
    img = re.search(r"<img [^>]*/v1/img/countdown/[^>]*>", email.html)
    assert img is not None
    assert 'width="600"' in img.group(0) and 'height="120"' in img.group(0)
    assert 'alt="ALT"' in img.group(0) and "display:block" in img.group(0)


def test_the_text_part_has_the_words_not_the_markup(tmp_path: Path) -> None:
    email = rendered(tmp_path, "recipient.ends", ends="2027-01-01")
    assert "ALT" in email.text and "<img" not in email.text and "countdown/" not in email.text


def test_no_deadline_and_no_hours_is_no_countdown(tmp_path: Path) -> None:
    email = rendered(tmp_path, "recipient.ends")
    assert "none" in email.html and "/v1/img/countdown/" not in email.html


def test_a_malformed_deadline_in_recipient_data_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(RecipientError, match=r"recipient\.ends.*'next friday'"):
        rendered(tmp_path, "recipient.ends", ends="next friday")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ('recipient.ends, style="neon"', "unknown countdown theme 'neon'"),
        ("recipient.ends, scale=3", "scale 3"),
        ('recipient.ends, zone="Mars/Olympus"', "unknown time zone 'Mars/Olympus'"),
        ("hours=-2", "whole number of hours"),
        ('hours="48"', "whole number of hours"),
        ("hours=9000", "more than a year"),
    ],
)
def test_a_template_misusing_countdown_names_its_line(
    tmp_path: Path, call: str, message: str
) -> None:
    with pytest.raises(ContentError, match=re.escape(message)) as caught:
        rendered(tmp_path, call, ends="2027-01-01")
    assert "templates/t.mjml" in str(caught.value)
