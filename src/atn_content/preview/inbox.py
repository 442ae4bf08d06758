"""What an inbox list shows of an email: sender, subject, preheader, cut where clients cut.

Lengths are the typical ones reported by Litmus and Email on Acid for a list row: on
desktop (Gmail web, Outlook) about 20 characters of sender and 90 of subject and
preheader together; on a phone (iOS Mail, Gmail app) about 25 of sender, 40 of subject
and 90 of preheader over two lines. Wide (CJK) characters count double, as they take
two columns in a proportional font's worth of room, as do emoji; a cut never splits a
letter from its accent, an emoji from its modifiers, or a flag.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["INBOXES", "Inbox", "InboxLine", "inbox_line", "truncate"]

ELLIPSIS = "…"


@dataclass(frozen=True)
class Inbox:
    key: str
    label: str
    sender: int
    subject: int
    preheader: int
    joined: bool
    """True: subject and preheader share one line (desktop), the preheader gets what is left."""


INBOXES = (
    Inbox(
        "desktop", "Desktop (Gmail web, Outlook)", sender=20, subject=90, preheader=90, joined=True
    ),
    Inbox(
        "mobile", "Mobile (iOS Mail, Gmail app)", sender=25, subject=40, preheader=90, joined=False
    ),
)


@dataclass(frozen=True)
class InboxLine:
    inbox: str
    sender: str
    subject: str
    preheader: str
    cut: tuple[str, ...]
    """Which parts were truncated ("sender", "subject", "preheader")."""


_ZWJ = "\u200d"


def _joins(char: str) -> bool:
    """Belongs to the character before it: a combining mark, a variation selector, an
    emoji skin tone or tag, or what follows a zero-width joiner."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) == "Me"
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or char == _ZWJ
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def clusters(text: str) -> list[str]:
    """What a reader sees as one character (a simplified UAX #29): a letter and its
    accents, an emoji with its modifiers or joined parts, a flag's two letters."""
    out: list[str] = []
    for char in text:
        if out and (
            _joins(char)
            or out[-1].endswith(_ZWJ)
            or (_regional(char) and len(out[-1]) == 1 and _regional(out[-1]))
        ):
            out[-1] += char
        else:
            out.append(char)
    return out


def _cluster_width(cluster: str) -> int:
    first = cluster[0]
    if unicodedata.east_asian_width(first) in "WF" or _regional(first):
        return 2
    if "\ufe0f" in cluster or ord(first) >= 0x1F000:  # emoji presentation
        return 2
    return 1


def width(text: str) -> int:
    return sum(_cluster_width(c) for c in clusters(text))


def truncate(text: str, columns: int) -> str:
    """`text` cut to `columns` (an ellipsis included), never inside a character."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for cluster in clusters(text):
        size = _cluster_width(cluster)
        if used + size > columns - 1:
            break
        out.append(cluster)
        used += size
    return "".join(out).rstrip() + ELLIPSIS


def inbox_line(inbox: Inbox, sender: str, subject: str, preheader: str) -> InboxLine:
    shown_sender = truncate(sender, inbox.sender)
    shown_subject = truncate(subject, inbox.subject)
    room = inbox.preheader
    if inbox.joined:
        room = max(0, inbox.subject - width(shown_subject) - 3)  # " - " between them
    shown_preheader = truncate(preheader, room) if room else ""
    cut = tuple(
        name
        for name, full, shown in (
            ("sender", sender, shown_sender),
            ("subject", subject, shown_subject),
            ("preheader", preheader, shown_preheader),
        )
        if full != shown
    )
    return InboxLine(inbox.key, shown_sender, shown_subject, shown_preheader, cut)
