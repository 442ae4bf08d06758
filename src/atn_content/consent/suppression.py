"""Whether one recipient may get one template: a pure function of what they chose.

Checked in order: an erasure (never mail again), an unsubscribe from every list ("*"),
from the template's list, preferences at frequency "never", then a content type they
dropped from their topics. Frequencies "weekly" and "monthly" do not refuse a render:
they reach the ESP through the suppression feed, which caps sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from atn_content.store.base import Preferences, Unsubscribe

__all__ = ["Held", "Left", "Suppression", "merge_preferences", "merge_unsubscribe", "suppressed"]

#: The list id meaning "every list".
EVERY_LIST = "*"


@dataclass(frozen=True)
class Left:
    """One list a recipient left: when, why, and where it came from."""

    since: float
    reason: str = ""
    source: str = "link"


@dataclass(frozen=True)
class Held:
    """What the snapshot knows of one recipient."""

    lists: Mapping[str, Left] = field(default_factory=dict)
    preferences: Preferences | None = None
    erased_at: float | None = None


@dataclass(frozen=True)
class Suppression:
    """Why a render is refused (the 409's `reason`), since when, in words."""

    reason: str
    since: float
    detail: str


def suppressed(held: Held | None, list_id: str, content_type: str) -> Suppression | None:
    """The first rule refusing this template to this recipient, or None."""
    if held is None:
        return None
    if held.erased_at is not None:
        return Suppression("erased", held.erased_at, "this recipient's data was erased on request")
    for target, reason, words in (
        (EVERY_LIST, "unsubscribed-everything", "every list"),
        (list_id, "unsubscribed", f"the list {list_id!r}"),
    ):
        left = held.lists.get(target)
        if left is not None:
            why = f", reason {left.reason!r}" if left.reason else ""
            detail = f"the recipient unsubscribed from {words} (source {left.source!r}{why})"
            return Suppression(reason, left.since, detail)
    prefs = held.preferences
    if prefs is not None and prefs.frequency == "never":
        return Suppression(
            "frequency-never", prefs.ts, "the recipient's preferences say: never email me"
        )
    if prefs is not None and content_type and content_type not in prefs.topics:
        return Suppression(
            "content-type",
            prefs.ts,
            f"the recipient's preferences leave out {content_type!r} emails",
        )
    return None


def merge_unsubscribe(held: Held | None, write: Unsubscribe) -> Held:
    """The first unsubscribe from a list is kept (as in the store)."""
    held = held or Held()
    if write.list_id in held.lists:
        return held
    lists = {**held.lists, write.list_id: Left(write.ts, write.reason, write.source)}
    return replace(held, lists=lists)


def merge_preferences(held: Held | None, write: Preferences) -> Held:
    """A later choice replaces an earlier one; an older one changes nothing."""
    held = held or Held()
    if held.preferences is not None and held.preferences.ts >= write.ts:
        return held
    return replace(held, preferences=write)
