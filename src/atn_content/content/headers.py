"""Header fields (subject, preheader, sender name): one safe line, of a bounded length.

A mail library reads CR, LF and several other characters as line breaks (header
injection); bidi overrides and zero-width characters let a subject display something
other than what it says (`U+202E` reverses what follows). Both are removed here. Every
step is linear in the length of the text: this runs on recipient data.
"""

from __future__ import annotations

import re

__all__ = ["HEADER_LIMITS", "LINE_BREAK_CHARACTERS", "header_line", "header_problem"]

#: What a mail library could read as a line break, and control characters (a regex class
#: body): never in a header, nor in a recipient id, which reaches List-Unsubscribe.
LINE_BREAK_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_LINE_BREAKS = re.compile(f"[{LINE_BREAK_CHARACTERS}]+")
#: Bidi embeddings, overrides and isolates, zero-width characters and the BOM.
_INVISIBLE_CHARACTERS = r"\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARACTERS}]")
#: Whether header_line changes a text at all: most subjects need nothing taken out.
_CLEANED = re.compile(f"[{LINE_BREAK_CHARACTERS}{_INVISIBLE_CHARACTERS}]|^\\s|\\s$")

#: Longest value of each header field, in characters. The subject: ESPs cap it near
#: this (Mailchimp 150, most clients show under 100); the preheader is preview text
#: (clients show 40 to 140 characters); the sender's display name: 100 as SendGrid.
HEADER_LIMITS = {"subject": 255, "preheader": 500, "from_name": 100}


def header_line(text: str) -> str:
    """`text` as a single line: each run of line breaks, with the spaces around it, becomes
    one space; invisible and direction-changing characters are dropped."""
    if not _CLEANED.search(text):  # the usual subject: nothing to take out
        return text
    parts = _LINE_BREAKS.split(_INVISIBLE.sub("", text))
    return " ".join(part.strip(" ") for part in parts).strip()


def header_problem(field: str, value: str) -> str | None:
    """Why `value` cannot be the `field` header (subject, preheader, from_name), or None."""
    limit = HEADER_LIMITS[field]
    if len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit} are allowed"
    return None
