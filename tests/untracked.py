"""The engine's output before click tracking rewrites its links: what content tests read.

Click and open tracking (tracking/click_extension.py) replaces every link by a signed
redirect and adds a pixel; tests of what a template shows (which offer, which URL, the
plain-text links) read the links as the designer wrote them. Tracking is tested, with its
rewritten links, in tests/tracking.
"""

from __future__ import annotations

from collections.abc import Sequence

from atn_content.app import build_renderer as build_tracked_renderer
from atn_content.app import default_features
from atn_content.config import Settings
from atn_content.content.renderer import Renderer
from atn_content.features import Feature

__all__ = ["build_renderer"]


def build_renderer(settings: Settings, features: Sequence[Feature] | None = None) -> Renderer:
    chosen = default_features(settings) if features is None else features
    return build_tracked_renderer(settings, [f for f in chosen if f.name != "clicks"])
