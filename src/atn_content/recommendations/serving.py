"""One recipient's recommendations, ready to show: what the extension and the API serve.

The ranking is rank.py's, over the model held in memory (snapshot.py): this module adds
what serving needs around it. The history is the stored one (the model's) plus what the
render request carries (history.py). The rules of the issue: never a destination booked
in the last 12 months nor the one the email is already about, only catalogue
destinations. Each pick carries its destination's name and page in the locale, and the
reason as data (kind, place, days), worded by blocks/recommendation-reason.mjml. Without
any model yet (a replica that never reached the store) the cold start comes from the
catalogue alone: places at their best this month, one per cluster.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

from atn_content.content.formatting import recipient_zone
from atn_content.recommendations.catalogue import Catalogue, Destination
from atn_content.recommendations.history import Seen, request_history
from atn_content.recommendations.model import HistoryItem, RecsModel
from atn_content.recommendations.rank import STRATEGIES, recommend
from atn_content.recommendations.reasons import Reasons
from atn_content.recommendations.snapshot import ModelSnapshot

__all__ = ["MAX_K", "STRATEGIES", "Pick", "ReasonKind", "Recommender"]

#: Most recommendations one call may ask for.
MAX_K = 10
#: How long a booking keeps its destination out of the recommendations.
BOOKED_WITHIN = dt.timedelta(days=365)

Strategy = Literal["blend", "similar", "also_visited", "recent_searches", "popularity"]
"""rank.py's strategies (a test holds the two lists together): the API's enum."""
ReasonKind = Literal["loved", "travellers", "search", "searches", "popular", "season"]


class Pick(msgspec.Struct, frozen=True):
    """One recommended destination as an email or the API shows it."""

    code: str
    name: str
    """In the locale."""
    url: str
    image: str | None
    reason: ReasonKind
    because: str
    """The place the reason names, in the locale ("" when it names none)."""
    because_code: str | None
    days: int
    """Days since the search a "search" reason refers to (0 today), else 0."""
    strategy: str
    score: float

    def item(self, reason_text: str, cta_text: str) -> dict[str, Any]:
        """What a template reads (plain data: the sandbox prints only data)."""
        return {
            "reason_text": reason_text,
            "cta_text": cta_text,
            "code": self.code,
            "name": self.name,
            "url": self.url,
            "image": self.image,
            "reason": self.reason,
            "because": self.because,
            "days": self.days,
            "strategy": self.strategy,
        }


def stored_history(model: RecsModel | None, recipient_id: str) -> list[Seen]:
    """The recipient's history as the model keeps it (bookings, searches, clicks)."""
    if model is None or not recipient_id:
        return []
    return [
        Seen(item.destination, item.kind, item.ts)  # type: ignore[arg-type]
        for item in model.recipient_history(recipient_id)
    ]


def to_history(seen: Iterable[Seen], now: dt.datetime) -> list[HistoryItem]:
    """What rank.py takes, newest first; a time the data does not give counts as a few
    seconds before now, in the data's order (rank.py then treats it as recent, and a
    booking of unknown date is never offered again)."""
    items = list(seen)
    base = now.timestamp() - len(items)
    history = [
        HistoryItem(s.code, s.kind, s.ts if s.ts is not None else base + i)
        for i, s in enumerate(items)
    ]
    history.sort(key=lambda item: -item.ts)
    return history


def _booked(seen: Iterable[Seen], now: dt.datetime) -> set[str]:
    """Destinations booked in the last 12 months (or booked at a time the data does not
    give: a trip the request names is recent enough to leave out)."""
    since = (now - BOOKED_WITHIN).timestamp()
    return {s.code for s in seen if s.kind == "booking" and (s.ts is None or s.ts >= since)}


def _in_season(catalogue: Catalogue, month: int, k: int, exclude: set[str]) -> list[Destination]:
    """The catalogue's cold start: islands at their best this month, one per cluster, in
    catalogue order (then the other islands); gateways are where travellers come from."""
    islands = [d for d in catalogue if d.kind != "gateway-city" and d.code not in exclude]
    ordered = [d for d in islands if month in d.best_months] + [
        d for d in islands if month not in d.best_months
    ]
    chosen: list[Destination] = []
    clusters: set[str] = set()
    for destination in ordered:
        if destination.cluster not in clusters:
            chosen.append(destination)
            clusters.add(destination.cluster)
        if len(chosen) == k:
            break
    return chosen


def _causes(seen: Iterable[Seen]) -> dict[str, Seen]:
    """Per destination, what the reason should speak of: a trip or a click on it when
    there is one ("you loved"), else its newest search."""
    causes: dict[str, Seen] = {}
    for item in seen:
        held = causes.get(item.code)
        if (
            held is None
            or (held.kind == "search" and item.kind != "search")
            or (held.kind == item.kind == "search" and (item.ts or 0.0) >= (held.ts or 0.0))
        ):
            causes[item.code] = item
    return causes


def _reason(
    strategy: str, because: str | None, causes: Mapping[str, Seen], today: dt.date, zone: Any
) -> tuple[ReasonKind, int]:
    """The reason kind (and days since the search) of one ranked destination."""
    if strategy == "popularity":
        return "popular", 0
    cause = causes.get(because) if because else None
    if strategy == "also_visited" or cause is None:
        return ("travellers", 0) if because or strategy == "also_visited" else ("popular", 0)
    if cause.kind != "search":
        return "loved", 0
    if cause.ts is None:
        return "searches", 0
    searched = dt.datetime.fromtimestamp(cause.ts, zone).date()
    return "search", max((today - searched).days, 0)


class Recommender:
    """Recommendations from the snapshot's model, the catalogue and the request's data."""

    def __init__(
        self, snapshot: ModelSnapshot, reasons: Reasons, catalogue: Catalogue | None = None
    ) -> None:
        self.snapshot = snapshot
        self.catalogue = catalogue or Catalogue.default()
        self.reasons = reasons
        # Recipient data names the same few places over and over: the lookup (a Unicode
        # normalisation per name) is done once per spelling.
        self._find = functools.lru_cache(maxsize=4096)(self.catalogue.find)

    def find(self, text: Any) -> Destination | None:
        """The catalogue place recipient data names (Catalogue.find, cached), or None."""
        return self._find(text) if isinstance(text, str) and len(text) <= 100 else None

    def excluded(self, about: Any) -> set[str]:
        """Codes of what an email is about: a name, an airport, a code, or a list of them."""
        values = about if isinstance(about, list | tuple) else [about]
        return {found.code for value in values[:MAX_K] if (found := self.find(value)) is not None}

    def picks(
        self,
        recipient: Mapping[str, Any],
        locale: str,
        now: dt.datetime,
        *,
        k: int = 3,
        strategy: str = "blend",
        exclude: Iterable[str] = (),
    ) -> list[Pick]:
        """Up to k picks for the recipient (`id` and whatever the request carries)."""
        return self.served(recipient, locale, now, k=k, strategy=strategy, exclude=exclude)[1]

    def served(
        self,
        recipient: Mapping[str, Any],
        locale: str,
        now: dt.datetime,
        *,
        k: int = 3,
        strategy: str = "blend",
        exclude: Iterable[str] = (),
    ) -> tuple[int | None, list[Pick]]:
        """(the model version served from, the picks): one read of the snapshot."""
        model = self.snapshot.current  # one read: a refresh may replace it meanwhile
        rid = str(recipient.get("id", ""))
        seen = [*stored_history(model, rid), *request_history(recipient, self.find)]
        banned = set(exclude) | _booked(seen, now)
        zone = recipient_zone(recipient.get("timezone"))
        today = now.astimezone(zone).date()
        if model is None:
            return None, [
                self._pick(d, "season", None, 0, "season", 0.0, locale)
                for d in _in_season(self.catalogue, today.month, k, banned)
            ]
        ranked = recommend(
            model,
            self.catalogue,
            to_history(seen, now),
            market=locale,
            now=now.timestamp(),
            k=k,
            strategy=strategy,
            exclude=tuple(sorted(banned)),
        )
        causes = _causes(seen)
        picks = []
        for r in ranked:
            destination = self.catalogue.get(r.destination)
            if destination is None or destination.code in banned:  # only catalogue places
                continue
            kind, days = _reason(r.strategy, r.because, causes, today, zone)
            picks.append(
                self._pick(destination, kind, r.because, days, r.strategy, r.score, locale)
            )
        return model.version, picks[:k]

    def reason_text(self, locale: str, pick: Pick) -> str:
        """The pick's reason as the recipient reads it (blocks/recommendation-reason.mjml)."""
        return self.reasons.text(locale, pick.reason, pick.because, pick.days)

    def cta_text(self, locale: str, pick: Pick) -> str:
        """The label of the pick's link ("Discover Moorea"), worded by the same block: a
        gettext with a placeholder per item per render costs more than the ranking."""
        return self.reasons.text(locale, "cta", pick.name, 0)

    def _pick(
        self,
        destination: Destination,
        kind: ReasonKind,
        because: str | None,
        days: int,
        strategy: str,
        score: float,
        locale: str,
    ) -> Pick:
        cause = self.catalogue.get(because) if because else None
        return Pick(
            code=destination.code,
            name=destination.name(locale),
            url=destination.link(locale),
            image=destination.image,
            reason=kind,
            because=cause.name(locale) if cause else "",
            because_code=cause.code if cause else None,
            days=days,
            strategy=strategy,
            score=float(score),
        )
