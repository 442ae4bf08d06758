"""The experiments API end to end: launch, render in the test group and the holdback,
events, results, decision and rollout, on SQLite and on a real redis-server."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from atn_content.app import create_app
from atn_content.config import Settings
from atn_content.experiments.definitions import parse_definition
from atn_content.experiments.lifecycle import launched
from atn_content.experiments.service import DOCUMENT_KIND, ExperimentService
from atn_content.store import Event, open_store

ROOT = Path(__file__).resolve().parents[2]
KEY = "k-experiments-0123456789"
RENDER_ONLY = "k-render-only-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
TEMPLATE = """+++
description = "Promotion used by the experiment tests"
list = "newsletter"
subject = "Default subject"
preheader = "Default preheader"

[fields.first_name]
type = "str"
default = ""
+++
<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Arm {{ variant or "none" }}</mj-text>
        <mj-button href="https://www.airtahitinui.com/?rid={{ recipient.id|urlencode_component }}"
          background-color="{{ experiment.cta_color or '#e5553b' }}">
          {{ experiment.cta_text or "Discover" }}</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""
BLACK_FRIDAY: dict[str, Any] = {
    "key": "bf-2026-subject",
    "name": "Black Friday 2026: subject line",
    "kind": "subject",
    "template": "promo",
    "test_fraction": 0.2,
    "decision": {"metric": "click_rate", "horizon_hours": 4},
    "planning": {"audience": 48000, "baseline_rate": 0.03},
    "variants": [
        {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
        {"key": "B", "subject": "Votre Polynésie à -30 %"},
        {"key": "C", "subject": "48 h pour rêver de Bora Bora"},
    ],
}
SUBJECTS = {v["key"]: v["subject"] for v in BLACK_FRIDAY["variants"]}


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    """A small content tree: the real catalogs and one template that reads experiment.*."""
    root = tmp_path / "content"
    shutil.copytree(ROOT / "locales", root / "locales")
    (root / "templates").mkdir()
    (root / "blocks").mkdir()
    (root / "experiments").mkdir()
    (root / "templates" / "promo.mjml").write_text(TEMPLATE, encoding="utf-8")
    (root / "templates" / "promo-b.mjml").write_text(
        TEMPLATE.replace("Default subject", "Other layout"), encoding="utf-8"
    )
    return root


@pytest.fixture(params=["sqlite", "redis"])
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, content_root: Path
) -> AsyncIterator[Litestar]:
    url = (
        f"sqlite:///{tmp_path / 'atn.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("redis_url")
    )
    settings = Settings(
        content_root=content_root,
        store_url=url,
        state_dir=tmp_path / "state",
        api_keys={KEY: frozenset({"experiments", "render"}), RENDER_ONLY: frozenset({"render"})},
        secret=b"x" * 32,
    )
    yield create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app) as c:
        yield c


async def in_app(
    client: AsyncTestClient[Litestar], fn: Callable[..., Awaitable[Any]], *args: Any
) -> Any:
    """Run a coroutine on the app's own event loop (the store's connections live there)."""
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


async def render(client: AsyncTestClient[Litestar], rid: str, **extra: Any) -> Any:
    body = {"template": "promo", "locale": "fr", "recipient": {"id": rid, **extra}}
    return await client.post("/v1/render", json=body, headers=AUTH)


async def launch(client: AsyncTestClient[Litestar], definition: dict[str, Any]) -> Any:
    response = await client.post("/v1/experiments", json=definition, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()


async def test_keys_need_the_experiments_scope(client: AsyncTestClient[Litestar]) -> None:
    assert (await client.get("/v1/experiments")).status_code == 401
    other = {"Authorization": f"Bearer {RENDER_ONLY}"}
    assert (await client.get("/v1/experiments", headers=other)).status_code == 403


async def test_black_friday_from_launch_to_rollout(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    view = await launch(client, BLACK_FRIDAY)
    assert view["phase"] == "running"
    assert view["planning"].startswith("With 20 % of 48,000 recipients (9,600, 3 variants)")

    tested: dict[str, str] = {}
    waiting: list[str] = []
    for i in range(150):
        rid = f"client-{i}@example.pf"
        response = await render(client, rid)
        if response.status_code == 409:
            problem = response.json()
            assert problem["title"] == "Waiting for decision"
            assert "waiting for decision" in problem["detail"]
            assert problem["experiment"] == "bf-2026-subject"
            assert problem["decision_due"] == view["decision_due"]
            waiting.append(rid)
            continue
        body = response.json()
        assert (body["experiment"], body["status"]) == ("bf-2026-subject", "test")
        assert body["subject"] == SUBJECTS[body["variant"]]
        tested[rid] = body["variant"]
    assert tested and waiting and len(tested) < len(waiting)

    clickers = [rid for rid, arm in tested.items() if arm == "B"]
    events = [{"type": "click", "recipient_id": rid} for rid in clickers]
    events += [{"type": "conversion", "recipient_id": clickers[0], "value": 98_000}]
    events += [{"type": "open", "recipient_id": "x", "variant": "Z"}]
    receipt = await client.post(
        "/v1/experiments/bf-2026-subject/events", json={"events": events}, headers=AUTH
    )
    assert receipt.status_code == 202
    assert receipt.json()["accepted"] == len(clickers) + 1
    assert receipt.json()["reasons"] == [f"events[{len(events) - 1}]: unknown variant 'Z'"]
    await in_app(client, app.state.buffer.flush)

    results = (await client.get("/v1/experiments/bf-2026-subject/results", headers=AUTH)).json()
    arms = {a["variant"]: a for a in results["arms"]}
    assert sum(a["recipients"] for a in arms.values()) == len(tested)
    assert arms["B"]["clicks"] == len(clickers) and arms["B"]["revenue"] == 98_000
    assert {c["variant"] for c in results["frequentist"]} == {"B", "C"}
    assert results["decision"]["phase"] == "running"

    decided = await client.post(
        "/v1/experiments/bf-2026-subject/decide", json={"winner": "B"}, headers=AUTH
    )
    assert decided.status_code == 200
    assert decided.json()["phase"] == "decided"
    for rid in waiting[:10]:
        body = (await render(client, rid)).json()
        assert (body["status"], body["variant"], body["subject"]) == ("rollout", "B", SUBJECTS["B"])
    for rid, arm in list(tested.items())[:10]:
        body = (await render(client, rid)).json()
        assert (body["status"], body["variant"]) == ("test", arm)

    again = await client.post("/v1/experiments/bf-2026-subject/decide", headers=AUTH)
    assert again.status_code == 409
    shown = (await client.get("/v1/experiments/bf-2026-subject", headers=AUTH)).json()
    assert [e["event"] for e in shown["history"]] == ["launched", "decided"]


async def test_invalid_definitions_name_the_field(client: AsyncTestClient[Litestar]) -> None:
    bad = {**BLACK_FRIDAY, "test_fraction": 2, "variants": BLACK_FRIDAY["variants"][:1]}
    response = await client.post("/v1/experiments", json=bad, headers=AUTH)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"test_fraction", "variants"}
    unknown = await client.post(
        "/v1/experiments", json={**BLACK_FRIDAY, "template": "nope"}, headers=AUTH
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "template"


async def test_second_launch_and_unknown_keys(client: AsyncTestClient[Litestar]) -> None:
    await launch(client, BLACK_FRIDAY)
    response = await client.post("/v1/experiments", json=BLACK_FRIDAY, headers=AUTH)
    assert response.status_code == 409
    missing = await client.get("/v1/experiments/nope/results", headers=AUTH)
    assert missing.status_code == 404 and "GET /v1/experiments" in missing.json()["detail"]
    listed = (await client.get("/v1/experiments", headers=AUTH)).json()
    assert [(x["key"], x["phase"]) for x in listed] == [("bf-2026-subject", "running")]


async def test_rule_decision_refuses_on_sample_ratio_mismatch(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    await launch(client, {**BLACK_FRIDAY, "test_fraction": 1.0})
    sizes = {"A": 300, "B": 300, "C": 150}
    exposures = [
        Event("bf-2026-subject", arm, "exposure", f"{arm}{i}", 0.0)
        for arm, n in sizes.items()
        for i in range(n)
    ]
    await in_app(client, app.state.store.record, exposures)
    response = await client.post("/v1/experiments/bf-2026-subject/decide", headers=AUTH)
    assert response.status_code == 409
    assert response.json()["title"] == "Decision blocked"
    assert "do not match the planned split" in response.json()["detail"]


async def test_cta_sender_and_send_time_reach_the_response(
    client: AsyncTestClient[Litestar],
) -> None:
    half = {"name": "promo", "start": 0.0, "end": 0.5}
    await launch(
        client,
        {
            "key": "promo-cta",
            "name": "CTA",
            "kind": "cta",
            "template": "promo",
            "namespace": half,
            "variants": [
                {"key": "control", "from_name": None},
                {"key": "lagoon", "params": {"cta_text": "Je pars", "cta_color": "#0b4f6c"}},
            ],
        },
    )
    await launch(
        client,
        {
            "key": "promo-send-time",
            "name": "Send time",
            "kind": "send_time",
            "template": "promo",
            "send_date": "2026-12-03",
            "namespace": {**half, "start": 0.5, "end": 1.0},
            "variants": [
                {"key": "morning", "send_time": "07:00", "from_name": "Air Tahiti Nui"},
                {"key": "evening", "send_time": "19:30", "from_name": "Hinano"},
            ],
        },
    )
    seen: dict[str, Any] = {}
    for i in range(80):
        body = (await render(client, f"r{i}", timezone="Pacific/Tahiti")).json()
        seen[body["variant"]] = body
    assert "Je pars" in seen["lagoon"]["html"] and "#0b4f6c" in seen["lagoon"]["html"]
    assert "Discover" in seen["control"]["html"] and seen["control"]["send_at"] is None
    assert seen["morning"]["send_at"] == "2026-12-03T17:00:00Z"
    assert seen["evening"]["send_at"] == "2026-12-04T05:30:00Z"
    assert (seen["morning"]["from_name"], seen["evening"]["from_name"]) == (
        "Air Tahiti Nui",
        "Hinano",
    )


async def test_whole_template_arm_renders_the_other_template(
    client: AsyncTestClient[Litestar],
) -> None:
    await launch(
        client,
        {
            "key": "promo-layout",
            "name": "Layout",
            "kind": "template",
            "template": "promo",
            "variants": [{"key": "A"}, {"key": "B", "template": "promo-b"}],
        },
    )
    subjects = {}
    for i in range(40):
        body = (await render(client, f"r{i}")).json()
        subjects[body["variant"]] = (body["template"], body["subject"])
    assert subjects == {"A": ("promo", "Default subject"), "B": ("promo-b", "Other layout")}


async def test_batch_lines_get_their_arm_or_the_waiting_problem(
    client: AsyncTestClient[Litestar],
) -> None:
    await launch(client, BLACK_FRIDAY)
    lines = b"".join(
        msgspec.json.encode({"template": "promo", "locale": "fr", "recipient": {"id": f"r{i}"}})
        + b"\n"
        for i in range(40)
    )
    response = await client.post("/v1/render/batch", content=lines, headers=AUTH)
    out = [msgspec.json.decode(x) for x in response.content.splitlines()]
    assert len(out) == 40
    waiting = [x for x in out if x.get("error")]
    tested = [x for x in out if x.get("result")]
    assert waiting and tested
    assert all(x["error"]["title"] == "Waiting for decision" for x in waiting)
    assert all(x["result"]["experiment"] == "bf-2026-subject" for x in tested)


async def test_events_for_a_test_launched_on_another_replica_are_attributed(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    other_replica = ExperimentService(app.state.store)
    definition = parse_definition({**BLACK_FRIDAY, "test_fraction": 1.0})
    await in_app(client, other_replica.launch, definition, "another replica")
    events = [{"type": "click", "recipient_id": f"r{i}"} for i in range(10)]
    receipt = await client.post(
        "/v1/experiments/bf-2026-subject/events", json={"events": events}, headers=AUTH
    )
    assert receipt.json() == {"accepted": 10, "ignored": 0, "reasons": []}


async def test_a_locale_restricted_test_only_takes_that_locale(
    client: AsyncTestClient[Litestar],
) -> None:
    await launch(client, {**BLACK_FRIDAY, "test_fraction": 1.0, "locales": ["fr"]})
    body = {"template": "promo", "locale": "en", "recipient": {"id": "r1"}}
    english = (await client.post("/v1/render", json=body, headers=AUTH)).json()
    assert (english["experiment"], english["subject"]) == (None, "Default subject")
    french = (await render(client, "r1")).json()
    assert french["experiment"] == "bf-2026-subject"
    bad = {**BLACK_FRIDAY, "key": "bf-xx", "locales": ["xx"]}
    response = await client.post("/v1/experiments", json=bad, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "locales[0]"


async def test_a_stored_record_out_of_range_never_gives_500(app: Litestar) -> None:
    """A record saved before horizons were bounded (due past year 9999): start-up, the list,
    results, renders and new launches keep working; the record is left out of assignment."""
    definition = parse_definition({**BLACK_FRIDAY, "key": "broken", "template": "promo-b"})
    huge = msgspec.structs.replace(definition.decision, horizon_hours=1e8)
    record = launched(msgspec.structs.replace(definition, decision=huge), time.time(), "old")
    store = open_store(app.state.settings.store_url)
    await store.put_document(DOCUMENT_KIND, "broken", record.to_dict())
    await store.close()
    async with AsyncTestClient(app) as client:
        listed = await client.get("/v1/experiments", headers=AUTH)
        assert listed.status_code == 200
        assert [(x["key"], x["decision_due"]) for x in listed.json()] == [("broken", None)]
        results = await client.get("/v1/experiments/broken/results", headers=AUTH)
        assert results.status_code == 200
        assert results.json()["decision"]["due"] is None
        body = {"template": "promo-b", "locale": "fr", "recipient": {"id": "r1"}}
        rendered = await client.post("/v1/render", json=body, headers=AUTH)
        assert rendered.status_code == 200 and rendered.json()["experiment"] is None
        await launch(client, BLACK_FRIDAY)
        assert app.state.assigner.keys == ("bf-2026-subject",)


async def test_out_of_range_hours_are_422_naming_the_field(
    client: AsyncTestClient[Litestar],
) -> None:
    bad = {
        **BLACK_FRIDAY,
        "decision": {"horizon_hours": 1e8, "alpha": 1e-300},
        "rollout_hours": 1e12,
        "test_fraction": 1e-9,
    }
    response = await client.post("/v1/experiments", json=bad, headers=AUTH)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"decision.horizon_hours", "decision.alpha", "rollout_hours", "test_fraction"}
    listed = await client.get("/v1/experiments", headers=AUTH)
    assert listed.status_code == 200 and listed.json() == []


async def test_events_that_cannot_belong_to_the_test_are_ignored_with_reasons(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    await launch(client, {**BLACK_FRIDAY, "test_fraction": 1.0, "locales": ["fr"]})
    arms = {rid: (await render(client, rid)).json()["variant"] for rid in ("r1", "r2")}
    other = next(v for v in SUBJECTS if v != arms["r1"])
    events = [
        {"type": "click", "recipient_id": "r1", "locale": "fr"},
        {"type": "click", "recipient_id": "r2", "locale": "en"},
        {"type": "click", "recipient_id": "r1", "variant": other},
    ] + [{"type": "click", "recipient_id": f"never-rendered-{i}"} for i in range(30)]
    receipt = await client.post(
        "/v1/experiments/bf-2026-subject/events", json={"events": events}, headers=AUTH
    )
    assert receipt.json()["reasons"] == [
        "events[1]: locale 'en' is not in the test (fr)",
        f"events[2]: recipient 'r1' is in arm {arms['r1']!r}, not {other!r}",
    ]
    await in_app(client, app.state.buffer.flush)
    results = await client.get("/v1/experiments/bf-2026-subject/results", headers=AUTH)
    assert results.status_code == 200  # clicks without exposures are capped, not a 500
    for arm in results.json()["arms"]:
        assert arm["clicks"] <= arm["recipients"] and arm["click_rate"]["rate"] <= 1


async def test_a_blocked_overdue_decision_says_why_instead_of_render_again(
    client: AsyncTestClient[Litestar], app: Litestar
) -> None:
    await launch(client, BLACK_FRIDAY)
    blocked = "Automatic decision blocked: the arms' sizes do not match the planned split."

    async def block_and_reload() -> None:
        service: ExperimentService = app.state.experiments
        record = await service.get("bf-2026-subject")
        late = msgspec.structs.replace(record, decision_due=time.time() - 3600, blocked=blocked)
        await app.state.store.put_document(DOCUMENT_KIND, late.key, late.to_dict())
        app.state.assigner.load(await service.records())

    await in_app(client, block_and_reload)
    responses = [await render(client, f"r{i}") for i in range(20)]
    problem = next(r.json() for r in responses if r.status_code == 409)
    assert problem["blocked"] == blocked
    assert (
        blocked in problem["detail"]
        and "/v1/experiments/bf-2026-subject/decide" in (problem["detail"])
    )
    assert "render again after" not in problem["detail"]


@pytest.mark.parametrize("rid", ["a\r\nb", "a\x00b", "a\u2028b", "   ", "x" * 257])
async def test_event_ids_follow_the_render_rule(
    client: AsyncTestClient[Litestar], rid: str
) -> None:
    """Events once took ids with CR/LF/NUL that a render refuses: one rule for both."""
    await launch(client, BLACK_FRIDAY)
    events = [{"type": "click", "recipient_id": "ok"}, {"type": "click", "recipient_id": rid}]
    answer = await client.post(
        "/v1/experiments/bf-2026-subject/events", json={"events": events}, headers=AUTH
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "events[1].recipient_id"
    rendered = await render(client, rid)
    assert rendered.status_code == 422
    assert rendered.json()["errors"][0]["field"] == "recipient.id"


async def test_a_variant_that_cannot_render_is_refused_at_launch(
    client: AsyncTestClient[Litestar],
) -> None:
    """The sandbox refuses `''.__class__` only at render time: launch dry-renders each
    variant and names it, instead of a 201 and a "Template error" for every recipient."""
    variants = [dict(v) for v in BLACK_FRIDAY["variants"]]
    variants[1]["subject"] = "{{ ''.__class__ }}"
    response = await client.post(
        "/v1/experiments", json={**BLACK_FRIDAY, "variants": variants}, headers=AUTH
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["variants[1].subject"]
    assert "unsafe" in errors[0]["message"]
    cta = {
        **BLACK_FRIDAY,
        "kind": "cta",
        "variants": [
            {"key": "control"},
            {
                "key": "red",
                "params": {"cta_color": "red;background-image:url(https://e.example/x)"},
            },
        ],
    }
    refused = await client.post("/v1/experiments", json=cta, headers=AUTH)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["variants[1].params.cta_color"]
    listed = await client.get("/v1/experiments", headers=AUTH)
    assert listed.json() == []
