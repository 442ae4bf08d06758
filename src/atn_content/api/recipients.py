"""A recipient's rights over HTTP (GDPR articles 7, 15 and 17), under the `privacy` scope.

POST /v1/recipients/{id}/consents records an opt-in as it was given; GET /v1/recipients/{id}
shows everything held under the id; DELETE erases it all, leaving only the keyed hash
that keeps the person from being mailed again (consent/hashing.py, keyed by ATN_SECRET).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated

import msgspec
from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from atn_content.api.auth import require_scope
from atn_content.api.errors import checked_recipient_id
from atn_content.consent.snapshot import SuppressionSnapshot
from atn_content.experiments.assign import Assigner
from atn_content.store.base import Store
from atn_content.timestamps import utc_iso

__all__ = ["ROUTES", "ConsentRequest", "ConsentView", "ErasureReceipt", "RecipientView"]

_OPT = {"scope": "privacy"}
#: The consent log's kind in the store (append_log / read_log, keyed by recipient id).
CONSENT_LOG = "consent"


class ConsentRequest(msgspec.Struct, forbid_unknown_fields=True):
    date: Annotated[dt.datetime, msgspec.Meta(tz=True)]
    """When the person opted in (ISO 8601 with its offset)."""
    source: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
    """Where: form, booking, import, ..."""
    wording_version: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    """Which version of the consent text they were shown."""


class ConsentView(msgspec.Struct):
    date: str
    source: str
    wording_version: str
    recorded_at: str


class PreferencesView(msgspec.Struct):
    frequency: str
    topics: list[str]
    locale: str
    updated_at: str


class UnsubscribeView(msgspec.Struct):
    list_id: str
    at: str
    reason: str
    source: str


class ExperimentArm(msgspec.Struct):
    experiment: str
    bucket: str
    """The arm (variant key) the recipient's id hashes into, or the rollout bucket."""


class CountedEvent(msgspec.Struct):
    scope: str
    """The experiment (or other scope) whose counters include this recipient."""
    metric: str


class RecipientView(msgspec.Struct):
    recipient_id: str
    consents: list[ConsentView]
    preferences: PreferencesView | None
    unsubscribes: list[UnsubscribeView]
    experiments: list[ExperimentArm]
    events: list[CountedEvent]
    """Unique events (opens, clicks, ...) counted once per recipient: the store keeps
    that the recipient was counted, not the events themselves."""


class ErasureReceipt(msgspec.Struct):
    recipient_hash: str
    """What is kept: the keyed hash, so the person is never mailed again."""
    erased_at: str


def _consent(entry: dict[str, object]) -> ConsentView:
    return msgspec.convert(entry, ConsentView)


@post(
    "/v1/recipients/{recipient_id:str}/consents",
    guards=[require_scope],
    opt=_OPT,
    status_code=201,
    summary="Record a recipient's opt-in (date, source, wording version)",
)
async def record_consent(
    recipient_id: FromPath[str], data: JSONBody[ConsentRequest], store: NamedDependency[Store]
) -> ConsentView:
    """Appended to the recipient's consent log; earlier ones are kept."""
    consent = ConsentView(
        utc_iso(data.date.astimezone(dt.UTC), timespec="seconds"),
        data.source,
        data.wording_version,
        utc_iso(time.time(), timespec="seconds"),
    )
    await store.append_log(
        CONSENT_LOG, checked_recipient_id(recipient_id), msgspec.to_builtins(consent)
    )
    return consent


@get(
    "/v1/recipients/{recipient_id:str}",
    guards=[require_scope],
    opt=_OPT,
    summary="Everything held about a recipient (GDPR article 15)",
)
async def show_recipient(
    recipient_id: FromPath[str],
    store: NamedDependency[Store],
    assigner: NamedDependency[Assigner],
) -> RecipientView:
    """Consents, preferences, unsubscribes, the experiment arms their id hashes into, and
    the events counted for them."""
    rid = checked_recipient_id(recipient_id)
    prefs = await store.get_preferences(rid)
    arms = [(key, assigner.bucket(key, rid)) for key in assigner.keys]
    return RecipientView(
        rid,
        [_consent(e) for e in await store.read_log(CONSENT_LOG, rid)],
        PreferencesView(
            prefs.frequency, list(prefs.topics), prefs.locale, utc_iso(prefs.ts, timespec="seconds")
        )
        if prefs is not None
        else None,
        [
            UnsubscribeView(u.list_id, utc_iso(u.ts, timespec="seconds"), u.reason, u.source)
            for u in await store.unsubscribes(rid)
        ],
        [ExperimentArm(key, bucket) for key, bucket in arms if bucket is not None],
        [CountedEvent(scope, metric) for scope, metric in await store.recipient_claims(rid)],
    )


@delete(
    "/v1/recipients/{recipient_id:str}",
    guards=[require_scope],
    opt=_OPT,
    status_code=200,
    summary="Erase a recipient (GDPR article 17), keeping a hashed suppression",
)
async def erase_recipient(
    recipient_id: FromPath[str],
    store: NamedDependency[Store],
    suppression_list: NamedDependency[SuppressionSnapshot],
) -> ErasureReceipt:
    """Every key and row naming the id goes; the hash stays, and renders refuse it."""
    rid = checked_recipient_id(recipient_id)
    hashed, now = suppression_list.key(rid), time.time()
    await store.erase_recipient(rid, hashed, now)
    suppression_list.note_erasure(hashed, now)
    return ErasureReceipt(hashed, utc_iso(now, timespec="seconds"))


ROUTES = [record_consent, show_recipient, erase_recipient]
