"""lint_html end to end on small documents: what each client sees, the allow-list, the report."""

from __future__ import annotations

import json

import pytest

from atn_content.content.lint import CLIENT_KEYS, AllowList, lint_html
from atn_content.content.lint.allowlist import AllowedGap

PILL = (
    '<table role="presentation"><tr><td style="border-radius:24px;background:#c9472e">'
    '<a href="https://e.com" style="color:#ffffff">Réserver</a></td></tr></table>'
)
VML = (
    '<!--[if mso]><v:roundrect href="https://e.com" arcsize="50%" fillcolor="#c9472e">'
    "<center>Réserver</center></v:roundrect><![endif]-->"
)


def _page(body: str) -> str:
    return f'<!DOCTYPE html><html lang="fr"><head><title>t</title></head><body>{body}</body></html>'


def _gaps(html: str, client: str) -> set[str]:
    report = lint_html(html, clients=[client])
    return {f.feature for f in report.errors if f.check == "feature" and f.feature}


def test_a_pill_button_without_vml_is_square_in_outlook() -> None:
    report = lint_html(_page(PILL), clients=["outlook-windows"])
    assert {f.check for f in report.errors} == {"feature", "outlook-corners"}
    assert "css-border-radius" in {f.feature for f in report.errors}


def test_with_vml_outlook_no_longer_sees_the_css_corners() -> None:
    html = _page(VML + f"<!--[if !mso]><!-->{PILL}<!--<![endif]-->")
    report = lint_html(html)
    radius = next(u for u in report.features if u.slug == "css-border-radius")
    assert "outlook-windows" not in radius.support
    assert set(radius.support) == set(CLIENT_KEYS) - {"outlook-windows"}
    assert "css-border-radius" not in _gaps(html, "outlook-windows")
    assert [f for f in report.errors if f.check == "outlook-corners"] == []


def test_the_allow_list_accepts_a_gap_with_its_reason() -> None:
    html = _page('<div style="display:flex">x</div>')
    assert "css-display-flex" in _gaps(html, "outlook-windows")
    allow = AllowList({"css-display-flex": AllowedGap(clients={"outlook-windows": "stacks"})})
    report = lint_html(html, clients=["outlook-windows", "gmail-web"], allow=allow)
    flex = next(u for u in report.features if u.slug == "css-display-flex")
    assert flex.allowed == {"outlook-windows": "stacks"}
    assert report.counts()["outlook-windows"]["unsupported"] >= 1  # still measured
    assert "css-display-flex" not in {f.feature for f in report.errors}


def test_clients_filter_and_unknown_client() -> None:
    report = lint_html(_page("<p>x</p>"), clients=["yahoo-web"])
    assert report.clients == ("yahoo-web",)
    assert all(set(u.support) <= {"yahoo-web"} for u in report.features)
    with pytest.raises(ValueError, match="unknown client 'hotmail'"):
        lint_html("<p>x</p>", clients=["hotmail"])


def test_the_report_is_plain_data_with_a_summary() -> None:
    report = lint_html(_page('<p style="color:#777">grey</p><img src="http://e.com/x.png">'))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["summary"]["errors"] == len(report.errors) >= 3
    assert {"features", "errors", "warnings", "outlook_windows_unsupported"} <= set(data["summary"])
    assert {f["check"] for f in data["findings"]} >= {"contrast", "alt", "image"}
    feature = data["features"][0]
    assert {"slug", "title", "url", "support", "examples", "allowed"} <= set(feature)
