"""Header fields: one safe line, bounded, in time linear in the text (it is recipient data)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.errors import LimitError
from atn_content.content.headers import HEADER_LIMITS, header_line, header_problem
from atn_content.content.renderer import Renderer

ROOT = Path(__file__).resolve().parents[2]
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INVISIBLE = "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\ufeff"
#: The rule before it was made linear: the reference for inputs without invisible characters.
_QUADRATIC = re.compile(r"[ ]*[\x00-\x1f\x7f-\x9f\u2028\u2029]+[ ]*")


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"s" * 32))


@pytest.mark.parametrize("spaces", [1 << 20, (1 << 20) - 1])
def test_a_megabyte_of_spaces_is_cleaned_without_stalling(spaces: int) -> None:
    """Was quadratic: 40,000 spaces took 39 s, a MiB would take hours. A subprocess with a
    generous deadline (linear: milliseconds) turns a stall into a failure, not a hang."""
    code = (
        "from atn_content.content.headers import header_line\n"
        f"out = header_line('a' + ' ' * {spaces} + 'b\\r\\n c')\n"
        f"assert out == 'a' + ' ' * {spaces} + 'b c', out[-10:]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize("mark", list(_INVISIBLE))
def test_bidi_overrides_and_zero_width_characters_are_dropped(mark: str) -> None:
    assert header_line(f"Bora{mark} Bora{mark}") == "Bora Bora"


@pytest.mark.parametrize(
    ("template", "recipient"),
    [
        ("newsletter-destination", {"id": "r1", "first_name": "\u202egnipaets\u200b Ana"}),
        (
            "booking-confirmation",
            {"id": "r1", "booking": {"pnr": "\ufeffAB\u2066C123", "flights": []}},
        ),
    ],
)
def test_rendered_headers_carry_no_invisible_characters(
    shipped: Renderer, template: str, recipient: dict[str, object]
) -> None:
    email = shipped.render(template, "en", recipient)
    for line in (email.subject, email.preheader):
        assert not set(line) & set(_INVISIBLE), line


@pytest.mark.parametrize(
    ("template", "recipient", "part"),
    [
        (
            "newsletter-destination",
            {"id": "r1", "first_name": "Ana" + " " * 1_900 + "Tane"},
            "preheader",
        ),
        (
            "booking-confirmation",
            {"id": "r1", "booking": {"pnr": "A" * 1_900, "flights": []}},
            "preheader",
        ),
    ],
)
def test_a_header_over_its_limit_is_refused_naming_it(
    shipped: Renderer, template: str, recipient: dict[str, object], part: str
) -> None:
    with pytest.raises(LimitError) as caught:
        shipped.render(template, "en", recipient)
    assert caught.value.part == part
    assert caught.value.file.endswith(f"{template}.mjml")
    assert f"at most {HEADER_LIMITS[part]}" in str(caught.value)


def test_limits_accept_values_up_to_them() -> None:
    for field, limit in HEADER_LIMITS.items():
        assert header_problem(field, "x" * limit) is None
        assert header_problem(field, "x" * (limit + 1))


@given(st.text())
def test_a_header_line_is_one_clean_line(text: str) -> None:
    line = header_line(text)
    assert not _BREAKS.search(line)
    assert not set(line) & set(_INVISIBLE)
    assert line == line.strip()
    assert header_line(line) == line


@given(st.text(alphabet=st.sampled_from(" ab\r\n\t\x00\u2028\u00a0é"), max_size=40))
def test_a_header_line_matches_the_previous_rule(text: str) -> None:
    assert header_line(text) == _QUADRATIC.sub(" ", text).strip()


def _every_step(text: str) -> str:
    """header_line without its shortcut for text that needs nothing taken out."""
    parts = re.split(f"(?:{_BREAKS.pattern})+", re.sub(f"[{re.escape(_INVISIBLE)}]", "", text))
    return " ".join(part.strip(" ") for part in parts).strip()


@given(st.text(alphabet=st.sampled_from(" ab\r\n\t\u3000\u00a0\u200b\u202e\u2028é"), max_size=12))
def test_the_shortcut_for_clean_lines_changes_nothing(text: str) -> None:
    assert header_line(text) == _every_step(text)
