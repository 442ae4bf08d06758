"""What the studio's pages share for one app: the content folder, its samples, the lint's
allow list and the template list's cache.

Samples and the allow list are read on each use (a handful of small files), so a sample
saved by a designer shows on the next click without a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from atn_content.content.lint import AllowList
from atn_content.preview.email_preview import allow_list
from atn_content.preview.overview import Overview
from atn_content.preview.samples import Sample, load_samples

__all__ = ["Workspace"]


@dataclass
class Workspace:
    content_root: Path
    overview: Overview = field(default_factory=Overview)

    def samples(self) -> list[Sample]:
        return load_samples(self.content_root)

    def allow(self) -> AllowList:
        return allow_list(self.content_root)
