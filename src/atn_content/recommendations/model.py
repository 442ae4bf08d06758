"""The trained model: everything serving needs, precomputed, in one versioned document.

A render must not wait on the store, so the model carries each strategy's top-N
neighbours per destination, popularity per market (the cold start) and each recipient's
recent history (bounded): a replica loads it once and ranks in memory. Versions are
documents of kind "recs-model" in the store (`v000001`, ...) with a "latest" pointer that
replicas poll (`version`) to pick up a new training run without a restart.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import msgspec

from atn_content.store.base import Store
from atn_content.timestamps import utc_iso

__all__ = [
    "HISTORY_LIMIT",
    "KEEP_VERSIONS",
    "KIND",
    "HistoryItem",
    "ModelError",
    "RecsModel",
    "latest",
    "load",
    "save",
    "version",
]

#: Store document kind of the models and their "latest" pointer.
KIND = "recs-model"
#: Interactions kept per recipient in the model, newest first (enough for every strategy).
HISTORY_LIMIT = 20
#: Model versions kept in the store; older ones are deleted after a save.
KEEP_VERSIONS = 5
_POINTER = "latest"
_ENCODING = "msgpack+zlib+base64"

Ranked = list[tuple[str, float]]
"""(destination code, score) pairs, best first."""


class ModelError(ValueError):
    """A stored model that cannot be read (corrupt, another format); names the version."""


class HistoryItem(msgspec.Struct, frozen=True, array_like=True):
    """One past interaction of a recipient, as ranking reads it (ts: epoch seconds, UTC)."""

    destination: str
    kind: str
    ts: float


class RecsModel(msgspec.Struct, frozen=True, weakref=True):
    """A trained model. neighbours: strategy -> destination -> its top-N neighbours;
    popularity: market ("" = every market) -> destinations best first; history: recipient
    -> last HISTORY_LIMIT interactions, newest first; markets: recipient -> market."""

    version: int
    trained_at: float
    catalogue: tuple[str, ...]
    neighbours: dict[str, dict[str, Ranked]]
    popularity: dict[str, Ranked]
    history: dict[str, tuple[HistoryItem, ...]]
    markets: dict[str, str]
    interactions: int
    params: dict[str, float] = {}

    def encode(self) -> bytes:
        """Compact bytes (msgpack, zlib): a million interactions' model is a few MB."""
        return zlib.compress(msgspec.msgpack.encode(self), 6)

    @classmethod
    def decode(cls, data: bytes) -> RecsModel:
        try:
            return msgspec.msgpack.decode(zlib.decompress(data), type=cls)
        except (zlib.error, msgspec.DecodeError) as exc:
            raise ModelError(f"not a recommendations model: {exc}") from None

    def recipient_history(self, recipient_id: str) -> tuple[HistoryItem, ...]:
        return self.history.get(recipient_id, ())


def _key(number: int) -> str:
    return f"v{number:06d}"


def _document(model: RecsModel) -> dict[str, Any]:
    data = model.encode()
    return {
        "version": model.version,
        "trained_at": utc_iso(model.trained_at, "seconds"),
        "interactions": model.interactions,
        "recipients": len(model.history),
        "encoding": _ENCODING,
        "sha256": hashlib.sha256(data).hexdigest(),
        "model": base64.b64encode(data).decode("ascii"),
    }


async def version(store: Store) -> int | None:
    """The latest model version, or None before the first training: one small read, what
    replicas poll to notice a new model."""
    pointer = await store.get_document(KIND, _POINTER)
    return None if pointer is None else int(pointer["version"])


async def load(store: Store, number: int) -> RecsModel | None:
    """One stored version, or None when it is not (or no longer) there."""
    document = await store.get_document(KIND, _key(number))
    if document is None:
        return None
    where = f"{KIND} {_key(number)}"
    if document.get("encoding") != _ENCODING:
        raise ModelError(f"{where}: unknown encoding {document.get('encoding')!r}")
    try:
        data = base64.b64decode(document["model"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"{where}: the model field is not base64") from None
    if hashlib.sha256(data).hexdigest() != document.get("sha256"):
        raise ModelError(f"{where}: checksum mismatch (a truncated or altered document)")
    try:
        return RecsModel.decode(data)
    except ModelError as exc:
        raise ModelError(f"{where}: {exc}") from None


async def latest(store: Store) -> RecsModel | None:
    """The newest model, or None before the first training."""
    number = await version(store)
    return None if number is None else await load(store, number)


async def save(store: Store, model: RecsModel) -> RecsModel:
    """Store the model as the next version and point "latest" at it; returns the model
    with its version. Safe when two trainings finish at once: each version number is
    claimed by a create-only write, and the pointer only moves forward."""
    number = (await version(store) or 0) + 1
    while True:
        stamped = msgspec.structs.replace(model, version=number)
        if await store.put_if_version(KIND, _key(number), _document(stamped), None) is not None:
            break
        number += 1
    pointer = {"version": number, "trained_at": utc_iso(model.trained_at, "seconds")}
    while True:
        current = await store.get_versioned(KIND, _POINTER)
        if current is not None and int(current.document["version"]) >= number:
            break
        expected = None if current is None else current.version
        if await store.put_if_version(KIND, _POINTER, pointer, expected) is not None:
            break
    for old in range(number - KEEP_VERSIONS, 0, -1):
        if not await store.delete_document(KIND, _key(old)):
            break
    return stamped
