"""The template list's cache: one measurement per template and locale until the template,
its catalog, the sample, the allow list or the experiments on it change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.experiments.test_assign import running, shipped
from tests.preview.conftest import REPO

from atn_content.app import build_renderer
from atn_content.config import Settings
from atn_content.content.lint import AllowList
from atn_content.content.lint.allowlist import AllowedGap
from atn_content.delivery import Delivery
from atn_content.experiments.assign import Assigner
from atn_content.preview import overview as overview_module
from atn_content.preview.overview import Overview
from atn_content.preview.samples import load_samples


def test_rows_are_measured_again_only_when_something_they_depend_on_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured: list[tuple[str, str]] = []
    real = overview_module._measure

    def counting(delivery: Delivery, name: str, locale: str, *rest: Any) -> Any:
        measured.append((name, locale))
        return real(delivery, name, locale, *rest)

    monkeypatch.setattr(overview_module, "_measure", counting)
    settings = Settings(content_root=REPO, store_url=f"sqlite:///{tmp_path}/t.db", secret=b"s" * 32)
    assigner = Assigner()
    delivery = Delivery(build_renderer(settings), assigner, max_line_bytes=1 << 20)
    samples, overview = load_samples(REPO), Overview()
    first = overview.rows(delivery, samples, AllowList())
    count = len(measured)
    assert count == sum(len(row.locales) for row in first)
    overview.rows(delivery, samples, AllowList())
    assert len(measured) == count, "nothing changed: all cached"
    other = AllowList({"css-display-flex": AllowedGap(reason="tested in Litmus")})
    overview.rows(delivery, samples, other)
    assert len(measured) == 2 * count, "a new allow list: measured again"
    assigner.load([running(shipped("bf-2026-subject"))])
    overview.rows(delivery, samples, other)
    again = measured[2 * count :]
    assert again and {name for name, _ in again} == {"newsletter-destination"}
