"""Hostile bodies against POST /v1/render, each timed against a normal body, with /healthz polled.

Starts the API (uvicorn, one worker, SQLite store in a temp dir, the shipped content) on a
free loopback port. Baseline, same run: a normal body (newsletter-destination with a sample
recipient from samples/recipients/). Each hostile body is a named case: median wall time
over N requests, its status code, ratio = median(case) / median(normal). A case passes when
ratio <= 5 or it is refused with a 4xx in <= 50 ms (issue 8, "Done when"). Meanwhile a
separate process polls GET /healthz every 10 ms on its own connection: p50/p99/max while
the hostile cases run show whether one request stalls the others.

worst_ratio is the largest ratio among the cases that do NOT pass as a fast refusal (a 4xx
within 50 ms), i.e. the ratios the criterion actually judges; worst_ratio_all is the largest
ratio over every case.

Usage: .venv/bin/python bench/hostile.py [--repeat 20] [--slow-repeat 5] [--normal-repeat 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import API_KEY, REPO, OtherLoad, Server, machine_summary

_HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
_SLOW_S = 1.0  # a case whose first request takes longer is repeated --slow-repeat times
_FAST_REFUSAL_MS = 50.0
_MAX_RATIO = 5.0
_TIMEOUT_S = 600.0


@dataclass
class Case:
    name: str
    path: str
    body: bytes
    content_type: str = "application/json"


@dataclass
class Result:
    name: str
    statuses: Counter[int]
    times_ms: list[float]
    note: str = ""
    ratio: float = 0.0
    window: tuple[float, float] = (0.0, 0.0)
    healthz_max_ms: float | None = None  # None: no poll was sent during the case

    @property
    def status(self) -> int:
        return self.statuses.most_common(1)[0][0]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def fast_refusal(self) -> bool:
        return 400 <= self.status < 500 and self.median_ms <= _FAST_REFUSAL_MS

    @property
    def passed(self) -> bool:
        return self.ratio <= _MAX_RATIO or self.fast_refusal


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def sample_recipient(name: str) -> dict[str, Any]:
    """A shipped sample recipient, without its `sample` description block."""
    data: dict[str, Any] = json.loads(
        (REPO / "samples" / "recipients" / f"{name}.json").read_text(encoding="utf-8")
    )
    data.pop("sample", None)
    return data


def render_body(template: str, recipient: dict[str, Any]) -> bytes:
    return _dumps({"template": template, "locale": recipient["locale"], "recipient": recipient})


def nested(depth: int) -> bytes:
    """`depth` levels of JSON arrays, as raw text (json.dumps itself would recurse too deep)."""
    return b"[" * depth + b"1" + b"]" * depth


def hostile_cases(normal: dict[str, Any], booking: dict[str, Any]) -> list[Case]:
    def news(**changes: Any) -> bytes:
        return render_body("newsletter-destination", normal | changes)

    def book(**changes: Any) -> bytes:
        return render_body(
            "booking-confirmation", booking | {"booking": booking["booking"] | changes}
        )

    leg = booking["booking"]["flights"][0]
    # One 10,000-char string per leg: two would put the body over max_body_bytes (a 413).
    wide_leg = leg | {"flight_number": "9" * 10_000}
    # Printed values go through phrase breaking (content/phrases.py), which keeps "10 %"
    # together: 2,000 such matches in one 10,000-char string.
    percents = "10 % " * 2_000
    percent_leg = leg | {"flight_number": percents}
    deep = render_body("newsletter-destination", normal | {"notes": "DEEP"})
    deep = deep.replace(b'"DEEP"', nested(5_000))
    big = render_body("newsletter-destination", normal | {"notes": "x" * 5 * 1024 * 1024})
    bidi = "\u202eAna\u200b\ufeff\u2066Tane\u2069\u202c"
    # At the bounds, accepted: 12 legs (booking's max_items) within the text budget, and a
    # name the preheader prints (500 characters at most there).
    budget_leg = leg | {"flight_number": "10 % " * 120}
    near_cap = "10 % " * 90
    return [
        Case("12 flights x 600 chars (bounds)", "/v1/render", book(flights=[budget_leg] * 12)),
        Case("first_name '10 % ' x 90 (cap)", "/v1/render", news(first_name=near_cap)),
        Case("first_name 30k spaces", "/v1/render", news(first_name="Ana" + " " * 30_000 + "Tane")),
        Case("first_name 9,990 spaces", "/v1/render", news(first_name="Ana" + " " * 9_990 + "Ta")),
        Case("first_name 400 spaces", "/v1/render", news(first_name="Ana" + " " * 400 + "Tane")),
        Case("first_name 1 MiB", "/v1/render", news(first_name="A" * 1024 * 1024)),
        Case("first_name 1,000,000 chars", "/v1/render", news(first_name="A" * 1_000_000)),
        Case("booking.pnr 30k spaces", "/v1/render", book(pnr="K7" + " " * 30_000 + "ZT")),
        Case("booking.pnr 9,990 spaces", "/v1/render", book(pnr="K7" + " " * 9_990 + "ZT")),
        Case("100,000 booking.flights", "/v1/render", book(flights=[{}] * 100_000)),
        Case("100 booking.flights (the bound)", "/v1/render", book(flights=[leg] * 100)),
        Case("100 flights x 10k strings", "/v1/render", book(flights=[wide_leg] * 100)),
        Case("first_name '10 % ' x 2,000", "/v1/render", news(first_name=percents)),
        Case("100 flights x '10 % ' x 2,000", "/v1/render", book(flights=[percent_leg] * 100)),
        Case("JSON nested 5,000 deep", "/v1/render", deep),
        Case("5 MB body", "/v1/render", big),
        Case("bidi/zero-width names", "/v1/render", news(first_name=bidi, last_name=bidi)),
        Case("4,000-digit integer id", "/v1/render", news(id=int("7" * 4_000))),
        Case("recipient id with CR/LF", "/v1/render", news(id="smp-1\r\nBcc: x@evil.example")),
    ]


def batch_case(normal_line: bytes, cases: list[Case], lines: int) -> Case:
    """NDJSON, `lines` lines: every 4th one hostile (the bodies up to 64 KiB), the rest normal."""
    hostile = [c.body for c in cases if len(c.body) <= 65_536]
    body = [hostile[i // 4 % len(hostile)] if i % 4 == 3 else normal_line for i in range(lines)]
    return Case(
        f"batch {lines:,} lines (per line)",
        "/v1/render/batch",
        b"\n".join(body) + b"\n",
        "application/x-ndjson",
    )


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=_TIMEOUT_S)

    def request(self, method: str, path: str, body: bytes | None, ctype: str) -> tuple[int, bytes]:
        headers = _HEADERS | {"Content-Type": ctype}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.conn.close()
                return response.status, data
            except (ConnectionError, http.client.HTTPException):
                # The server may answer early (413) and close before reading the whole body.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=_TIMEOUT_S)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _poll(port: int, interval: float, stop: EventType, out: Connection) -> None:
    """The poller process: GET /healthz until `stop`, then send [(sent at, ms, status)]."""
    client = Client(port)
    polls: list[tuple[float, float, int]] = []
    while not stop.is_set():
        started = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
        try:
            status, _ = client.request("GET", "/healthz", None, "application/json")
        except OSError:
            status = 0
        polls.append((started, (time.perf_counter() - started) * 1e3, status))
        stop.wait(max(0.0, interval - (time.perf_counter() - started)))
    out.send(polls)
    out.close()


@dataclass
class Poller:
    """GET /healthz every `interval` seconds from its own process and connection.

    A process, not a thread: the bench's own work (reading and parsing a batch answer of
    many megabytes) would otherwise hold the GIL and count as server latency.
    """

    port: int
    interval: float = 0.010
    polls: list[tuple[float, float, int]] = field(default_factory=list)
    _stop: EventType | None = None
    _process: BaseProcess | None = None
    _pipe: Connection | None = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._pipe, child = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_poll, args=(self.port, self.interval, self._stop, child), name="healthz"
        )
        self._process.start()
        child.close()
        time.sleep(0.5)  # let it import and send its first request

    def stop(self) -> None:
        assert self._stop is not None and self._pipe is not None and self._process is not None
        self._stop.set()
        self.polls = self._pipe.recv()
        self._process.join()

    @property
    def failures(self) -> int:
        return sum(status != 200 for _, _, status in self.polls)

    def window(self, start: float, end: float) -> list[float]:
        """Latencies of the polls sent between start and end (perf_counter seconds)."""
        return [ms for sent, ms, _ in self.polls if start <= sent < end]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_case(
    client: Client, case: Case, repeat: int, slow_repeat: int, check: Callable[[int, bytes], str]
) -> Result:
    statuses: Counter[int] = Counter()
    times: list[float] = []
    note = ""
    n = repeat
    begun = time.perf_counter()
    while len(times) < n:
        started = time.perf_counter()
        status, data = client.request("POST", case.path, case.body, case.content_type)
        times.append((time.perf_counter() - started) * 1e3)
        statuses[status] += 1
        note = note or check(status, data)
        if len(times) == 1 and times[0] > _SLOW_S * 1e3:
            n = slow_repeat
    return Result(case.name, statuses, times, note, window=(begun, time.perf_counter()))


def describe(status: int, data: bytes) -> str:
    """A problem's title (what refused it), or the rendered subject's length on a 200."""
    try:
        body = json.loads(data)
    except ValueError:
        return f"{len(data):,} B, not JSON"
    if not isinstance(body, dict):
        return ""
    if status == 200 and "subject" in body:
        return f"subject {len(body['subject'])} chars, html {len(body['html']):,} chars"
    title = str(body.get("title", ""))
    errors = body.get("errors") or []
    where = errors[0].get("path", "") if errors and isinstance(errors[0], dict) else ""
    return f"{title}{': ' + str(where) if where else ''}"[:60]


def batch_check(status: int, data: bytes) -> str:
    counts: Counter[str] = Counter()
    for line in data.splitlines():
        item = json.loads(line)
        counts["ok" if "result" in item else str(item["error"]["status"])] += 1
    return " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))


def measure(
    args: argparse.Namespace, normal_body: bytes, booking_body: bytes, cases: list[Case]
) -> tuple[Result, Result, list[Result], Poller, tuple[float, float], float]:
    """Everything against one server: idle healthz, the normal body, then every case."""
    with (
        tempfile.TemporaryDirectory(prefix="atn-hostile-") as state,
        Server(workers=1, state_dir=Path(state)) as server,
    ):
        client = Client(server.port)
        for warm in (normal_body, booking_body):  # compile both templates first
            status, data = client.request("POST", "/v1/render", warm, "application/json")
            if status != 200:
                raise SystemExit(f"warm-up render answered {status}: {data[:300]!r}")
        poller = Poller(server.port)
        poller.start()
        idle = (time.perf_counter(), time.perf_counter() + args.idle)
        time.sleep(args.idle)  # healthz alone: the floor its figures are read against
        n = args.normal_repeat
        base = run_case(client, Case("normal", "/v1/render", normal_body), n, n, describe)
        if base.status != 200:
            raise SystemExit(f"normal body answered {base.status}: {base.note}")
        n = args.repeat
        own = run_case(client, Case("booking", "/v1/render", booking_body), n, n, describe)
        results = []
        for case in cases:
            is_batch = case.path.endswith("/batch")
            check = batch_check if is_batch else describe
            result = run_case(client, case, args.repeat, args.slow_repeat, check)
            if is_batch:  # time per line
                result.times_ms = [t / args.batch_lines for t in result.times_ms]
            results.append(result)
        # The normal body again: the machine is shared, so the baseline spans the whole run.
        n = args.normal_repeat
        after = run_case(client, Case("normal", "/v1/render", normal_body), n, n, describe)
        base.times_ms += after.times_ms
        base.statuses += after.statuses
        poller.stop()
        rss = sum(server.peak_rss_mib().values())
    return base, own, results, poller, idle, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per fast case")
    parser.add_argument("--slow-repeat", type=int, default=5, help="requests per slow case")
    parser.add_argument("--normal-repeat", type=int, default=50)
    parser.add_argument("--batch-lines", type=int, default=2_000)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of healthz alone")
    args = parser.parse_args()
    print(machine_summary())
    normal = sample_recipient("honeymoon-couple") | {"last_destination": "Bora Bora"}
    booking = sample_recipient("honeymoon-couple")
    normal_body = render_body("newsletter-destination", normal)
    booking_body = render_body("booking-confirmation", booking)
    cases = hostile_cases(normal, booking)
    cases.append(batch_case(normal_body, cases, args.batch_lines))
    other = OtherLoad()
    started = time.monotonic()
    base, own, results, poller, idle, rss = measure(args, normal_body, booking_body, cases)
    other_cpus = other.cpus()
    for case, r in zip(cases, results, strict=True):
        # Against the normal body of the same template: booking-confirmation (itinerary,
        # airport time zones) costs more than the newsletter with any data.
        against = own if case.body.startswith(b'{"template":"booking-confirmation"') else base
        r.ratio = r.median_ms / against.median_ms
        r.healthz_max_ms = max(poller.window(*r.window), default=None)
    hostile = poller.window(results[0].window[0], results[-1].window[1])
    at_rest = poller.window(*idle)
    print(
        f"normal: newsletter-destination, sample honeymoon-couple, {base.median_ms:.2f} ms "
        f"(median of {len(base.times_ms)}: {args.normal_repeat} before the cases, median "
        f"{statistics.median(base.times_ms[: args.normal_repeat]):.2f} ms, and as many after, "
        f"{statistics.median(base.times_ms[args.normal_repeat :]):.2f} ms; {base.note})"
    )
    print(
        f"booking cases are measured against booking-confirmation "
        f"with the same sample (4 flights) {own.median_ms:.2f} ms"
    )
    print(
        f"{'case':<32} {'status':>6} {'n':>3} {'median ms':>10} {'ratio':>7} pass "
        f"{'healthz max':>11}  answer"
    )
    for r in results:
        status = r.status if len(r.statuses) == 1 else "/".join(map(str, sorted(r.statuses)))
        stall = "-" if r.healthz_max_ms is None else f"{r.healthz_max_ms:.1f}"
        print(
            f"{r.name:<32} {status!s:>6} {len(r.times_ms):>3} {r.median_ms:>10.2f} "
            f"{r.ratio:>7.2f} {'yes' if r.passed else 'NO':<4} {stall:>11}  {r.note}"
        )
    print(
        f"healthz alone: {len(at_rest)} polls, p50 {quantile(at_rest, 0.5):.2f} ms, "
        f"p99 {quantile(at_rest, 0.99):.2f} ms; while the cases ran: {len(hostile)} polls, "
        f"{poller.failures} not 200, p50 {quantile(hostile, 0.5):.2f} ms, "
        f"p99 {quantile(hostile, 0.99):.2f} ms, max {max(hostile):.2f} ms"
    )
    print(
        f"total {time.monotonic() - started:.0f} s; server peak RSS {rss:.0f} MiB; "
        f"other processes used {other_cpus:.2f} CPUs meanwhile"
    )
    judged = [r.ratio for r in results if not r.fast_refusal]
    failed = [r.name for r in results if not r.passed]
    print(
        f"worst_ratio={max(judged, default=0.0):.2f} "
        f"worst_ratio_all={max(r.ratio for r in results):.2f} "
        f"healthz_p50_ms={quantile(hostile, 0.5):.2f} healthz_p99_ms={quantile(hostile, 0.99):.2f} "
        f"healthz_max_ms={max(hostile):.2f} healthz_idle_p99_ms={quantile(at_rest, 0.99):.2f} "
        f"cases={len(results)} passed={len(results) - len(failed)} "
        f"normal_ms={base.median_ms:.2f} "
        f"http_5xx={sum(c for r in results for s, c in r.statuses.items() if s >= 500)} "
        f"other_cpus={other_cpus:.2f}"
    )


if __name__ == "__main__":
    main()
