"""GET /v1/recommendations/{recipient_id}: a recipient's recommendations as JSON.

What an email's recommendations section would show, without an email: the same ranking
over the model in memory (recommendations/serving.py), the same names, links and reason
sentences (the reason block the emails include). Only the stored history is known here
(a request carries no recipient data); a recipient without one gets the cold start of
the locale's market.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from atn_content.api.auth import require_scope
from atn_content.api.errors import (
    checked_recipient_id,
    invalid_query,
    refuse_unknown_query,
)
from atn_content.recommendations.serving import MAX_K, Recommender, Strategy

__all__ = ["ROUTES", "RecommendationItem", "Recommendations"]

_OPT = {"scope": "render"}
_QUERY = frozenset({"k", "strategy", "locale", "exclude"})
#: Most destinations `exclude` may name.
MAX_EXCLUDE = 20


class RecommendationItem(msgspec.Struct):
    destination: str
    """Catalogue code (`bora-bora`)."""
    name: str
    """In the locale."""
    reason: str
    """The sentence the email shows ("Because you loved Bora Bora")."""
    url: str
    strategy: str
    """What found it: similar, also_visited, recent_searches, popularity."""
    because: str | None
    """Code of the destination the reason names, if any."""
    score: float
    image: str | None = None


class Recommendations(msgspec.Struct):
    recipient_id: str
    locale: str
    model_version: int | None
    """The model served from; null before any model has been read (catalogue cold start)."""
    items: list[RecommendationItem]


def _exclusions(values: list[str] | None, recommender: Recommender) -> set[str]:
    names = [part.strip() for value in values or () for part in value.split(",") if part.strip()]
    if len(names) > MAX_EXCLUDE:
        raise invalid_query("exclude", f"names {len(names)} destinations; at most {MAX_EXCLUDE}")
    codes: set[str] = set()
    for name in names:
        found = recommender.catalogue.find(name)
        if found is None:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise invalid_query(
                "exclude",
                f"{shown!r} is not a catalogue destination (a code, a name or an airport)",
            )
        codes.add(found.code)
    return codes


@get(
    "/v1/recommendations/{recipient_id:str}",
    guards=[require_scope],
    opt=_OPT,
    summary="A recipient's destination recommendations, each with its reason and link",
)
async def recommendations(
    request: Request[Any, Any, Any],
    recipient_id: FromPath[str],
    recommender: NamedDependency[Recommender],
    k: Annotated[int, QueryParameter(ge=1, le=MAX_K, description="how many destinations")] = 3,
    strategy: Annotated[
        Strategy, QueryParameter(description="blend, or one strategy alone")
    ] = "blend",
    locale: Annotated[
        str, QueryParameter(pattern=r"^(fr|en|ja)$", description="names, links and reasons")
    ] = "en",
    exclude: Annotated[
        list[str] | None,
        QueryParameter(description="destinations never to return (codes, names, airports)"),
    ] = None,
) -> Recommendations:
    """Up to k destinations: never one booked in the last 12 months nor one excluded."""
    refuse_unknown_query(request, _QUERY)
    checked_recipient_id(recipient_id)
    banned = _exclusions(exclude, recommender)
    now = dt.datetime.now(dt.UTC)
    version, picks = recommender.served(
        {"id": recipient_id}, locale, now, k=k, strategy=strategy, exclude=banned
    )
    return Recommendations(
        recipient_id,
        locale,
        version,
        [
            RecommendationItem(
                destination=p.code,
                name=p.name,
                reason=recommender.reason_text(locale, p),
                url=p.url,
                strategy=p.strategy,
                because=p.because_code,
                score=round(p.score, 6),
                image=p.image,
            )
            for p in picks
        ],
    )


ROUTES = [recommendations]
