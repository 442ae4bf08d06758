"""Compiled pipeline vs the naive one, same template, same recipients, one process.

Compiled: Renderer.render (MJML and CSS inlining done once per template x locale; per
recipient: validation, derive_profile, signed links, four sandboxed Jinja renders).
Naive: per recipient, Jinja over the assembled MJML + Jinja source (same blocks, same
translations, same context), then mjml2html, then premailer. The naive side produces no
plain-text part, so the ratio understates the gap.

floor_ratio: the full Renderer.render over the bare `compiled.html.render(context)` of the same
compiled HTML with the same context (median pass of each, the two timed alternately recipient
by recipient): how far a render is from the physical floor of this design (one Jinja render
of the HTML). Measured without click tracking, as the issue that set it defined the render;
floor_ratio_tracked and tracking_cost (the tracked full render over the untracked one, - 1)
show what signed links and the pixel add.

Usage: .venv/bin/python bench/render.py [--recipients 1000] [--rounds 5] [--naive-sample 100]
       [--cpu N]   (pin this process to CPU N; default: not pinned)
"""

from __future__ import annotations

import argparse
import datetime as dt
import html as html_lib
import logging
import os
import statistics
import time
from collections import Counter
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
import premailer
from mjml import mjml2html

from _common import CONTENT_ROOT, TEMPLATE, OtherLoad, branch_of, machine_summary, make_recipients
from atn_content.app import build_renderer, default_features
from atn_content.audience.profile import derive_profile
from atn_content.config import Settings
from atn_content.content.extensions import RenderScope
from atn_content.content.fields import validate_recipient
from atn_content.content.formatting import install_i18n_filters
from atn_content.content.i18n import Catalogs
from atn_content.content.library import Library
from atn_content.content.renderer import Renderer
from atn_content.recommendations.extension import RecommendationsExtension
from atn_content.recommendations.reasons import Reasons
from atn_content.recommendations.serving import Recommender
from atn_content.recommendations.snapshot import ModelSnapshot
from atn_content.signing import Signer
from atn_content.tracking.links import UnsubscribeLinks

LOCALES = ("fr", "en", "ja")


def _safe_url(value: Any, fallback: str = "https://www.airtahitinui.com/") -> str:
    """The engine's |safe_url, for the naive environment."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://", "mailto:")) else fallback


class Naive:
    """What a team without a compile step does: the whole pipeline for every recipient."""

    def __init__(self, unsubscribe: UnsubscribeLinks, css_cache: bool = True) -> None:
        self.css_cache = css_cache
        self.stage_s = {"jinja": 0.0, "mjml": 0.0, "premailer": 0.0}
        self.unsubscribe = unsubscribe
        # The newsletter shows recommendations: the naive side gets the same function.
        self.recommendations = RecommendationsExtension(
            Recommender(ModelSnapshot(), Reasons(CONTENT_ROOT))
        )
        self.source = Library(CONTENT_ROOT).get(TEMPLATE)
        catalogs = Catalogs.load(CONTENT_ROOT / "locales")
        self.envs: dict[str, tuple[jinja2.Template, jinja2.Template, jinja2.Template]] = {}
        for locale in LOCALES:
            env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
            env.install_gettext_translations(  # type: ignore[attr-defined]
                catalogs.translations(locale), newstyle=True
            )
            env.filters["urlencode_component"] = lambda v: quote(str(v), safe="")
            env.filters["safe_url"] = _safe_url
            install_i18n_filters(env)
            text_env = env.overlay(autoescape=False)
            # Template objects are built once here: the naive pipeline still caches
            # Jinja's own compile, it only skips the MJML/CSS compile step.
            self.envs[locale] = (
                env.from_string(self.source.body),
                text_env.from_string(self.source.subject),
                text_env.from_string(self.source.preheader),
            )

    def render(self, locale: str, recipient: dict[str, Any]) -> tuple[str, str]:
        body, subject_t, preheader_t = self.envs[locale]
        values, _ = validate_recipient(recipient, self.source.fields)
        now = dt.datetime.now(dt.UTC)
        today = now.astimezone(ZoneInfo(values.get("timezone") or "Pacific/Tahiti")).date()
        rid = str(values["id"])
        context: dict[str, Any] = {
            "recipient": values,
            "profile": derive_profile(values, today),
            "locale": locale,
            "variant": None,
            "experiment": {},
            "template": TEMPLATE,
            "unsubscribe_url": self.unsubscribe.url(rid, self.source.list_id),
            "preferences_url": self.unsubscribe.preferences_url(rid),
            "today": today,
            "now": now,
        }
        scope = RenderScope(TEMPLATE, locale, values, self.source.list_id, today, now, None)
        context.update(self.recommendations.context(scope))
        subject = subject_t.render(context)
        context["subject"], context["preheader"] = subject, preheader_t.render(context)
        t0 = time.perf_counter()
        mjml_text = body.render(context)
        t1 = time.perf_counter()
        html = mjml2html(mjml_text)
        t2 = time.perf_counter()
        inlined = premailer.Premailer(
            html,
            allow_network=False,
            keep_style_tags=True,
            cache_css_parsing=self.css_cache,
            cssutils_logging_level=logging.CRITICAL,
        ).transform()
        self.stage_s["jinja"] += t1 - t0
        self.stage_s["mjml"] += t2 - t1
        self.stage_s["premailer"] += time.perf_counter() - t2
        return subject, str(inlined)


def timed_compiled(renderer: Renderer, recipients: list[dict[str, Any]]) -> float:
    """Renders per second over one pass of every recipient."""
    start = time.perf_counter()
    for r in recipients:
        renderer.render(TEMPLATE, r["locale"], r)
    return len(recipients) / (time.perf_counter() - start)


def bare_contexts(
    renderer: Renderer, links: UnsubscribeLinks, recipients: list[dict[str, Any]], now: dt.datetime
) -> list[tuple[jinja2.Template, dict[str, Any]]]:
    """Per recipient: its compiled HTML and the context Renderer.render gives it."""
    pairs = []
    for r in recipients:
        compiled = renderer.compiled(TEMPLATE, r["locale"])
        values, _ = validate_recipient(r, Library(CONTENT_ROOT).get(TEMPLATE).fields)
        today = now.astimezone(ZoneInfo(values.get("timezone") or "Pacific/Tahiti")).date()
        rid = str(values["id"])
        email = renderer.render(TEMPLATE, r["locale"], r, now=now)
        context: dict[str, Any] = {
            "recipient": values,
            "profile": derive_profile(values, today),
            "locale": r["locale"],
            "variant": None,
            "experiment": {},
            "template": TEMPLATE,
            "unsubscribe_url": links.url(rid, compiled.list_id),
            "preferences_url": links.preferences_url(rid),
            "today": today,
            "now": now,
            "subject": email.subject,
            "preheader": email.preheader,
        }
        scope = RenderScope(TEMPLATE, r["locale"], values, compiled.list_id, today, now, None)
        for extension in renderer.extensions:  # recommendations(), as Renderer.render does
            if extension.context_names & compiled.reads - {"profile"}:
                context.update(extension.context(scope))
        html = compiled.html.render(context)
        for extension in renderer.extensions:  # click tracking signs its marked links here
            html = extension.finish_html(html, scope)
        if html != email.html:
            raise SystemExit(f"bare render differs from Renderer.render for {r['id']}")
        pairs.append((compiled.html, context))
    return pairs


def timed_pass(
    renderer: Renderer,
    recipients: list[dict[str, Any]],
    bare: list[tuple[jinja2.Template, dict[str, Any]]],
    now: dt.datetime,
) -> tuple[float, float]:
    """Seconds of full renders and of bare HTML renders over one pass of the recipients.

    Each recipient's full render is followed at once by its bare one, so load from other
    processes falls on both sides alike and the ratio holds on a busy machine.
    """
    clock = time.perf_counter
    full = bare_s = 0.0
    for r, (html_template, context) in zip(recipients, bare, strict=True):
        start = clock()
        renderer.render(TEMPLATE, r["locale"], r, now=now)
        middle = clock()
        html_template.render(context)
        end = clock()
        full += middle - start
        bare_s += end - middle
    return full, bare_s


def check_same_output(renderer: Renderer, naive: Naive, recipients: list[dict[str, Any]]) -> None:
    """Both pipelines pick the same branch: same subject, offer title in both HTMLs."""
    for r in recipients:
        email = renderer.render(TEMPLATE, r["locale"], r)
        subject, html = naive.render(r["locale"], r)
        if subject != email.subject or html_lib.escape(subject, quote=False) not in html:
            raise SystemExit(f"pipelines disagree on {r['id']}: {subject!r} vs {email.subject!r}")
        if html_lib.escape(subject, quote=False) not in email.html:
            raise SystemExit(f"compiled HTML lacks the offer title for {r['id']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--naive-sample", type=int, default=100)
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument(
        "--premailer-no-cache",
        action="store_true",
        help="turn off premailer's CSS parse cache (on by default in premailer)",
    )
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    print(machine_summary())
    other = OtherLoad()
    recipients = make_recipients(args.recipients)
    mix = Counter((branch_of(r), r["locale"]) for r in recipients)
    print(f"recipients={len(recipients)} branches x locales: {dict(sorted(mix.items()))}")

    settings = Settings(content_root=CONTENT_ROOT, secret=b"x" * 32)
    renderer = build_renderer(settings)
    links = UnsubscribeLinks(Signer(settings.secret, "unsubscribe"), settings.public_url)
    for locale in LOCALES:
        start = time.perf_counter()
        renderer.compiled(TEMPLATE, locale)
        print(f"compile {locale}: {(time.perf_counter() - start) * 1e3:.1f} ms (once per version)")
    naive = Naive(links, css_cache=not args.premailer_no_cache)
    check_same_output(renderer, naive, recipients[:9])

    timed_compiled(renderer, recipients)  # warm-up pass
    rates = [timed_compiled(renderer, recipients) for _ in range(args.rounds)]
    best, median = max(rates), statistics.median(rates)
    print(
        f"compiled: {args.rounds} rounds x {len(recipients)} renders, renders/s "
        f"best={best:,.0f} median={median:,.0f} worst={min(rates):,.0f} "
        f"({1e6 / median:.0f} us/render median)"
    )

    now = dt.datetime.now(dt.UTC)
    untracked = build_renderer(
        settings, [f for f in default_features(settings) if f.name != "clicks"]
    )
    floors = {}
    for name, measured in (("untracked", untracked), ("tracked", renderer)):
        bare = bare_contexts(measured, links, recipients, now)
        timed_pass(measured, recipients, bare, now)  # warm-up pass
        passes = [timed_pass(measured, recipients, bare, now) for _ in range(args.rounds)]
        full_s = statistics.median(p[0] for p in passes)
        bare_s = statistics.median(p[1] for p in passes)
        floors[name] = (full_s, bare_s)
        print(
            f"{name}: full render {full_s / len(recipients) * 1e6:.0f} us, bare HTML render "
            f"{bare_s / len(recipients) * 1e6:.0f} us (median of {args.rounds} passes): "
            f"ratio {full_s / bare_s:.2f}"
        )
    # The issue-10 floor: the engine with profile and unsubscribe links, no click tracking.
    floor_ratio = floors["untracked"][0] / floors["untracked"][1]
    floor_ratio_tracked = floors["tracked"][0] / floors["tracked"][1]
    tracking_cost = floors["tracked"][0] / floors["untracked"][0] - 1

    # Naive on a spread-out subset (every k-th recipient keeps the branch/locale mix).
    step = max(1, len(recipients) // args.naive_sample)
    sample = recipients[::step][: args.naive_sample]
    naive.render(sample[0]["locale"], sample[0])  # warm-up (premailer's CSS parse cache)
    per: list[float] = []
    naive.stage_s = dict.fromkeys(naive.stage_s, 0.0)
    for r in sample:
        start = time.perf_counter()
        naive.render(r["locale"], r)
        per.append(time.perf_counter() - start)
    naive_rate = len(per) / sum(per)
    print(
        f"naive (premailer CSS cache {'off' if args.premailer_no_cache else 'on'}): "
        f"{len(per)} renders, {naive_rate:,.1f} renders/s "
        f"({statistics.mean(per) * 1e3:.1f} ms mean, {statistics.median(per) * 1e3:.1f} ms median)"
    )
    stages = ", ".join(f"{k} {v / len(per) * 1e3:.2f} ms" for k, v in naive.stage_s.items())
    print(f"naive stages per recipient: {stages}")
    ratio = median / naive_rate
    other_cpus = other.cpus()
    print(f"other processes used {other_cpus:.2f} CPUs on average during this run")
    print(
        f"one Python process (single-threaded render loop); "
        f"affinity={sorted(os.sched_getaffinity(0))}"
    )
    print(
        f"renders_per_s={median:.0f} renders_per_s_best={best:.0f} "
        f"naive_per_s={naive_rate:.1f} ratio={ratio:.0f} other_cpus={other_cpus:.2f} "
        f"floor_ratio={floor_ratio:.2f} floor_ratio_tracked={floor_ratio_tracked:.2f} "
        f"tracking_cost={tracking_cost:.3f}"
    )


if __name__ == "__main__":
    main()
