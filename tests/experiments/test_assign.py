"""Render-time assignment: pure hash on an in-memory snapshot, test group then rollout."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
from pathlib import Path
from typing import Any

import msgspec

from atn_content.experiments.allocation import choose_variation, get_bucket_ranges, hash_value
from atn_content.experiments.assign import Assigner, refresh_forever, send_time_utc
from atn_content.experiments.definitions import Definition, parse_definition
from atn_content.experiments.lifecycle import decided, launched
from atn_content.experiments.records import ROLLOUT, Record
from atn_content.experiments.service import ExperimentService, load_files
from atn_content.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_000_000.0
Z = 3.29


def shipped(key: str) -> Definition:
    return load_files(ROOT / "experiments")[0][key][0]


def running(definition: Definition, at: float = NOW) -> Record:
    return launched(definition, at, "test")


def within(count: int, n: int, p: float) -> bool:
    return abs(count / n - p) <= Z * math.sqrt(p * (1 - p) / n)


def ids(n: int) -> list[dict[str, Any]]:
    return [{"id": f"{i:07d}.client@example.pf"} for i in range(n)]


def test_twenty_percent_test_group_split_evenly_over_three_subjects() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("bf-2026-subject"))])
    recipients = ids(100_000)
    results = [assigner.assign("newsletter-destination", r) for r in recipients]
    statuses = [a.status for a in results if a is not None]
    assert len(statuses) == len(recipients)
    tested = [a for a in results if a is not None and a.status == "test"]
    assert within(len(tested), len(recipients), 0.2)
    for key in "ABC":
        arm = sum(1 for a in tested if a.bucket == key)
        assert within(arm, len(tested), 1 / 3)
    assert {a.status for a in results if a is not None and a.status != "test"} == {"waiting"}


def test_assignment_is_growthbooks_hash_and_bucket_ranges() -> None:
    definition = shipped("bf-2026-subject")
    assigner = Assigner()
    assigner.load([running(definition)])
    ranges = get_bucket_ranges(3, 0.2, definition.weights)
    for recipient in ids(3000):
        expected = choose_variation(hash_value(definition.key, recipient["id"]), ranges)
        got = assigner.assign("newsletter-destination", recipient)
        assert got is not None
        assert got.bucket == ("ABC"[expected] if expected >= 0 else ROLLOUT)


def test_before_the_decision_the_holdback_waits_and_knows_when_it_is_due() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("bf-2026-subject"))])
    waiting = next(
        a
        for r in ids(50)
        if (a := assigner.assign("newsletter-destination", r)) and a.status == "waiting"
    )
    assert waiting.variant is None
    assert waiting.decision_due == dt.datetime.fromtimestamp(NOW + 4 * 3600, dt.UTC)


def test_after_the_decision_testers_keep_their_subject_and_the_rest_get_the_winner() -> None:
    record = running(shipped("bf-2026-subject"))
    assigner = Assigner()
    assigner.load([record])
    recipients = ids(2000)
    before = [assigner.assign("newsletter-destination", r) for r in recipients]
    assigner.load(
        [decided(record, "B", True, "B wins", NOW + 4 * 3600, "rule")], now=NOW + 5 * 3600
    )
    after = [assigner.assign("newsletter-destination", r) for r in recipients]
    for old, new in zip(before, after, strict=True):
        assert old is not None and new is not None
        if old.status == "test":
            assert (new.status, new.variant, new.bucket) == ("test", old.variant, old.bucket)
        else:
            assert new.status == "rollout" and new.bucket == ROLLOUT
            assert new.variant is not None and new.variant.subject == "Votre Polynésie à -30 %"


def test_holdback_can_get_the_control_before_the_decision() -> None:
    definition = msgspec.structs.replace(shipped("bf-2026-subject"), holdback="control")
    assigner = Assigner()
    assigner.load([running(definition)])
    held = [
        a
        for r in ids(200)
        if (a := assigner.assign("newsletter-destination", r)) and a.status != "test"
    ]
    assert held and all(a.status == "holdback_control" for a in held)
    assert all(a.variant is not None and a.variant.key == "A" for a in held)


def test_namespace_halves_never_share_a_recipient() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("newsletter-cta")), running(shipped("newsletter-send-time"))])
    seen = {"newsletter-cta": 0, "newsletter-send-time": 0}
    for recipient in ids(20_000):
        a = assigner.assign("newsletter-destination", recipient)
        assert a is not None  # the halves cover the namespace
        seen[a.experiment] += 1
        other = "newsletter-send-time" if a.experiment == "newsletter-cta" else "newsletter-cta"
        assert assigner.bucket(other, recipient["id"]) is None
        assert assigner.bucket(a.experiment, recipient["id"]) == a.bucket
    assert within(seen["newsletter-cta"], 20_000, 0.5)


def test_cta_params_reach_the_variant() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("newsletter-cta"))])
    arms = {
        a.bucket: a.variant
        for r in ids(300)
        if (a := assigner.assign("newsletter-destination", r)) is not None
    }
    assert arms["lagoon"] is not None
    assert dict(arms["lagoon"].params) == {"cta_text": "Je pars à Tahiti", "cta_color": "#0b4f6c"}
    assert arms["control"] is not None and arms["control"].params == ()


def test_send_time_is_the_local_clock_time_in_each_recipients_zone() -> None:
    assert send_time_utc("07:00", "2026-12-03", "Pacific/Tahiti") == dt.datetime(
        2026, 12, 3, 17, 0, tzinfo=dt.UTC
    )
    assert send_time_utc("07:00", "2026-12-03", "Asia/Tokyo") == dt.datetime(
        2026, 12, 2, 22, 0, tzinfo=dt.UTC
    )
    now = dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC)  # 10:00 in Papeete
    utc = dt.UTC
    assert send_time_utc("07:00", None, None, now) == dt.datetime(2026, 11, 27, 17, 0, tzinfo=utc)
    assert send_time_utc("19:30", None, None, now) == dt.datetime(2026, 11, 27, 5, 30, tzinfo=utc)


def test_send_time_arm_carries_send_at_for_the_recipient() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("newsletter-send-time"))])
    tokyo = [{"id": f"r{i}", "timezone": "Asia/Tokyo"} for i in range(400)]
    got = [a for r in tokyo if (a := assigner.assign("newsletter-destination", r))]
    clock = {"morning": "07:00", "lunch": "12:15", "evening": "19:30"}
    assert got
    for a in got:
        local = a.send_at.astimezone(dt.timezone(dt.timedelta(hours=9))) if a.send_at else None
        assert local is not None and local.date() == dt.date(2026, 12, 3)
        assert local.strftime("%H:%M") == clock[a.bucket]


def test_whole_template_and_sender_name_tests() -> None:
    template_test = parse_definition(
        {
            "key": "reengage-layout",
            "name": "Layout",
            "kind": "template",
            "template": "reengage-3m",
            "variants": [{"key": "A"}, {"key": "B", "template": "reengage-6m"}],
        }
    )
    sender_test = parse_definition(
        {
            "key": "sender",
            "name": "Sender",
            "kind": "from_name",
            "template": "newsletter-destination",
            "variants": [{"key": "A"}, {"key": "B", "from_name": "Hinano d'Air Tahiti Nui"}],
        }
    )
    assigner = Assigner()
    assigner.load([running(template_test), running(sender_test)])
    layouts = {a.bucket: a.template for r in ids(100) if (a := assigner.assign("reengage-3m", r))}
    assert layouts == {"A": "reengage-3m", "B": "reengage-6m"}
    on_newsletter = [assigner.assign("newsletter-destination", r) for r in ids(100)]
    senders = {a.bucket: a.from_name for a in on_newsletter if a}
    assert senders == {"A": None, "B": "Hinano d'Air Tahiti Nui"}


def test_drafts_and_other_templates_are_not_assigned() -> None:
    assigner = Assigner()
    assigner.load([Record(shipped("bf-2026-subject"))])
    assert assigner.assign("newsletter-destination", {"id": "r1"}) is None
    assigner.load([running(shipped("bf-2026-subject"))])
    assert assigner.assign("welcome", {"id": "r1"}) is None
    assert assigner.assign("newsletter-destination", {"email": "no-id@example.pf"}) is None


def test_new_bandit_weights_take_effect_on_the_next_snapshot() -> None:
    record = running(shipped("newsletter-cta"))
    assigner = Assigner()
    assigner.load([record])
    skewed = msgspec.structs.replace(record, weights=[0.05, 0.05, 0.9], weights_version=1)
    assigner.load([skewed])
    arms = [a.bucket for r in ids(20_000) if (a := assigner.assign("newsletter-destination", r))]
    assert within(arms.count("lagoon"), len(arms), 0.9)


def test_a_decided_experiment_completes_after_its_rollout_window() -> None:
    record = decided(running(shipped("bf-2026-subject")), "B", True, "B", NOW, "rule")
    assert record.definition.rollout_hours == 48  # from the file (default 72)
    assigner = Assigner()
    assigner.load([record], now=NOW + 47 * 3600)
    assert assigner.assign("newsletter-destination", {"id": "r1"}) is not None
    assigner.load([record], now=NOW + 48 * 3600)
    assert assigner.assign("newsletter-destination", {"id": "r1"}) is None
    assert assigner.bucket("bf-2026-subject", "r1") is not None  # late clicks still count


def test_a_new_test_takes_precedence_over_an_older_rollout() -> None:
    old = decided(running(shipped("bf-2026-subject")), "B", True, "B", NOW, "rule")
    new = running(
        msgspec.structs.replace(shipped("bf-2026-subject"), key="xmas-subject"), NOW + 3600
    )
    assigner = Assigner()
    assigner.load([old, new], now=NOW + 7200)
    got = [assigner.assign("newsletter-destination", r) for r in ids(200)]
    assert {a.experiment for a in got if a} == {"xmas-subject"}


async def test_background_refresh_follows_other_replicas_and_survives_outages(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    service = ExperimentService(store)
    assigner = Assigner()
    task = asyncio.create_task(refresh_forever(assigner, service.records, 0.0, service.tick))
    try:
        await service.launch(shipped("bf-2026-subject"), "another replica")
        for _ in range(500):
            if assigner.keys:
                break
            await asyncio.sleep(0.01)
        assert assigner.keys == ("bf-2026-subject",)
        await store.close()  # the store goes away: the last snapshot keeps serving
        for _ in range(5):
            await asyncio.sleep(0.01)
        assert assigner.assign("newsletter-destination", {"id": "r1"}) is not None
        assert not task.done()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_a_french_subject_test_leaves_other_locales_alone() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("bf-2026-subject"))])
    recipient = {"id": "r1"}
    assert assigner.assign("newsletter-destination", recipient, "fr") is not None
    assert assigner.assign("newsletter-destination", recipient, "en") is None
    assert assigner.assign("newsletter-destination", recipient, "ja") is None


def out_of_range(definition: Definition) -> Record:
    """A record stored before horizons were bounded: its due date is past year 9999."""
    huge = msgspec.structs.replace(definition.decision, horizon_hours=1e8)
    record = running(msgspec.structs.replace(definition, decision=huge))
    assert record.decision_due == NOW + 1e8 * 3600
    return record


def test_a_record_that_cannot_be_loaded_is_skipped_and_the_rest_serve() -> None:
    broken = out_of_range(
        msgspec.structs.replace(shipped("bf-2026-subject"), key="broken", template="other")
    )
    assigner = Assigner()
    assigner.load([broken, running(shipped("bf-2026-subject"))])
    assert assigner.keys == ("bf-2026-subject",)
    assert "year" in assigner.skipped["broken"]
    assert assigner.assign("newsletter-destination", {"id": "r1"}) is not None
    assert assigner.assign("other", {"id": "r1"}) is None


def test_the_holdback_carries_why_the_decision_is_blocked() -> None:
    record = msgspec.structs.replace(running(shipped("bf-2026-subject")), blocked="SRM")
    assigner = Assigner()
    assigner.load([record])
    got = [assigner.assign("newsletter-destination", r) for r in ids(50)]
    assert {a.blocked for a in got if a and a.status == "waiting"} == {"SRM"}


def test_the_studio_sees_every_arm_and_can_force_one_for_any_recipient() -> None:
    assigner = Assigner()
    assigner.load([running(shipped("bf-2026-subject"))])
    assert assigner.arms("newsletter-destination") == (("bf-2026-subject", ("A", "B", "C")),)
    assert assigner.arms("no-such-template") == ()
    for recipient in ids(50):
        forced = assigner.assign_arm("newsletter-destination", "bf-2026-subject", "B", recipient)
        assert forced is not None and forced.status == "test" and forced.bucket == "B"
        assert forced.variant is not None and forced.variant.subject == "Votre Polynésie à -30 %"
    assert (
        assigner.assign_arm("newsletter-destination", "bf-2026-subject", "Z", {"id": "x"}) is None
    )
    assert assigner.assign_arm("newsletter-destination", "other", "B", {"id": "x"}) is None
