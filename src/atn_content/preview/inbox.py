"""What an inbox list shows of an email: sender, subject, preheader, cut where clients cut.

Lengths are the typical ones reported by Litmus and Email on Acid for a list row: on
desktop (Gmail web, Outlook) about 20 characters of sender and 90 of subject and
preheader together; on a phone (iOS Mail, Gmail app) about 25 of sender, 40 of subject
and 90 of preheader over two lines. Wide (CJK) characters count double, as they take
two columns in a proportional font's worth of room.
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


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def truncate(text: str, columns: int) -> str:
    """`text` cut to `columns` (an ellipsis included) on a character boundary."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for char in text:
        size = width(char)
        if used + size > columns - 1:
            break
        out.append(char)
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
