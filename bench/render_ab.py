"""Render speed of this tree against another commit, measured in one run.

    .venv/bin/python bench/render_ab.py --base 028520c --rounds 8

The other commit is checked out in a temporary git worktree; each round times both trees in
fresh processes, one after the other, on the same 1,000 recipients (bench/_common.py), so
load from other processes falls on both alike. Prints the per-round figures, the medians and
the ratio; the last line is name=value pairs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import machine_summary

ROOT = Path(__file__).resolve().parents[1]

#: Run in each tree: best of 5 passes over the recipients, in microseconds per render.
_TIMING = """
import sys, time
sys.path.insert(0, {bench!r})
from pathlib import Path
from _common import make_recipients, TEMPLATE
from atn_content.app import build_renderer
from atn_content.config import Settings
renderer = build_renderer(Settings(content_root=Path({root!r}), secret=b"x" * 32))
recipients = make_recipients(1000)
for r in recipients[:50]:
    renderer.render(TEMPLATE, r["locale"], r)
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    for r in recipients:
        renderer.render(TEMPLATE, r["locale"], r)
    best = min(best, (time.perf_counter() - start) / len(recipients) * 1e6)
print(best)
"""


def time_tree(tree: Path) -> float:
    code = _TIMING.format(bench=str(ROOT / "bench"), root=str(tree))
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare with")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    print(machine_summary())
    with tempfile.TemporaryDirectory(prefix="atn-ab-") as scratch:
        base_tree = Path(scratch) / "base"
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "worktree",
                "add",
                "-q",
                "--detach",
                str(base_tree),
                args.base,
            ],
            check=True,
        )
        try:
            base, head = [], []
            for i in range(args.rounds):
                base.append(time_tree(base_tree))
                head.append(time_tree(ROOT))
                print(f"round {i + 1}: base {base[-1]:.1f} us, this tree {head[-1]:.1f} us")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)],
                check=True,
            )
    b, h = statistics.median(base), statistics.median(head)
    print(
        f"median of {args.rounds} rounds (each the best of 5 passes of 1,000 renders): "
        f"base {args.base} {b:.1f} us/render, this tree {h:.1f} us/render"
    )
    print(
        f"base_us={b:.1f} head_us={h:.1f} base_renders_per_s={1e6 / b:.0f} "
        f"head_renders_per_s={1e6 / h:.0f} speed_ratio={b / h:.3f}"
    )


if __name__ == "__main__":
    main()
