"""Countdown GIF drawing: ours against a naive Pillow generator, in one process, one run.

Naive: what a countdown generator usually does (the PHP/GD ones of the issue, and Pillow
examples): for every one of the 60 frames, a new RGB image, ImageDraw.text of the whole
"DD : HH : MM : SS" string and of the labels line, then `save_all` as a GIF (Pillow
quantises every RGB frame to a palette). Same font, same size, same words, same theme.

Ours: `countdown_gif` (atn_content.images.countdown): tiles drawn once, frames pasted from
them in one fixed palette, each frame after the first stored as the rectangle that changed.

cold_ms: one GIF for a second nobody asked for yet (a cache miss of the serving side) in a
running process: median over distinct remaining times, tiles already drawn once (a few
calls warm them). first_ms: the very first GIF of a fresh process (font opened, every
tile drawn; measured in a child process). Both sides are timed alternately, round by
round; the medians are compared.

Cache hits over HTTP (bench/countdown_hits.py): GET /v1/img/countdown/{token}.gif from
rendered emails on a live uvicorn with wrk, /healthz the floor in the same run:
`hits_per_s`, `hits_ratio` (= hits / healthz at the same concurrency), added to the dict
`drawing_results` returns before `results_line` prints the last line.

Usage: .venv/bin/python bench/countdown.py [--rounds 7] [--per-round 5] [--locale fr]
       [--workers 2] [--connections 4 16 64] [--duration 5] [--http-rounds 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping

from PIL import Image, ImageDraw

from _common import REPO, OtherLoad, machine_summary
from atn_content.images.countdown import FRAMES, countdown_gif
from atn_content.images.font import font
from atn_content.images.text import UNITS, unit_label
from atn_content.images.themes import DEFAULT_THEME, THEMES
from countdown_hits import hits_results

#: 2 days, 5 h, 7 min, 42 s: every unit has two digits; the minute turns at frame 43.
REMAINING_S = 2 * 86400 + 5 * 3600 + 7 * 60 + 42


def naive_gif(remaining_s: int, locale: str, theme: str = DEFAULT_THEME) -> bytes:
    """The baseline: the whole text drawn on every frame, RGB frames quantised by save."""
    look = THEMES[theme]
    digits, labels = font(look.digit_size), font(look.label_size)
    frames = []
    for k in range(FRAMES):
        left = max(0, remaining_s - k)
        days, rest = divmod(left, 86400)
        values = (days, rest // 3600, rest % 3600 // 60, rest % 60)
        image = Image.new("RGB", (look.width, look.height), look.background)
        draw = ImageDraw.Draw(image)
        text = " : ".join(f"{v:02d}" for v in values)
        draw.text(
            (look.width // 2, look.digits_top), text, font=digits, fill=look.digits, anchor="mt"
        )
        words = "      ".join(unit_label(locale, u, v) for u, v in zip(UNITS, values, strict=True))
        baseline = (look.width // 2, look.labels_baseline)
        draw.text(baseline, words, font=labels, fill=look.labels, anchor="ms")
        frames.append(image)
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=1000, loop=0)
    return out.getvalue()


def _check(gif: bytes, size: tuple[int, int]) -> None:
    image = Image.open(io.BytesIO(gif))
    if image.n_frames != FRAMES or image.size != size:
        raise SystemExit(f"bad GIF: {image.n_frames} frames of {image.size}")


def first_gif_ms(locale: str) -> float:
    """The first countdown_gif of a fresh Python process, in ms (imports not counted)."""
    code = (
        "import time\n"
        "from atn_content.images.countdown import countdown_gif\n"
        "t = time.perf_counter()\n"
        f"countdown_gif({REMAINING_S}, {locale!r})\n"
        "print((time.perf_counter() - t) * 1e3)\n"
    )
    env_path = f"{REPO / 'src'}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    return float(done.stdout.strip())


def _timed_ms(call: object, *args: object, **kwargs: object) -> tuple[float, bytes]:
    start = time.perf_counter()
    gif = call(*args, **kwargs)  # type: ignore[operator]
    return (time.perf_counter() - start) * 1e3, gif  # type: ignore[return-value]


def drawing_results(rounds: int, per_round: int, locale: str) -> dict[str, float | str]:
    """Cold generation and size, ours and naive, alternately; the figures by name."""
    first_ms = statistics.median(first_gif_ms(locale) for _ in range(3))
    for scale in (1, 2):  # warm the tiles (what a running server has drawn already)
        for k in range(3):
            countdown_gif(REMAINING_S - 1000 * k, locale, scale=scale)
    naive_gif(REMAINING_S, locale)
    ours_ms: list[float] = []
    ours2_ms: list[float] = []
    naive_ms: list[float] = []
    ours = ours2 = naive = b""
    seconds = REMAINING_S
    for r in range(rounds):
        order = ("ours", "naive") if r % 2 == 0 else ("naive", "ours")
        for side in order:
            for _ in range(per_round):
                seconds += 61  # a remaining time not drawn before in this run
                if side == "ours":
                    ms, ours = _timed_ms(countdown_gif, seconds, locale)
                    ours_ms.append(ms)
                    ms, ours2 = _timed_ms(countdown_gif, seconds, locale, scale=2)
                    ours2_ms.append(ms)
                else:
                    ms, naive = _timed_ms(naive_gif, seconds, locale)
                    naive_ms.append(ms)
    _check(ours, (600, 120))
    _check(ours2, (1200, 240))
    _check(naive, (600, 120))
    cold, cold2, base = (statistics.median(x) for x in (ours_ms, ours2_ms, naive_ms))
    print(
        f"ours 1x: {len(ours_ms)} GIFs, median {cold:.2f} ms (min {min(ours_ms):.2f}, "
        f"max {max(ours_ms):.2f}), {len(ours) / 1024:.1f} KiB; "
        f"2x: median {cold2:.2f} ms, {len(ours2) / 1024:.1f} KiB; first of a process "
        f"{first_ms:.1f} ms"
    )
    print(
        f"naive 1x: {len(naive_ms)} GIFs, median {base:.1f} ms (min {min(naive_ms):.1f}, "
        f"max {max(naive_ms):.1f}), {len(naive) / 1024:.1f} KiB"
    )
    print(
        f"ratios naive/ours: time {base / cold:.1f}x, size {len(naive) / len(ours):.2f}x "
        f"(targets: cold <= 30 ms, <= 40 KB at 600x120)"
    )
    return {
        "cold_ms": round(cold, 2),
        "gif_kb": round(len(ours) / 1024, 1),
        "naive_ms": round(base, 1),
        "naive_kb": round(len(naive) / 1024, 1),
        "speedup": round(base / cold, 1),
        "size_ratio": round(len(naive) / len(ours), 2),
        "cold_ms_2x": round(cold2, 2),
        "gif_kb_2x": round(len(ours2) / 1024, 1),
        "first_ms": round(first_ms, 1),
        "locale": locale,
    }


def results_line(results: Mapping[str, float | str]) -> str:
    """The bench's last line: name=value pairs, in the order they were added."""
    return " ".join(f"{name}={value}" for name, value in results.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--per-round", type=int, default=5)
    parser.add_argument("--locale", default="fr", choices=("fr", "en", "ja"))
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (HTTP hits)")
    parser.add_argument("--connections", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--http-rounds", type=int, default=3, help="wrk runs per label, level")
    parser.add_argument("--recipients", type=int, default=30, help="emails rendered for URLs")
    args = parser.parse_args()
    print(machine_summary())
    other = OtherLoad()
    results = drawing_results(args.rounds, args.per_round, args.locale)
    results.update(
        hits_results(
            args.workers, args.connections, args.duration, args.http_rounds, args.recipients
        )
    )
    other_cpus = other.cpus()
    print(f"other processes used {other_cpus:.2f} CPUs on average during this run")
    results["other_cpus"] = round(other_cpus, 2)
    print(results_line(results))


if __name__ == "__main__":
    main()
