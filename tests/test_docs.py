"""Docs and code cannot drift apart: every setting and every endpoint is in the README."""

from __future__ import annotations

import re
from pathlib import Path

from atn_content.app import create_app
from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_environment_variable_is_documented() -> None:
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "atn_content").rglob("*.py"))
    variables = set(re.findall(r"\"(ATN_[A-Z_]+)\"", source))
    assert variables, "no ATN_ variables found: the pattern is wrong"
    missing = sorted(v for v in variables if f"`{v}`" not in README)
    assert not missing, f"undocumented settings in README.md: {missing}"


def test_every_endpoint_is_documented(tmp_path: Path) -> None:
    app = create_app(
        Settings(content_root=ROOT, store_url=f"sqlite:///{tmp_path}/d.db", secret=b"d" * 32)
    )
    paths = {re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path) for route in app.routes}
    public = {p for p in paths if not p.startswith("/schema")}
    assert "/v1/render" in public
    missing = sorted(p for p in public if f"`{p}`" not in README and f" {p}`" not in README)
    assert not missing, f"undocumented endpoints in README.md: {missing}"
