"""What the CLI tests share: the environment a command runs in and what it left behind.

Commands run in-process through the entry point (fast, the default) or, for one smoke test
per command group (test_smoke.py), as a subprocess the way a user runs them. Both see the
shipped content, a fresh state directory (its SQLite store) and a fixed signing secret, so
the documents they print can be compared with the API's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-test-secret-0123456789abcdef"
KEY = "cli-test-key-0123456789"
#: Variables a developer's shell may set that would point the CLI at another store or key.
UNSET = ("ATN_STORE", "ATN_API_KEY", "ATN_API_KEYS", "ATN_PUBLIC_URL", "ATN_MAX_BODY_BYTES")


@dataclass(frozen=True)
class Ran:
    """What a command left: exit status and the text it printed."""

    returncode: int
    stdout: str
    stderr: str


#: `cli("render", "--template", ..., root=other_content)`
Cli = Callable[..., Ran]
#: `with api() as client:` the API on the CLI's content, secret and store.
Api = Callable[[], AbstractContextManager[TestClient[Litestar]]]


def cli_variables(tmp_path: Path, root: Path = ROOT) -> dict[str, str]:
    return {
        "ATN_SECRET": SECRET,
        "ATN_CONTENT_ROOT": str(root),
        "ATN_STATE_DIR": str(tmp_path / "state"),
    }


def subprocess_env(tmp_path: Path, root: Path = ROOT) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k not in UNSET}
    return {**inherited, **cli_variables(tmp_path, root)}
