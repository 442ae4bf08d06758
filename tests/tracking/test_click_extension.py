"""The click extension inside a real render: tokens follow the render's own clock, and no
recipient value can break, forge or leak the markers links are signed from."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.content.renderer import Renderer
from atn_content.sending import Send, sending
from atn_content.signing import Signer
from atn_content.tracking.clicks import ClickLinks

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"t" * 32
RECIPIENT = {"id": "r-clock", "first_name": "Hina"}
NOW = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
TEMPLATE = """+++
list = "newsletter"
subject = "Reprendre"
preheader = "Votre recherche"

[fields.resume]
type = "str"
default = "https://www.airtahitinui.com/"
+++
<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-button href="{{ recipient.resume|safe_url }}">Reprendre</mj-button>
        <mj-text><a href="https://www.airtahitinui.com/s?q={{ recipient.resume
          }}">Chercher</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""


def click_links() -> ClickLinks:
    return ClickLinks(Signer(SECRET, "click"), Settings(secret=SECRET).public_url)


@pytest.fixture(scope="module")
def resume_renderer(tmp_path_factory: pytest.TempPathFactory) -> Renderer:
    root = tmp_path_factory.mktemp("content")
    shutil.copytree(ROOT / "locales", root / "locales")
    for folder in ("templates", "blocks", "experiments"):
        (root / folder).mkdir()
    (root / "templates" / "resume.mjml").write_text(TEMPLATE, encoding="utf-8")
    return build_renderer(Settings(content_root=root, secret=SECRET))


def destinations(html: str) -> list[str]:
    """Where each link of the page goes: a tracked link's signed destination, else its href."""
    links = click_links()
    found = []
    for a in HTMLParser(html).css("a[href]"):
        href = str(a.attributes["href"])
        token = href.partition("/t/c/")[2]
        read = links.read(token, "c", now=NOW.timestamp() + 60) if token else None
        found.append(read.tracked.url if read and read.tracked else href)
    return found


def test_a_render_at_a_given_now_gives_one_document_and_its_tokens_carry_that_now() -> None:
    renderer = build_renderer(Settings(content_root=ROOT, secret=SECRET))
    first = renderer.render("newsletter-destination", "fr", RECIPIENT, now=NOW)
    again = renderer.render("newsletter-destination", "fr", RECIPIENT, now=NOW)
    assert first.html == again.html
    tokens = re.findall(r'href="https://[^/"]+/t/c/([^"]+)"', first.html)
    assert tokens
    for token in tokens:
        read = click_links().read(token, "c", now=NOW.timestamp() + 60)
        assert read.tracked is not None and read.tracked.issued == int(NOW.timestamp())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.text(alphabet=st.sampled_from("\x01\x02\x03\"<>&' a=?%é"), max_size=30))
def test_recipient_values_with_marker_characters_are_signed_whole_and_leave_no_marker(
    resume_renderer: Renderer, tail: str
) -> None:
    resume = "https://www.airtahitinui.com/r?s=" + tail
    email = resume_renderer.render("resume", "fr", {"id": "r-1", "resume": resume}, now=NOW)
    assert not {"\x01", "\x02", "\x03"} & set(email.html.replace(html_lib.escape(tail), ""))
    assert "/t/o/" in email.html
    found = destinations(email.html)
    # Both ends of an href are trimmed, as a mail client does.
    assert found[0] == resume.rstrip()
    assert found[1] == "https://www.airtahitinui.com/s?q=" + resume.rstrip()


def test_tracking_off_gives_each_link_as_written_and_no_pixel(resume_renderer: Renderer) -> None:
    recipient = {"id": "r-1", "resume": "https://www.airtahitinui.com/r?a=1&b=2"}
    with sending(Send(tracking=False)):
        email = resume_renderer.render("resume", "fr", recipient, now=NOW)
    assert "\x01" not in email.html and "/t/" not in email.html
    assert destinations(email.html) == [
        "https://www.airtahitinui.com/r?a=1&b=2",
        "https://www.airtahitinui.com/s?q=https://www.airtahitinui.com/r?a=1&b=2",
    ]
