"""Debian's chromium as Playwright drives it here: where it is and the flags it needs.

Shared by `atn-content snapshot` and the browser tests (Playwright never downloads a
browser in this project).
"""

from __future__ import annotations

import shutil

__all__ = ["CHROMIUM_ARGS", "chromium_binary"]

#: Flags Debian's chromium needs here (no sandbox for root, no GPU, nothing phoning home).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_binary() -> str | None:
    """The chromium on PATH (apt package `chromium`), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")
