"""Docs and lint cannot drift apart: every check and client is documented in CONTENT.md."""

from __future__ import annotations

import re
from pathlib import Path

from atn_content.content.lint import CLIENT_KEYS

ROOT = Path(__file__).resolve().parents[3]
CONTENT = (ROOT / "docs" / "CONTENT.md").read_text(encoding="utf-8")
SOURCE = "\n".join(
    p.read_text(encoding="utf-8") for p in (ROOT / "src/atn_content/content/lint").glob("*.py")
)


def test_every_check_is_in_the_checks_table() -> None:
    checks = set(re.findall(r'Finding\(\s*"([a-z-]+)"', SOURCE))
    checks |= set(re.findall(r'_text_contrast\([^)]*?"([a-z-]+)", "(?:error|warning)"', SOURCE))
    assert {"feature", "size", "lang", "alt", "link", "contrast", "outlook-corners"} <= checks
    missing = sorted(c for c in checks if f"| `{c}` |" not in CONTENT)
    assert not missing, f"checks missing from docs/CONTENT.md: {missing}"


def test_every_client_key_is_documented() -> None:
    missing = [c for c in CLIENT_KEYS if f"`{c}`" not in CONTENT]
    assert not missing
