"""The one font of every countdown: Noto Sans CJK JP Bold, from a PyPI package.

It covers Latin (French accents included) and Japanese, so a fresh machine draws 日, 時間,
分 and 秒 with real glyphs instead of missing-glyph boxes, and its digits are tabular (one
advance for 0-9), so the timer does not jiggle. The package `noto-cjk-sans-jp-bold`
(SIL Open Font License 1.1) carries only the .otf; FreeType maps the file by its path,
so the sizes share one copy in memory.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path

from PIL import ImageFont

__all__ = ["FONT_FILE", "FONT_PACKAGE", "font"]

#: The package that ships the font, and the file in it.
FONT_PACKAGE = "noto_cjk_sans_jp_bold"
FONT_FILE = "NotoSansCJKjp-Bold.otf"


@lru_cache(maxsize=1)
def _source() -> Path | bytes:
    resource = files(FONT_PACKAGE) / FONT_FILE
    if isinstance(resource, Path):
        return resource
    return resource.read_bytes()  # a zipped install: read it once


@lru_cache(maxsize=32)
def font(size: int) -> ImageFont.FreeTypeFont:
    """The font at size pixels (em), loaded once per size."""
    source = _source()
    if isinstance(source, Path):
        return ImageFont.truetype(str(source), size)
    return ImageFont.truetype(BytesIO(source), size)
