"""100,000 recipients through POST /v1/render/batch, end to end, against the in-process renderer.

Starts the API (uvicorn, one worker: a batch is one request) on a free loopback port, then
streams an NDJSON body generated on the fly while reading the streamed NDJSON response on
the same connection (a full-duplex HTTP/1.1 client on asyncio streams: a client that sends
the whole body before reading would deadlock once socket buffers fill). Counts lines and
error lines, checks a sample of results, and reads the server's peak RSS (VmHWM) before
stopping it. Baseline, same run: Renderer.render over the same recipients in this process,
so ratio = HTTP wall time / in-process wall time shows the HTTP + JSON overhead.

Usage: .venv/bin/python bench/batch.py [--recipients 100000] [--server uvicorn|granian]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from _common import (
    API_KEY,
    CONTENT_ROOT,
    TEMPLATE,
    OtherLoad,
    Server,
    branch_of,
    iter_recipients,
    machine_summary,
    request_line,
)
from atn_content.app import build_renderer
from atn_content.config import Settings

_SUBJECT_WORD = {"bora-bora": ("Bora Bora", "ボラボラ"), "tokyo": ("Tokyo", "東京")}
_LINES_PER_CHUNK = 64
_CHECK_EVERY = 997  # parse and check one result line in this many


@dataclass
class Outcome:
    lines: int = 0
    errors: int = 0
    checked: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    first_line_s: float = 0.0


def body_chunks(n: int, outcome: Outcome) -> Iterator[bytes]:
    batch: list[bytes] = []
    for recipient in iter_recipients(n):
        batch.append(request_line(recipient) + b"\n")
        if len(batch) == _LINES_PER_CHUNK:
            chunk = b"".join(batch)
            outcome.bytes_out += len(chunk)
            yield chunk
            batch = []
    if batch:
        chunk = b"".join(batch)
        outcome.bytes_out += len(chunk)
        yield chunk


async def send_body(writer: asyncio.StreamWriter, n: int, outcome: Outcome) -> None:
    for chunk in body_chunks(n, outcome):
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def read_response(
    reader: asyncio.StreamReader, n: int, outcome: Outcome, started: float
) -> None:
    status = await reader.readline()
    if b" 200 " not in status:
        raise SystemExit(f"batch answered {status!r}")
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") != "chunked":
        raise SystemExit(f"expected a chunked stream, got {headers}")
    expected = iter_recipients(n)
    pending = b""
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            await reader.readline()
            break
        data = await reader.readexactly(size + 2)
        outcome.bytes_in += size
        parts = (pending + data[:-2]).split(b"\n")
        pending = parts.pop()
        for line in parts:
            if outcome.lines == 0:
                outcome.first_line_s = time.perf_counter() - started
            outcome.lines += 1
            recipient = next(expected)
            if b'"result":{' not in line[:100]:  # {"line", "recipient_id", "result" | "error"}
                outcome.errors += 1
            elif outcome.lines % _CHECK_EVERY == 1:
                check_line(line, recipient, outcome.lines)
                outcome.checked += 1
    if pending:
        raise SystemExit("stream ended inside a line")


def check_line(line: bytes, recipient: dict[str, object], number: int) -> None:
    """The line answers this recipient, on the right seed branch."""
    item = json.loads(line)
    subject = item["result"]["subject"]
    words = _SUBJECT_WORD.get(branch_of(recipient), ())
    ok = item["line"] == number and item["recipient_id"] == recipient["id"]
    if not ok or (words and not any(w in subject for w in words)):
        raise SystemExit(f"line {number}: unexpected {item['recipient_id']} {subject!r}")


async def run_batch(url_port: int, n: int) -> tuple[Outcome, float]:
    outcome = Outcome()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", url_port, limit=1 << 20)
    writer.write(
        b"POST /v1/render/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + API_KEY.encode() + b"\r\n"
        b"Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n"
        b"Connection: close\r\n\r\n"
    )
    sender = asyncio.create_task(send_body(writer, n, outcome))
    await read_response(reader, n, outcome, started)
    await sender
    elapsed = time.perf_counter() - started
    writer.close()
    await writer.wait_closed()
    return outcome, elapsed


def in_process(n: int) -> float:
    renderer = build_renderer(Settings(content_root=CONTENT_ROOT, secret=b"x" * 32))
    started = time.perf_counter()
    for recipient in iter_recipients(n):
        renderer.render(TEMPLATE, recipient["locale"], recipient)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn")
    args = parser.parse_args()
    n = args.recipients
    print(machine_summary())
    other = OtherLoad()
    with (
        tempfile.TemporaryDirectory(prefix="atn-bench-") as state,
        Server(workers=1, kind=args.server, state_dir=Path(state)) as server,
    ):
        start_rss = server.peak_rss_mib()
        outcome, wall = asyncio.run(run_batch(server.port, n))
        rss = server.peak_rss_mib()
    print(f"server pids and VmHWM after start: {_mib(start_rss)}; after the batch: {_mib(rss)}")
    print(
        f"http: {outcome.lines:,} lines ({outcome.errors} errors, {outcome.checked} checked) in "
        f"{wall:.1f} s = {outcome.lines / wall:,.0f} renders/s; first line after "
        f"{outcome.first_line_s * 1e3:.0f} ms; sent {outcome.bytes_out / 2**20:,.0f} MiB, "
        f"received {outcome.bytes_in / 2**20:,.0f} MiB"
    )
    other_cpus = other.cpus()
    baseline = in_process(n)
    client_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"in-process renderer: {n:,} renders in {baseline:.1f} s = {n / baseline:,.0f} renders/s")
    print(f"bench client peak RSS {client_rss:.0f} MiB")
    print(f"other processes used {other_cpus:.2f} CPUs during the HTTP run")
    if outcome.lines != n:
        raise SystemExit(f"expected {n} lines, got {outcome.lines}")
    print(
        f"recipients={n} wall_s={wall:.1f} renders_per_s={n / wall:.0f} "
        f"errors={outcome.errors} peak_rss_mb={max(rss.values()):.0f} "
        f"inprocess_s={baseline:.1f} ratio={wall / baseline:.2f} other_cpus={other_cpus:.2f}"
    )


def _mib(rss: dict[int, float]) -> str:
    return ", ".join(f"{pid}: {mib:.0f} MiB" for pid, mib in rss.items())


if __name__ == "__main__":
    main()
