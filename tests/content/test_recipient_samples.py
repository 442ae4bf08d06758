"""Sample recipients against the vocabulary in docs/RECIPIENT.md, and their segments.

The field table of docs/RECIPIENT.md is the contract: every field a sample uses must be
documented there with a matching type, and every documented field is used by some
sample, so the docs, the samples and the templates cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from atn_content.audience.profile import derive_profile
from atn_content.audience.rfm import SEGMENTS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "RECIPIENT.md"
SAMPLES = sorted((ROOT / "samples" / "recipients").glob("*.json"))

#: The segment each sample is written to be in at its `as_of` date, and its lead band.
INTENDED = {
    "honeymoon-couple": ("potential_loyalist", "offers"),
    "japanese-family": ("need_attention", "offers"),
    "business-traveller": ("loyal", "offers"),
    "lapsed-customer": ("lost", "nurture"),
    "new-subscriber": ("prospect", "nurture"),
    "champion-frequent-flyer": ("champions", "premium"),
    "at-risk-customer": ("at_risk", "nurture"),
    "abandoned-search-prospect": ("prospect", "premium"),
}

_ROW = re.compile(r"^\| `([a-z0-9_.\[\]]+)` \| ([a-z ]+) \| (yes|no) \| .+ \|$")


def _documented() -> dict[str, tuple[str, bool]]:
    fields = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            fields[match[1]] = (match[2], match[3] == "yes")
    return fields


FIELDS = _documented()


def _is_iso_date(v: Any) -> bool:
    try:
        return isinstance(v, str) and len(v) == 10 and bool(date.fromisoformat(v))
    except ValueError:
        return False


def _is_iso_datetime(v: Any) -> bool:
    try:
        return isinstance(v, str) and datetime.fromisoformat(v).utcoffset() is not None
    except ValueError:
        return False


def _is_zone(v: Any) -> bool:
    try:
        return isinstance(v, str) and "/" in v and ZoneInfo(v) is not None
    except (ZoneInfoNotFoundError, ValueError):
        return False


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str) and v.strip() != "",
    "int": _is_int,
    "number": lambda v: _is_int(v) or (isinstance(v, float) and v >= 0),
    "date": _is_iso_date,
    "datetime": _is_iso_datetime,
    "email": lambda v: (
        isinstance(v, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", v) is not None
    ),
    "url": lambda v: isinstance(v, str) and v.startswith("https://") and " " not in v,
    "locale": lambda v: v in {"fr", "en", "ja"},
    "timezone": _is_zone,
    "iata": lambda v: isinstance(v, str) and re.fullmatch(r"[A-Z]{3}", v) is not None,
    "currency": lambda v: isinstance(v, str) and re.fullmatch(r"[A-Z]{3}", v) is not None,
    "string list": lambda v: isinstance(v, list) and all(CHECKS["string"](x) for x in v),
    "object": lambda v: isinstance(v, dict),
    "object list": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}


def _fields(data: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every (documented-style path, value) in a recipient, nested ones included."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        yield path, value
        if isinstance(value, dict):
            yield from _fields(value, f"{path}.")
        elif isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            for item in value:
                yield from _fields(item, f"{path}[].")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_doc_table_parses_and_uses_known_types() -> None:
    assert len(FIELDS) > 50
    assert FIELDS["id"] == ("string", True)
    assert {kind for kind, _ in FIELDS.values()} <= set(CHECKS)


def test_the_intended_samples_exist() -> None:
    assert {p.stem for p in SAMPLES} == set(INTENDED)
    assert len(SAMPLES) >= 8


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_matches_the_documented_vocabulary(path: Path) -> None:
    data = _load(path)
    meta = data.pop("sample")
    assert set(meta) == {"name", "description", "as_of"}
    assert _is_iso_date(meta["as_of"])
    assert "id" in data and "locale" in data
    for name, (_, required) in FIELDS.items():
        if required:
            assert name in data, f"{path.name}: missing required {name}"
    for name, value in _fields(data):
        assert name in FIELDS, f"{path.name}: {name} is not in docs/RECIPIENT.md"
        kind = FIELDS[name][0]
        assert CHECKS[kind](value), f"{path.name}: {name}={value!r} is not a {kind}"


def test_every_documented_field_is_used_by_some_sample() -> None:
    used = set()
    for path in SAMPLES:
        data = _load(path)
        data.pop("sample")
        used.update(name for name, _ in _fields(data))
    assert set(FIELDS) - used == set()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_sample_derives_its_intended_segment(path: Path) -> None:
    data = _load(path)
    today = date.fromisoformat(data["sample"]["as_of"])
    profile = derive_profile(data, today)
    assert json.loads(json.dumps(profile)) == profile
    segment, band = INTENDED[path.stem]
    assert (profile["rfm"]["segment"], profile["lead"]["band"]) == (segment, band)
    assert profile["is_customer"] is (segment != "prospect")


def test_the_segment_grid_in_the_docs_matches_the_code() -> None:
    from atn_content.audience.rfm import GRID

    text = DOC.read_text(encoding="utf-8")
    for r, row in GRID.items():
        cells = " | ".join(segment.id for segment in row)
        assert f"| **{r}** | {cells} |" in text
    for segment in SEGMENTS:
        assert f"| `{segment.id}` | {segment.name} |" in text
