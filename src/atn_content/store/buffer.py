"""Batches events off the request path and keeps them on local disk while the store is down.

add() only appends to memory. A background task records batches; a batch the store
cannot take goes to an NDJSON spool file (fsync'd), replayed oldest first once the store
answers again. Spooled events get an event_id when they have none, so a replay that is
interrupted and repeated never counts an event twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import msgspec

from atn_content.store.base import Event, Store, StoreUnavailable

__all__ = ["EventBuffer"]

log = logging.getLogger(__name__)

#: What "the store is unreachable" looks like; anything else is a bug in the batch.
UNAVAILABLE: tuple[type[BaseException], ...] = (StoreUnavailable, OSError, TimeoutError)

_SPOOL = "spool.ndjson"
_REPLAY_GLOB = "replay-*.ndjson"
_MAX_BACKOFF = 2.0


class EventBuffer:
    """In-memory queue in front of a Store, with a disk spool for outages."""

    def __init__(
        self,
        store: Store,
        spool_dir: Path,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        max_pending: int = 50_000,
    ) -> None:
        self.store = store
        self.spool_dir = Path(spool_dir)
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_pending = max_pending
        self.spooled = 0  # events on disk awaiting replay
        self.flushed = 0  # events the store accepted (counted or deduplicated)
        self.rejected = 0  # events the store refused as invalid (in rejected.ndjson)
        self.last_error: str | None = None
        self._pending: deque[Event] = deque()
        self._file_lock = threading.Lock()
        self._flush_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._retry_at = 0.0
        self._backoff = flush_interval
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder(Event)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.spooled = sum(_count_lines(p) for p in self._spool_files())

    @property
    def pending(self) -> int:
        return len(self._pending)

    def health(self) -> dict[str, int | str | None]:
        """Counters for the health endpoint."""
        return {
            "pending": self.pending,
            "spooled": self.spooled,
            "flushed": self.flushed,
            "rejected": self.rejected,
            "last_error": self.last_error,
        }

    def add(self, event: Event) -> None:
        """Queue one event; never waits on the store (spills to disk when memory is full)."""
        self._pending.append(event)
        if len(self._pending) >= self.max_pending:
            self.spooled += self._write_spool(self._drain(len(self._pending)))
        if len(self._pending) >= self.batch_size:
            self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="atn-event-buffer")

    async def stop(self) -> None:
        """Let the background task finish its batch, then record or spool everything left."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        self._retry_at = 0.0
        await self.flush()

    async def flush(self) -> None:
        """Replay the spool, then record pending batches; spool them if the store is down."""
        async with self._flush_lock:
            if time.monotonic() < self._retry_at:
                await self._spool_async(self._drain(len(self._pending)))
                return
            try:
                await self._replay()
                while self._pending:
                    batch = self._drain(self.batch_size)
                    try:
                        await self.store.record(batch)
                    except Exception as exc:
                        await self._spool_async(batch)
                        if isinstance(exc, UNAVAILABLE):
                            raise
                        # Refused, not unreachable: the replay finds the bad events.
                        self._note_error(exc)
                        continue
                    except asyncio.CancelledError:
                        await self._spool_async(batch)
                        raise
                    self.flushed += len(batch)
            except UNAVAILABLE as exc:
                self._note_outage(exc)
                await self._spool_async(self._drain(len(self._pending)))
            else:
                self._backoff = self.flush_interval

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # e.g. the spool disk is full: keep trying
                self._note_error(exc)

    def _note_error(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        log.error("event buffer: %s", self.last_error)

    def _note_outage(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
        log.warning("store unavailable, spooling events: %s", self.last_error)

    def _drain(self, n: int) -> list[Event]:
        return [self._pending.popleft() for _ in range(min(n, len(self._pending)))]

    # -- spool -----------------------------------------------------------------------

    def _spool_files(self) -> list[Path]:
        """Replay files (oldest first), then the file being appended to."""
        files = sorted(self.spool_dir.glob(_REPLAY_GLOB))
        active = self.spool_dir / _SPOOL
        return [*files, active] if active.exists() else files

    def _write_spool(self, events: Sequence[Event]) -> int:
        if not events:
            return 0
        lines = b"".join(self._encoder.encode(_with_id(e)) + b"\n" for e in events)
        with self._file_lock, open(self.spool_dir / _SPOOL, "ab") as f:
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())
        return len(events)

    async def _spool_async(self, events: Sequence[Event]) -> None:
        self.spooled += await asyncio.to_thread(self._write_spool, events)

    def _rotate(self) -> list[Path]:
        """Freeze the active spool file so new spills never mix with a replay."""
        with self._file_lock:
            active = self.spool_dir / _SPOOL
            if active.exists():
                active.rename(self.spool_dir / f"replay-{time.time_ns():020d}.ndjson")
            return sorted(self.spool_dir.glob(_REPLAY_GLOB))

    async def _replay(self) -> None:
        if self.spooled <= 0:
            return
        for path in await asyncio.to_thread(self._rotate):
            await self._replay_file(path)

    async def _replay_file(self, path: Path) -> None:
        with open(path, "rb") as f:
            while True:
                start = f.tell()
                lines = await asyncio.to_thread(_read_lines, f, self.batch_size)
                if not lines:
                    break
                try:
                    await self._replay_batch(self._decode(lines, path))
                except UNAVAILABLE:
                    await asyncio.to_thread(_keep_tail, path, start)
                    raise
                self.spooled -= len(lines)
        path.unlink()

    async def _replay_batch(self, pairs: list[tuple[bytes, Event]]) -> None:
        try:
            await self.store.record([event for _, event in pairs])
            self.flushed += len(pairs)
            return
        except UNAVAILABLE:
            raise
        except Exception as exc:
            self._note_error(exc)
        refused: list[bytes] = []
        for line, event in pairs:  # one by one, to set aside only what the store refuses
            try:
                await self.store.record([event])
            except UNAVAILABLE:
                raise
            except Exception:
                refused.append(line)
            else:
                self.flushed += 1
        if refused:
            await asyncio.to_thread(self._reject, refused)
            self.rejected += len(refused)

    def _decode(self, lines: Iterable[bytes], path: Path) -> list[tuple[bytes, Event]]:
        pairs = []
        for line in lines:
            try:
                pairs.append((line, self._decoder.decode(line)))
            except msgspec.DecodeError:  # a torn last line after a crash
                log.warning("skipping unreadable spool line in %s", path)
        return pairs

    def _reject(self, lines: Sequence[bytes]) -> None:
        """Keep refused events in rejected.ndjson for a human; never replayed again."""
        with open(self.spool_dir / "rejected.ndjson", "ab") as f:
            f.writelines(lines)
            f.flush()
            os.fsync(f.fileno())


def _with_id(event: Event) -> Event:
    if event.event_id:
        return event
    return msgspec.structs.replace(event, event_id=uuid.uuid4().hex)


def _read_lines(f: IO[bytes], n: int) -> list[bytes]:
    lines: list[bytes] = []
    while len(lines) < n:
        line = f.readline()
        if not line:
            break
        if line.strip():
            lines.append(line)
    return lines


def _keep_tail(path: Path, offset: int) -> None:
    """Drop the replayed head of a spool file (after an outage mid-replay)."""
    tmp = path.with_suffix(".tmp")
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        src.seek(offset)
        while chunk := src.read(1 << 20):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    tmp.replace(path)


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())
