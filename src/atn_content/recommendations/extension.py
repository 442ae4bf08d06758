"""Recommendations as an engine extension: `recommendations(k=3, strategy=..., exclude=...)`.

The context name is a function bound to the render being made, so a template decides how
many it shows and which destination it is already about (the newsletter's, the trip's),
and only templates that read `recommendations` pay for it (the engine's lazy context).
The html and text parts of one render call it with the same arguments: the first call's
answer is kept for the second. Template mistakes (k out of range, an unknown strategy)
fail the render naming the line; a failure of the feature itself only leaves the section
out (logged), since an email without recommendations is still an email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from jinja2.runtime import Undefined

from atn_content.content.extensions import BaseExtension, RenderScope
from atn_content.recommendations.serving import MAX_K, STRATEGIES, Recommender

__all__ = ["RecommendationsExtension"]

log = logging.getLogger(__name__)


class RecommendationsExtension(BaseExtension):
    name = "recommendations"
    context_names = frozenset({"recommendations"})

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender

    def context(self, scope: RenderScope) -> Mapping[str, Any]:
        return {"recommendations": self._bound(scope)}

    def _bound(self, scope: RenderScope) -> Callable[..., list[dict[str, Any]]]:
        recommender = self.recommender
        answers: dict[tuple[int, str, tuple[str, ...]], list[dict[str, Any]]] = {}

        def recommendations(
            k: int = 3, strategy: str = "blend", exclude: Any = ""
        ) -> list[dict[str, Any]]:
            if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
                raise ValueError(f"recommendations(k=...) must be an integer from 1 to {MAX_K}")
            if strategy not in STRATEGIES:
                raise ValueError(
                    f"recommendations(strategy={strategy!r}): use one of {', '.join(STRATEGIES)}"
                )
            about = (
                ()
                if isinstance(exclude, Undefined)
                else tuple(sorted(recommender.excluded(exclude)))
            )
            key = (k, strategy, about)
            found = answers.get(key)
            if found is None:
                try:
                    picks = recommender.picks(
                        scope.recipient,
                        scope.locale,
                        scope.now,
                        k=k,
                        strategy=strategy,
                        exclude=about,
                    )
                    found = [  # the wording too: a catalog that fails to load is the feature's
                        pick.item(
                            recommender.reason_text(scope.locale, pick),
                            recommender.cta_text(scope.locale, pick),
                        )
                        for pick in picks
                    ]
                except Exception:  # the email goes out without the section
                    log.exception("recommendations failed for template %s", scope.template)
                    found = []
                answers[key] = found
            return found

        return recommendations
