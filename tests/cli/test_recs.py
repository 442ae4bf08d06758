"""`atn-content recs train` and `recs evaluate`, as a user runs them."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from cli_runner import Cli

from atn_content.recommendations.interactions import write_csv, write_parquet
from atn_content.recommendations.model import RecsModel, latest
from atn_content.recommendations.synthetic import generate
from atn_content.store.sqlite import SQLiteStore

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)


def pairs(line: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in line.split())


def stored(tmp_path: Path) -> RecsModel | None:
    path = tmp_path / "state" / "atn.db"
    if not path.exists():
        return None

    async def read() -> RecsModel | None:
        store = SQLiteStore(path)
        try:
            return await latest(store)
        finally:
            await store.close()

    return asyncio.run(read())


def test_train_stores_a_new_version_each_run(cli: Cli, tmp_path: Path) -> None:
    rows = generate(300, 3, START, END)
    csv_file, parquet_file = tmp_path / "i.csv", tmp_path / "i.parquet"
    write_csv(csv_file, rows)
    write_parquet(parquet_file, rows)
    recipients = len({i.recipient_id for i in rows})
    first = cli("recs", "train", str(csv_file))
    assert first.returncode == 0, first.stderr
    assert (
        f"read {len(rows):,} interactions of {recipients} recipients from {csv_file}"
        in first.stdout
    )
    assert "stored recs-model version 1" in first.stdout
    last = pairs(first.stdout.splitlines()[-1])
    assert (last["version"], last["interactions"], last["recipients"]) == (
        "1",
        str(len(rows)),
        str(recipients),
    )
    model = stored(tmp_path)
    assert model is not None and model.version == 1 and model.interactions == len(rows)
    second = cli("recs", "train", str(parquet_file))
    assert second.returncode == 0, second.stderr
    assert pairs(second.stdout.splitlines()[-1])["version"] == "2"
    again = stored(tmp_path)
    assert again is not None and again.version == 2
    # The same rows through Parquet (timestamps to the microsecond either way).
    assert again.neighbours == model.neighbours and again.popularity == model.popularity


def test_a_bad_file_is_named_and_nothing_is_stored(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "recipient_id,destination,kind,ts\nr1,moorea,click,2025-01-01T00:00:00Z\n"
        "r2,moorea,like,2025-01-01T00:00:00Z\n",
        encoding="utf-8",
    )
    result = cli("recs", "train", str(path))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        f"error: {path}: line 3: column kind: 'like' is not one of booking, search, click"
    )
    assert stored(tmp_path) is None
    missing = cli("recs", "train", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "nope.csv: cannot read" in missing.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("recipient_id,destination,kind,ts\n", encoding="utf-8")
    nothing = cli("recs", "train", str(empty))
    assert nothing.returncode == 1 and "no interactions to train on" in nothing.stderr


def test_evaluate_on_synthetic_data_ends_with_the_figures(cli: Cli) -> None:
    result = cli("recs", "evaluate", "--recipients", "1500", "--resamples", "100")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Evaluation on SYNTHETIC data (seed 14, 1,500 recipients")
    table = {row[0]: row[1:] for row in map(str.split, lines) if len(row) == 5}
    assert {"blend", "similar", "also_visited", "recent_searches", "popularity"} <= set(table)
    last = pairs(lines[-1])
    blend, popularity = float(last["blend_recall_at_3"]), float(last["popularity_recall_at_3"])
    assert (
        float(last["lift"]) == round(blend / popularity - 1, 4)
        or abs(float(last["lift"]) - (blend / popularity - 1)) < 1e-3
    )
    assert table["blend"][1] == last["blend_recall_at_3"]
    assert float(last["lift_ci_low"]) <= float(last["lift"]) <= float(last["lift_ci_high"])


def test_evaluate_a_file_with_a_cutoff(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "i.parquet"
    write_parquet(path, generate(500, 9, START, END))
    result = cli("recs", "evaluate", str(path), "--cutoff", "2025-10-01", "--resamples", "50")
    assert result.returncode == 0, result.stderr
    assert "before 2025-10-01T00:00:00Z" in result.stdout
    late = cli("recs", "evaluate", str(path), "--cutoff", "2030-01-01")
    assert late.returncode == 1 and "nothing to test on (cutoff 2030-01-01" in late.stderr


def test_recs_train_as_a_subprocess(cli_subprocess: Cli, tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    write_csv(path, generate(50, 1, START, END))
    result = cli_subprocess("recs", "train", str(path))
    assert result.returncode == 0, result.stderr
    assert pairs(result.stdout.splitlines()[-1])["version"] == "1"
