"""Click redirects, open pixels and webhook intake over HTTP, and the cost of link rewriting.

One run, one server: the API (uvicorn, 2 workers by default) on a free 127.0.0.1 port
with a Redis store (a redis-server this bench starts on a free port, appendonly yes,
appendfsync everysec, removed at the end). Emails are rendered through POST /v1/render
for many distinct recipients; the first tracked link (`/t/c/{token}`) and the pixel
(`/t/o/{token}.gif`) of each are what wrk (Debian package `wrk`) then requests, cycled
by a Lua script, with a browser's User-Agent. At each concurrency level, GET /healthz is
measured on the same server with the same connections: the floor (it pings Redis);
redirect_ratio and pixel_ratio are throughput over that floor. Each level is measured in
rounds (healthz, redirect, pixel, the order turned each round) and the median round of
each is reported; the headline is the busiest level whose redirect p99 is within 20 ms.

Webhooks: SendGrid Signed Event Webhook batches of 500 events per POST (delivered, open,
click; one recipient per event, unique sg_event_id), signed with a P-256 key generated
here and configured as ATN_SENDGRID_VERIFICATION_KEY; every body is sent once, by a few
keep-alive connections. webhook_events_per_s = events acknowledged (200 recorded, 202
spooled) per second of wall time. Afterwards the store's counters are checked: every
click and open recipient, and every webhook event, counted once.

rewrite_overhead: in-process, the same recipients rendered by the engine with the clicks
extension and without it, recipient by recipient alternately (the order swapped every
round), median round of each side: tracked / untracked - 1 (0.07 = +7 %).

Usage: .venv/bin/python bench/tracking.py [--workers 2] [--connections 4 16 64]
       [--duration 5] [--rounds 3] [--recipients 2000] [--webhook-posts 400] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import http.client
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from _common import (
    API_KEY,
    CONTENT_ROOT,
    TEMPLATE,
    OtherLoad,
    Server,
    free_port,
    machine_summary,
    make_recipients,
    request_line,
)
from api_load import _LUA_DONE as LUA_DONE
from api_load import Result, headline, median_result, run_wrk
from atn_content.app import build_renderer, default_features
from atn_content.config import Settings
from atn_content.store.redis import RedisStore

BROWSER_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Safari/605.1.15"
)
BATCH = 500
WEBHOOK_CAMPAIGN = "bench-webhooks"
_KINDS = ("delivered", "open", "click")
_CLICK = re.compile(r'href="https://[^/"]+(/t/c/[^"]+)"')
_PIXEL = re.compile(r'src="https://[^/"]+(/t/o/[^"]+)"')
_LUA_PATHS = """
local paths = {
%s
}
local i = 0
local headers = {["User-Agent"] = "%s"}
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], headers)
end
%s
"""
_LUA_HEALTHZ = "request = function() return wrk.format('GET', '/healthz') end\n" + LUA_DONE


class RedisProcess:
    """A redis-server of the bench's own on a free port, in a temp dir."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server not found: apt-get install -y redis-server")
        self.port = free_port()
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(workdir)]
        self.proc = subprocess.Popen(
            [binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    if client.ping():
                        break
                except redis.exceptions.ConnectionError:
                    pass
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start")
                time.sleep(0.05)
        finally:
            client.close()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)


# -- link rewriting, in process ---------------------------------------------------------


def rewrite_overhead(n: int, rounds: int) -> tuple[float, float, float]:
    """(overhead, tracked us/render, untracked us/render), medians over `rounds` rounds."""
    settings = Settings(content_root=CONTENT_ROOT, secret=b"x" * 32)
    features = default_features(settings)
    tracked = build_renderer(settings, features)
    untracked = build_renderer(settings, [f for f in features if f.name != "clicks"])
    recipients = make_recipients(n)
    sample = tracked.render(TEMPLATE, recipients[0]["locale"], recipients[0])
    if "/t/c/" not in sample.html or "/t/o/" not in sample.html:
        raise SystemExit("the tracked renderer rewrote no link")
    if "/t/c/" in untracked.render(TEMPLATE, recipients[0]["locale"], recipients[0]).html:
        raise SystemExit("the untracked renderer rewrote links")
    clock = time.perf_counter
    sides: dict[bool, list[float]] = {True: [], False: []}
    for round_no in range(rounds + 1):  # round 0 warms both up
        spent = {True: 0.0, False: 0.0}
        order = (True, False) if round_no % 2 else (False, True)
        for r in recipients:
            for side in order:
                renderer = tracked if side else untracked
                start = clock()
                renderer.render(TEMPLATE, r["locale"], r)
                spent[side] += clock() - start
        if round_no:
            for side in sides:
                sides[side].append(spent[side])
    on, off = statistics.median(sides[True]), statistics.median(sides[False])
    return on / off - 1, on / n * 1e6, off / n * 1e6


# -- tokens from rendered emails -----------------------------------------------------------


def render_paths(url: str, n: int) -> tuple[list[str], list[str]]:
    """The first tracked link and the pixel of each recipient's email, via POST /v1/render."""

    def one(recipient: dict[str, Any]) -> tuple[str, str]:
        request = urllib.request.Request(
            url + "/v1/render",
            data=request_line(recipient),
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            html = json.loads(response.read())["html"]
        click, pixel = _CLICK.search(html), _PIXEL.search(html)
        if click is None or pixel is None:
            raise SystemExit(f"no tracked link or pixel in {recipient['id']}'s email")
        return click.group(1), pixel.group(1)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        pairs = list(pool.map(one, make_recipients(n)))
    return [c for c, _ in pairs], [p for _, p in pairs]


def check_tracking(url: str, click: str, pixel: str) -> None:
    """One real click and one open first: a 302 off-site and a GIF, or nothing counts."""
    conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=10)
    try:
        conn.request("GET", click, headers={"User-Agent": BROWSER_UA})
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location") or ""
        if response.status != 302 or not location.startswith("https://"):
            raise SystemExit(f"click answered {response.status} {location!r}")
        conn.request("GET", pixel, headers={"User-Agent": BROWSER_UA})
        response = conn.getresponse()
        response.read()
        if response.status != 200 or response.getheader("Content-Type") != "image/gif":
            raise SystemExit(f"pixel answered {response.status}")
    finally:
        conn.close()


def write_scripts(folder: Path, clicks: list[str], pixels: list[str]) -> dict[str, Path]:
    scripts = {"healthz": folder / "healthz.lua"}
    scripts["healthz"].write_text(_LUA_HEALTHZ, encoding="utf-8")
    for label, paths in (("redirect", clicks), ("pixel", pixels)):
        if any('"' in p or "\\" in p for p in paths):
            raise SystemExit("a tracked path needs quoting in Lua")
        lines = "\n".join(f'  "{p}",' for p in paths)
        scripts[label] = folder / f"{label}.lua"
        scripts[label].write_text(_LUA_PATHS % (lines, BROWSER_UA, LUA_DONE), encoding="utf-8")
    return scripts


# -- webhooks --------------------------------------------------------------------------


@dataclass
class Webhooks:
    events: int
    seconds: float
    recorded_posts: int
    spooled_posts: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def signing_key() -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A P-256 key pair: the private half signs, the public half is what SendGrid shows."""
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return key, base64.b64encode(der).decode()


def webhook_bodies(
    key: ec.EllipticCurvePrivateKey, posts: int
) -> list[tuple[bytes, dict[str, str]]]:
    """`posts` signed bodies of BATCH events, each event with a recipient of its own."""
    now = int(time.time())
    bodies = []
    for p in range(posts):
        events = []
        for e in range(BATCH):
            n = p * BATCH + e
            kind = _KINDS[n % len(_KINDS)]
            event: dict[str, Any] = {
                "email": f"w{n}@example.com",
                "timestamp": now - 60,
                "event": kind,
                "sg_event_id": uuid.uuid4().hex,
                "sg_message_id": f"m{n}.filter0001",
                "atn_recipient": f"wh-{n:08d}",
                "atn_campaign": WEBHOOK_CAMPAIGN,
                "atn_template": TEMPLATE,
            }
            if kind == "click":
                event["url"] = "https://www.airtahitinui.com/fr/offres"
                event["useragent"] = BROWSER_UA
            events.append(event)
        body = json.dumps(events, separators=(",", ":")).encode()
        stamp = str(now)
        signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        headers = {
            "Content-Type": "application/json",
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        }
        bodies.append((body, headers))
    return bodies


def post_webhooks(
    port: int, bodies: list[tuple[bytes, dict[str, str]]], connections: int
) -> Webhooks:
    """Every body once, over `connections` keep-alive connections; wall time of the lot."""
    latencies: list[float] = []
    statuses: list[int] = []

    def worker(share: list[tuple[bytes, dict[str, str]]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for body, headers in share:
                start = time.perf_counter()
                conn.request("POST", "/v1/webhooks/sendgrid", body=body, headers=headers)
                response = conn.getresponse()
                reply = response.read()
                latencies.append(time.perf_counter() - start)
                if response.status not in (200, 202):
                    raise SystemExit(f"webhook answered {response.status}: {reply[:300]!r}")
                statuses.append(response.status)
        finally:
            conn.close()

    shares = [bodies[i::connections] for i in range(connections)]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        for future in [pool.submit(worker, share) for share in shares]:
            future.result()
    seconds = time.perf_counter() - start
    latencies.sort()
    return Webhooks(
        events=len(statuses) * BATCH,
        seconds=seconds,
        recorded_posts=statuses.count(200),
        spooled_posts=statuses.count(202),
        p50_ms=latencies[len(latencies) // 2] * 1e3,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1e3,
    )


# -- what the store holds ----------------------------------------------------------------


def stored_counts(url: str) -> dict[str, int]:
    async def read() -> dict[str, int]:
        store = RedisStore(url)
        try:
            campaign = await store.counters(f"campaign:{TEMPLATE}")
            webhooks = await store.counters(f"campaign:{WEBHOOK_CAMPAIGN}")
        finally:
            await store.close()

        def total(counters: dict[str, Any], metric: str) -> int:
            return int(sum(b.get(metric, {}).get("count", 0) for b in counters.values()))

        return {
            "click recipients": total(campaign, "click"),
            "open recipients": total(campaign, "open"),
            "webhook events": sum(total(webhooks, k) for k in _KINDS),
        }

    return asyncio.run(read())


def wait_for_counts(url: str, want: dict[str, int]) -> dict[str, int]:
    """The counters once they reach `want` (the buffers flush every 0.2 s), or after 30 s."""
    deadline = time.monotonic() + 30
    while True:
        got = stored_counts(url)
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


# -- the run ---------------------------------------------------------------------------


def measure_level(
    url: str, scripts: dict[str, Path], connections: int, args: argparse.Namespace
) -> list[Result]:
    """healthz, redirect and pixel at one level, in `args.rounds` rounds (the order turned
    every round, so a burst of other load falls on each alike): the median round of each."""
    labels = ["healthz", "redirect", "pixel"]
    runs: dict[str, list[Result]] = {label: [] for label in labels}
    for round_no in range(args.rounds):
        order = labels[round_no % 3 :] + labels[: round_no % 3]
        for label in order:
            runs[label].append(
                run_wrk(url, scripts[label], label, connections, args.duration, args.threads)
            )
    return [median_result(runs[label]) for label in labels]


def verdict(ok: bool) -> str:
    return "holds" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per label and level")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--webhook-posts", type=int, default=400, help=f"of {BATCH} events")
    parser.add_argument("--webhook-connections", type=int, default=4)
    parser.add_argument("--render-recipients", type=int, default=300)
    parser.add_argument("--render-rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a smoke run (seconds)")
    args = parser.parse_args()
    if args.quick:
        args.connections, args.duration, args.warmup, args.rounds = [16], 2, 1, 1
        args.recipients, args.webhook_posts = 100, 8
        args.render_recipients, args.render_rounds = 30, 3
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk (Debian package)")
    if not 1 <= args.duration <= 120:
        raise SystemExit("--duration must be between 1 and 120 seconds")
    print(machine_summary())
    started = time.monotonic()
    other = OtherLoad()

    overhead, on_us, off_us = rewrite_overhead(args.render_recipients, args.render_rounds)
    print(
        f"link rewriting: {on_us:.0f} us/render tracked, {off_us:.0f} us untracked "
        f"({args.render_recipients} recipients, median of {args.render_rounds} rounds): "
        f"rewrite_overhead={overhead:.3f}"
    )

    key, public = signing_key()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="atn-bench-tracking-") as folder:
        root = Path(folder)
        (root / "redis").mkdir()
        (root / "state").mkdir()
        store = RedisProcess(root / "redis")
        try:
            env = {"ATN_STORE": store.url, "ATN_SENDGRID_VERIFICATION_KEY": public}
            with Server(workers=args.workers, state_dir=root / "state", env=env) as server:
                clicks, pixels = render_paths(server.url, args.recipients)
                check_tracking(server.url, clicks[0], pixels[0])
                scripts = write_scripts(root, clicks, pixels)
                for label in ("redirect", "pixel"):
                    run_wrk(server.url, scripts[label], "warm-up", 16, args.warmup, args.threads)
                for c in args.connections:
                    results += measure_level(server.url, scripts, c, args)
                bodies = webhook_bodies(key, args.webhook_posts)
                post_webhooks(server.port, bodies[:1], 1)  # warm-up (counted in the check)
                hooks = post_webhooks(server.port, bodies[1:], args.webhook_connections)
                want = {
                    "click recipients": len(set(clicks)),
                    "open recipients": len(set(pixels)),
                    "webhook events": len(bodies) * BATCH,
                }
                got = wait_for_counts(store.url, want)
                rss = sum(server.peak_rss_mib().values())
        finally:
            store.stop()
    other_cpus = other.cpus()

    print(
        f"uvicorn --workers {args.workers}, Redis store (peak RSS of server processes "
        f"{rss:.0f} MiB; other processes used {other_cpus:.2f} CPUs meanwhile), median of "
        f"{args.rounds} rounds of {args.duration} s:"
    )
    for r in results:
        print(r.show())
    print(
        f"  webhooks {len(bodies) - 1} POSTs of {BATCH} SendGrid events over "
        f"{args.webhook_connections} connections: {hooks.rate:8,.0f} events/s  "
        f"p50={hooks.p50_ms:.1f} ms  p99={hooks.p99_ms:.1f} ms per POST  "
        f"recorded={hooks.recorded_posts} spooled={hooks.spooled_posts}"
    )
    print(f"store after the run: {got} (expected {want})")
    if got != want:
        raise SystemExit("the store does not hold what was acknowledged")

    redirects, pixel = headline(results, "redirect"), headline(results, "pixel")
    floor = next(
        r for r in results if r.label == "healthz" and r.connections == redirects.connections
    )
    pixel_floor = next(
        r for r in results if r.label == "healthz" and r.connections == pixel.connections
    )
    redirect_ratio, pixel_ratio = redirects.rate / floor.rate, pixel.rate / pixel_floor.rate
    errors = sum(r.errors for r in results)
    rows = [
        ("redirects/s", f"{redirects.rate:,.0f}", ">= 3,000", redirects.rate >= 3000),
        ("redirect p99", f"{redirects.p99_ms:.1f} ms", "<= 20 ms", redirects.p99_ms <= 20),
        ("redirect / healthz", f"{redirect_ratio:.3f}", ">= 0.50", redirect_ratio >= 0.5),
        ("pixel/s", f"{pixel.rate:,.0f}", ">= 4,000", pixel.rate >= 4000),
        ("pixel / healthz", f"{pixel_ratio:.3f}", ">= 0.60", pixel_ratio >= 0.6),
        ("webhook events/s", f"{hooks.rate:,.0f}", ">= 20,000", hooks.rate >= 20000),
        ("rewrite overhead", f"{overhead:+.1%}", "<= +10 %", overhead <= 0.10),
    ]
    print(f"headline: c={redirects.connections} (redirects), c={pixel.connections} (pixel)")
    print(f"  {'target':<20} {'measured':>12}  {'goal':<10} verdict")
    for name, value, goal, ok in rows:
        print(f"  {name:<20} {value:>12}  {goal:<10} {verdict(ok)}")
    print(f"total {time.monotonic() - started:.0f} s")
    print(
        f"redirects_per_s={redirects.rate:.0f} redirects_p99_ms={redirects.p99_ms:.2f} "
        f"redirect_ratio={redirect_ratio:.3f} pixel_per_s={pixel.rate:.0f} "
        f"pixel_p99_ms={pixel.p99_ms:.2f} pixel_ratio={pixel_ratio:.3f} "
        f"healthz_per_s={floor.rate:.0f} healthz_p99_ms={floor.p99_ms:.2f} "
        f"webhook_events_per_s={hooks.rate:.0f} webhook_post_p99_ms={hooks.p99_ms:.1f} "
        f"rewrite_overhead={overhead:.3f} connections={redirects.connections} "
        f"workers={args.workers} errors={errors} other_cpus={other_cpus:.2f}"
    )


if __name__ == "__main__":
    main()
