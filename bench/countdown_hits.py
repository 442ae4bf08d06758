"""Countdown cache hits over HTTP, with GET /healthz on the same server in the same run.

The API (uvicorn, 2 workers by default, SQLite store) on a free 127.0.0.1 port. Emails of
the shipped `abandoned-h72` (its countdown: 48 hours from the send) are rendered through
POST /v1/render for a few recipients in fr, en and ja; their countdown URLs
(`/v1/img/countdown/{token}.gif`, 2x as the emails have them) are what wrk (Debian
package `wrk`) requests, cycled by a Lua script. Every URL of one locale names the same
second, so each worker draws each (locale, second) once and answers the rest from its
cache: what a campaign opened by thousands in the same second costs. At each concurrency
level /healthz (it pings the store) is the floor, measured with the same connections;
hits_ratio = countdown throughput / healthz throughput. Each level is measured in rounds
(the order turned each round); the median round of each is reported, and the headline is
the busiest level whose countdown p99 is within 20 ms, compared with /healthz at that level.

Used by bench/countdown.py (`hits_results`), which prints the last line.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import re
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from _common import API_KEY, Server, make_recipients
from api_load import _LUA_DONE as LUA_DONE
from api_load import Result, headline, median_result, run_wrk

__all__ = ["hits_results"]

TEMPLATE = "abandoned-h72"
_COUNTDOWN = re.compile(r'src="https://[^/"]+(/v1/img/countdown/[^"]+\.gif)"')
_LUA_PATHS = """
local paths = {
%s
}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
%s
"""
_LUA_HEALTHZ = "request = function() return wrk.format('GET', '/healthz') end\n" + LUA_DONE


def countdown_paths(url: str, n: int) -> list[str]:
    """The countdown URL of each recipient's abandoned-h72 email, via POST /v1/render."""

    def one(recipient: dict[str, Any]) -> str:
        body = json.dumps(
            {"template": TEMPLATE, "locale": recipient["locale"], "recipient": recipient}
        ).encode()
        request = urllib.request.Request(
            url + "/v1/render",
            data=body,
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            html = json.loads(response.read())["html"]
        found = _COUNTDOWN.search(html)
        if found is None:
            raise SystemExit(f"no countdown in {recipient['id']}'s {TEMPLATE} email")
        return found.group(1)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, make_recipients(n)))


def check_countdown(url: str, path: str) -> int:
    """One real request first: a 200 GIF of 60 frames' worth, or the numbers mean nothing."""
    conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200 or response.getheader("Content-Type") != "image/gif":
            raise SystemExit(f"countdown answered {response.status}")
        if not body.startswith(b"GIF89a") or body.count(b"\x21\xf9\x04") < 60:
            raise SystemExit("the countdown is not a 60-frame GIF")
        return len(body)
    finally:
        conn.close()


def hits_results(
    workers: int, connections: list[int], seconds: int, rounds: int, recipients: int
) -> dict[str, float | str]:
    """Countdown hits and the /healthz floor, per level; the headline figures by name."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="atn-bench-countdown-") as folder:
        root = Path(folder)
        (root / "state").mkdir()
        with Server(workers=workers, state_dir=root / "state") as server:
            paths = countdown_paths(server.url, recipients)
            if any('"' in p or "\\" in p for p in paths):
                raise SystemExit("a countdown path needs quoting in Lua")
            gif_bytes = check_countdown(server.url, paths[0])
            scripts = {"healthz": root / "healthz.lua", "countdown": root / "countdown.lua"}
            scripts["healthz"].write_text(_LUA_HEALTHZ, encoding="utf-8")
            lines = "\n".join(f'  "{p}",' for p in paths)
            scripts["countdown"].write_text(_LUA_PATHS % (lines, LUA_DONE), encoding="utf-8")
            run_wrk(server.url, scripts["countdown"], "warm-up", 16, 2, 1)
            labels = ["healthz", "countdown"]
            for c in connections:
                runs: dict[str, list[Result]] = {label: [] for label in labels}
                for round_no in range(rounds):
                    for label in labels[round_no % 2 :] + labels[: round_no % 2]:
                        found = run_wrk(server.url, scripts[label], label, c, seconds, 1)
                        runs[label].append(found)
                results += [median_result(runs[label]) for label in labels]
            with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
                counted = json.loads(response.read())["features"]["countdown"]
    print(
        f"countdown hits over HTTP: uvicorn --workers {workers}, {len(paths)} URLs of "
        f"{TEMPLATE} (fr, en, ja; 2x, {gif_bytes / 1024:.1f} KiB each), median of {rounds} "
        f"rounds of {seconds} s:"
    )
    for r in results:
        print(r.show())
    print(f"one worker's countdown counters after the run: {counted}")
    hits = headline(results, "countdown")
    (floor,) = [r for r in results if r.label == "healthz" and r.connections == hits.connections]
    errors = sum(r.errors for r in results)
    if errors:
        raise SystemExit(f"{errors} wrk errors: the figures are not hits")
    return {
        "hits_per_s": round(hits.rate),
        "hits_p99_ms": round(hits.p99_ms, 1),
        "hits_connections": hits.connections,
        "healthz_per_s": round(floor.rate),
        "hits_ratio": round(hits.rate / floor.rate, 2),
    }
