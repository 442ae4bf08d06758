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
import logging
import threading
import time
from pathlib import Path
from typing import Any

from atn_content.content.environment import Environments
from atn_content.content.i18n import Catalogs

__all__ = ["REASON_BLOCK", "Reasons"]

#: The block that words a reason, relative to the content root.
REASON_BLOCK = Path("blocks") / "recommendation-reason.mjml"
#: Sentences kept (locales x kinds x places x days: a few hundred in practice).
_KEPT = 4096
#: Seconds between two looks at the catalogs and the block.
_CHECK_S = 1.0

log = logging.getLogger(__name__)


class Reasons:
    """The content root's reason block, compiled once per locale, each sentence kept; read
    again when a catalog or the block is saved (checked at most once per second, as the
    renderer checks its own catalogs), the previous wording kept if the new one fails."""

    def __init__(self, content_root: Path) -> None:
        self._root = content_root  # read when first needed: a root may have no such block
        self._envs: Environments | None = None
        self._catalogs: Catalogs | None = None
        self._block_stamp: tuple[int, int] | None = None
        self._compiled: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._checked = 0.0
        self._kept = functools.lru_cache(maxsize=_KEPT)(self._text)

    def text(self, locale: str, kind: str, place: str, days: int) -> str:
        """The sentence, e.g. ("en", "loved", "Bora Bora", 0) -> "Because you loved Bora
        Bora"; "" for an unknown kind."""
        if self._envs is not None and time.monotonic() - self._checked >= _CHECK_S:
            self._reload_if_stale()
        return self._kept(locale, kind, place, days)

    def _block(self) -> tuple[str, tuple[int, int]]:
        path = self._root / REASON_BLOCK
        stat = path.stat()
        return path.read_text(encoding="utf-8"), (stat.st_mtime_ns, stat.st_size)

    def _reload_if_stale(self) -> None:
        with self._lock:
            self._checked = time.monotonic()
            try:
                stamp = (self._root / REASON_BLOCK).stat()
                block_saved = (stamp.st_mtime_ns, stamp.st_size) != self._block_stamp
            except OSError:
                block_saved = False
            assert self._catalogs is not None  # set with _envs
            catalogs, problem = self._catalogs.refreshed()
            if problem is not None:  # the wording in use stays
                log.warning("recommendation reasons keep their wording: %s", problem)
            elif catalogs is not self._catalogs:
                self._envs = Environments(catalogs)
                block_saved = True  # every sentence again
            self._catalogs = catalogs
            if block_saved:
                self._compiled, self._block_stamp = {}, None
                self._kept.cache_clear()

    def _template(self, locale: str) -> Any:
        template = self._compiled.get(locale)
        if template is None:
            with self._lock:
                if self._envs is None:
                    self._catalogs = Catalogs.load(self._root / "locales")
                    self._envs = Environments(self._catalogs)
                    self._checked = time.monotonic()
                source, self._block_stamp = self._block()
                template = self._compiled.setdefault(
                    locale, self._envs.text(locale).from_string(source)
                )
        return template

    def _text(self, locale: str, kind: str, place: str, days: int) -> str:
        rendered: str = self._template(locale).render(
            reason_kind=kind, reason_place=place, reason_days=days
        )
        return rendered.strip()
