"""The reason of a recommendation as a sentence, in the emails' own words.

The wording lives in one place, blocks/recommendation-reason.mjml, where the catalogs'
extraction and checks see it (gettext, plural forms, placeholders). This module renders
that block alone, in the locale's sandboxed text environment, for the emails'
recommendations section and for GET /v1/recommendations alike, so the two never word a
reason differently. A recipient's reason is one of a few dozen sentences per locale: each
is rendered once and kept (a Jinja render with gettext per item per email would cost more
than the ranking).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from atn_content.content.environment import Environments
from atn_content.content.i18n import Catalogs

__all__ = ["REASON_BLOCK", "Reasons"]

#: The block that words a reason, relative to the content root.
REASON_BLOCK = Path("blocks") / "recommendation-reason.mjml"
#: Sentences kept (locales x kinds x places x days: a few hundred in practice).
_KEPT = 4096


class Reasons:
    """The content root's reason block, compiled once per locale, each sentence kept."""

    def __init__(self, content_root: Path) -> None:
        self._root = content_root  # read when first needed: a root may have no such block
        self._envs: Environments | None = None
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.text = functools.lru_cache(maxsize=_KEPT)(self._text)
        """text(locale, kind, place, days) -> the sentence, e.g. ("en", "loved",
        "Bora Bora", 0) -> "Because you loved Bora Bora"; "" for an unknown kind."""

    def _template(self, locale: str) -> Any:
        template = self._compiled.get(locale)
        if template is None:
            with self._lock:
                if self._envs is None:
                    self._envs = Environments(Catalogs.load(self._root / "locales"))
                source = (self._root / REASON_BLOCK).read_text(encoding="utf-8")
                template = self._compiled.setdefault(
                    locale, self._envs.text(locale).from_string(source)
                )
        return template

    def _text(self, locale: str, kind: str, place: str, days: int) -> str:
        rendered: str = self._template(locale).render(
            reason_kind=kind, reason_place=place, reason_days=days
        )
        return rendered.strip()
