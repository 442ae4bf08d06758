"""Inbox rows: sender, subject and preheader cut where mail clients cut them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from atn_content.preview.inbox import INBOXES, inbox_line, truncate, width

DESKTOP, MOBILE = INBOXES


def test_short_parts_are_shown_whole() -> None:
    line = inbox_line(MOBILE, "Air Tahiti Nui", "Tokyo awaits", "Fly from Papeete")
    assert (line.sender, line.subject, line.preheader, line.cut) == (
        "Air Tahiti Nui",
        "Tokyo awaits",
        "Fly from Papeete",
        (),
    )


def test_a_long_subject_is_cut_with_an_ellipsis_on_mobile() -> None:
    subject = "Black Friday : -30 % vers Tahiti, Bora Bora et Moorea jusqu'à dimanche"
    line = inbox_line(MOBILE, "Air Tahiti Nui", subject, "")
    assert line.subject.endswith("…") and width(line.subject) <= MOBILE.subject
    assert line.cut == ("subject",)


def test_on_desktop_the_preheader_gets_what_the_subject_leaves() -> None:
    line = inbox_line(DESKTOP, "Air Tahiti Nui", "S" * 80, "P" * 50)
    assert width(line.subject) + 3 + width(line.preheader) <= DESKTOP.subject
    assert "preheader" in line.cut


def test_japanese_characters_count_double() -> None:
    assert width("東京") == 4
    assert truncate("東京が待っています東京が待っています", 10) == "東京が待…"


@given(st.text(), st.integers(min_value=1, max_value=120))
def test_truncation_fits_and_keeps_a_prefix(text: str, columns: int) -> None:
    cut = truncate(text, columns)
    if cut == text:
        assert width(text) <= columns
    else:
        assert width(cut) <= columns and cut.endswith("…")
        assert text.startswith(cut[:-1])


def test_a_cut_never_splits_an_accent_an_emoji_or_a_flag() -> None:
    assert truncate("Cafe\u0301 au lait", 5) == "Cafe\u0301…"
    assert truncate("abc🇵🇫x", 5) == "abc…"  # the flag takes two columns: no room
    assert truncate("abc🇵🇫xyz", 6) == "abc🇵🇫…"
    assert truncate("Hi 👩‍👩‍👧 family", 6) == "Hi 👩‍👩‍👧…"
    assert width("🇵🇫") == 2 and width("e\u0301") == 1


@given(
    st.text(
        alphabet=st.sampled_from(["a", "\u0301", "🇵", "🇫", "👩", "\u200d", "\ufe0f", "東"]),
        max_size=30,
    ),
    st.integers(min_value=1, max_value=20),
)
def test_a_cut_keeps_whole_clusters(text: str, columns: int) -> None:
    from atn_content.preview.inbox import clusters

    cut = truncate(text, columns)
    if cut != text:
        kept = clusters(cut[:-1].rstrip())
        assert kept == clusters(text)[: len(kept)]
