"""Batches writes that can wait off the request path, and keeps them on local disk while
the store is down.

A write is an Event (exposures, opens, clicks, conversions), an Unsubscribe or a
recipient's Preferences; any kind added to `Write` travels the same way. add() gives each
event an event_id (when it has none) and appends the write to memory. A background task
records batches; a batch the store does not take, for whatever reason, goes to this
process's spool file (fsync'd, see spool.py) and is retried oldest first. Retries and
replays send the same event ids, and unsubscribes and preferences are idempotent, so a
batch the store applied before its reply was lost is not counted twice. Only writes
failing `validate_write` (checked before any write) are set aside, in rejected.ndjson;
everything else is retried until the store takes it. Listeners (`add_listener`) see every
write as it is accepted, so an in-memory view (the suppression snapshot) can follow this
process's own writes at once.

A write that must be durable before the request is answered (a one-click unsubscribe)
goes through `record_or_spool`: recorded now, or on disk before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import msgspec

from atn_content.redact import redact
from atn_content.store.base import (
    Event,
    InvalidEvent,
    Preferences,
    Store,
    StoreUnavailable,
    Unsubscribe,
    Write,
    validate_write,
)
from atn_content.store.spool import Claimed, Spool

__all__ = ["EventBuffer"]

log = logging.getLogger(__name__)

_MAX_BACKOFF = 2.0


class EventBuffer:
    """In-memory queue of writes in front of a Store, with a disk spool for outages."""

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
        self.flushed = 0  # writes the store accepted (counted, deduplicated or repeated)
        self.rejected = 0  # writes failing validation (in rejected.ndjson)
        self.last_error: str | None = None
        self._pending: deque[Write] = deque()
        self._flush_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._retry_at = 0.0
        self._backoff = flush_interval
        self._encoder = msgspec.json.Encoder()
        self._decoder: msgspec.json.Decoder[Write] = msgspec.json.Decoder(Write)
        self._untagged = msgspec.json.Decoder(Event)  # spool lines from before other kinds
        self._spool = Spool(self.spool_dir)
        self._listeners: list[Callable[[Write], None]] = []

    @property
    def pending(self) -> int:
        return len(self._pending)

    @property
    def spooled(self) -> int:
        """Writes on disk in the spool directory awaiting replay (any process's)."""
        return self._spool.waiting()

    def health(self) -> dict[str, int | str | None]:
        """Counters for the health endpoint."""
        return {
            "pending": self.pending,
            "spooled": self.spooled,
            "flushed": self.flushed,
            "rejected": self.rejected,
            "last_error": self.last_error,
        }

    def add_listener(self, listener: Callable[[Write], None]) -> None:
        """Call `listener` with every write this buffer accepts (cheap, never raising)."""
        self._listeners.append(listener)

    def _tell(self, write: Write) -> None:
        for listener in self._listeners:
            listener(write)

    def add(self, write: Write) -> None:
        """Queue one write; never waits on the store (spills to disk when memory is full)."""
        if isinstance(write, Event) and not write.event_id:
            write = msgspec.structs.replace(write, event_id=uuid.uuid4().hex)
        self._pending.append(write)
        if not isinstance(write, Event):
            self._tell(write)
        if len(self._pending) >= self.max_pending:
            try:
                self._write_spool(self._drain(len(self._pending)))
            except OSError as exc:  # the disk refuses too: keep them in memory
                self._note_error(exc)
        if len(self._pending) >= self.batch_size:
            self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="atn-event-buffer")

    async def stop(self) -> None:
        """Let the background task finish, record or spool everything left, drop spool locks."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await self._task
            self._task = None
        self._retry_at = 0.0
        try:
            await self.flush()
        finally:
            await asyncio.to_thread(self._spool.release)

    async def record_or_spool(self, write: Write) -> bool:
        """Apply one write now (True), or, when the store cannot take it, fsync it to the
        spool for the replay (False): either way it is kept before this returns.

        Raises InvalidEvent for a write no store can hold, and OSError when the spool's
        disk refuses too (nothing was kept: the caller must say so).
        """
        return await self.record_or_spool_all([write])

    async def record_or_spool_all(self, writes: Sequence[Write]) -> bool:
        """record_or_spool for a batch (a webhook's events): one store call, or one fsync.

        Raises InvalidEvent, having kept nothing, when any write fails validation.
        """
        for write in writes:
            validate_write(write)
        if not writes:
            return True
        if time.monotonic() >= self._retry_at:  # not backing off after a failure
            try:
                await self._apply(writes)
            except Exception as exc:
                self._note_outage(exc)
            else:
                self.flushed += len(writes)
                self._tell_all(writes)
                return True
        await asyncio.to_thread(self._write_spool, writes)
        self._tell_all(writes)
        return False

    def _tell_all(self, writes: Sequence[Write]) -> None:
        """Listeners hear of every write but events (as add() tells them)."""
        for write in writes:
            if not isinstance(write, Event):
                self._tell(write)

    async def flush(self) -> None:
        """Replay the spool, then record pending batches; spool them if the store fails."""
        async with self._flush_lock:
            if time.monotonic() < self._retry_at:
                await self._spool_async(self._drain(len(self._pending)))
                return
            try:
                await self._replay()
                while self._pending:
                    batch = await self._valid(self._drain(self.batch_size))
                    try:
                        await self._apply(batch)
                    except BaseException:
                        await self._spool_async(batch)
                        raise
                    self.flushed += len(batch)
            except Exception as exc:  # unreachable, read-only, out of memory, or a bug
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
        self.last_error = redact(f"{type(exc).__name__}: {exc}")
        log.error("event buffer: %s", self.last_error)

    def _note_outage(self, exc: BaseException) -> None:
        self.last_error = redact(f"{type(exc).__name__}: {exc}")
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
        if isinstance(exc, (StoreUnavailable, OSError, TimeoutError)):
            log.warning("store unavailable, spooling events: %s", self.last_error)
        else:  # not an outage we know; the writes are kept and retried all the same
            log.error("store failed, spooling events for retry: %s", self.last_error)

    async def _apply(self, batch: Sequence[Write]) -> None:
        """Send a batch of valid writes to the store; raises when it does not take them all.

        Events go in one `record` call; the other kinds are idempotent, so a batch sent
        again after a partial failure changes nothing that was already applied.
        """
        events = [w for w in batch if isinstance(w, Event)]
        if events:
            await self.store.record(events)
        for write in batch:
            if isinstance(write, Unsubscribe):
                await self.store.unsubscribe(
                    write.recipient_id, write.list_id, write.ts, write.reason, write.source
                )
            elif isinstance(write, Preferences):
                await self.store.set_preferences(write)

    def _drain(self, n: int) -> list[Write]:
        return [self._pending.popleft() for _ in range(min(n, len(self._pending)))]

    async def _valid(self, writes: Sequence[Write]) -> list[Write]:
        """The writes passing validation; the others go to rejected.ndjson."""
        good, bad = self._split(writes)
        await self._reject(bad)
        return good

    def _split(self, writes: Sequence[Write]) -> tuple[list[Write], list[bytes]]:
        good: list[Write] = []
        bad: list[bytes] = []
        for write in writes:
            try:
                validate_write(write)
            except InvalidEvent as exc:
                self._note_error(exc)
                bad.append(self._encoder.encode(write) + b"\n")
            else:
                good.append(write)
        return good, bad

    async def _reject(self, lines: list[bytes]) -> None:
        if lines:
            await asyncio.to_thread(self._spool.reject, lines)
            self.rejected += len(lines)

    # -- spool -----------------------------------------------------------------------

    def _write_spool(self, writes: Sequence[Write]) -> None:
        if writes:
            self._spool.append(b"".join(self._encoder.encode(w) + b"\n" for w in writes))

    async def _spool_async(self, writes: Sequence[Write]) -> None:
        try:
            await asyncio.to_thread(self._write_spool, writes)
        except BaseException:  # nowhere to put them: back to the front of the queue
            self._pending.extendleft(reversed(writes))
            raise

    async def _replay(self) -> None:
        for claimed in await asyncio.to_thread(self._spool.claim):
            await self._replay_file(claimed)

    async def _replay_file(self, claimed: Claimed) -> None:
        while True:
            lines, end = await asyncio.to_thread(self._spool.read, claimed, self.batch_size)
            if not lines:
                break
            writes, unreadable = self._decode(lines, claimed.path)
            batch, bad = self._split(writes)
            await self._apply(batch)  # raises: the file stays, offset unchanged
            self.flushed += len(batch)
            await self._reject(unreadable + bad)  # once, after the batch is in
            claimed.offset = end
            claimed.done += len(lines)
        await asyncio.to_thread(self._spool.finish, claimed)

    def _decode(self, lines: Iterable[bytes], path: Path) -> tuple[list[Write], list[bytes]]:
        writes: list[Write] = []
        unreadable: list[bytes] = []
        for line in lines:
            try:
                writes.append(self._decode_line(line))
            except msgspec.DecodeError:  # a torn last line after a crash, or damage
                log.warning("unreadable spool line in %s kept in rejected.ndjson", path)
                unreadable.append(line if line.endswith(b"\n") else line + b"\n")
        return writes, unreadable

    def _decode_line(self, line: bytes) -> Write:
        try:
            return self._decoder.decode(line)
        except msgspec.ValidationError:
            return self._untagged.decode(line)  # raises DecodeError when it is not one
