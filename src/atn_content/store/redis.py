"""Redis store: production backend shared by every API replica.

Key layout (Redis Cluster friendly: each command or script touches one hash slot):
    atn:{<scope>}:counters          hash "<bucket>|<metric>|count|sum|sumsq" -> number
    atn:{<scope>}:eid               set of event ids already recorded for the scope
    atn:{<scope>}:seen:<metric>     set of recipients already counted (unique events)
    atn:{doc:<kind>}                hash key -> JSON document
    atn:{doc:<kind>}:version        hash key -> version (compare-and-set, same slot)
    atn:{log:<kind>}:<key>          list of JSON entries, oldest first
    atn:{unsub:<recipient_id>}      hash list_id -> unsubscribe time
    atn:{unsub:<recipient_id>}:...  and atn:{feed}:...: see _redis_consent.py
    atn:{lease:<name>}              string holder, expiring (SET PX)
A batch costs one Lua script call (EVALSHA) per scope (per chunk of events), all
pipelined in one round trip; the script applies the rules event by event, so each
event is atomic.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import redis.asyncio as aioredis
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

from atn_content.redact import redact
from atn_content.store._redis_consent import ConsentKeys
from atn_content.store.base import (
    Event,
    Preferences,
    StoreUnavailable,
    SuppressionEntry,
    Unsubscribe,
    Versioned,
    validate_event,
)

__all__ = ["RedisStore", "scope_key", "unavailable_code"]

# Events per script call: large enough to amortise the call, small enough that one
# script never blocks the server for long.
_CHUNK = 1000

# Seconds a persistence check stays valid: /healthz is polled often, the setting rarely moves.
_WARNINGS_TTL = 60.0

_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

# Replies meaning "this server cannot take writes right now" (failover, maxmemory, a
# failed RDB save, loading, a long script, cluster reshaping): the batch is fine, retry it.
_UNAVAILABLE_CODES = frozenset(
    {"READONLY", "OOM", "MISCONF", "LOADING", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN",
     "NOREPLICAS", "BUSY"}
)  # fmt: skip
# redis-py strips the code from the replies it has a class for; most specific first.
_UNAVAILABLE_CLASSES: tuple[tuple[type[redis.exceptions.RedisError], str], ...] = (
    (redis.exceptions.ReadOnlyError, "READONLY"),
    (redis.exceptions.OutOfMemoryError, "OOM"),
    (redis.exceptions.MasterDownError, "MASTERDOWN"),
    (redis.exceptions.ClusterDownError, "CLUSTERDOWN"),
    (redis.exceptions.TryAgainError, "TRYAGAIN"),
)
_PIPELINE_PREFIX = re.compile(r"^Command # \d+ \(.*?\) of pipeline caused error: \(?['\"]?", re.S)

# KEYS[1] counters hash, KEYS[2] event-id set, KEYS[3..] seen sets (one per metric).
# ARGV: per event bucket, metric, seen-key index (0 = not unique), recipient, value, id.
# Phase 1 only reads and decides; phase 2 writes. An error in phase 1 leaves nothing
# written, and Redis refuses OOM/READONLY at a script's first write, so a call is all
# or nothing and its retry (same event ids) can neither lose nor double-count.
_RECORD_LUA = """
local function finite(x) return x == x and x ~= math.huge and x ~= -math.huge end
local acc, order, counted = {}, {}, 0
local new_eids, eid_here = {}, {}
local new_seen, seen_here = {}, {}
for i = 1, #ARGV, 6 do
  local value = tonumber(ARGV[i + 4])
  if value == nil or not finite(value) or math.abs(value) > 1e15 then
    return redis.error_reply('ERR atn: invalid event value ' .. ARGV[i + 4])
  end
  local ok = true
  local eid = ARGV[i + 5]
  if eid ~= '' then
    if eid_here[eid] or redis.call('SISMEMBER', KEYS[2], eid) == 1 then
      ok = false
    else
      eid_here[eid] = true
      new_eids[#new_eids + 1] = eid
    end
  end
  local seen = tonumber(ARGV[i + 2])
  if ok and seen > 0 then
    local recipient = ARGV[i + 3]
    if seen_here[seen] == nil then
      seen_here[seen], new_seen[seen] = {}, {}
    end
    if seen_here[seen][recipient] or redis.call('SISMEMBER', KEYS[seen], recipient) == 1 then
      ok = false
    else
      seen_here[seen][recipient] = true
      table.insert(new_seen[seen], recipient)
    end
  end
  if ok then
    local field = ARGV[i] .. '|' .. ARGV[i + 1] .. '|'
    local a = acc[field]
    if a == nil then
      a = {0, 0, 0}
      acc[field] = a
      order[#order + 1] = field
    end
    a[1] = a[1] + 1
    a[2] = a[2] + value
    a[3] = a[3] + value * value
    counted = counted + 1
  end
end
for _, field in ipairs(order) do
  local a = acc[field]
  local total = tonumber(redis.call('HGET', KEYS[1], field .. 'sum') or '0') + a[2]
  local total_sq = tonumber(redis.call('HGET', KEYS[1], field .. 'sumsq') or '0') + a[3]
  if not (finite(total) and finite(total_sq)) then
    return redis.error_reply('ERR atn: counter ' .. field .. ' would overflow')
  end
end
if #new_eids > 0 then redis.call('SADD', KEYS[2], unpack(new_eids)) end
for index, members in pairs(new_seen) do
  if #members > 0 then redis.call('SADD', KEYS[index], unpack(members)) end
end
for _, field in ipairs(order) do
  local a = acc[field]
  redis.call('HINCRBY', KEYS[1], field .. 'count', a[1])
  redis.call('HINCRBYFLOAT', KEYS[1], field .. 'sum', a[2])
  redis.call('HINCRBYFLOAT', KEYS[1], field .. 'sumsq', a[3])
end
return counted
"""


# KEYS[1] documents hash, KEYS[2] versions hash; ARGV key, expected version ('' = must
# not exist), body. Returns the new version, or -1 when another write came first.
_PUT_IF_VERSION_LUA = """
local exists = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if ARGV[2] == '' then
  if exists then return -1 end
elseif not exists or current ~= tonumber(ARGV[2]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
"""

# KEYS[1] lease; ARGV holder, milliseconds. Taken when free or already ours (renewal).
_ACQUIRE_LEASE_LUA = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RELEASE_LEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def unavailable_code(exc: BaseException) -> str | None:
    """The code of an error reply meaning "cannot write now" (not a bad batch), else None."""
    for cls, code in _UNAVAILABLE_CLASSES:
        if isinstance(exc, cls):
            return code
    if not isinstance(exc, redis.exceptions.ResponseError) or not exc.args:
        return None
    message = _PIPELINE_PREFIX.sub("", str(exc.args[0]), count=1)
    code = message.split(" ", 1)[0]
    return code if code in _UNAVAILABLE_CODES else None


def scope_key(scope: str, suffix: str) -> str:
    """Key of one scope's structure; the {scope} hash tag keeps a scope in one slot."""
    return f"atn:{{{scope}}}:{suffix}"


class RedisStore:
    """Store backed by Redis (redis-py asyncio, one connection pool)."""

    def __init__(self, url: str, *, connect_timeout: float = 2.0, timeout: float = 10.0) -> None:
        self.url = url
        self.shown_url = redact(url)
        """The URL as messages show it (no password)."""
        # Few, short retries: an outage should reach the EventBuffer's spool quickly.
        retry = Retry(ExponentialWithJitterBackoff(base=0.01, cap=0.2), retries=2)
        self._client: aioredis.Redis = aioredis.from_url(
            url, socket_connect_timeout=connect_timeout, socket_timeout=timeout, retry=retry
        )
        self._sha = hashlib.sha1(_RECORD_LUA.encode()).hexdigest()
        self._put_if_version = self._client.register_script(_PUT_IF_VERSION_LUA)
        self._acquire_lease = self._client.register_script(_ACQUIRE_LEASE_LUA)
        self._release_lease = self._client.register_script(_RELEASE_LEASE_LUA)
        self._consent = ConsentKeys(self._client)
        self._warnings: tuple[float, list[str]] | None = None  # (checked at, warnings)

    @asynccontextmanager
    async def _available(self) -> AsyncIterator[None]:
        try:
            yield
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(f"Redis at {self.shown_url}: {exc}") from exc
        except redis.exceptions.ResponseError as exc:
            code = unavailable_code(exc)
            if code is None:
                raise
            raise StoreUnavailable(
                f"Redis at {self.shown_url} refuses writes ({code}): {exc}"
            ) from exc

    async def ping(self) -> None:
        async with self._available():
            await self._client.ping()

    async def close(self) -> None:
        await self._client.aclose()

    async def warnings(self) -> list[str]:
        now = time.monotonic()
        if self._warnings is None or now - self._warnings[0] > _WARNINGS_TTL:
            async with self._available():
                self._warnings = (now, await self._persistence_warnings())
        return list(self._warnings[1])

    async def _persistence_warnings(self) -> list[str]:
        """Counters, experiment records and unsubscribes live only here: a server with
        neither AOF nor RDB loses them all when it restarts."""
        info = await self._client.info("persistence")
        if int(info.get("aof_enabled", 0)):
            return []
        try:
            save = (await self._client.config_get("save")).get("save", "")
        except redis.exceptions.ResponseError:  # CONFIG refused (managed services): unknown
            return []
        if str(save).strip():
            return []
        return [
            f"Redis at {self.shown_url} has neither AOF nor RDB persistence (appendonly no, "
            'save ""): a restart loses every counter, experiment record and unsubscribe; '
            "set appendonly yes (or RDB save points) on the server"
        ]

    async def record(self, events: Sequence[Event]) -> int:
        by_scope: dict[str, list[Event]] = {}
        for event in events:  # the whole batch, before anything is sent
            validate_event(event)
        for event in events:
            by_scope.setdefault(event.scope, []).append(event)
        calls = [
            _script_call(scope, scoped[start : start + _CHUNK])
            for scope, scoped in by_scope.items()
            for start in range(0, len(scoped), _CHUNK)
        ]
        async with self._available():
            return await self._run_scripts(calls)

    async def _run_scripts(self, calls: list[tuple[list[str], list[str]]]) -> int:
        """EVALSHA every call in one pipelined round trip; load the script on NOSCRIPT.

        Only the calls answered NOSCRIPT (never run) are sent again, so nothing that ran
        is repeated; any other error reply is raised.
        """
        counted, todo = 0, calls
        for _ in range(2):
            if not todo:
                break
            async with self._client.pipeline(transaction=False) as pipe:
                for keys, args in todo:
                    pipe.evalsha(self._sha, len(keys), *keys, *args)
                replies = await pipe.execute(raise_on_error=False)
            missing = []
            for call, reply in zip(todo, replies, strict=True):
                if isinstance(reply, redis.exceptions.NoScriptError):
                    missing.append(call)
                elif isinstance(reply, Exception):
                    raise reply
                else:
                    counted += int(reply)
            if missing:  # a restarted or failed-over server: its script cache is empty
                self._sha = await self._client.script_load(_RECORD_LUA)
            todo = missing
        if todo:
            raise StoreUnavailable(f"Redis at {self.shown_url} keeps losing its script cache")
        return counted

    async def counters(self, scope: str) -> dict[str, dict[str, dict[str, float]]]:
        async with self._available():
            fields = await self._client.hgetall(scope_key(scope, "counters"))
        result: dict[str, dict[str, dict[str, float]]] = {}
        for raw_field, raw_value in fields.items():
            field = raw_field if isinstance(raw_field, str) else raw_field.decode()
            bucket, metric, stat = field.rsplit("|", 2)
            stats = result.setdefault(bucket, {}).setdefault(
                metric, {"count": 0, "sum": 0.0, "sumsq": 0.0}
            )
            stats[stat] = int(raw_value) if stat == "count" else float(raw_value)
        return result

    async def put_document(self, kind: str, key: str, document: Mapping[str, Any]) -> None:
        docs = f"atn:{{doc:{kind}}}"
        async with self._available(), self._client.pipeline(transaction=True) as pipe:
            pipe.hset(docs, key, msgspec.json.encode(document))
            pipe.hincrby(f"{docs}:version", key, 1)
            await pipe.execute()

    async def get_versioned(self, kind: str, key: str) -> Versioned | None:
        docs = f"atn:{{doc:{kind}}}"
        async with self._available(), self._client.pipeline(transaction=True) as pipe:
            pipe.hget(docs, key)
            pipe.hget(f"{docs}:version", key)
            body, version = await pipe.execute()
        return None if body is None else Versioned(_decode_object(body), int(version or 0))

    async def put_if_version(
        self, kind: str, key: str, document: Mapping[str, Any], version: int | None
    ) -> int | None:
        docs = f"atn:{{doc:{kind}}}"
        expected = "" if version is None else str(version)
        body = msgspec.json.encode(document)
        async with self._available():
            written = int(
                await self._put_if_version(
                    keys=[docs, f"{docs}:version"], args=[key, expected, body]
                )
            )
        return None if written < 0 else written

    async def get_document(self, kind: str, key: str) -> dict[str, Any] | None:
        async with self._available():
            body = await self._client.hget(f"atn:{{doc:{kind}}}", key)
        return None if body is None else _decode_object(body)

    async def list_documents(self, kind: str) -> list[dict[str, Any]]:
        async with self._available():
            bodies = await self._client.hgetall(f"atn:{{doc:{kind}}}")
        return [_decode_object(bodies[key]) for key in sorted(bodies)]

    async def delete_document(self, kind: str, key: str) -> bool:
        docs = f"atn:{{doc:{kind}}}"
        async with self._available(), self._client.pipeline(transaction=True) as pipe:
            pipe.hdel(docs, key)
            pipe.hdel(f"{docs}:version", key)
            deleted, _ = await pipe.execute()
        return int(deleted) > 0

    async def append_log(self, kind: str, key: str, entry: Mapping[str, Any]) -> None:
        async with self._available():
            await self._client.rpush(f"atn:{{log:{kind}}}:{key}", msgspec.json.encode(entry))

    async def read_log(self, kind: str, key: str) -> list[dict[str, Any]]:
        async with self._available():
            entries = await self._client.lrange(f"atn:{{log:{kind}}}:{key}", 0, -1)
        return [_decode_object(entry) for entry in entries]

    async def unsubscribe(
        self,
        recipient_id: str,
        list_id: str,
        ts: float,
        reason: str = "",
        source: str = "link",
    ) -> None:
        async with self._available():
            await self._consent.unsubscribe(Unsubscribe(recipient_id, list_id, ts, reason, source))

    async def unsubscribes(self, recipient_id: str) -> list[Unsubscribe]:
        async with self._available():
            return await self._consent.unsubscribes(recipient_id)

    async def set_preferences(self, preferences: Preferences) -> bool:
        async with self._available():
            return await self._consent.set_preferences(preferences)

    async def get_preferences(self, recipient_id: str) -> Preferences | None:
        async with self._available():
            return await self._consent.get_preferences(recipient_id)

    async def suppressions(
        self, after: int = 0, limit: int = 100, since: float | None = None
    ) -> list[SuppressionEntry]:
        async with self._available():
            return await self._consent.feed(after, limit, since)

    async def erase_recipient(self, recipient_id: str, recipient_hash: str, ts: float) -> None:
        async with self._available():
            await self._consent.erase(recipient_id, recipient_hash, ts)

    async def recipient_claims(self, recipient_id: str) -> list[tuple[str, str]]:
        async with self._available():
            return await self._consent.recipient_claims(recipient_id)

    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        milliseconds = max(1, round(seconds * 1000))
        async with self._available():
            taken = await self._acquire_lease(
                keys=[f"atn:{{lease:{name}}}"], args=[holder, milliseconds]
            )
        return bool(int(taken))

    async def release_lease(self, name: str, holder: str) -> None:
        async with self._available():
            await self._release_lease(keys=[f"atn:{{lease:{name}}}"], args=[holder])

    async def is_unsubscribed(self, recipient_id: str, list_id: str) -> bool:
        async with self._available():
            found = await self._client.hexists(f"atn:{{unsub:{recipient_id}}}", list_id)
        return bool(found)


def _script_call(scope: str, events: Sequence[Event]) -> tuple[list[str], list[str]]:
    keys = [scope_key(scope, "counters"), scope_key(scope, "eid")]
    seen_index: dict[str, int] = {}
    args: list[str] = []
    for e in events:
        index = 0
        if e.unique:
            index = seen_index.get(e.metric, 0)
            if not index:
                keys.append(scope_key(scope, f"seen:{e.metric}"))
                index = seen_index[e.metric] = len(keys)
        args += (e.bucket, e.metric, str(index), e.recipient_id, repr(e.value), e.event_id or "")
    return keys, args


def _decode_object(body: bytes | str) -> dict[str, Any]:
    value: dict[str, Any] = msgspec.json.decode(body, type=dict[str, Any])
    return value
