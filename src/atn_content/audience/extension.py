"""The audience feature as an engine extension: `profile` in templates that read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atn_content.audience.profile import derive_profile
from atn_content.content.extensions import BaseExtension, RenderScope

__all__ = ["ProfileExtension"]


class ProfileExtension(BaseExtension):
    """RFM segment, lead score and loyalty status, derived from the recipient's data."""

    name = "profile"
    context_names = frozenset({"profile"})

    def context(self, scope: RenderScope) -> Mapping[str, Any]:
        return {"profile": derive_profile(scope.recipient, scope.today)}
