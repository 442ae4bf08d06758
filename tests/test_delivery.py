"""The one delivery path: POST /v1/render, POST /v1/render/batch, `atn-content render` and
`atn-content batch` give the same document for the same request, experiments included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from tests.tokens import without_issue_times

from atn_content.app import create_app
from atn_content.cli import main
from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "delivery-test-secret-0123456789"
KEY = "delivery-test-key-0123456789"
TEMPLATE = "newsletter-destination"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's environment: the shipped content, a SQLite store under tmp_path/state."""
    for name in ("ATN_STORE", "ATN_API_KEY", "ATN_API_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ATN_SECRET", SECRET)
    monkeypatch.setenv("ATN_CONTENT_ROOT", str(ROOT))
    monkeypatch.setenv("ATN_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


def _documents(out: str) -> list[Any]:
    return [json.loads(without_issue_times(line)) for line in out.splitlines() if line.strip()]


def test_api_and_cli_render_and_batch_agree_with_a_running_experiment(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tmp_path = cli_env
    assert main(["experiments", "launch", str(ROOT / "experiments" / "bf-2026-subject.toml")]) == 0
    capsys.readouterr()
    requests = [
        {"template": TEMPLATE, "locale": locale, "recipient": {"id": f"bf-{n}"}}
        for n in range(16)
        for locale in ("fr", "en")
    ]
    settings = Settings(
        content_root=ROOT,
        store_url=f"sqlite:///{tmp_path}/state/atn.db",
        state_dir=tmp_path / "api-state",
        api_keys={KEY: frozenset({"render"})},
        secret=SECRET.encode(),
    )
    auth = {"Authorization": f"Bearer {KEY}"}
    with TestClient(create_app(settings)) as client:
        api = [
            _documents(client.post("/v1/render", json=r, headers=auth).text)[0] for r in requests
        ]
        body = "".join(json.dumps(r) + "\n" for r in requests)
        batch_response = client.post("/v1/render/batch", content=body, headers=auth)
    api_batch = [line.get("result", line.get("error")) for line in _documents(batch_response.text)]

    cli_render = []
    for n, request in enumerate(requests):
        path = tmp_path / f"r{n}.json"
        path.write_text(json.dumps(request["recipient"]))
        main(
            [
                "render",
                "--template",
                TEMPLATE,
                "--locale",
                request["locale"],
                "--recipient",
                str(path),
            ]
        )
        cli_render.extend(_documents(capsys.readouterr().out))
    source = tmp_path / "in.ndjson"
    source.write_text(body)
    main(["batch", str(source), "--no-progress"])
    cli_batch = [
        line.get("result", line.get("error")) for line in _documents(capsys.readouterr().out)
    ]

    assert len(api) == len(requests)
    assert api_batch == api
    assert cli_render == api
    assert cli_batch == api
    statuses = {doc.get("status") for doc in api}
    assert statuses == {"test", 409, None}  # fr: test group or waiting; en: not in the test


def test_the_render_path_does_not_import_scipy(cli_env: Path) -> None:
    """Importing the delivery path or the CLI, and rendering with it (render and batch, a
    running experiment loaded), leaves the statistics (scipy) unloaded."""
    assert main(["experiments", "launch", str(ROOT / "experiments" / "bf-2026-subject.toml")]) == 0
    recipient = cli_env / "r.json"
    recipient.write_text(json.dumps({"id": "bf-1"}))
    source = cli_env / "in.ndjson"
    source.write_text(json.dumps({"template": TEMPLATE, "locale": "fr", "recipient": {"id": "a"}}))
    code = f"""
import sys
import atn_content.delivery, atn_content.cli.main
imported = "scipy" in sys.modules
from atn_content.cli import main
main(["render", "--template", "{TEMPLATE}", "--locale", "fr", "--recipient", {str(recipient)!r}])
main(["batch", {str(source)!r}, "--no-progress"])
print("scipy", imported, "scipy" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout + result.stderr  # the render, the batch line, the probe
    # Both went through the experiment (its arm, or the holdback's waiting problem).
    assert all('"experiment":"bf-2026-subject"' in line for line in lines[:2]), lines
    assert lines[-1] == "scipy False False"


def test_a_preview_can_render_any_running_arm_and_names_an_unknown_one(tmp_path: Path) -> None:
    from atn_content.api.errors import ProblemError
    from atn_content.app import build_renderer
    from atn_content.delivery import Delivery
    from atn_content.experiments.assign import Assigner
    from atn_content.experiments.lifecycle import launched
    from atn_content.experiments.service import load_files

    settings = Settings(
        content_root=ROOT, store_url=f"sqlite:///{tmp_path}/t.db", secret=SECRET.encode()
    )
    assigner = Assigner()
    definition = load_files(ROOT / "experiments")[0]["bf-2026-subject"][0]
    assigner.load([launched(definition, 1_795_000_000.0, "test")])
    delivery = Delivery(build_renderer(settings), assigner, max_line_bytes=1 << 20)
    recipient = {"id": "someone@example.pf", "first_name": "Hina"}
    for arm, subject in (
        ("A", "Black Friday : -30 % vers Tahiti"),
        ("C", "48 h pour rêver de Bora Bora"),
    ):
        email = delivery.render(TEMPLATE, "fr", recipient, arm=("bf-2026-subject", arm))
        assert (email.subject, email.variant) == (subject, arm)
    with pytest.raises(ProblemError) as refused:
        delivery.render(TEMPLATE, "fr", recipient, arm=("bf-2026-subject", "Z"))
    assert refused.value.problem.status == 422
    assert refused.value.problem.errors[0].field == "variant"
    assert "bf-2026-subject:A" in refused.value.problem.detail
