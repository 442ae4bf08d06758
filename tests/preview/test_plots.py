"""The experiment page's plots are well-formed SVG that say what they show."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from atn_content.experiments.timeline import LiftPoint
from atn_content.preview.plots import lift_plot, posterior_plot, split_plot

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("aria-label")
    return root


def test_posteriors_draw_one_curve_per_arm_peaking_at_its_rate() -> None:
    root = parsed(posterior_plot([("A", 1000, 50), ("B", 1000, 100)], "click rate"))
    curves = {line.get("data-arm"): line for line in root.iter(f"{SVG}polyline")}
    assert set(curves) == {"A", "B"}
    peak_x = {}
    for arm, line in curves.items():
        points = [tuple(map(float, p.split(","))) for p in (line.get("points") or "").split()]
        peak_x[arm] = min(points, key=lambda p: p[1])[0]  # svg y grows downwards
    assert peak_x["A"] < peak_x["B"]


def test_without_data_the_plots_say_so() -> None:
    assert "flat prior" in posterior_plot([("A", 0, 0)], "open rate")
    assert "two snapshots" in lift_plot([], ["B"])


def test_the_lift_band_and_line_per_variant() -> None:
    points = [
        LiftPoint(t, "B", 0.1, -0.2 / (i + 1), 0.4 / (i + 1), 100 * t)
        for i, t in enumerate((1.0, 2.0, 3.0))
    ]
    root = parsed(lift_plot(points, ["B"]))
    assert [p.get("data-variant") for p in root.iter(f"{SVG}polyline")] == ["B"]
    assert len(list(root.iter(f"{SVG}polygon"))) == 1


def test_the_split_marks_the_plan() -> None:
    root = parsed(split_plot([("A", 300), ("B", 700)], [1.0, 1.0]))
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "30.0% of 1,000 (planned 50%)" in texts and "70.0% of 1,000" in texts


@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.integers(0, 10**7), st.integers(0, 10**7)),
        min_size=1,
        max_size=5,
    )
)
def test_any_counts_and_names_make_valid_svg(arms: list[tuple[str, int, int]]) -> None:
    safe = [(name, n, min(s, n)) for name, n, s in arms]
    parsed(posterior_plot(safe, "click rate"))
    parsed(split_plot([(name, n) for name, n, _ in safe], [1.0] * len(safe)))


def test_a_narrow_posterior_is_a_curve_whose_peak_is_its_density() -> None:
    root = parsed(posterior_plot([("A", 1_000_000, 10_000), ("B", 1_000_000, 50_000)], "rate"))
    lines = {line.get("data-arm"): line for line in root.iter(f"{SVG}polyline")}
    tops = {}
    for arm, line in lines.items():
        points = [tuple(map(float, p.split(","))) for p in (line.get("points") or "").split()]
        near_peak = [p for p in points if p[1] < min(q[1] for q in points) + 20]
        assert len(near_peak) >= 5, f"{arm} is drawn with points around its peak"
        tops[arm] = min(p[1] for p in points)
    # B's density peaks lower than A's (sd grows with the rate): ratio about 0.45
    base = 260 - 40
    height = {arm: base - top for arm, top in tops.items()}
    assert 0.40 < height["B"] / height["A"] < 0.50


def test_tick_labels_never_repeat() -> None:
    points = [
        LiftPoint(float(t), "B", 0.002 + t / 1000, 0.0, 0.004 + t / 1000, 9) for t in range(5)
    ]
    root = parsed(lift_plot(points, ["B"]))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text and "%" in t.text]
    assert len(labels) == len(set(labels)) >= 3
