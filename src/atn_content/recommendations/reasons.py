"""The reason of a recommendation as a sentence, for the API, in the email's own words.

The wording lives in one place, blocks/recommendation-reason.mjml, where the catalogs'
extraction and checks see it (gettext, plural forms, placeholders) and which the emails
include for each item. The API renders that same block, alone, in the locale's text
environment (no HTML escaping: it goes into JSON), so an email and
GET /v1/recommendations never word a reason differently.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from atn_content.content.environment import Environments

__all__ = ["REASON_BLOCK", "Reasons"]

#: The block that words a reason, relative to the content root.
REASON_BLOCK = Path("blocks") / "recommendation-reason.mjml"


class Reasons:
    """Each locale's reason block compiled once (one renderer per app), rendered per item."""

    def __init__(self, content_root: Path) -> None:
        self._path = content_root / REASON_BLOCK  # read when first needed
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()

    def text(self, envs: Environments, locale: str, kind: str, place: str, days: int) -> str:
        """The sentence in the environments' locale, e.g. (envs, "en", "loved", "Bora Bora",
        0) -> "Because you loved Bora Bora"."""
        template = self._compiled.get(locale)
        if template is None:
            source = self._path.read_text(encoding="utf-8")
            compiled = envs.text(locale).from_string(source)
            with self._lock:
                template = self._compiled.setdefault(locale, compiled)
        rendered: str = template.render(reason_kind=kind, reason_place=place, reason_days=days)
        return rendered.strip()
