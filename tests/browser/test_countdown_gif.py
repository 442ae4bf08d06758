"""The countdown GIF through Chromium's own GIF decoder (the one webmail readers get).

WebCodecs' ImageDecoder hands out every frame by index, so nothing here waits on the
animation: each frame Chromium composes must be the frame Pillow composes, pixel for pixel
(compared by the SHA-256 of their RGBA pixels; the tests in tests/images read Pillow's
frames back), with the same frame count, durations and loop count.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image, ImageSequence
from playwright.sync_api import Browser, Page, Route

from atn_content.images.countdown import countdown_gif, ended_gif, neutral_gif

pytestmark = pytest.mark.browser

# WebCodecs needs a secure context: the page is served at an https URL answered locally.
ORIGIN = "https://countdown.test/"

DECODE = """async (b64) => {
  const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const decoder = new ImageDecoder({ data, type: "image/gif" });
  await decoder.tracks.ready;
  await decoder.completed;
  const track = decoder.tracks.selectedTrack;
  const frames = [];
  for (let i = 0; i < track.frameCount; i++) {
    const { image } = await decoder.decode({ frameIndex: i });
    const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
    canvas.getContext("2d").drawImage(image, 0, 0);
    const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let opaque = true;
    for (let j = 3; j < px.length; j += 4) opaque &&= px[j] === 255;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", px));
    const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    frames.push({ size: [canvas.width, canvas.height], us: image.duration, opaque, sha256 });
    image.close();
  }
  return { repetitions: String(track.repetitionCount), frames };
}"""


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page()

    def answer(route: Route) -> None:
        if route.request.url == ORIGIN:
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>")
        else:
            route.abort()

    opened.route("**/*", answer)
    opened.goto(ORIGIN)
    yield opened
    opened.close()


def chromium_frames(page: Page, gif: bytes) -> tuple[str, list[dict[str, Any]]]:
    """Chromium's loop count and, per frame, its size, duration (us), opacity and the
    SHA-256 of its RGBA pixels."""
    decoded: dict[str, Any] = page.evaluate(DECODE, base64.b64encode(gif).decode())
    return decoded["repetitions"], decoded["frames"]


def pillow_frames(gif: bytes) -> list[dict[str, Any]]:
    image = Image.open(io.BytesIO(gif))
    return [
        {"size": list(f.size), "sha256": hashlib.sha256(f.convert("RGBA").tobytes()).hexdigest()}
        for f in ImageSequence.Iterator(image)
    ]


@pytest.mark.parametrize(
    ("gif", "repetitions", "count"),
    [
        (lambda: countdown_gif(86400 + 3600 + 30, "ja", "night"), "Infinity", 60),
        (lambda: countdown_gif(2 * 86400 + 59, "fr", "sand", 2), "Infinity", 60),
        (lambda: countdown_gif(3, "en"), "0", 4),
        (lambda: ended_gif("ja", "sunset", 1), "Infinity", 1),  # a still image
        (lambda: neutral_gif("lagoon", 2), "Infinity", 1),
    ],
    ids=["ja-night", "fr-sand-2x", "reaching-zero", "ended", "neutral"],
)
def test_chromium_shows_the_frames_pillow_reads(
    page: Page, gif: Any, repetitions: str, count: int
) -> None:
    data = gif()
    loops, frames = chromium_frames(page, data)
    assert loops == repetitions  # "0": played once, it stays on its last frame
    assert len(frames) == count
    assert all(f["opaque"] for f in frames)  # no see-through pixels in any frame
    if count > 1:
        assert [f["us"] for f in frames] == [1_000_000] * count
    for k, (theirs, ours) in enumerate(zip(frames, pillow_frames(data), strict=True)):
        assert [theirs["size"], theirs["sha256"]] == [ours["size"], ours["sha256"]], k + 1
