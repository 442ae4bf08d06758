"""`atn-content countdown sheet`: every frame of a countdown on one PNG, for designers.

Outlook shows only the first frame and a reader sees one a second; a contact sheet shows a
whole minute at once, numbered, in the locale, theme and scale asked for.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from atn_content.images.countdown import MAX_REMAINING_S, SCALES, contact_sheet
from atn_content.images.text import LOCALES
from atn_content.images.themes import DEFAULT_THEME, THEMES

__all__ = ["DEFAULT_REMAINING_S", "add_countdown_commands", "sheet_name"]

#: The sheet's remaining time unless --remaining says otherwise: the H+72 offer's 48 hours.
DEFAULT_REMAINING_S = 48 * 3600


def add_countdown_commands(sub: Any) -> None:
    countdown = sub.add_parser("countdown", help="countdown images")
    commands = countdown.add_subparsers(title="countdown commands")
    sheet = commands.add_parser("sheet", help="write a contact-sheet PNG of a countdown's frames")
    sheet.add_argument("--locale", required=True, choices=LOCALES)
    sheet.add_argument("--theme", default=DEFAULT_THEME, choices=sorted(THEMES))
    sheet.add_argument("--scale", type=int, default=1, choices=SCALES)
    sheet.add_argument(
        "--remaining",
        type=_seconds,
        default=DEFAULT_REMAINING_S,
        help=f"seconds left at the first frame (default {DEFAULT_REMAINING_S}: 48 hours)",
    )
    sheet.add_argument("--out", type=Path, help="PNG to write (default: a name in the cwd)")
    sheet.set_defaults(run=_sheet)


def sheet_name(locale: str, theme: str, scale: int, remaining: int) -> str:
    """The default file name: says what is on the sheet."""
    return f"countdown-sheet-{locale}-{theme}-{scale}x-{remaining}s.png"


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of seconds: {text!r}") from None
    if not 0 <= value <= MAX_REMAINING_S:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and {MAX_REMAINING_S}")
    return value


def _sheet(args: argparse.Namespace) -> int:
    out: Path = args.out or Path(sheet_name(args.locale, args.theme, args.scale, args.remaining))
    png = contact_sheet(args.remaining, args.locale, args.theme, args.scale)
    try:
        out.write_bytes(png)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {out} ({len(png) // 1024} KB)")
    return 0
