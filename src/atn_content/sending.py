"""What one send asks of a render beyond the template: set by the delivery path, read by
features while the render runs (the engine's render signature stays the same).

A context variable, set in the thread that renders (Delivery.render runs in the render
pool), so concurrent renders never see each other's options.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Send", "current_send", "sending"]


@dataclass(frozen=True, slots=True)
class Send:
    tracking: bool = True
    """False: no click rewriting and no open pixel in this email (`"tracking": false`)."""
    experiment: str | None = None
    """Key of the experiment the recipient's arm belongs to, if any."""


_DEFAULT = Send()
_current: contextvars.ContextVar[Send] = contextvars.ContextVar("atn_send", default=_DEFAULT)


def current_send() -> Send:
    return _current.get()


@contextmanager
def sending(send: Send) -> Iterator[None]:
    token = _current.set(send)
    try:
        yield
    finally:
        _current.reset(token)
