"""Redis side of what recipients chose: unsubscribes, preferences, the suppression feed,
erasure (see redis.py for the connection and errors).

Keys (each command or script touches one hash slot):
    atn:{unsub:<rid>}               hash list_id -> unsubscribe time (as before reasons)
    atn:{unsub:<rid>}:detail        hash list_id -> {"reason", "source"} JSON
    atn:{unsub:<rid>}:preferences   hash "ts" -> time, "body" -> Preferences JSON
    atn:{feed}:seq                  the feed's id sequence
    atn:{feed}:entries              hash id -> "<ts>|<SuppressionEntry JSON>"
    atn:{feed}:order                sorted set of ids (score: id)
    atn:{feed}:by_ts                sorted set of ids (score: ts), for `since`
    atn:{feed}:keys                 hash write key -> id, so a replayed write adds no line
    atn:{feed}:of:<rid>             set of the write keys naming a recipient (erasure)
    atn:{feed}:last_ts              the latest line's ts: the feed's clock never goes back
"""

from __future__ import annotations

from typing import cast

import msgspec
import redis.asyncio as aioredis

from atn_content.store.base import Preferences, SuppressionEntry, Unsubscribe

__all__ = ["ConsentKeys"]

_FEED = ("atn:{feed}:seq", "atn:{feed}:entries", "atn:{feed}:order", "atn:{feed}:by_ts",
         "atn:{feed}:keys", "atn:{feed}:last_ts")  # fmt: skip

# KEYS: the six feed keys, then of:<rid> (or a dummy in the slot for an erasure).
# ARGV: write key, body JSON, recipient ('' for an erasure). Redis' own clock, never
# earlier than the last line, stamps the line.
_APPEND_LUA = """
if redis.call('HEXISTS', KEYS[5], ARGV[1]) == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local last = tonumber(redis.call('GET', KEYS[6]) or '0')
if now < last then now = last end
local stamp = string.format('%.6f', now)
redis.call('SET', KEYS[6], stamp)
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], id, stamp .. '|' .. ARGV[2])
redis.call('ZADD', KEYS[3], id, id)
redis.call('ZADD', KEYS[4], tonumber(stamp), id)
redis.call('HSET', KEYS[5], ARGV[1], id)
if ARGV[3] ~= '' then redis.call('SADD', KEYS[7], ARGV[1]) end
return id
"""

# KEYS: the six feed keys, of:<rid>; ARGV: the erasure's write key and body.
_FORGET_LUA = """
for _, key in ipairs(redis.call('SMEMBERS', KEYS[7])) do
  local id = redis.call('HGET', KEYS[5], key)
  if id then
    redis.call('HDEL', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZREM', KEYS[4], id)
    redis.call('HDEL', KEYS[5], key)
  end
end
redis.call('DEL', KEYS[7])
return 1
"""

# KEYS[1] preferences hash; ARGV ts, body. 1 kept, 2 this very write is there, 0 older.
_PREFERENCES_LUA = """
local current = tonumber(redis.call('HGET', KEYS[1], 'ts') or '-inf')
local ts = tonumber(ARGV[1])
if ts < current then return 0 end
if ts == current then return 2 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'body', ARGV[2])
return 1
"""

_encode = msgspec.json.Encoder().encode
_entry = msgspec.json.Decoder(SuppressionEntry)
_preferences = msgspec.json.Decoder(Preferences)
_detail = msgspec.json.Decoder(dict[str, str])


def recipient_keys(recipient_id: str) -> list[str]:
    """Every key of the recipient's own slot."""
    base = f"atn:{{unsub:{recipient_id}}}"
    return [base, f"{base}:detail", f"{base}:preferences"]


def _text(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode()


class ConsentKeys:
    """The scripts, registered once per client; callers wrap calls in `_available`."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._append = client.register_script(_APPEND_LUA)
        self._forget = client.register_script(_FORGET_LUA)
        self._preferences = client.register_script(_PREFERENCES_LUA)

    async def _feed_line(self, key: str, line: SuppressionEntry) -> None:
        of = f"atn:{{feed}}:of:{line.recipient_id}"
        await self._append(keys=[*_FEED, of], args=[key, _encode(line), line.recipient_id])

    async def unsubscribe(self, write: Unsubscribe) -> None:
        base, detail, _ = recipient_keys(write.recipient_id)
        info = _encode({"reason": write.reason, "source": write.source})
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hsetnx(base, write.list_id, repr(write.ts))
            pipe.hsetnx(detail, write.list_id, info)
            await pipe.execute()
        line = SuppressionEntry(
            0, 0.0, "unsubscribe", write.ts, write.recipient_id, "", write.list_id,
            write.reason, write.source,
        )  # fmt: skip
        await self._feed_line(f"unsub|{write.recipient_id}|{write.list_id}", line)

    async def unsubscribes(self, recipient_id: str) -> list[Unsubscribe]:
        base, detail, _ = recipient_keys(recipient_id)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hgetall(base)
            pipe.hgetall(detail)
            times, details = await pipe.execute()
        found = []
        for raw_list, raw_ts in times.items():
            list_id = _text(raw_list)
            info = details.get(raw_list)
            extra = _detail.decode(info) if info is not None else {}
            found.append(
                Unsubscribe(
                    recipient_id,
                    list_id,
                    float(raw_ts),
                    extra.get("reason", ""),
                    extra.get("source", "link"),
                )
            )
        return sorted(found, key=lambda u: u.list_id)

    async def set_preferences(self, write: Preferences) -> bool:
        key = recipient_keys(write.recipient_id)[2]
        outcome = int(await self._preferences(keys=[key], args=[repr(write.ts), _encode(write)]))
        if outcome:  # kept now, or kept before a lost reply: the feed line is idempotent
            line = SuppressionEntry(
                0, 0.0, "preferences", write.ts, write.recipient_id, frequency=write.frequency,
                topics=write.topics, locale=write.locale,
            )  # fmt: skip
            await self._feed_line(f"pref|{write.recipient_id}|{write.ts!r}", line)
        return outcome == 1

    async def get_preferences(self, recipient_id: str) -> Preferences | None:
        body = await self._client.hget(recipient_keys(recipient_id)[2], "body")
        return None if body is None else _preferences.decode(body)

    async def feed(self, after: int, limit: int, since: float | None) -> list[SuppressionEntry]:
        if since is not None:
            first = cast(
                "list[bytes]",
                await self._client.zrangebyscore(_FEED[3], since, "+inf", start=0, num=1),
            )
            if not first:
                return []
            after = max(after, int(first[0]) - 1)
        ids = cast(
            "list[bytes]",
            await self._client.zrangebyscore(_FEED[2], f"({after}", "+inf", start=0, num=limit),
        )
        if not ids:
            return []
        bodies = await self._client.hmget(_FEED[1], ids)
        lines = []
        for raw_id, body in zip(ids, bodies, strict=True):
            if body is None:  # erased between the two reads
                continue
            stamp, _, rest = _text(body).partition("|")
            lines.append(
                msgspec.structs.replace(_entry.decode(rest), id=int(raw_id), ts=float(stamp))
            )
        return lines

    async def erase(self, recipient_id: str, recipient_hash: str, ts: float) -> None:
        """Feed lines first (the step that needs the id to find them), then own keys."""
        of = f"atn:{{feed}}:of:{recipient_id}"
        await self._forget(keys=[*_FEED, of], args=[])
        line = SuppressionEntry(0, 0.0, "erasure", ts, recipient_hash=recipient_hash)
        await self._append(keys=[*_FEED, of], args=[f"erase|{recipient_hash}", _encode(line), ""])
        await self._client.delete(*recipient_keys(recipient_id))
        await self._client.delete(f"atn:{{log:consent}}:{recipient_id}")
        async for key in self._client.scan_iter(match="atn:{*}:seen:*", count=1000):
            await self._client.srem(key, recipient_id)

    async def recipient_claims(self, recipient_id: str) -> list[tuple[str, str]]:
        claims = []
        async for raw in self._client.scan_iter(match="atn:{*}:seen:*", count=1000):
            key = _text(raw)
            if await self._client.sismember(key, recipient_id):
                scope, _, metric = key[len("atn:{") :].partition("}:seen:")
                claims.append((scope, metric))
        return sorted(claims)
