"""Attribution of tracking events to an experiment's counters buckets (pure)."""

from __future__ import annotations

from pathlib import Path

from atn_content.experiments.assign import Assigner
from atn_content.experiments.attribution import Attribution, attribute
from atn_content.experiments.definitions import Definition
from atn_content.experiments.intake import Observation
from atn_content.experiments.lifecycle import launched
from atn_content.experiments.records import ROLLOUT, Record
from atn_content.experiments.service import load_files

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_000_000.0


def shipped(key: str) -> Definition:
    return load_files(ROOT / "experiments")[0][key][0]


def snapshot(record: Record) -> Assigner:
    assigner = Assigner()
    assigner.load([record], now=NOW)
    return assigner


def test_events_take_the_arm_of_the_hash_and_the_holdback_the_rollout_bucket() -> None:
    record = launched(shipped("bf-2026-subject"), NOW, "test")
    assigner = snapshot(record)
    ids = [f"r-{n}" for n in range(200)]
    events = [Observation("click", rid) for rid in ids]
    got = attribute(record, assigner, events)
    assert [a.bucket for a in got] == [assigner.bucket(record.key, rid) for rid in ids]
    assert {a.bucket for a in got} == {"A", "B", "C", ROLLOUT}
    assert all(a.reason == "" for a in got)


def test_refused_events_say_why_in_order() -> None:
    record = launched(shipped("bf-2026-subject"), NOW, "test")
    assigner = snapshot(record)
    tested = next(f"r-{n}" for n in range(1000) if assigner.bucket(record.key, f"r-{n}") == "A")
    events = [
        Observation("open", tested, variant="Z"),
        Observation("open", tested, locale="en"),
        Observation("open", tested, variant="B"),
        Observation("open", tested, variant="A", locale="fr"),
    ]
    assert attribute(record, assigner, events) == [
        Attribution(None, "unknown variant 'Z'"),
        Attribution(None, "locale 'en' is not in the test (fr)"),
        Attribution(None, f"recipient {tested!r} is in arm 'A', not 'B'"),
        Attribution("A", ""),
    ]


def test_bandit_events_keep_the_arm_they_were_sent_with() -> None:
    record = launched(shipped("newsletter-cta"), NOW, "test")
    assigner = snapshot(record)
    variants = [v.key for v in record.definition.variants]
    rid = "r-1"
    hashed = assigner.bucket(record.key, rid)
    other = next(v for v in variants if v != hashed)
    got = attribute(record, assigner, [Observation("click", rid, variant=other)])
    assert got == [Attribution(other, "")]
