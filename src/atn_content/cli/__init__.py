"""`atn-content`: the command line (serve, render, batch, lint, i18n, experiments, recs)."""

from atn_content.cli.main import main

__all__ = ["main"]
