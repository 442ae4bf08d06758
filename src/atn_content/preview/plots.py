"""The experiment page's plots, drawn on the server as SVG (no library, no CDN):
- each arm's posterior rate (Beta(1 + successes, 1 + failures), the Bayesian section's model);
- each variant's cumulative lift over the control with its always-valid interval;
- each arm's share of recipients against the planned split.

Pure functions from numbers to markup; names are escaped. Each plot has a <title> and
an aria-label, and the page keeps the table next to it for the exact figures.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Sequence
from html import escape

from atn_content.experiments.timeline import LiftPoint

__all__ = ["PALETTE", "lift_plot", "posterior_plot", "split_plot"]

PALETTE = ("#00767a", "#c9472e", "#6b4fa0", "#d49a00", "#2f6fb5", "#6d7d2a")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


#: Characters XML 1.0 forbids (a name could carry one; the SVG must still parse).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("", str(value)))


def _tag(name: str, text: str = "", **attrs: object) -> str:
    """One SVG element; `stroke_width=2` is written stroke-width="2", floats to 0.1."""
    written = " ".join(
        f'{key.rstrip("_").replace("_", "-")}="{_text(_number(value))}"'
        for key, value in attrs.items()
    )
    if not text:
        return f"<{name} {written}/>"
    return f"<{name} {written}>{_text(text)}</{name}>"


def _number(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _svg(label: str, body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{_text(label)}" '
        f'class="plot"><title>{_text(label)}</title>{"".join(body)}</svg>'
    )


def _empty(label: str, why: str) -> str:
    return _svg(label, [_tag("text", why, x=WIDTH / 2, y=HEIGHT / 2, text_anchor="middle")])


def _beta_pdf(x: float, a: float, b: float) -> float:
    if x <= 0.0 or x >= 1.0:
        return 0.0
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return math.exp((a - 1) * math.log(x) + (b - 1) * math.log1p(-x) - log_beta)


def _mode(a: float, b: float) -> float:
    """Where a Beta(a, b) density peaks (a, b >= 1 here: a flat prior plus counts)."""
    return (a - 1) / (a + b - 2) if a + b > 2 else 0.5


def _percent_format(ticks: Sequence[float], signed: bool = False) -> str:
    """Enough decimals that neighbouring ticks read differently (+0.5 %, +1.0 %)."""
    step = min((b - a for a, b in itertools.pairwise(ticks)), default=1.0)
    decimals = max(0, min(4, -math.floor(math.log10(step * 100)))) if step > 0 else 0
    return f"{{:{'+' if signed else ''}.{decimals}%}}"


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        return [low]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _legend(names: Sequence[str], y: float) -> list[str]:
    out = []
    for i, name in enumerate(names):
        x = float(LEFT + i * 110)
        out.append(_tag("rect", x=x, y=y - 9, width=10, height=10, fill=_colour(i)))
        out.append(_tag("text", name, x=x + 14, y=y, font_size=12))
    return out


def _x_tick(x: float, y: float, label: str) -> list[str]:
    return [
        _tag("line", x1=x, y1=y, x2=x, y2=y + 4, stroke="#999"),
        _tag("text", label, x=x, y=y + 16, text_anchor="middle", font_size=11),
    ]


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def posterior_plot(arms: Sequence[tuple[str, int, int]], metric: str) -> str:
    """Density of each arm's rate given (name, recipients, successes)."""
    label = f"Posterior of each arm's {metric}"
    if not arms or all(n == 0 for _, n, _ in arms):
        return _empty(label, "No recipients yet: the posteriors are the flat prior.")
    params = [(name, 1.0 + s, 1.0 + max(n - s, 0)) for name, n, s in arms]
    spans = []
    for _, a, b in params:
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        spans.append((mean - 4.5 * sd, mean + 4.5 * sd))
    low = max(0.0, min(s[0] for s in spans))
    high = min(1.0, max(s[1] for s in spans))
    # A common grid plus 60 points across each arm's own span: a narrow posterior (a big
    # arm) is drawn as a curve, not a spike between two grid points.
    grid = {low + (high - low) * i / 160 for i in range(161)}
    for start, end in spans:
        start, end = max(start, low), min(end, high)
        grid.update(start + (end - start) * i / 60 for i in range(61))
    xs = sorted(grid)
    curves = [[_beta_pdf(x, a, b) for x in xs] for _, a, b in params]
    modes = [_beta_pdf(_mode(a, b), a, b) for _, a, b in params]
    peak = max([*modes, *(max(c) for c in curves)]) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = float(TOP + plot_h)

    def sx(x: float) -> float:
        return LEFT + (x - low) / ((high - low) or 1.0) * plot_w

    def sy(y: float) -> float:
        return base - y / peak * plot_h

    body = [_tag("line", x1=LEFT, y1=base, x2=WIDTH - RIGHT, y2=base, stroke="#999")]
    ticks = _ticks(low, high)
    for tick in ticks:
        body += _x_tick(sx(tick), base, _percent_format(ticks).format(tick))
    for i, curve in enumerate(curves):
        path = _points([(sx(x), sy(y)) for x, y in zip(xs, curve, strict=True)])
        body.append(
            _tag(
                "polyline",
                points=path,
                fill="none",
                stroke=_colour(i),
                stroke_width=2,
                data_arm=params[i][0],
            )
        )
    body += _legend([name for name, _, _ in params], HEIGHT - 6)
    return _svg(label, body)


def lift_plot(points: Sequence[LiftPoint], variants: Sequence[str]) -> str:
    """Each variant's cumulative relative lift over time, with its always-valid band."""
    label = "Cumulative lift over the control, with the always-valid interval"
    shown = [p for p in points if p.lift is not None]
    if len({p.ts for p in shown}) < 2:
        return _empty(label, "The lift is drawn once the tick has taken two snapshots.")
    t0, t1 = min(p.ts for p in shown), max(p.ts for p in shown)
    values = [v for p in shown for v in (p.lift, p.low, p.high) if v is not None]
    low = max(min([*values, 0.0]), -1.0)  # an early band can be absurdly wide
    high = min(max([*values, 0.0]), 3.0)
    pad = (high - low) * 0.05 or 0.05
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(t: float) -> float:
        return LEFT + (t - t0) / ((t1 - t0) or 1.0) * plot_w

    def sy(v: float) -> float:
        v = min(max(v, low), high)
        return TOP + plot_h - (v - low) / (high - low) * plot_h

    body = []
    ticks = _ticks(low, high)
    label_of = _percent_format(ticks, signed=True)
    for tick in ticks:
        y = sy(tick)
        body.append(_tag("line", x1=LEFT, y1=y, x2=WIDTH - RIGHT, y2=y, stroke="#eee"))
        label = label_of.format(tick)
        body.append(_tag("text", label, x=LEFT - 6, y=y + 4, text_anchor="end", font_size=11))
    zero = sy(0.0)
    body.append(
        _tag(
            "line",
            x1=LEFT,
            y1=zero,
            x2=WIDTH - RIGHT,
            y2=zero,
            stroke="#666",
            stroke_dasharray="4 3",
        )
    )
    for t in (t0, t1):
        when = dt.datetime.fromtimestamp(t, dt.UTC).strftime("%d %b %H:%M UTC")
        body += _x_tick(sx(t), float(TOP + plot_h), when)
    for i, variant in enumerate(variants):
        mine = [p for p in shown if p.variant == variant]
        colour = _colour(i + 1)  # the control (colour 0) is the zero line
        band = [(p.ts, p.low, p.high) for p in mine if p.low is not None and p.high is not None]
        if len(band) >= 2:
            upper = [(sx(t), sy(hi)) for t, _, hi in band]
            lower = [(sx(t), sy(lo)) for t, lo, _ in reversed(band)]
            body.append(
                _tag("polygon", points=_points(upper + lower), fill=colour, fill_opacity="0.15")
            )
        line = _points([(sx(p.ts), sy(p.lift)) for p in mine if p.lift is not None])
        body.append(
            _tag(
                "polyline",
                points=line,
                fill="none",
                stroke=colour,
                stroke_width=2,
                data_variant=variant,
            )
        )
    body += _legend(["control (0)", *variants], HEIGHT - 6)
    return _svg(label, body)


def split_plot(arms: Sequence[tuple[str, int]], planned: Sequence[float]) -> str:
    """Each arm's share of the test group's recipients, the planned share marked."""
    label = "Arm sizes against the planned split"
    total = sum(n for _, n in arms)
    weight_sum = sum(planned) or 1.0
    row = 28
    height = TOP + row * len(arms) + BOTTOM
    plot_w = WIDTH - LEFT - RIGHT - 150
    body = []
    for i, ((name, n), weight) in enumerate(zip(arms, planned, strict=True)):
        y = float(TOP + i * row)
        share = n / total if total else 0.0
        plan = weight / weight_sum
        body.append(_tag("text", name, x=LEFT - 6, y=y + 15, text_anchor="end", font_size=12))
        body.append(
            _tag(
                "rect",
                x=LEFT,
                y=y + 4,
                width=share * plot_w,
                height=16,
                fill=_colour(i),
                data_arm=name,
            )
        )
        x = LEFT + plan * plot_w
        body.append(_tag("line", x1=x, y1=y, x2=x, y2=y + 24, stroke="#1d2b36", stroke_width=2))
        figures = f"{share:.1%} of {total:,} (planned {plan:.0%})"
        body.append(_tag("text", figures, x=LEFT + plot_w + 8, y=y + 15, font_size=12))
    note = "bars: actual share; black marks: the planned split"
    body.append(_tag("text", note, x=LEFT, y=height - 12, font_size=11))
    return _svg(label, body, height)
