"""Every template x locale x sample recipient, byte for byte: a digest per render.

Refactors (the delivery path, the extension seam) must not change a single byte of what
recipients get. A deliberate change of content or engine output updates the file:
`ATN_UPDATE_DIGESTS=1 pytest tests/content/test_render_digest.py`, and the diff of
tests/content/render_digests.txt shows which renders it touched.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import msgspec

from atn_content.api.schemas import to_response
from atn_content.content.library import Library
from atn_content.content.renderer import RenderedEmail

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = Path(__file__).with_name("render_digests.txt")
SAMPLES = sorted(p.stem for p in (ROOT / "samples" / "recipients").glob("*.json"))
LOCALES = ("fr", "en", "ja")


def _digest(email: RenderedEmail) -> str:
    """Of the API document, which carries every part of the email and its headers."""
    document = msgspec.json.encode(to_response(email), order="sorted")
    return hashlib.sha256(document).hexdigest()[:32]


def test_every_render_is_byte_identical_to_the_recorded_one(
    render_sample: Callable[[str, str, str], RenderedEmail],
) -> None:
    current = {
        f"{template}/{locale}/{sample}": _digest(render_sample(template, locale, sample))
        for template in Library(ROOT).names()
        for locale in LOCALES
        for sample in SAMPLES
    }
    lines = [f"{key} {value}" for key, value in sorted(current.items())]
    if os.environ.get("ATN_UPDATE_DIGESTS"):
        DIGESTS.write_text("\n".join(lines) + "\n")
    recorded = dict(line.split(" ") for line in DIGESTS.read_text().splitlines())
    changed = sorted(
        k for k in current.keys() | recorded.keys() if current.get(k) != recorded.get(k)
    )
    assert len(current) == 22 * 3 * 8
    assert not changed, f"{len(changed)} renders changed, e.g. {changed[:5]}"
