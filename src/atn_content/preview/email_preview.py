"""One email as the studio shows it: rendered through the delivery path, linted, and seen
the ways mail clients show it (light, images off, dark, in the inbox list).

Runs in the render pool (a render and a lint are milliseconds of CPU); records no
exposure: a preview is not a send.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from atn_content.api.schemas import RenderResponse
from atn_content.content.lint import ALLOW_LIST_FILE, CLIENTS, AllowList, LintReport, lint_html
from atn_content.content.lint.checks import CLIP_BYTES
from atn_content.delivery import Delivery
from atn_content.preview.inbox import INBOXES, inbox_line
from atn_content.preview.views import (
    counts_nothing,
    forced_inversion,
    has_own_dark_styles,
    images_off,
    own_dark_styles,
)

__all__ = ["CLIENT_NAMES", "allow_list", "lint_summary", "preview", "render_preview"]

CLIENT_NAMES = {c.key: c.name for c in CLIENTS}


def allow_list(content_root: Path) -> AllowList:
    path = content_root / ALLOW_LIST_FILE
    return AllowList.load(path) if path.is_file() else AllowList()


def render_preview(
    delivery: Delivery,
    template: str,
    locale: str,
    recipient: dict[str, Any],
    arm: tuple[str, str] | None = None,
) -> RenderResponse:
    """The email the recipient gets, tracked links and all, with no exposure recorded."""
    return delivery.render(template, locale, recipient, None, tracking=True, arm=arm)


def preview(email: RenderResponse, allow: AllowList, public_url: str) -> dict[str, Any]:
    """Everything the template page shows for one rendered email: the HTML as sent (and
    linted), and for the frames the same email counting nothing (views.counts_nothing)."""
    report = lint_html(email.html, allow=allow, lang=email.locale)
    frame = counts_nothing(email.html, public_url)
    sender = email.from_name or email.headers.get("From", "") or "Air Tahiti Nui"
    return {
        "subject": email.subject,
        "preheader": email.preheader,
        "from_name": sender,
        "html": email.html,
        "text": email.text,
        "headers": email.headers,
        "template": email.template,
        "template_version": email.template_version,
        "locale": email.locale,
        "variant": email.variant,
        "experiment": email.experiment,
        "status": email.status,
        "fallbacks": email.fallbacks,
        "frame_html": frame,
        "views": {
            "images_off": images_off(frame),
            "forced_inversion": forced_inversion(frame),
            "own_dark": own_dark_styles(frame),
            "has_own_dark": has_own_dark_styles(frame),
        },
        "inbox": [
            {
                "label": inbox.label,
                **asdict(inbox_line(inbox, sender, email.subject, email.preheader)),
            }
            for inbox in INBOXES
        ],
        "lint": lint_summary(report),
    }


def lint_summary(report: LintReport) -> dict[str, Any]:
    """The lint panel's data: findings (a client's or everyone's), size, the clients."""
    return {
        "size_bytes": report.size_bytes,
        "clip_bytes": CLIP_BYTES,
        "clipped": report.size_bytes > CLIP_BYTES,
        "clients": [{"key": c, "name": CLIENT_NAMES.get(c, c)} for c in report.clients],
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "findings": [asdict(f) for f in report.findings],
    }
