"""Marketers' pages in TestClient: the list, launching from TOML with errors by field, one
experiment's page with its tables and plots, and deciding only after a confirmation."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient
from tests.preview.conftest import REPO, csrf_token

Client = TestClient[Litestar]

SUBJECT_TEST = (REPO / "experiments" / "bf-2026-subject.toml").read_text(encoding="utf-8")


def renamed(toml: str, key: str) -> str:
    return re.sub(r'(?m)^key = ".*"$', f'key = "{key}"', toml, count=1)


def launch(client: Client, toml: str) -> object:
    page = client.get("/studio/experiments").text
    return client.post(
        "/studio/experiments/launch",
        data={"csrf": csrf_token(page), "toml": toml},
        follow_redirects=False,
    )


def test_the_list_shows_each_experiment_with_its_phase_and_sample_ratio(signed_in: Client) -> None:
    page = signed_in.get("/studio/experiments").text
    for key in ("bf-2026-subject", "newsletter-cta", "newsletter-send-time"):
        assert f'<tr data-experiment="{key}">' in page
    assert 'data-phase="draft"' in page
    assert '<form method="post" action="/studio/experiments/launch"' in page


def test_bad_toml_is_refused_with_its_line(signed_in: Client) -> None:
    response = launch(signed_in, 'key = "x"\nname = \n')
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert 'data-field="toml"' in text and "line 2" in text
    assert "name = \n" in text, "the TOML typed is kept for fixing"


def test_launch_checks_errors_are_listed_by_field(signed_in: Client) -> None:
    broken = renamed(SUBJECT_TEST, "studio-broken").replace(
        'template = "newsletter-destination"', 'template = "no-such-template"'
    )
    response = launch(signed_in, broken)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert 'data-field="template"' in response.text  # type: ignore[attr-defined]
    bad_weight = renamed(SUBJECT_TEST, "studio-weights").replace(
        "test_fraction = 0.2", "test_fraction = 7"
    )
    assert "test_fraction = 7" in bad_weight
    refused = launch(signed_in, bad_weight)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert 'data-field="test_fraction"' in refused.text  # type: ignore[attr-defined]


def test_a_launched_test_has_its_page_and_is_decided_after_a_confirmation(
    signed_in: Client,
) -> None:
    response = launch(signed_in, renamed(SUBJECT_TEST, "studio-subject"))
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    assert response.headers["location"] == "/studio/experiments/studio-subject"  # type: ignore[attr-defined]
    page = signed_in.get("/studio/experiments/studio-subject").text
    assert 'data-phase="running"' in page
    assert "Always-valid" in page and 'id="planning"' in page
    for plot in ("plot-posterior", "plot-lift", "plot-split"):
        assert f'<figure id="{plot}"><svg' in page
    for arm in "ABC":
        assert f'<tr data-arm="{arm}">' in page
    asked = signed_in.post(
        "/studio/experiments/studio-subject/decide",
        data={"csrf": csrf_token(page), "winner": "B"},
        follow_redirects=False,
    )
    assert asked.status_code == 200 and "Force B as the winner?" in asked.text
    assert 'data-phase="running"' in signed_in.get("/studio/experiments/studio-subject").text
    done = signed_in.post(
        "/studio/experiments/studio-subject/decide",
        data={"csrf": csrf_token(page), "winner": "B", "confirm": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    decided = signed_in.get("/studio/experiments/studio-subject").text
    assert "winner <strong>B</strong>" in decided
    again = signed_in.post(
        "/studio/experiments/studio-subject/decide",
        data={"csrf": csrf_token(page), "winner": "C", "confirm": "yes"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "already decided" in again.text and "that decision stands" in again.text


def test_deciding_needs_the_csrf_token(signed_in: Client) -> None:
    refused = signed_in.post(
        "/studio/experiments/bf-2026-subject/decide",
        data={"csrf": "forged", "confirm": "yes"},
        follow_redirects=False,
    )
    assert refused.status_code == 403


def test_an_unknown_experiment_gets_a_404_page(signed_in: Client) -> None:
    response = signed_in.get("/studio/experiments/nope")
    assert response.status_code == 404 and "nope" in response.text
