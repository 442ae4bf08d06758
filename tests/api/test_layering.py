"""API modules are controllers over services: none imports another controller."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "src" / "atn_content" / "api"
#: What every controller may share: wire formats, errors, auth, the render pool, DI.
SHARED = {"problems", "schemas", "auth", "errors", "offload", "dependencies", "pages"}


def _api_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["atn_content", "api"]:
                found.add(parts[2] if len(parts) > 2 else "")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[:2] == ["atn_content", "api"]:
                    found.add(parts[2] if len(parts) > 2 else "")
    return found


@pytest.mark.parametrize("path", sorted(API.glob("*.py")), ids=lambda p: p.name)
def test_api_modules_import_only_shared_helpers(path: Path) -> None:
    assert _api_imports(path) - SHARED - {path.stem} == set()
