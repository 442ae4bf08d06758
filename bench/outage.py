"""A Redis outage under load: events at a steady rate, redis-server killed for a while, then
restarted; how many events and unsubscribes the store holds afterwards.

Usage: .venv/bin/python bench/outage.py [--rate 400] [--outage 10] [--before 3] [--after 3]
Starts its own redis-server (AOF, fsync always) and one uvicorn worker on free ports. Every
event is a conversion with its own event_id (counted each time, never deduplicated), so the
store's conversion count is exactly the number of events it kept.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CONTENT_ROOT, free_port

KEY = "bench-outage-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {KEY}"}
EXPERIMENT = {
    "key": "bench-outage",
    "name": "Outage bench",
    "kind": "subject",
    "template": "newsletter-destination",
    "test_fraction": 1.0,
    "variants": [{"key": "A", "subject": "A"}, {"key": "B", "subject": "B"}],
}
BATCH = 20  # events per request


def start_redis(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server") or sys.exit("redis-server is needed")
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)]
    args += ["--appendonly", "yes", "--appendfsync", "always"]
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with redis.Redis(port=port, socket_connect_timeout=0.2) as client:
        for _ in range(500):
            try:
                client.ping()
                return proc
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
    sys.exit("redis-server did not start")


def start_api(state: Path, port: int, store_url: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "ATN_API_KEY": KEY,
        "ATN_SECRET": "bench-outage-secret-" + "s" * 24,
        "ATN_STATE_DIR": str(state),
        "ATN_STORE": store_url,
        "ATN_CONTENT_ROOT": str(CONTENT_ROOT),
    }
    uvicorn = str(Path(sys.executable).parent / "uvicorn")
    cmd = [uvicorn, "--factory", "atn_content.app:create_app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "error", "--no-access-log"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1000):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.02)
    sys.exit("the API did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=400.0, help="events per second")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds Redis is down")
    parser.add_argument("--before", type=float, default=3.0, help="seconds of load before")
    parser.add_argument("--after", type=float, default=3.0, help="seconds of load after")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="atn-outage-"))
    redis_port, api_port = free_port(), free_port()
    store_url = f"redis://127.0.0.1:{redis_port}/0"
    server = start_redis(work, redis_port)
    api = start_api(work / "state", api_port, store_url)
    base = f"http://127.0.0.1:{api_port}"
    statuses: Counter[int] = Counter()
    unsubscribe_statuses: Counter[int] = Counter()
    sent = accepted = 0
    try:
        with httpx.Client(base_url=base, headers=AUTH, timeout=30) as client:
            assert client.post("/v1/experiments", json=EXPERIMENT).status_code == 201
            links = []
            for i in range(20):  # recipients who will unsubscribe during the outage
                body = {"template": EXPERIMENT["template"], "locale": "fr"}
                rendered = client.post("/v1/render", json={**body, "recipient": {"id": f"u{i}"}})
                header = rendered.json()["headers"]["List-Unsubscribe"]
                found = re.fullmatch(r"<https://[^/]+(/u/[^>]+)>", header)
                assert found is not None
                links.append(found.group(1))
            start = time.monotonic()
            total = args.before + args.outage + args.after
            down_at, up_at = args.before, args.before + args.outage
            killed = restarted = False
            interval = BATCH / args.rate
            n = 0
            while (now := time.monotonic() - start) < total:
                if not killed and now >= down_at:
                    server.kill()
                    server.wait()
                    killed = True
                if killed and not restarted and now >= up_at:
                    server = start_redis(work, redis_port)
                    restarted = True
                if killed and not restarted and links and n % 10 == 0:
                    unsubscribe_statuses[client.post(links.pop()).status_code] += 1
                events = [
                    {
                        "type": "conversion",
                        "recipient_id": f"r{(n * BATCH + j) % 5000}",
                        "value": 1.0,
                        "event_id": f"e{n}-{j}",
                    }
                    for j in range(BATCH)
                ]
                path = "/v1/experiments/bench-outage/events"
                response = client.post(path, json={"events": events})
                statuses[response.status_code] += 1
                sent += BATCH
                if response.status_code == 202:
                    accepted += response.json()["accepted"]
                n += 1
                time.sleep(max(0.0, start + n * interval - time.monotonic()))
            elapsed = time.monotonic() - start
        with redis.Redis(port=redis_port) as admin:
            key = "atn:{bench-outage}:counters"
            kept = unsubscribed = 0
            for _ in range(600):  # the spool replays within seconds of the restart
                fields = admin.hgetall(key)
                kept = sum(int(v) for f, v in fields.items() if f.endswith(b"|conversion|count"))
                unsubscribed = sum(admin.hlen(f"atn:{{unsub:u{i}}}") for i in range(20))
                if kept >= accepted and unsubscribed >= sum(unsubscribe_statuses.values()):
                    break
                time.sleep(0.05)
    finally:
        api.terminate()
        api.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    errors = sum(c for s, c in statuses.items() if s >= 500)
    print(f"requests by status: {dict(sorted(statuses.items()))}")
    print(f"unsubscribes during the outage by status: {dict(sorted(unsubscribe_statuses.items()))}")
    print(
        f"rate_per_s={sent / elapsed:.0f} outage_s={args.outage:g} events_sent={sent} "
        f"events_accepted={accepted} events_refused={sent - accepted} events_kept={kept} "
        f"events_lost={accepted - kept} "
        f"http_5xx={errors} unsubscribes_sent={sum(unsubscribe_statuses.values())} "
        f"unsubscribes_kept={unsubscribed}"
    )


if __name__ == "__main__":
    main()
