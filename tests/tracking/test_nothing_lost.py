"""Nothing lost, nothing twice (issue 12): a real redis-server with AOF (appendfsync always)
is SIGKILLed under a stream of clicks, opens, webhooks and experiment events sent over HTTP
to the app behind a real uvicorn; every event the service acknowledged (302, 200, 202) is
in the store afterwards, exactly once.

Each event has a recipient of its own, so the unique counters (one per recipient and
metric) count events. Conversions are not unique (a recipient may buy twice): their count
and sum would show a batch recorded twice. Webhook and event retries repeat a provider's
or caller's event id. The spool is replayed twice on purpose (a replayer that recorded a
file and died before removing it); Redis is killed once while a flush is in flight (writes
paused on the server), and once after applying a batch whose reply a relay dropped.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
import urllib3
import uvicorn
from litestar import Litestar
from tests.conftest import RedisServer

from atn_content.app import create_app
from atn_content.config import Settings
from atn_content.store.buffer import EventBuffer
from atn_content.store.redis import RedisStore

ROOT = Path(__file__).resolve().parents[2]
KEY = "k-nothing-lost-0123456789ab"
AUTH = {"Authorization": f"Bearer {KEY}"}
TEMPLATE = "newsletter-destination"
POSTMARK_AUTH = "pm-user:pm-nothing-lost"
POSTMARK = {"Authorization": "Basic " + base64.b64encode(POSTMARK_AUTH.encode()).decode()}
#: A person's browser: no scanner rule matches it (raw counts are asserted anyway).
BROWSER = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
}
EXPERIMENT: dict[str, Any] = {
    "key": "bf-nothing-lost",
    "name": "Black Friday subject",
    "kind": "subject",
    "template": TEMPLATE,
    "test_fraction": 1.0,
    "variants": [
        {"key": "A", "subject": "Black Friday : -30 % vers Tahiti"},
        {"key": "B", "subject": "Votre Polynésie à -30 %"},
    ],
}
WEBHOOK_CAMPAIGN = "nothing-lost"
ACKNOWLEDGED = {302, 200, 202}
_dumps = json.dumps


def wait_until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(3000):  # generous; the test never measures time
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"gave up waiting for: {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveApp:
    """The app behind a real uvicorn on a free port, in a thread; stopping runs the
    lifespan's shutdown (the buffer records, or spools, what it still holds)."""

    def __init__(self, settings: Settings) -> None:
        self.app: Litestar = create_app(settings)
        self.port = free_port()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def buffer(self) -> EventBuffer:
        buffer: EventBuffer = self.app.state.buffer
        return buffer

    def __enter__(self) -> LiveApp:
        self.thread.start()
        wait_until(lambda: self.server.started or not self.thread.is_alive(), "uvicorn")
        assert self.server.started, "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "uvicorn did not stop"


@dataclass
class Ledger:
    """What the service acknowledged, and so what the store must hold."""

    exposures: set[str] = field(default_factory=set)
    clicks: set[str] = field(default_factory=set)
    opens: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    conversions: list[float] = field(default_factory=list)
    head_clicks: int = 0
    head_opens: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


class Stream:
    """Sends interleaved events to one running app, one new recipient per event."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.n = 0
        self.sent_webhooks: list[bytes] = []

    def _ack(self, status: int, what: str) -> None:
        assert status in ACKNOWLEDGED, f"{what}: {status}"
        self.ledger.statuses[status] = self.ledger.statuses.get(status, 0) + 1

    def step(self, client: Http, *, webhooks: bool = True) -> None:
        """One render, its click and open, a webhook delivery and a conversion (with a
        retried webhook and a retried conversion every few steps)."""
        i, rid, link, pixel = self.render(client)
        clicked = client.get(link, headers=BROWSER, follow_redirects=False)
        self._ack(clicked.status_code, "click")
        self.ledger.clicks.add(rid)
        opened = client.get(pixel, headers=BROWSER)
        self._ack(opened.status_code, "open")
        assert opened.headers["content-type"] == "image/gif"
        self.ledger.opens.add(rid)
        if webhooks:
            self.webhook(client, i)
            if i % 4 == 3:  # Postmark retries: the same record again
                self.resend_webhook(client, self.sent_webhooks[-2])
        value = 1000.0 + i
        self.conversion(client, f"c-{i}", value)
        if i % 5 == 0:  # the caller retries with its own event id: counted once
            for _ in range(2):
                self.conversion(client, f"c-retried-{i}", 7.0, event_id=f"retry-{i}")
            self.ledger.conversions.pop()

    def render(self, client: Http) -> tuple[int, str, str, str]:
        """A new recipient's email: (number, recipient id, first tracked link, pixel)."""
        i, self.n = self.n, self.n + 1
        rid = f"r-{i}"
        body = {"template": TEMPLATE, "locale": "fr", "recipient": {"id": rid}}
        rendered = client.post("/v1/render", json=body, headers=AUTH)
        assert rendered.status_code == 200, rendered.text
        self.ledger.exposures.add(rid)
        html = rendered.json()["html"]
        link = re.search(r'href="https://[^/"]+(/t/c/[^"]+)"', html)
        pixel = re.search(r'src="https://[^/"]+(/t/o/[^"]+)"', html)
        assert link is not None and pixel is not None
        return i, rid, link.group(1), pixel.group(1)

    def heads(self, client: Http) -> None:
        """HEAD on a new email's link and pixel: counted raw, and as machine evidence in
        counters that are not unique per recipient (a batch applied twice would show)."""
        _, rid, link, pixel = self.render(client)
        self._ack(client.request("HEAD", link).status_code, "HEAD click")
        self.ledger.clicks.add(rid)
        self.ledger.head_clicks += 1
        self._ack(client.request("HEAD", pixel).status_code, "HEAD pixel")
        self.ledger.opens.add(rid)
        self.ledger.head_opens += 1

    def webhook(self, client: Http, i: int) -> None:
        record = json.dumps(
            {
                "RecordType": "Delivery",
                "MessageID": f"msg-{i}",
                "Recipient": f"w{i}@example.com",
                "DeliveredAt": "2026-12-01T10:00:00Z",
                "Metadata": {"atn_recipient": f"w-{i}", "atn_campaign": WEBHOOK_CAMPAIGN},
            }
        ).encode()
        self.resend_webhook(client, record)
        self.sent_webhooks.append(record)
        self.ledger.delivered.add(f"w-{i}")

    def resend_webhook(self, client: Http, record: bytes) -> None:
        headers = {**POSTMARK, "Content-Type": "application/json"}
        sent = client.post("/v1/webhooks/postmark", content=record, headers=headers)
        self._ack(sent.status_code, f"webhook {sent.text}")

    def conversion(self, client: Http, rid: str, value: float, event_id: str = "") -> None:
        event: dict[str, Any] = {"type": "conversion", "recipient_id": rid, "value": value}
        if event_id:
            event["event_id"] = event_id
        sent = client.post(
            f"/v1/experiments/{EXPERIMENT['key']}/events", json={"events": [event]}, headers=AUTH
        )
        self._ack(sent.status_code, f"conversion {sent.text}")
        assert sent.json()["accepted"] == 1, sent.text
        self.ledger.conversions.append(value)


class Http:
    """The few calls the stream makes, over real HTTP (keep-alive), with urllib3."""

    def __init__(self, port: int) -> None:
        self._pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)

    def close(self) -> None:
        self._pool.close()

    def request(self, method: str, path: str) -> Any:
        return _Reply(self._pool.request(method, path, headers=BROWSER, redirect=False))

    def get(self, path: str, headers: dict[str, str], follow_redirects: bool = True) -> Any:
        return _Reply(self._pool.request("GET", path, headers=headers, redirect=False))

    def post(
        self,
        path: str,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        headers = dict(headers or {})
        if json is not None:
            content = _dumps(json).encode()
            headers.setdefault("Content-Type", "application/json")
        return _Reply(self._pool.request("POST", path, body=content, headers=headers))


class _Reply:
    def __init__(self, response: Any) -> None:
        self.status_code: int = response.status
        self.headers = response.headers
        self.content: bytes = response.data

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


def settings(server: RedisServer, state_dir: Path) -> Settings:
    return Settings(
        content_root=ROOT,
        store_url=server.url,
        state_dir=state_dir,
        api_keys={KEY: frozenset({"render", "experiments", "admin"})},
        secret=b"n" * 32,
        postmark_webhook_auth=POSTMARK_AUTH,
    )


def counted(server: RedisServer) -> dict[str, Any]:
    """What the store holds, read with a client of the test's own."""

    async def read() -> dict[str, Any]:
        store = RedisStore(server.url)
        try:
            experiment = await store.counters(EXPERIMENT["key"])
            campaign = await store.counters(f"campaign:{TEMPLATE}")
            webhooks = await store.counters(f"campaign:{WEBHOOK_CAMPAIGN}")
        finally:
            await store.close()

        def total(counters: dict[str, Any], metric: str, stat: str = "count") -> float:
            return float(sum(b.get(metric, {}).get(stat, 0) for b in counters.values()))

        return {
            "exposures": total(experiment, "exposure"),
            "clicks": total(campaign, "click"),
            "opens": total(campaign, "open"),
            "arm clicks": total(experiment, "click"),
            "arm opens": total(experiment, "open"),
            "delivered": total(webhooks, "delivered"),
            "conversions": total(experiment, "conversion"),
            "revenue": total(experiment, "conversion", "sum"),
            "head clicks": total(campaign, "click.machine:head-request"),
            "head opens": total(campaign, "open.machine:head-request"),
        }

    return asyncio.run(read())


def expected(ledger: Ledger) -> dict[str, Any]:
    return {
        "exposures": len(ledger.exposures),
        "clicks": len(ledger.clicks),
        "opens": len(ledger.opens),
        "arm clicks": len(ledger.clicks),
        "arm opens": len(ledger.opens),
        "delivered": len(ledger.delivered),
        "conversions": len(ledger.conversions),
        "revenue": sum(ledger.conversions),
        "head clicks": ledger.head_clicks,
        "head opens": ledger.head_opens,
    }


def spool_files(spool: Path) -> list[Path]:
    return [p for p in spool.glob("*.ndjson") if p.name != "rejected.ndjson"]


def drained(live: LiveApp, spool: Path) -> bool:
    return not spool_files(spool) and live.buffer.pending == 0


@pytest.fixture
def http() -> Iterator[Callable[[LiveApp], Http]]:
    opened: list[Http] = []

    def connect(live: LiveApp) -> Http:
        opened.append(Http(live.port))
        return opened[-1]

    yield connect
    for client in opened:
        client.close()


def test_redis_killed_under_a_stream_nothing_lost_nothing_twice(
    make_redis_server: Callable[[bool], RedisServer],
    http: Callable[[LiveApp], Http],
    tmp_path: Path,
) -> None:
    server = make_redis_server(True)  # appendonly yes, appendfsync always
    server.start()
    with redis.Redis(port=server.port) as admin:
        assert admin.config_get("appendonly")["appendonly"] == "yes"
    state = tmp_path / "state"
    spool = state / "spool"
    ledger = Ledger()
    stream = Stream(ledger)

    with LiveApp(settings(server, state)) as live:
        client = http(live)
        launched = client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)
        assert launched.status_code == 201, launched.text
        for _ in range(20):
            stream.step(client)
        server.kill()  # mid-stream: whatever was in memory or in flight is spooled
        for _ in range(20):
            stream.step(client)
        assert ledger.statuses.get(202, 0) > 0  # some were acknowledged as spooled
        server.start()  # same port, same AOF directory
        for _ in range(20):
            stream.step(client)
        wait_until(lambda: drained(live, spool), "the spool replayed after the restart")
    assert counted(server) == expected(ledger)

    # Down again, and the app stops while Redis is down: its shutdown spools what is left.
    with LiveApp(settings(server, state)) as live:
        client = http(live)
        server.kill()
        for _ in range(10):
            stream.step(client)
    assert spool_files(spool)
    kept = tmp_path / "spool-copy"
    shutil.copytree(spool, kept)

    server.start()
    with LiveApp(settings(server, state)) as live:  # a later process replays the spool
        wait_until(lambda: drained(live, spool), "the spool replayed by a new process")
    assert counted(server) == expected(ledger)

    # The same spool files again, as a replayer that recorded them and died before
    # removing them would leave them: replayed a second time, counted once.
    for path in spool_files(kept):
        shutil.copy(path, spool / path.name)
    with LiveApp(settings(server, state)) as live:
        wait_until(lambda: drained(live, spool), "the spool replayed a second time")
        client = http(live)
        for _ in range(5):
            stream.step(client)
    assert counted(server) == expected(ledger)
    assert not (spool / "rejected.ndjson").exists()


def test_redis_killed_while_a_flush_is_in_flight(
    make_redis_server: Callable[[bool], RedisServer],
    http: Callable[[LiveApp], Http],
    tmp_path: Path,
) -> None:
    """Writes paused on the server, so the buffer's batch is sent and unanswered when the
    SIGKILL comes: it must be spooled and replayed, once."""
    server = make_redis_server(True)
    server.start()
    state = tmp_path / "state"
    ledger = Ledger()
    stream = Stream(ledger)
    with LiveApp(settings(server, state)) as live:
        client = http(live)
        launched = client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)
        assert launched.status_code == 201, launched.text
        for _ in range(5):
            stream.step(client)
        wait_until(lambda: drained(live, state / "spool"), "the first events recorded")
        with redis.Redis(port=server.port) as admin:
            admin.client_pause(60_000, all=False)  # writes (scripts included) wait
            for _ in range(5):  # renders, clicks, opens, conversions: nothing waits on Redis
                stream.step(client, webhooks=False)

            def flush_waiting() -> bool:
                return any(c.get("cmd") == "evalsha" for c in admin.client_list())

            wait_until(flush_waiting, "a batch sent to the paused server")
        server.kill()
        for _ in range(5):
            stream.step(client)
        server.start()
        for _ in range(5):
            stream.step(client)
        wait_until(lambda: drained(live, state / "spool"), "the spool replayed")
    assert counted(server) == expected(ledger)


class ReplyDroppingProxy:
    """A TCP relay in front of redis-server that can drop the server's replies: a batch the
    store applied whose answer never reached the app (the network, or the server dying
    between writing its AOF and replying)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.dropping = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), 1)
            except OSError:  # the server is down: so is the connection
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, target, replies in ((client, upstream, False), (upstream, client, True)):
                threading.Thread(
                    target=self._pump, args=(source, target, replies), daemon=True
                ).start()

    def _pump(self, source: socket.socket, target: socket.socket, replies: bool) -> None:
        try:
            while data := source.recv(65536):
                if replies and self.dropping.is_set():
                    continue
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Close every relayed connection (the clients see them reset)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()
        self.cut()


def test_a_batch_applied_whose_reply_was_lost_counts_once(
    make_redis_server: Callable[[bool], RedisServer],
    http: Callable[[LiveApp], Http],
    tmp_path: Path,
) -> None:
    """Redis applies the buffer's batch (and fsyncs it), the reply is lost, then the server
    is killed: the app spools the batch it believes failed, and the replay after the
    restart must not count it again. HEAD requests make counters that are not unique
    per recipient, so a second application would show."""
    server = make_redis_server(True)
    server.start()
    proxy = ReplyDroppingProxy(server.port)
    state = tmp_path / "state"
    ledger = Ledger()
    stream = Stream(ledger)
    try:
        proxied = dataclasses.replace(settings(server, state), store_url=proxy.url)
        with LiveApp(proxied) as live:
            client = http(live)
            launched = client.post("/v1/experiments", json=EXPERIMENT, headers=AUTH)
            assert launched.status_code == 201, launched.text
            for _ in range(3):
                stream.step(client)
            wait_until(lambda: counted(server) == expected(ledger), "the first events recorded")

            proxy.dropping.set()
            for _ in range(5):  # renders and HEADs: nothing here waits on the store
                stream.heads(client)
            wait_until(lambda: counted(server) == expected(ledger), "Redis applied the batch")
            server.kill()  # the app never heard back
            proxy.cut()
            proxy.dropping.clear()
            # The batch Redis applied is what the app now keeps for the replay.
            wait_until(lambda: bool(spool_files(state / "spool")), "the applied batch spooled")
            for _ in range(3):
                stream.step(client)
            server.start()
            for _ in range(3):
                stream.step(client)
            wait_until(lambda: drained(live, state / "spool"), "the spool replayed")
    finally:
        proxy.close()
    assert counted(server) == expected(ledger)
