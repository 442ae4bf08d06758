"""Interaction files: what was written is what is read, and a bad row is named exactly."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import (
    KINDS,
    Interaction,
    InteractionError,
    parse_ts,
    read_csv,
    read_interactions,
    write_csv,
    write_parquet,
)

CATALOGUE = Catalogue.default()
HEADER = "recipient_id,destination,kind,ts,market\n"

interactions = st.builds(
    Interaction,
    recipient_id=st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12
    ).filter(str.strip),
    destination=st.sampled_from(CATALOGUE.codes),
    kind=st.sampled_from(KINDS),
    # whole microseconds: what Parquet's timestamp column holds
    ts=st.integers(631_152_000_000_000, 7_000_000_000_000_000).map(lambda us: us / 1_000_000),
    market=st.sampled_from(["", "fr", "en", "ja"]),
)


# Files and (the first time) pyarrow: no per-example deadline on a loaded machine.
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50, deadline=None
)
@given(rows=st.lists(interactions, max_size=20), form=st.sampled_from(["csv", "parquet"]))
def test_what_is_written_is_read_back(tmp_path: Path, rows: list[Interaction], form: str) -> None:
    path = tmp_path / f"interactions.{form}"
    if form == "csv":
        write_csv(path, rows)
    else:
        write_parquet(path, rows)
    back = read_interactions(path, CATALOGUE)
    assert [(i.recipient_id, i.destination, i.kind, i.market) for i in back] == [
        (i.recipient_id, i.destination, i.kind, i.market) for i in rows
    ]
    assert all(abs(a.ts - b.ts) < 1e-6 for a, b in zip(back, rows, strict=True))


def test_places_may_be_written_as_people_write_them(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    path.write_text(
        HEADER + "r1,Bora Bora,booking,2026-01-02T10:00:00+01:00,fr\n"
        "r1,tahaa,search,1767344400,\n"
        "r2,NRT,click,2026-01-02T09:00:00Z,ja\n",
        encoding="utf-8",
    )
    rows = read_csv(path)
    assert [i.destination for i in rows] == ["bora-bora", "tahaa", "tokyo"]
    assert rows[0].ts == rows[1].ts == dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC).timestamp()
    assert rows[1].market == ""


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("r1,Hawaii,booking,2026-01-02T10:00:00Z,fr", "destination", "unknown destination"),
        ("r1,moorea,purchase,2026-01-02T10:00:00Z,fr", "kind", "'purchase' is not one of"),
        ("r1,moorea,click,yesterday,fr", "ts", "'yesterday' is not ISO 8601"),
        ("r1,moorea,click,2026-01-02T10:00:00,fr", "ts", "has no UTC offset"),
        ("r1,moorea,click,20260102,fr", "ts", "is not between 1990 and 2200"),
        ("r1,moorea,click,nan,fr", "ts", "is not between"),
        (" ,moorea,click,2026-01-02T10:00:00Z,fr", "recipient_id", "must not be blank"),
        ("r1,moorea,click,2026-01-02T10:00:00Z,de", "market", "'de' is not one of"),
        ("r1,moorea,click", "*", "3 fields, the header has 5"),
    ],
)  # fmt: skip
def test_a_bad_csv_row_names_file_line_and_column(
    tmp_path: Path, line: str, column: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    good = "r0,moorea,booking,2026-01-01T00:00:00Z,fr\n"
    path.write_text(HEADER + good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InteractionError) as raised:
        read_interactions(path)
    assert str(raised.value).startswith(f"{path}: line 4: column {column}: ")
    assert message in str(raised.value)


def test_a_bad_parquet_row_names_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    table = pa.table(
        {
            "recipient_id": ["r1", "r2", "r3"],
            "destination": ["moorea", "tahiti", "atlantis"],
            "kind": ["click", "search", "booking"],
            "ts": ["2026-01-01T00:00:00Z"] * 3,
        }
    )
    pq.write_table(table, path)
    with pytest.raises(InteractionError, match=r"bad.parquet: row 3: column destination: "):
        read_interactions(path)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_naive_parquet_timestamps_are_utc_in_any_unit(tmp_path: Path, unit: str) -> None:
    path = tmp_path / "naive.parquet"
    moment = dt.datetime(2026, 3, 4, 5, 6, 7)
    pq.write_table(
        pa.table({"recipient_id": ["r"], "destination": ["moorea"], "kind": ["click"],
                  "ts": pa.array([moment], pa.timestamp(unit))}),
        path,
    )  # fmt: skip
    (row,) = read_interactions(path)
    assert row.ts == moment.replace(tzinfo=dt.UTC).timestamp() and row.market == ""


def test_a_null_parquet_timestamp_is_named(tmp_path: Path) -> None:
    path = tmp_path / "null.parquet"
    moments = pa.array([dt.datetime(2026, 1, 1), None], pa.timestamp("ms", tz="UTC"))
    pq.write_table(
        pa.table({"recipient_id": ["r", "s"], "destination": ["moorea", "tahiti"],
                  "kind": ["click", "click"], "ts": moments}),
        path,
    )  # fmt: skip
    with pytest.raises(InteractionError, match=r"row 2: column ts: None is not a timestamp"):
        read_interactions(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("recipient_id,destination,when\n", "missing column(s) kind, ts (found: recipient_id"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"PAR1 not really", "not a Parquet file"),
    ],
)
def test_a_file_that_is_not_an_interaction_file_says_so(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "f"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(InteractionError, match=re.escape(message)):
        read_interactions(path)
    with pytest.raises(InteractionError, match="cannot read"):
        read_interactions(tmp_path / "missing.csv")


@settings(deadline=None)
@given(st.one_of(st.text(max_size=40), st.floats(), st.integers(), st.none(), st.booleans()))
def test_parse_ts_either_returns_a_sane_time_or_raises_value_error(value: object) -> None:
    try:
        ts = parse_ts(value)
    except ValueError:
        return
    assert 631_152_000 <= ts < 7_258_118_400
