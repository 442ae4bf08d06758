"""Sample recipients (samples/recipients/*.json): the studio's recipient picker.

Each file is a recipient as the ESP would send it, plus a `sample` object describing the
story it tells (name, description, as_of). The `sample` object is for people and is
dropped before rendering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Sample", "load_samples"]


@dataclass(frozen=True)
class Sample:
    key: str
    """The file's stem: the name `atn-content snapshot --recipient` takes."""
    label: str
    description: str
    recipient: dict[str, Any]
    locale: str | None


def load_samples(content_root: Path) -> list[Sample]:
    """Every readable sample, sorted by key; an unreadable file is skipped, not fatal."""
    found = []
    for path in sorted((content_root / "samples" / "recipients").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        about = data.pop("sample", None)
        about = about if isinstance(about, dict) else {}
        locale = data.get("locale")
        found.append(
            Sample(
                key=path.stem,
                label=str(about.get("name") or path.stem),
                description=str(about.get("description") or ""),
                recipient=data,
                locale=locale if isinstance(locale, str) else None,
            )
        )
    return found
