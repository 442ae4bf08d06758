"""Recommendations: ranking from precomputed neighbours, and training on 1,000,000
interactions.

Serving (in process): a model trained on synthetic data (docs/RECOMMENDATIONS.md); for
each of N recipients with history (taken from the model, as the serving snapshot does),
`recommend(..., k=3)` for every strategy, in rounds (the order of strategies turned each
round), median round per strategy in microseconds per recipient. The baseline is the cold
start (strategy "popularity", no history: the least ranking can do) measured in the same
rounds: blend_ratio = blend / cold start.

Training (subprocesses): 1,000,000 synthetic interactions are written to CSV and Parquet
(not timed); then `atn-content recs train FILE` runs in a fresh process for each file,
with its own SQLite store: wall time and peak RSS (resource.getrusage of the child).
The baseline is the same fresh process reading the file only (`--read-only`):
train_ratio = train / read.

Rendering (in process, as bench/render.py measures a render: Renderer.render of
newsletter-destination for the bench's recipients in fr, en and ja, untracked, the model
served from the snapshot as a replica does): the shipped template against the same
template with its recommendations section taken out (a copy of templates/ without the
include), passes alternated, median pass of each: render_ratio = with / without.

Usage: .venv/bin/python bench/recs.py [--recipients 2000] [--rounds 7]
       [--interactions 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import CONTENT_ROOT, REPO, TEMPLATE, OtherLoad, machine_summary, make_recipients
from atn_content.app import build_renderer, default_features
from atn_content.cli.recs import SYNTHETIC_END, SYNTHETIC_START
from atn_content.config import Settings
from atn_content.content.renderer import Renderer
from atn_content.recommendations.catalogue import Catalogue
from atn_content.recommendations.interactions import (
    Interaction,
    read_interactions,
    write_csv,
    write_parquet,
)
from atn_content.recommendations.model import RecsModel, save
from atn_content.recommendations.rank import STRATEGIES, recommend
from atn_content.recommendations.synthetic import generate
from atn_content.recommendations.train import train
from atn_content.store.sqlite import SQLiteStore

#: Synthetic interactions per recipient over the default period (measured: about 12.7).
_PER_RECIPIENT = 12.5


def serving(recipients: int, rounds: int) -> dict[str, float]:
    """Median over rounds of microseconds per recipient, per strategy and the cold start."""
    catalogue = Catalogue.default()
    rows = generate(max(recipients, 2000), 14, SYNTHETIC_START, SYNTHETIC_END)
    cutoff = SYNTHETIC_END.timestamp()
    model = train(rows, catalogue, trained_at=cutoff)
    ids = sorted(model.history)[:recipients]
    people = [(model.history[r], model.markets.get(r, "en")) for r in ids]
    sizes = [len(h) for h, _ in people]
    print(
        f"serving: {len(people):,} recipients with history (median {statistics.median(sizes):.0f}"
        f" interactions, max {max(sizes)}), {len(model.catalogue)} destinations, "
        f"top-{int(model.params['top_n'])} neighbours"
    )
    legs = [*STRATEGIES, "cold_start"]
    times: dict[str, list[float]] = {leg: [] for leg in legs}
    for round_ in range(rounds):
        order = legs[round_ % len(legs) :] + legs[: round_ % len(legs)]
        for leg in order:
            strategy = "popularity" if leg == "cold_start" else leg
            started = time.perf_counter()
            for history, market in people:
                recommend(
                    model, catalogue, () if leg == "cold_start" else history,
                    market=market, now=cutoff, k=3, strategy=strategy,
                )  # fmt: skip
            times[leg].append((time.perf_counter() - started) / len(people) * 1e6)
    return {leg: statistics.median(values) for leg, values in times.items()}


def _renderer(root: Path, model: RecsModel) -> Renderer:
    """The app's untracked renderer on `root`, its recommendations model read from a store."""
    settings = Settings(content_root=root, secret=b"b" * 32)
    features = [f for f in default_features(settings) if f.name != "clicks"]
    store = SQLiteStore(root / "recs.db")

    async def prepare() -> None:
        await save(store, model)
        for feature in features:
            if feature.name == "recommendations" and feature.prepare is not None:
                await feature.prepare(store)
        await store.close()

    asyncio.run(prepare())
    return build_renderer(settings, features)


def rendering(recipients: int, rounds: int, workdir: Path) -> dict[str, float]:
    """Median pass, microseconds per render, with and without the recommendations section."""
    catalogue = Catalogue.default()
    model = train(
        generate(2000, 14, SYNTHETIC_START, SYNTHETIC_END), catalogue,
        trained_at=SYNTHETIC_END.timestamp(),
    )  # fmt: skip
    roots = {"with": workdir / "with", "without": workdir / "without"}
    for root in roots.values():
        root.mkdir()
        for part in ("blocks", "locales", "experiments"):
            (root / part).symlink_to(CONTENT_ROOT / part)
        shutil.copytree(CONTENT_ROOT / "templates", root / "templates")
    newsletter = roots["without"] / "templates" / f"{TEMPLATE}.mjml"
    source = newsletter.read_text(encoding="utf-8")
    section = re.compile(
        r'^\s*\{% with recommendations_about[^\n]*\n\s*\{% include "recommendations.mjml" %\}'
        r"\n\s*\{% endwith %\}\n",
        re.MULTILINE,
    )
    stripped, count = section.subn("", source)
    if count != 1:
        raise SystemExit(f"{TEMPLATE}: the recommendations section was not found once")
    newsletter.write_text(stripped, encoding="utf-8")
    renderers = {name: _renderer(root, model) for name, root in roots.items()}
    people = make_recipients(recipients)
    now = SYNTHETIC_END
    shown = renderers["with"].render(TEMPLATE, "en", people[0], now=now).text
    if "Chosen for you" not in shown and "Chosen for you" not in "".join(
        renderers["with"].render(TEMPLATE, p["locale"], p, now=now).text for p in people[:30]
    ):
        raise SystemExit("the shipped newsletter shows no recommendations: nothing to measure")
    times: dict[str, list[float]] = {name: [] for name in renderers}
    for round_ in range(rounds + 1):  # the first round warms the compile caches up
        order = list(renderers) if round_ % 2 else list(reversed(renderers))
        for name in order:
            renderer = renderers[name]
            started = time.perf_counter()
            for person in people:
                renderer.render(TEMPLATE, person["locale"], person, now=now)
            if round_:
                times[name].append((time.perf_counter() - started) / len(people) * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def _child_train(path: Path, read_only: bool) -> int:
    """Runs in the measured subprocess: read (and train and store) one file, then print
    its own peak RSS (getrusage of this process) on stderr."""
    began = time.perf_counter()
    if read_only:
        rows = read_interactions(path)
        print(f"rows={len(rows)} seconds={time.perf_counter() - began:.3f}")
        code = 0
    else:
        from atn_content.cli import main

        code = main(["recs", "train", str(path)])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak_rss_kib={peak}", file=sys.stderr)
    return code


def _measure(path: Path, read_only: bool, state: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, last line) of one fresh process."""
    env = {
        **os.environ,
        "ATN_STATE_DIR": str(state),
        "ATN_CONTENT_ROOT": str(REPO),
        "PYTHONPATH": os.pathsep.join(
            [str(REPO / "src"), str(REPO / "bench"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    env.pop("ATN_STORE", None)
    command = [sys.executable, __file__, "--child", str(path)]
    if read_only:
        command.append("--read-only")
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"child failed ({result.returncode}): {result.stderr[-2000:]}")
    peak = int(result.stderr.strip().splitlines()[-1].split("=")[1])
    return wall, peak / 1024, result.stdout.strip().splitlines()[-1]


def training(n_interactions: int, workdir: Path) -> dict[str, float]:
    began = time.perf_counter()
    recipients = int(n_interactions / _PER_RECIPIENT) + 1
    rows: list[Interaction] = generate(recipients, 14, SYNTHETIC_START, SYNTHETIC_END)
    while len(rows) < n_interactions:
        recipients = int(recipients * 1.1) + 1
        rows = generate(recipients, 14, SYNTHETIC_START, SYNTHETIC_END)
    rows = rows[:n_interactions]
    csv_file, parquet_file = workdir / "interactions.csv", workdir / "interactions.parquet"
    write_csv(csv_file, rows)
    write_parquet(parquet_file, rows)
    print(
        f"training data: {len(rows):,} interactions of {len({r.recipient_id for r in rows}):,} "
        f"recipients, generated and written in {time.perf_counter() - began:.1f} s (not timed); "
        f"CSV {csv_file.stat().st_size / 2**20:.0f} MiB, Parquet "
        f"{parquet_file.stat().st_size / 2**20:.0f} MiB"
    )
    del rows
    out: dict[str, float] = {}
    for name, path in (("parquet", parquet_file), ("csv", csv_file)):
        read_s, _, _ = _measure(path, True, workdir / f"state-read-{name}")
        train_s, rss, last = _measure(path, False, workdir / f"state-{name}")
        print(
            f"  {name}: recs train {train_s:.1f} s wall (read only: {read_s:.1f} s), "
            f"peak RSS {rss:,.0f} MiB; {last}"
        )
        out[f"train_{name}_s"] = train_s
        out[f"read_{name}_s"] = read_s
        out["peak_rss_mib"] = max(out.get("peak_rss_mib", 0.0), rss)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--read-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        raise SystemExit(_child_train(args.child, args.read_only))
    if args.quick:
        args.recipients, args.rounds, args.interactions = 300, 3, 50_000
    print(machine_summary())
    load = OtherLoad()
    started = time.monotonic()
    served = serving(args.recipients, args.rounds)
    for leg, us in served.items():
        print(f"  {leg:<16} {us:7.1f} us per recipient")
    blend_ratio = served["blend"] / served["cold_start"]
    with tempfile.TemporaryDirectory(prefix="bench-recs-render-") as tmp:
        rendered = rendering(args.recipients, args.rounds, Path(tmp))
    render_ratio = rendered["with"] / rendered["without"]
    print(
        f"rendering {TEMPLATE}: with recommendations {rendered['with']:.0f} us, without "
        f"{rendered['without']:.0f} us per render: ratio {render_ratio:.3f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-recs-") as tmp:
        trained = training(args.interactions, Path(tmp))
    other = load.cpus()
    train_ratio = trained["train_csv_s"] / trained["read_csv_s"]
    verdict = {True: "yes", False: "NO"}
    print(f"  serve blend <= 50 us: {served['blend']:.1f} us ({verdict[served['blend'] <= 50]})")
    print(
        f"  train {args.interactions:,} <= 30 s: CSV {trained['train_csv_s']:.1f} s, Parquet "
        f"{trained['train_parquet_s']:.1f} s "
        f"({verdict[max(trained['train_csv_s'], trained['train_parquet_s']) <= 30]})"
    )
    print(f"  peak RSS < 2 GiB: {trained['peak_rss_mib']:,.0f} MiB "
          f"({verdict[trained['peak_rss_mib'] < 2048]})")  # fmt: skip
    print(f"  render with recommendations within 20 %: {render_ratio:.3f} "
          f"({verdict[render_ratio <= 1.2]})")  # fmt: skip
    print(f"total {time.monotonic() - started:.0f} s")
    print(
        f"serve_blend_us={served['blend']:.1f} "
        + " ".join(f"serve_{s}_us={served[s]:.1f}" for s in STRATEGIES if s != "blend")
        + f" serve_cold_start_us={served['cold_start']:.1f} blend_ratio={blend_ratio:.2f} "
        f"train_interactions={args.interactions} train_csv_s={trained['train_csv_s']:.2f} "
        f"train_parquet_s={trained['train_parquet_s']:.2f} read_csv_s={trained['read_csv_s']:.2f} "
        f"read_parquet_s={trained['read_parquet_s']:.2f} train_ratio={train_ratio:.2f} "
        f"train_peak_rss_mib={trained['peak_rss_mib']:.0f} "
        f"render_with_us={rendered['with']:.1f} render_without_us={rendered['without']:.1f} "
        f"render_ratio={render_ratio:.3f} other_cpus={other:.2f}"
    )


if __name__ == "__main__":
    main()
