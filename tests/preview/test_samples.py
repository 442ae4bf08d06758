"""Sample recipients: the shipped ones load, and a broken file is skipped, not fatal."""

from __future__ import annotations

import json
from pathlib import Path

from tests.preview.conftest import REPO

from atn_content.preview.samples import load_samples


def test_the_shipped_samples_load_without_their_description_object() -> None:
    samples = load_samples(REPO)
    assert len(samples) == 8
    honeymoon = next(s for s in samples if s.key == "honeymoon-couple")
    assert honeymoon.locale == "fr" and "sample" not in honeymoon.recipient
    assert honeymoon.label.startswith("Camille")


def test_an_unreadable_sample_is_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "samples" / "recipients"
    folder.mkdir(parents=True)
    (folder / "good.json").write_text(json.dumps({"id": "a", "locale": "ja"}))
    (folder / "broken.json").write_text("{not json")
    (folder / "list.json").write_text("[]")
    assert [s.key for s in load_samples(tmp_path)] == ["good"]
