"""The service's log handler: standard error as it is when a record is written.

Litestar's default handlers hold the stream they were built with; a test runner (pytest
capture, xdist workers) swaps sys.stderr and closes the old one, and every later record
became a "Logging error". Records are rare (warnings), so they are written directly.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from litestar.logging import LoggingConfig

__all__ = ["CurrentStderr", "logging_config"]


class CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """The stream is always the current sys.stderr."""


def logging_config() -> LoggingConfig:
    handler = {"class": "atn_content.logs.CurrentStderr", "level": "DEBUG", "formatter": "standard"}
    return LoggingConfig(handlers={"console": dict(handler), "queue_listener": dict(handler)})
