"""The EventBuffer's disk spool: one file per process, replayable by any process.

Several API workers share one spool directory. Each appends only to its own file
(spool-<pid>-<creation ns>-<random>.ndjson), holding an exclusive flock on it for the
length of each append. A replay takes every spool file it can flock without waiting,
whoever wrote it (itself, a worker that cannot reach the store, one that died), renames
it to replaying-<name> and keeps the lock until the file is recorded and removed. A
writer that finds its file locked or renamed starts a new one, so an append never lands
in a file being replayed. What to replay is decided by looking at the files, never at a
counter, so no event waits on a process that is gone. A replayer that dies leaves an
unlocked replaying-* file that the next replay takes (event ids make the repeat
harmless). flock needs a local file system (not NFS) for the spool directory.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Claimed", "Spool"]

log = logging.getLogger(__name__)

_SUFFIX = ".ndjson"
_REJECTED = "rejected.ndjson"
_WRITING = "spool-"
_REPLAYING = "replaying-"


@dataclass
class Claimed:
    """A spool file this process holds the lock of, and how far its replay got."""

    path: Path
    fd: int
    offset: int = 0  # bytes already recorded
    done: int = 0  # lines already recorded


class Spool:
    """Files of one spool directory, as seen by one writer (one per EventBuffer)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._active: tuple[Path, int] | None = None  # our own file, locked while appending
        self._claimed: dict[Path, Claimed] = {}
        self._lock = threading.Lock()
        self._line_counts: dict[str, _LineCount] = {}

    def append(self, lines: bytes) -> None:
        """Append whole lines to this writer's own file and fsync them."""
        with self._lock:
            fd = self._lock_own_file()
            try:
                view = memoryview(lines)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_own_file(self) -> int:
        """Our file, locked: the current one unless a replay took it, else a new one."""
        if self._active is not None:
            path, fd = self._active
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # being claimed right now
                pass
            else:
                if _same_file(fd, path):
                    return fd
                fcntl.flock(fd, fcntl.LOCK_UN)  # claimed (renamed) by a replay
            os.close(fd)
            self._active = None
        self._active = self._create()
        return self._active[1]

    def reject(self, lines: list[bytes]) -> None:
        """Keep events no store can hold in rejected.ndjson for a human; never replayed."""
        fd = os.open(self.directory / _REJECTED, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b"".join(lines))
            os.fsync(fd)
        finally:
            os.close(fd)

    def claim(self) -> list[Claimed]:
        """Lock and rename every spool file nobody is using; all held files, oldest first."""
        for path in self._candidates():
            if path not in self._claimed:
                claimed = _try_claim(path)
                if claimed is not None:
                    self._claimed[claimed.path] = claimed
        return sorted(self._claimed.values(), key=_age)

    def read(self, claimed: Claimed, max_lines: int) -> tuple[list[bytes], int]:
        """Up to max_lines non-blank lines after the replayed part, and where they end."""
        lines: list[bytes] = []
        with open(claimed.path, "rb") as f:
            f.seek(claimed.offset)
            while len(lines) < max_lines:
                line = f.readline()
                if not line:
                    break
                if line.strip():
                    lines.append(line)
            return lines, f.tell()

    def finish(self, claimed: Claimed) -> None:
        """A file fully replayed: remove it, then let go of its lock."""
        claimed.path.unlink(missing_ok=True)
        os.close(claimed.fd)
        del self._claimed[claimed.path]

    def release(self) -> None:
        """Let go of every lock (stop): another process, or a later buffer, replays the rest."""
        with self._lock:
            if self._active is not None:
                os.close(self._active[1])
                self._active = None
            for claimed in self._claimed.values():
                os.close(claimed.fd)
            self._claimed.clear()

    def waiting(self) -> int:
        """Events on disk in this directory not yet recorded, whichever process wrote them.

        Spool files only ever grow, so each call reads only the bytes added since the last.
        """
        total = 0
        counts: dict[str, _LineCount] = {}
        for path in self._candidates():
            try:
                counts[path.name] = count = _count_lines(path, self._line_counts.get(path.name))
            except FileNotFoundError:
                continue
            claimed = self._claimed.get(path)
            total += max(0, count.lines - (claimed.done if claimed is not None else 0))
        self._line_counts = counts
        return total

    def _candidates(self) -> list[Path]:
        return [
            p
            for p in self.directory.glob(f"*{_SUFFIX}")
            if p.name != _REJECTED and not p.name.startswith(".")
        ]

    def _create(self) -> tuple[Path, int]:
        name = f"{_WRITING}{os.getpid()}-{time.time_ns()}-{uuid.uuid4().hex[:8]}{_SUFFIX}"
        # Locked under a hidden name first: no other process may see it unlocked.
        hidden = self.directory / f".{name}.tmp"
        fd = os.open(hidden, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        path = self.directory / name
        os.rename(hidden, path)
        _fsync_dir(self.directory)
        return path, fd


def _try_claim(path: Path) -> Claimed | None:
    """Lock a file nobody is using and rename it out of its writer's reach; else None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if _same_file(fd, path):  # not replayed and removed by another process meanwhile
            if path.name.startswith(_WRITING):
                taken = path.with_name(_REPLAYING + path.name)
                os.rename(path, taken)
                path = taken
            return Claimed(path, fd)
    except (BlockingIOError, FileNotFoundError):
        pass
    os.close(fd)
    return None


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def _age(claimed: Claimed) -> tuple[int, str]:
    return os.fstat(claimed.fd).st_mtime_ns, claimed.path.name


@dataclass(frozen=True)
class _LineCount:
    size: int  # bytes counted
    newlines: int
    torn: bool  # the last line has no newline (yet)

    @property
    def lines(self) -> int:
        return self.newlines + self.torn


def _count_lines(path: Path, known: _LineCount | None) -> _LineCount:
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if known is None or known.size > size:
            known = _LineCount(0, 0, False)
        if known.size == size:
            return known
        f.seek(known.size)
        newlines, last, left = known.newlines, b"", size - known.size
        while left > 0 and (chunk := f.read(min(left, 1 << 20))):  # stop at `size`
            newlines += chunk.count(b"\n")
            last, left = chunk[-1:], left - len(chunk)
        return _LineCount(size - left, newlines, last != b"\n")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
