"""Fixtures that run `atn-content` in-process or as a subprocess, and the API beside it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_runner import KEY, ROOT, SECRET, UNSET, Api, Cli, Ran, cli_variables, subprocess_env
from litestar import Litestar
from litestar.testing import TestClient

from atn_content.app import create_app
from atn_content.cli import main
from atn_content.config import Settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cli("render", ...)` calls the entry point in this process, output captured."""

    def run(*args: str, root: Path = ROOT) -> Ran:
        for name in UNSET:
            monkeypatch.delenv(name, raising=False)
        for name, value in cli_variables(tmp_path, root).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()  # only what this command prints
        code = main(list(args))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


@pytest.fixture
def cli_subprocess(tmp_path: Path) -> Cli:
    """`cli_subprocess("render", ...)` runs `python -m atn_content.cli`, as a user does."""

    def run(*args: str, root: Path = ROOT) -> Ran:
        result = subprocess.run(
            [sys.executable, "-m", "atn_content.cli", *args],
            capture_output=True,
            text=True,
            env=subprocess_env(tmp_path, root),
            timeout=120,
            check=False,
        )
        return Ran(result.returncode, result.stdout, result.stderr)

    return run


@pytest.fixture
def api(tmp_path: Path) -> Api:
    """The API on the CLI's content, secret and store; it loads the experiments launched
    before it starts. Its client may render."""

    @contextmanager
    def start() -> Iterator[TestClient[Litestar]]:
        settings = Settings(
            content_root=ROOT,
            store_url=f"sqlite:///{tmp_path}/state/atn.db",
            state_dir=tmp_path / "state",
            api_keys={KEY: frozenset({"render"})},
            secret=SECRET.encode(),
        )
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {KEY}"
            yield client

    return start
