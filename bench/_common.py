"""Shared bench helpers: deterministic recipients, machine facts, a server on loopback.

Not a benchmark itself. The recipients follow docs/RECIPIENT.md so that validation and
derive_profile do the work they do in production, and they cover the three seed branches of
`newsletter-destination` (last trip Bora Bora; a search for Tokyo; neither) in fr, en, ja.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "API_KEY",
    "CONTENT_ROOT",
    "REPO",
    "TEMPLATE",
    "OtherLoad",
    "Server",
    "branch_of",
    "free_port",
    "iter_recipients",
    "machine_summary",
    "make_recipient",
    "make_recipients",
    "peak_rss_kib",
    "request_line",
]

REPO = Path(__file__).resolve().parents[1]
#: Templates, blocks and locales: the checkout, unless ATN_CONTENT_ROOT names another tree.
CONTENT_ROOT = Path(os.environ.get("ATN_CONTENT_ROOT") or REPO)
TEMPLATE = "newsletter-destination"
API_KEY = "bench-key-" + "0" * 24
_SECRET = "bench-secret-" + "s" * 32

_FIRST_NAMES = {
    "fr": ["Éloïse", "Hérémoana", "Teva", "Vaimiti", "Loïc", "Françoise", "Anaïs", "Moana", ""],
    "en": ["Jessica", "Liam", "Zoë", "Siobhán", "O'Neil", "Mary-Kate", "Hinano", "Noah", ""],
    "ja": ["花子", "翔太", "さくら", "Yuki", "美咲", "健太", "陽菜", "Ren", ""],
}
_LAST_NAMES = {
    "fr": ["Tetuanui", "Lefèvre", "Temaru", "Dubois", "Teriitehau", "Chéreau"],
    "en": ["Alvarez", "O'Brien", "Smith", "Nguyen", "Walker", "Kealoha"],
    "ja": ["佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤"],
}
_ZONES = {
    "fr": ["Pacific/Tahiti", "Europe/Paris", "Pacific/Tahiti"],
    "en": ["America/Los_Angeles", "Pacific/Auckland", "America/New_York"],
    "ja": ["Asia/Tokyo"],
}
_AIRPORTS = {"fr": ["PPT", "CDG"], "en": ["LAX", "AKL", "JFK"], "ja": ["NRT", "HND"]}
_PLACES = ["Moorea", "Paris", "Los Angeles", "Auckland", "Rangiroa", "Huahine", "Taha'a"]
_TIERS = ["tahia", "silver", "gold"]
_BEHAVIOURS = ["pricing_page", "price_simulation", "cart", "newsletter_open", "newsletter_click"]
_TODAY = dt.date(2026, 11, 26)


def make_recipient(i: int, rng: random.Random) -> dict[str, Any]:
    """Recipient number i: branch i % 3 (0 Bora Bora, 1 Tokyo, 2 neither), locale cycles."""
    locale = ("fr", "en", "ja")[(i // 3) % 3]
    branch = i % 3
    searches = rng.sample(_PLACES, rng.randint(0, 3))
    if branch == 1:
        searches.insert(rng.randint(0, len(searches)), "Tokyo")
    last = "Bora Bora" if branch == 0 else rng.choice([*_PLACES, ""])
    if branch == 0 and rng.random() < 0.3:
        searches.append("Tokyo")  # Bora Bora wins over Tokyo: the rule's order matters
    first = rng.choice(_FIRST_NAMES[locale])
    family = rng.choice(_LAST_NAMES[locale])
    recipient: dict[str, Any] = {
        "id": f"bench-{i:07d}",
        "email": f"r{i}@example.com",
        "first_name": first,
        "last_name": family,
        "locale": locale,
        "timezone": rng.choice(_ZONES[locale]),
        "home_airport": rng.choice(_AIRPORTS[locale]),
        "recent_searches": searches,
    }
    if last:
        recipient["last_destination"] = last
    if rng.random() < 0.75:  # a customer: dates, spend, loyalty
        flown = _TODAY - dt.timedelta(days=rng.randint(3, 900))
        recipient |= {
            "last_flight_date": flown.isoformat(),
            "first_flight_date": (flown - dt.timedelta(days=rng.randint(0, 4000))).isoformat(),
            "last_booking_date": (flown - dt.timedelta(days=rng.randint(10, 120))).isoformat(),
            "flights_12m": rng.randint(0, 9),
            "spend_12m_xpf": rng.randint(0, 4_000_000),
            "birthday": _birthday(rng),
        }
        if rng.random() < 0.5:
            recipient["loyalty"] = {
                "number": f"TN{rng.randint(0, 9_999_999):07d}",
                "tier": rng.choice(_TIERS),
                "miles": rng.randint(0, 120_000),
                "miles_balance": rng.randint(0, 300_000),
            }
    recipient["behaviour"] = {k: rng.randint(0, 4) for k in rng.sample(_BEHAVIOURS, 3)}
    return recipient


def _birthday(rng: random.Random) -> str:
    return dt.date(rng.randint(1950, 1999), rng.randint(1, 12), rng.randint(1, 28)).isoformat()


def make_recipients(n: int, seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_recipient(i, rng) for i in range(n)]


def iter_recipients(n: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """The same recipients as make_recipients, one at a time (batch bench: bounded memory)."""
    rng = random.Random(seed)
    for i in range(n):
        yield make_recipient(i, rng)


def branch_of(recipient: dict[str, Any]) -> str:
    if recipient.get("last_destination") == "Bora Bora":
        return "bora-bora"
    return "tokyo" if "Tokyo" in recipient.get("recent_searches", []) else "generic"


def request_line(recipient: dict[str, Any]) -> bytes:
    """One render request as the API takes it (a JSON object, no newline)."""
    body = {"template": TEMPLATE, "locale": recipient["locale"], "recipient": recipient}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def machine_summary() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = (
            subprocess.run(
                ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
            or "unknown"
        )
    except OSError:
        commit = "unknown"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: nproc={os.cpu_count()} affinity={sorted(os.sched_getaffinity(0))} "
        f"cpu={cpu!r} python={platform.python_version()} loadavg=[{load}] "
        f"date={dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%MZ} commit={commit}"
    )


class OtherLoad:
    """CPU used by processes that are not this bench or its reaped children, in CPUs.

    The machine is shared (tests, other services); a run with other_cpus near 0 is clean.
    Measure with all the bench's children exited and reaped, or their time counts as other.
    """

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        t = os.times()
        own = t.user + t.system + t.children_user + t.children_system
        return time.monotonic(), busy, own

    def cpus(self) -> float:
        now, busy, own = self._sample()
        start, busy0, own0 = self._start
        return max(0.0, (busy - busy0) - (own - own0)) / max(now - start, 1e-9)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def peak_rss_kib(pid: int) -> int:
    """VmHWM (peak resident set) of one process, in KiB; 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


@dataclass
class Server:
    """The API in a subprocess on a free loopback port; `with Server(...) as s:` stops it."""

    workers: int = 1
    kind: str = "uvicorn"  # or "granian"
    state_dir: Path = field(default_factory=lambda: Path("/tmp"))
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    """ATN_* settings over the defaults below (another store, webhook keys)."""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        bindir = Path(sys.executable).parent
        target = "atn_content.app:create_app"
        if self.kind == "granian":
            return [
                str(bindir / "granian"),
                "--interface",
                "asgi",
                "--factory",
                target,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--no-ws",
                "--http",
                "1",
                "--loop",
                "uvloop",
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        return [
            str(bindir / "uvicorn"),
            "--factory",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]

    def __enter__(self) -> Server:
        env = (
            os.environ
            | {
                "ATN_API_KEY": API_KEY,
                "ATN_SECRET": _SECRET,
                "ATN_STATE_DIR": str(self.state_dir),
                "ATN_STORE": f"sqlite:///{self.state_dir}/bench.db",
                "ATN_CONTENT_ROOT": str(CONTENT_ROOT),
            }
            | self.env
        )
        if self.workers > 1 and env["ATN_STORE"].startswith("sqlite:"):
            # Workers opening a fresh SQLite file at once can race on PRAGMA journal_mode=WAL
            # ("database is locked", the worker exits and uvicorn stops): seen once here.
            # Put the file in WAL mode first; the race itself is reported, not hidden.
            with contextlib.closing(sqlite3.connect(self.state_dir / "bench.db")) as conn:
                conn.execute("PRAGMA journal_mode=WAL").fetchone()
        if shutil.which(self.command()[0]) is None:
            raise SystemExit(f"{self.command()[0]} not found")
        self.proc = subprocess.Popen(self.command(), env=env, cwd=REPO, start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        time.sleep(0.5 if self.workers > 1 else 0.0)  # let every worker boot
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("server did not become ready")

    def pids(self) -> list[int]:
        """The server process and its workers (uvicorn/granian fork them)."""
        if self.proc is None:
            return []
        todo, seen = [self.proc.pid], []
        while todo:
            pid = todo.pop()
            seen.append(pid)
            todo += _children(pid)
        return seen

    def peak_rss_mib(self) -> dict[int, float]:
        return {pid: peak_rss_kib(pid) / 1024 for pid in self.pids()}

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: the server and its workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
