"""Interactions (who booked, searched or clicked which destination, when) read from CSV or
Parquet files, the input of `atn-content recs train`.

Columns: `recipient_id`, `destination` (a catalogue code, or anything the catalogue finds:
"Bora Bora", "BOB"), `kind` (booking | search | click), `ts` (ISO 8601 with a UTC offset,
or seconds since the epoch; Parquet may also use a timestamp column, naive ones read as
UTC) and, optionally, `market` (fr | en | ja: the recipient's email language, which the
cold start ranks popularity by). A bad row stops the read with an error naming the file,
the line (CSV, counting the header as line 1) or row (Parquet, from 1), and the column:
training on silently dropped rows would hide a broken export.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from atn_content.content.fields import recipient_id_problem
from atn_content.content.i18n import LOCALES
from atn_content.recommendations.catalogue import Catalogue

__all__ = [
    "COLUMNS",
    "KINDS",
    "Interaction",
    "InteractionError",
    "parse_ts",
    "read_csv",
    "read_interactions",
    "read_parquet",
    "write_csv",
    "write_parquet",
]

#: What a recipient did with a destination, strongest intent first.
KINDS = ("booking", "search", "click")
#: Required columns, then the optional one.
COLUMNS = ("recipient_id", "destination", "kind", "ts")
_OPTIONAL = ("market",)
#: Timestamps outside these years are typos (a date read as seconds, a year 20260).
_EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC).timestamp()
_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC).timestamp()


class InteractionError(ValueError):
    """A file or row that cannot be read; the message says which file, line or row, column."""


class Interaction(msgspec.Struct, frozen=True, array_like=True):
    """One thing a recipient did with one destination; ts in seconds since the epoch (UTC)."""

    recipient_id: str
    destination: str
    kind: str
    ts: float
    market: str = ""


def parse_ts(value: object) -> float:
    """Seconds since the epoch from ISO 8601 with an offset, a number, or a datetime."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        ts = moment.timestamp()
    elif isinstance(value, bool):
        raise ValueError(f"{value!r} is not a timestamp")
    elif isinstance(value, (int, float)):
        ts = float(value)
    elif isinstance(value, str):
        text = value.strip()
        ts = _text_ts(value, text)
    else:
        raise ValueError(f"{value!r} is not a timestamp")
    if not math.isfinite(ts) or not _EARLIEST <= ts < _LATEST:
        raise ValueError(f"{value!r} is not between 1990 and 2200")
    return ts


def _text_ts(value: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not ISO 8601 or seconds since the epoch") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset (write 2026-12-03T06:38:00Z)")
    return moment.timestamp()


class _Rows:
    """Validates rows against the catalogue, remembering what it already resolved."""

    def __init__(self, catalogue: Catalogue, source: str, unit: str) -> None:
        self.catalogue = catalogue
        self.source = source
        self.unit = unit
        self._codes: dict[str, str] = {}
        self._ids: set[str] = set()

    def fail(self, number: int, column: str, problem: str) -> InteractionError:
        return InteractionError(f"{self.source}: {self.unit} {number}: column {column}: {problem}")

    def interaction(
        self, number: int, rid: Any, destination: Any, kind: Any, ts: Any, market: Any
    ) -> Interaction:
        if not isinstance(rid, str) or rid not in self._ids:
            problem = recipient_id_problem(rid)
            if problem is not None:
                raise self.fail(number, "recipient_id", problem)
            rid = str(rid)
            self._ids.add(rid)
        code = self._codes.get(destination) if isinstance(destination, str) else None
        if code is None:
            found = self.catalogue.find(destination) if isinstance(destination, str) else None
            if found is None:
                raise self.fail(number, "destination", f"unknown destination {destination!r}")
            code = self._codes[destination] = found.code
        if kind not in KINDS:
            raise self.fail(number, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        try:
            seconds = parse_ts(ts)
        except ValueError as exc:
            raise self.fail(number, "ts", str(exc)) from None
        if market is None:
            market = ""
        if market and market not in LOCALES:
            raise self.fail(number, "market", f"{market!r} is not one of {', '.join(LOCALES)}")
        return Interaction(rid, code, kind, seconds, market)


def read_csv(path: Path, catalogue: Catalogue | None = None) -> list[Interaction]:
    """Every row of a CSV file with a header line; InteractionError at the first bad one."""
    rows = _Rows(catalogue or Catalogue.default(), str(path), "line")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InteractionError(f"{path}: empty file (expected a header line)")
            index = _header_index([h.strip() for h in header], str(path))
            market = index.get("market")
            width = len(header)
            out: list[Interaction] = []
            r, d, k, t = (index[c] for c in COLUMNS)
            for fields in reader:
                if not fields:
                    continue
                if len(fields) != width:
                    line = reader.line_num
                    raise rows.fail(line, "*", f"{len(fields)} fields, the header has {width}")
                out.append(
                    rows.interaction(
                        reader.line_num,
                        fields[r],
                        fields[d].strip(),
                        fields[k].strip(),
                        fields[t],
                        fields[market].strip() if market is not None else "",
                    )
                )
            return out
    except UnicodeDecodeError as exc:
        raise InteractionError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise InteractionError(f"{path}: not CSV: {exc}") from None


def _header_index(header: Sequence[str], source: str) -> dict[str, int]:
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InteractionError(
            f"{source}: missing column(s) {', '.join(missing)} (found: {', '.join(header)})"
        )
    return {c: header.index(c) for c in (*COLUMNS, *_OPTIONAL) if c in header}


def read_parquet(path: Path, catalogue: Catalogue | None = None) -> list[Interaction]:
    """Every row of a Parquet file; InteractionError at the first bad one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InteractionError(f"{path}: not a Parquet file: {exc}") from None
    _header_index(table.column_names, str(path))
    rows = _Rows(catalogue or Catalogue.default(), str(path), "row")
    columns = [_column(table, c) for c in COLUMNS]
    markets: Iterable[Any] = (
        table.column("market").to_pylist() if "market" in table.column_names else [""] * len(table)
    )
    return [
        rows.interaction(i, rid, dest, kind, ts, market)
        for i, (rid, dest, kind, ts, market) in enumerate(zip(*columns, markets, strict=True), 1)
    ]


def _column(table: Any, name: str) -> list[Any]:
    """A column as Python values; a timestamp column as seconds since the epoch (UTC for a
    naive one), without making a datetime per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(name)
    if pa.types.is_timestamp(column.type):
        per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[column.type.unit]
        ticks = pc.cast(column, pa.int64())
        return [None if v is None else v / per_second for v in ticks.to_pylist()]
    values: list[Any] = column.to_pylist()
    return values


def read_interactions(path: Path, catalogue: Catalogue | None = None) -> list[Interaction]:
    """A CSV or Parquet file, told apart by its first bytes (Parquet starts with PAR1)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise InteractionError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if magic == b"PAR1":
        return read_parquet(path, catalogue)
    return read_csv(path, catalogue)


def write_csv(path: Path, interactions: Iterable[Interaction]) -> None:
    """The CSV `read_csv` reads (ts as ISO 8601 UTC)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow((*COLUMNS, "market"))
        for i in interactions:
            moment = dt.datetime.fromtimestamp(i.ts, dt.UTC).isoformat().replace("+00:00", "Z")
            writer.writerow((i.recipient_id, i.destination, i.kind, moment, i.market))


def write_parquet(path: Path, interactions: Sequence[Interaction]) -> None:
    """The Parquet `read_parquet` reads (ts as a UTC timestamp column)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "recipient_id": [i.recipient_id for i in interactions],
            "destination": [i.destination for i in interactions],
            "kind": [i.kind for i in interactions],
            "ts": pa.array(
                [round(i.ts * 1_000_000) for i in interactions], pa.timestamp("us", tz="UTC")
            ),
            "market": [i.market for i in interactions],
        }
    )
    pq.write_table(table, path)
