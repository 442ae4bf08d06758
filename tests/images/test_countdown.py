"""The countdown GIF as a mail client shows it: decoded by Pillow, read back like a person.

The numbers are read from the decoded frames by matching each glyph against the font's own
digits drawn independently here with ImageDraw (a small OCR), and the unit labels and the
"Offer ended" text are compared with the same words drawn by the same font, and with the
font's missing-glyph box, so a frame of boxes or of wrong numbers fails.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageSequence

from atn_content.images.countdown import (
    FRAMES,
    LOCALES,
    MAX_REMAINING_S,
    contact_sheet,
    countdown_gif,
    ended_gif,
    neutral_gif,
)
from atn_content.images.font import font
from atn_content.images.themes import DEFAULT_THEME, THEMES, Colour, Theme

DAY = 86400
WORDS = {
    "fr": {
        "days": ("jour", "jours"),
        "hours": ("heure", "heures"),
        "minutes": ("minute", "minutes"),
        "seconds": ("seconde", "secondes"),
    },
    "en": {
        "days": ("day", "days"),
        "hours": ("hour", "hours"),
        "minutes": ("minute", "minutes"),
        "seconds": ("second", "seconds"),
    },
    "ja": {
        "days": ("日", "日"),
        "hours": ("時間", "時間"),
        "minutes": ("分", "分"),
        "seconds": ("秒", "秒"),
    },
}
ENDED = {"fr": "Offre terminée", "en": "Offer ended", "ja": "このオファーは終了しました"}
UNITS = ("days", "hours", "minutes", "seconds")
#: A code point the font has no glyph for: FreeType draws the .notdef box instead.
NOTDEF = "\ue000"


# --- decoding -------------------------------------------------------------------------


def decode(gif: bytes) -> tuple[list[np.ndarray], list[int], dict[str, object]]:
    """Every frame as a viewer composes it (RGB), each frame's duration, the file's info."""
    image = Image.open(io.BytesIO(gif))
    assert image.format == "GIF"
    info = dict(image.info)
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 0))
        frames.append(np.asarray(frame.convert("RGB")))
    return frames, durations, info


def nearest(rgb: np.ndarray, colours: Sequence[Colour]) -> np.ndarray:
    """Per pixel, the index of the nearest of colours."""
    palette = np.asarray(colours, dtype=np.int32)
    distance = ((rgb[:, :, None, :].astype(np.int32) - palette[None, None]) ** 2).sum(axis=3)
    return distance.argmin(axis=2)


def ink(rgb: np.ndarray, background: Colour, colour: Colour, at_least: float) -> np.ndarray:
    """Pixels on the anti-aliasing line from background to colour, at least that far along.

    Coverage is drawn in 8 steps of 1/7, so a threshold halfway between two steps (13/14:
    only full ink; 1/2) picks the same pixels in a frame as in a continuous drawing.
    """
    bg, to = np.asarray(background, float), np.asarray(colour, float) - background
    delta = rgb.astype(float) - bg
    t = delta @ to / (to @ to)
    off_line = np.linalg.norm(delta - t[..., None] * to, axis=-1)
    return (t >= at_least) & (off_line <= 12)


def inks(rgb: np.ndarray, look: Theme) -> tuple[np.ndarray, np.ndarray]:
    """(digit pixels, label pixels) of a frame drawn in look's colours.

    Digits are their full ink only: a theme's label colour may sit on the line from the
    background to the digits' colour (lagoon: #cfe3ea is 82 % of the way to white), and
    the separators beside the digits are drawn in it.
    """
    return (
        ink(rgb, look.background, look.digits, 13 / 14),
        ink(rgb, look.background, look.labels, 1 / 2),
    )


def crop(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return mask[:0, :0]
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two cropped masks laid top-left; 0 if sizes differ much."""
    if abs(a.shape[0] - b.shape[0]) > 2 or abs(a.shape[1] - b.shape[1]) > 2:
        return 0.0
    h, w = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])
    pa, pb = np.zeros((h, w), bool), np.zeros((h, w), bool)
    pa[: a.shape[0], : a.shape[1]], pb[: b.shape[0], : b.shape[1]] = a, b
    union = (pa | pb).sum()
    return float((pa & pb).sum() / union) if union else 1.0


def drawn(text: str, size: int, look: Theme, ink: Colour) -> np.ndarray:
    """text drawn by ImageDraw with the countdown's font, classified like a frame, cropped."""
    face = font(size)
    left, top, right, bottom = face.getbbox(text, anchor="ls")
    image = Image.new("RGB", (int(right - left) + 8, int(bottom - top) + 8), look.background)
    ImageDraw.Draw(image).text((4 - left, 4 - top), text, font=face, fill=ink, anchor="ls")
    digits, labels = inks(np.asarray(image), look)
    return crop(digits if ink == look.digits else labels)


def runs(columns: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    padded = np.concatenate(([False], columns, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def read_numbers(rgb: np.ndarray, look: Theme, scale: int = 1) -> list[str]:
    """The four numbers a person reads on a frame, left to right (days first)."""
    digit_mask, _ = inks(rgb, look)
    size = look.digit_size * scale
    glyphs = {d: drawn(d, size, look, look.digits) for d in "0123456789"}
    column = rgb.shape[1] / 4
    numbers = ["", "", "", ""]
    for start, end in runs(digit_mask.any(axis=0)):
        glyph = crop(digit_mask[:, start:end])
        scores = {d: similarity(glyph, ref) for d, ref in glyphs.items()}
        best = max(scores, key=lambda d: scores[d])
        assert scores[best] > 0.85, f"no digit looks like the glyph at x={start}: {scores}"
        numbers[int(start // column)] += best
    return numbers


def expected(seconds: int) -> list[str]:
    days, rest = divmod(seconds, DAY)
    return [f"{days:02d}", f"{rest // 3600:02d}", f"{rest % 3600 // 60:02d}", f"{rest % 60:02d}"]


def label_masks(rgb: np.ndarray, look: Theme) -> list[np.ndarray]:
    """The label under each number (label ink below the digits: the separators are beside)."""
    digit_mask, label_mask = inks(rgb, look)
    below = np.flatnonzero(digit_mask.any(axis=1))[-1] + 1
    column = rgb.shape[1] // 4
    return [crop(label_mask[below:, k * column : (k + 1) * column]) for k in range(4)]


LAGOON = THEMES[DEFAULT_THEME]


# --- the animation --------------------------------------------------------------------


class TestAnimation:
    def test_sixty_frames_of_one_second_looping_forever(self) -> None:
        frames, durations, info = decode(countdown_gif(2 * DAY + 5 * 3600 + 7 * 60 + 42, "fr"))
        assert len(frames) == FRAMES == 60
        assert durations == [1000] * 60
        assert info["loop"] == 0  # NETSCAPE2.0 loop count 0: forever
        assert all(f.shape == (120, 600, 3) for f in frames)

    def test_frame_one_alone_shows_the_remaining_time(self) -> None:
        gif = countdown_gif(2 * DAY + 5 * 3600 + 7 * 60 + 42, "en")
        first = np.asarray(Image.open(io.BytesIO(gif)).convert("RGB"))  # what Outlook shows
        assert read_numbers(first, LAGOON) == ["02", "05", "07", "42"]

    @pytest.mark.parametrize(
        "remaining",
        [
            DAY + 3600 + 60 + 30,  # the minute changes at frame 31
            DAY + 10,  # 01 00:00:10 ... 00 23:59:59 ... 00 23:59:11
            400 * DAY,  # three digits of days
            MAX_REMAINING_S,
        ],
    )
    def test_successive_frames_count_down(self, remaining: int) -> None:
        frames, _, _ = decode(countdown_gif(remaining, "fr", "sand"))
        shown = [read_numbers(f, THEMES["sand"]) for f in frames]
        assert shown == [expected(remaining - k) for k in range(60)]

    @pytest.mark.parametrize("theme", sorted(THEMES))
    def test_every_theme_reads_right_in_its_colours(self, theme: str) -> None:
        frames, _, _ = decode(countdown_gif(3 * 3600 + 59, "ja", theme))
        assert frames[0][0, 0].tolist() == list(THEMES[theme].background)
        assert read_numbers(frames[0], THEMES[theme]) == ["00", "03", "00", "59"]
        assert read_numbers(frames[59], THEMES[theme]) == ["00", "03", "00", "00"]

    def test_retina_doubles_the_size_and_still_reads(self) -> None:
        frames, durations, _ = decode(countdown_gif(75, "en", scale=2))
        assert len(frames) == 60 and durations == [1000] * 60
        assert frames[0].shape == (240, 1200, 3)
        assert read_numbers(frames[0], LAGOON, scale=2) == ["00", "00", "01", "15"]

    def test_a_countdown_reaching_zero_ends_on_the_ended_frame_and_stays(self) -> None:
        frames, durations, info = decode(countdown_gif(5, "fr"))
        assert [read_numbers(f, LAGOON) for f in frames[:5]] == [
            expected(s) for s in (5, 4, 3, 2, 1)
        ]
        assert len(frames) == 6 and durations == [1000] * 6
        ended, _, _ = decode(ended_gif("fr", DEFAULT_THEME, 1))
        assert np.array_equal(frames[5], ended[0])
        assert "loop" not in info  # plays once and stays on "Offre terminée"

    def test_sixty_seconds_left_is_a_full_minute(self) -> None:
        frames, _, info = decode(countdown_gif(60, "en"))
        assert len(frames) == 60 and info["loop"] == 0
        assert read_numbers(frames[59], LAGOON) == ["00", "00", "00", "01"]

    def test_the_digits_do_not_move_when_they_change(self) -> None:
        """Tabular digits in fixed cells: while the ones digit of the seconds runs 9 to 0,
        the tens digit and every other number stay exactly where they are."""
        frames, _, _ = decode(countdown_gif(3 * 60 + 9, "en"))  # 03:09 down to 03:00
        still = set()
        for rgb in frames[:10]:
            digit_mask, _ = inks(rgb, LAGOON)
            glyphs = runs(digit_mask.any(axis=0))
            assert len(glyphs) == 8
            still.add(tuple(glyphs[:7]))  # all but the ones digit of the seconds
        assert len(still) == 1


# --- the words --------------------------------------------------------------------------


class TestLabels:
    @pytest.mark.parametrize("locale", LOCALES)
    def test_each_locale_labels_are_its_words_in_real_glyphs(self, locale: str) -> None:
        frames, _, _ = decode(countdown_gif(2 * DAY + 2 * 3600 + 2 * 60 + 2, locale))
        size = LAGOON.label_size
        for unit, mask in zip(UNITS, label_masks(frames[0], LAGOON), strict=True):
            word = WORDS[locale][unit][1]
            real = drawn(word, size, LAGOON, LAGOON.labels)
            boxes = drawn(NOTDEF * len(word), size, LAGOON, LAGOON.labels)
            assert similarity(real, boxes) < 0.6, f"the font has no glyphs for {word!r}"
            assert similarity(mask, real) > 0.8, f"{locale} {unit}: not {word!r}"
            assert similarity(mask, boxes) < 0.6, f"{locale} {unit}: missing-glyph boxes"

    @pytest.mark.parametrize(("locale", "value"), [("fr", 1), ("fr", 0), ("en", 1)])
    def test_singular_where_the_language_has_it(self, locale: str, value: int) -> None:
        seconds = value * (DAY + 3600 + 60 + 1)  # every unit shows `value`
        frames, _, _ = decode(countdown_gif(seconds + 60, locale))  # one more minute
        masks = label_masks(frames[0], LAGOON)
        word = WORDS[locale]["days"][0]
        assert similarity(masks[0], drawn(word, LAGOON.label_size, LAGOON, LAGOON.labels)) > 0.8

    def test_zero_days_is_plural_in_english(self) -> None:
        frames, _, _ = decode(countdown_gif(2 * 3600, "en"))
        days = label_masks(frames[0], LAGOON)[0]
        assert similarity(days, drawn("days", LAGOON.label_size, LAGOON, LAGOON.labels)) > 0.8

    def test_the_seconds_label_follows_its_number(self) -> None:
        frames, _, _ = decode(countdown_gif(60 + 3, "fr"))  # 03 02 01 00 secondes
        words = [label_masks(f, LAGOON)[3] for f in frames[:4]]
        singular = drawn("seconde", LAGOON.label_size, LAGOON, LAGOON.labels)
        plural = drawn("secondes", LAGOON.label_size, LAGOON, LAGOON.labels)
        assert [similarity(w, plural) > 0.8 for w in words] == [True, True, False, False]
        assert [similarity(w, singular) > 0.8 for w in words] == [False, False, True, True]


# --- after the deadline, and a bad token ------------------------------------------------


class TestStaticImages:
    @pytest.mark.parametrize("locale", LOCALES)
    @pytest.mark.parametrize("remaining", [0, -1, -86400 * 30])
    def test_expired_is_one_frame_saying_offer_ended(self, locale: str, remaining: int) -> None:
        frames, _, info = decode(countdown_gif(remaining, locale))
        assert len(frames) == 1 and "loop" not in info
        digit_mask, _ = inks(frames[0], LAGOON)
        labels = np.all(frames[0] == LAGOON.labels, axis=2)
        assert not labels.any()  # no units, no separators: only the sentence
        text = ENDED[locale]
        real = drawn(text, LAGOON.ended_size, LAGOON, LAGOON.digits)
        boxes = drawn(NOTDEF * len(text), LAGOON.ended_size, LAGOON, LAGOON.digits)
        assert similarity(crop(digit_mask), real) > 0.8
        assert similarity(crop(digit_mask), boxes) < 0.6

    def test_ended_gif_is_what_an_expired_countdown_gives(self) -> None:
        assert countdown_gif(-5, "ja", "night", 2) == ended_gif("ja", "night", 2)

    @pytest.mark.parametrize("theme", sorted(THEMES))
    @pytest.mark.parametrize("scale", [1, 2])
    def test_neutral_image_is_the_brand_band_without_text(self, theme: str, scale: int) -> None:
        look = THEMES[theme]
        frames, _, info = decode(neutral_gif(theme, scale))
        assert len(frames) == 1 and "loop" not in info
        rgb = frames[0]
        assert rgb.shape == (120 * scale, 600 * scale, 3)
        assert rgb[0, 0].tolist() == list(look.background)
        kind = nearest(rgb, (look.background, look.accent))
        assert 0.01 < (kind == 1).mean() < 0.2  # a motif, on the theme's background
        # nothing of a countdown or of an "Offer ended" in any language
        for locale in LOCALES:
            ended, _, _ = decode(ended_gif(locale, theme, scale))
            assert not np.array_equal(ended[0], rgb)
        # every pixel is the background, the accent, or an anti-aliased step between them
        bg, accent = np.asarray(look.background, float), np.asarray(look.accent, float)
        t = ((rgb - bg) @ (accent - bg)) / ((accent - bg) @ (accent - bg))
        assert np.abs(bg + t[..., None] * (accent - bg) - rgb).max() <= 2


# --- bad input --------------------------------------------------------------------------


class TestBadInput:
    @pytest.mark.parametrize(
        ("call", "named"),
        [
            (lambda: countdown_gif(60, "de"), ["'de'", "fr", "en", "ja"]),
            (lambda: countdown_gif(60, "fr", "neon"), ["'neon'", "lagoon", "sunset", "night"]),
            (lambda: countdown_gif(60, "fr", scale=3), ["3", "1", "2"]),
            (lambda: countdown_gif(60, "fr", scale=True), ["True"]),
            (lambda: ended_gif("xx", "lagoon", 1), ["'xx'"]),
            (lambda: neutral_gif("neon"), ["'neon'", "lagoon"]),
            (lambda: contact_sheet(60, "ja", scale=0), ["0", "1", "2"]),
            (lambda: countdown_gif(MAX_REMAINING_S + 1, "fr"), [str(MAX_REMAINING_S + 1)]),
        ],
    )
    def test_value_error_names_the_value_and_the_allowed_ones(
        self, call: object, named: list[str]
    ) -> None:
        with pytest.raises(ValueError) as caught:
            call()  # type: ignore[operator]
        for word in named:
            assert word in str(caught.value)

    @pytest.mark.parametrize("remaining", [1.5, "60", None, True])
    def test_remaining_must_be_an_int(self, remaining: object) -> None:
        with pytest.raises(TypeError, match="remaining_s"):
            countdown_gif(remaining, "fr")  # type: ignore[arg-type]


# --- for designers ----------------------------------------------------------------------


class TestContactSheet:
    @staticmethod
    def tiles(sheet: np.ndarray, width: int, height: int, background: Colour) -> list[np.ndarray]:
        """Every width x height area of background-edged picture framed by another colour,
        top to bottom, left to right: where a person sees the frames."""
        bg = np.pad(np.all(sheet == background, axis=2), 1)  # False all around
        ys, xs = np.nonzero(bg[1:-1, 1:-1] & ~bg[:-2, 1:-1] & ~bg[1:-1, :-2])
        found = []
        for y, x in zip(ys.tolist(), xs.tolist(), strict=True):
            y1, x1 = y + 1, x + 1  # in the padded mask
            if y1 + height >= bg.shape[0] or x1 + width >= bg.shape[1]:
                continue
            if (
                bg[y1, x1 + width - 1]
                and not bg[y1, x1 + width : x1 + width + 1].any()
                and bg[y1 + height - 1, x1]
                and not bg[y1 + height : y1 + height + 1, x1].any()
            ):
                found.append(sheet[y : y + height, x : x + width])
        return found

    @pytest.mark.parametrize(("remaining", "count"), [(90061, 60), (5, 6)])
    def test_every_frame_in_order(self, remaining: int, count: int) -> None:
        png = contact_sheet(remaining, "ja")
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        sheet = np.asarray(image.convert("RGB"))
        frames, _, _ = decode(countdown_gif(remaining, "ja"))
        assert len(frames) == count
        tiles = self.tiles(sheet, 600, 120, LAGOON.background)
        assert len(tiles) == count
        for tile, frame in zip(tiles, frames, strict=True):
            assert np.array_equal(tile, frame)


# --- open-ended input -------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    remaining=st.one_of(st.integers(-10, 400 * DAY), st.integers(-10, 70)),
    locale=st.sampled_from(LOCALES),
    theme=st.sampled_from(sorted(THEMES)),
)
def test_any_remaining_time_decodes_with_the_right_frames(
    remaining: int, locale: str, theme: str
) -> None:
    frames, durations, info = decode(countdown_gif(remaining, locale, theme))
    count = 60 if remaining >= 60 else 1 if remaining <= 0 else remaining + 1
    assert len(frames) == count and durations == [1000] * count
    assert ("loop" in info) == (remaining >= 60)
    if remaining > 0:
        assert read_numbers(frames[0], THEMES[theme]) == expected(remaining)


def test_threads_draw_what_one_thread_draws() -> None:
    """The serving side draws in a thread pool: shared caches and one FreeType face."""
    cases = [(700 * DAY + k * 3601, LOCALES[k % 3], "sunset", 1 + k % 2) for k in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda case: countdown_gif(*case), cases))
    assert together == [countdown_gif(*case) for case in cases]
