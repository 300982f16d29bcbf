"""Synthetic camera sources: an ear canal for the otoscope, a moving test card for the room.

They stand in for real cameras in tests and demos and go through the same ``Camera`` class (a
source string such as ``synthetic:otoscope`` selects them). Each live frame carries its counter,
stamped as a row of black and white blocks, so that end-to-end tests can measure latency and frame
loss on the far side of a codec.

The counter stamp (read it back with ``decode_counter``):
- a row of ``STAMP_BLOCKS`` square blocks of ``BLOCK`` x ``BLOCK`` pixels along the top edge,
  starting at the top-left corner (``STAMP_WIDTH`` = 576 pixels wide, 16 high);
- blocks 0-1 are the head guard (white, black), blocks 2-33 carry the counter modulo 2**32, bit i
  in block 2 + i (least significant bit first, white = 1), blocks 34-35 are the tail guard (black,
  white);
- a reader samples the central 8 x 8 pixels of each block and thresholds their mean grey at 128,
  which survives JPEG or VP8 compression at ordinary qualities.

Everything is drawn with numpy and OpenCV; the static part of each scene is drawn once per size,
so a 640 x 480 frame costs about a millisecond or two.
"""

from __future__ import annotations

import functools
import logging
import math
from abc import ABC, abstractmethod

import cv2
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
Size = tuple[int, int]  # (width, height)

BLOCK = 16
COUNTER_BITS = 32
GUARD_HEAD = (1, 0)
GUARD_TAIL = (0, 1)
STAMP_BLOCKS = len(GUARD_HEAD) + COUNTER_BITS + len(GUARD_TAIL)
STAMP_WIDTH = STAMP_BLOCKS * BLOCK
_SAMPLE = slice(BLOCK // 4, BLOCK - BLOCK // 4)  # the central half of a block, both ways

KINDS: tuple[str, ...] = ("otoscope", "room", "black", "frozen")
OTOSCOPE_STILL_SIZE: Size = (1280, 960)


def _stamp_bits(counter: int) -> list[int]:
    value = counter % (1 << COUNTER_BITS)
    return [*GUARD_HEAD, *((value >> i) & 1 for i in range(COUNTER_BITS)), *GUARD_TAIL]


def stamp_counter(image: Image, counter: int) -> None:
    """Draw ``counter`` into the top-left corner of a BGR ``image``, in place."""
    height, width = image.shape[:2]
    if width < STAMP_WIDTH or height < BLOCK:
        raise ValueError(
            f"an image of {width}x{height} is too small for the counter stamp "
            f"(needs at least {STAMP_WIDTH}x{BLOCK})"
        )
    row = np.repeat(np.array(_stamp_bits(counter), dtype=np.uint8) * 255, BLOCK)
    image[:BLOCK, :STAMP_WIDTH] = row[np.newaxis, :, np.newaxis]


def decode_counter(image: npt.NDArray[np.uint8]) -> int | None:
    """The counter stamped in a BGR or grey image, or None when there is no valid stamp."""
    if image.ndim not in (2, 3) or image.shape[0] < BLOCK or image.shape[1] < STAMP_WIDTH:
        return None
    strip = image[:BLOCK, :STAMP_WIDTH].astype(np.float32)
    if strip.ndim == 3:
        strip = strip.mean(axis=2)
    blocks = strip.reshape(BLOCK, STAMP_BLOCKS, BLOCK)[_SAMPLE, :, _SAMPLE]
    bits = [1 if level >= 128.0 else 0 for level in blocks.mean(axis=(0, 2))]
    head = tuple(bits[: len(GUARD_HEAD)])
    tail = tuple(bits[len(bits) - len(GUARD_TAIL) :])
    if head != GUARD_HEAD or tail != GUARD_TAIL:
        return None
    data = bits[len(GUARD_HEAD) : len(GUARD_HEAD) + COUNTER_BITS]
    return sum(bit << i for i, bit in enumerate(data))


class SyntheticSource(ABC):
    """A procedurally drawn camera. ``render`` is cheap; the static scene is cached per size."""

    kind: str
    stamped: bool = True  # live frames carry the counter stamp

    def __init__(self, width: int, height: int, seed: int = 0) -> None:
        if width <= 0 or height <= 0:
            raise ValueError(f"a camera image needs a positive size, not {width}x{height}")
        if self.stamped and (width < STAMP_WIDTH or height < BLOCK * 4):
            raise ValueError(
                f"synthetic:{self.kind} needs at least {STAMP_WIDTH}x{BLOCK * 4} pixels to stamp "
                f"its frame counter, not {width}x{height}"
            )
        self.size: Size = (width, height)
        self.seed = seed

    @property
    def still_size(self) -> Size | None:
        """The size of a still when it differs from the live size (a scope's full resolution)."""
        return None

    @property
    def model(self) -> str:
        return f"synthetic {self.kind}"

    def render(self, counter: int, size: Size | None = None) -> Image:
        """Frame number ``counter`` at ``size`` (default: the live size), a new BGR array."""
        image = self._draw(counter, size or self.size)
        if self.stamped:
            stamp_counter(image, counter)
        return image

    def prepare(self) -> None:
        """Draw the static scene now (live and still sizes), so the first frames are not late."""
        self.render(0)
        if self.still_size is not None:
            self.render(0, self.still_size)

    @abstractmethod
    def _draw(self, counter: int, size: Size) -> Image: ...


def _scale(size: Size) -> float:
    return size[1] / 480.0


def _odd(value: float) -> int:
    number = max(1, round(value))
    return number if number % 2 else number + 1


class OtoscopeScene(SyntheticSource):
    """An ear canal seen through a video otoscope.

    A pinkish canal narrowing to a pearly-grey tympanic membrane with the handle of the malleus and
    the cone of light, inside the scope's round field of view darkened at its rim. The view wanders
    a few pixels (a hand-held scope) and some frames are blurred (the patient moved), by a fixed
    schedule (``blur_level``) so that tests know which frames are the sharp ones.
    """

    kind = "otoscope"
    MARGIN = 16  # pixels of scene kept around the view at 640x480, for the wander

    def __init__(self, width: int = 640, height: int = 480, seed: int = 0) -> None:
        super().__init__(width, height, seed)

    @property
    def still_size(self) -> Size:
        return OTOSCOPE_STILL_SIZE

    @staticmethod
    def blur_level(counter: int) -> int:
        """0 for a sharp frame, 1 for a slightly blurred one, 2 for a badly blurred one."""
        phase = counter % 6
        return 2 if phase == 0 else 1 if phase == 3 else 0

    @staticmethod
    def wander(counter: int) -> tuple[float, float]:
        """The view's offset in pixels at 640x480: slow drift plus a small tremor."""
        tremor_x = ((counter * 2654435761) >> 9) % 3 - 1
        tremor_y = ((counter * 40503) >> 5) % 3 - 1
        dx = 7.0 * math.sin(counter / 23.0) + 3.0 * math.sin(counter / 7.3) + tremor_x
        dy = 5.0 * math.sin(counter / 31.0 + 1.0) + 2.0 * math.cos(counter / 5.9) + tremor_y
        return dx, dy

    def _draw(self, counter: int, size: Size) -> Image:
        scene, lens = self._assets(size)
        width, height = size
        margin = round(self.MARGIN * _scale(size))
        dx, dy = self.wander(counter)
        x = margin + max(-margin, min(margin, round(dx * _scale(size))))
        y = margin + max(-margin, min(margin, round(dy * _scale(size))))
        view = scene[y : y + height, x : x + width]
        image = np.asarray(cv2.multiply(view, lens, scale=1.0 / 255.0), dtype=np.uint8)
        level = self.blur_level(counter)
        if level:
            sigma = (1.6 if level == 1 else 4.5) * _scale(size)
            kernel = _odd(sigma * 3)
            image = np.asarray(cv2.GaussianBlur(image, (kernel, kernel), sigma), dtype=np.uint8)
        return image

    def _assets(self, size: Size) -> tuple[Image, Image]:
        return _otoscope_scene(size, self.seed), _otoscope_lens(size)

    @staticmethod
    def _draw_lens(size: Size) -> Image:
        """The scope's round field of view: bright in the middle, dark at the rim, black outside."""
        width, height = size
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        radius = 0.49 * height
        distance = np.hypot(xs - width / 2.0, ys - height / 2.0) / radius
        gain = np.clip(1.0 - distance**8, 0.0, 1.0) * np.clip(1.1 - 0.3 * distance**2, 0.0, 1.0)
        edge = np.clip((1.0 - distance) * radius / 3.0, 0.0, 1.0)  # a soft, anti-aliased rim
        lens = np.clip(gain * edge * 255.0, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(lens[:, :, np.newaxis], 3, axis=2))

    @classmethod
    def _draw_scene(cls, size: Size, seed: int) -> Image:
        s = _scale(size)
        margin = round(cls.MARGIN * s)
        width, height = size[0] + 2 * margin, size[1] + 2 * margin
        rng = np.random.default_rng(seed)
        cx, cy = width / 2.0 + 12 * s, height / 2.0 + 6 * s  # the membrane sits a bit off-axis
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)

        # The canal: pink skin, darker deeper in (towards the membrane), with a fine grain.
        ax, ay = 150.0 * s, 128.0 * s  # the membrane's half axes
        angle = math.radians(-18.0)
        u = ((xs - cx) * math.cos(angle) + (ys - cy) * math.sin(angle)) / ax
        v = (-(xs - cx) * math.sin(angle) + (ys - cy) * math.cos(angle)) / ay
        depth = np.hypot(u, v)  # 1.0 on the membrane's rim
        wall = np.clip(0.62 + 0.3 * (depth - 1.0), 0.5, 1.0)
        skin = np.array([130.0, 145.0, 235.0], dtype=np.float32)  # BGR pink
        image = wall[:, :, np.newaxis] * skin
        grain = rng.normal(0.0, 1.0, (height, width)).astype(np.float32)
        grain = cv2.GaussianBlur(grain, (0, 0), 0.7) * 30.0  # finer at a finer resolution
        image += grain[:, :, np.newaxis]

        # Small blood vessels on the canal wall: smooth, wandering curves running round the canal.
        vessels = np.zeros((height, width), dtype=np.float32)
        for _ in range(22):
            a = rng.uniform(0.0, 2.0 * math.pi)
            r = rng.uniform(1.15, 1.8)
            x, y = cx + r * ax * math.cos(a), cy + r * ay * math.sin(a)
            heading = a + math.pi / 2.0 * rng.choice([-1.0, 1.0]) + rng.normal(0.0, 0.4)
            points = [(x, y)]
            for _step in range(int(rng.integers(8, 20))):
                heading += rng.normal(0.0, 0.25)
                x += 7.0 * s * math.cos(heading)
                y += 7.0 * s * math.sin(heading)
                points.append((x, y))
            polyline = np.array(points, dtype=np.int32).reshape(-1, 1, 2)
            cv2.polylines(vessels, [polyline], False, 1.0, max(1, round(s)), cv2.LINE_AA)
        image -= vessels[:, :, np.newaxis] * np.array([45.0, 60.0, 5.0], dtype=np.float32)

        # The tympanic membrane: pearly grey, slightly translucent (darker and warmer inside).
        membrane = np.clip((1.0 - depth) * 6.0, 0.0, 1.0)  # soft edge
        pearl = np.array([188.0, 190.0, 196.0], dtype=np.float32)
        inner = np.clip(1.0 - 0.25 * (1.0 - depth), 0.6, 1.0)[:, :, np.newaxis]
        tm = pearl * inner + grain[:, :, np.newaxis] * 0.6
        image = image * (1.0 - membrane[:, :, np.newaxis]) + tm * membrane[:, :, np.newaxis]
        # The annulus: a whitish ring around the membrane.
        ring = np.exp(-(((depth - 1.0) * 14.0) ** 2))
        image += ring[:, :, np.newaxis] * np.array([30.0, 35.0, 45.0], dtype=np.float32)

        canvas = np.clip(image, 0, 255).astype(np.uint8)
        umbo = (round(cx + 6 * s), round(cy + 10 * s))
        # The handle of the malleus, from the umbo up and forward, and its short process.
        top = (round(cx + 40 * s), round(cy - 95 * s))
        cv2.line(canvas, umbo, top, (170, 215, 230), max(2, round(7 * s)), cv2.LINE_AA)
        cv2.circle(canvas, top, max(2, round(8 * s)), (190, 225, 235), -1, cv2.LINE_AA)
        # The cone of light, from the umbo down and forward.
        cone = np.array(
            [
                umbo,
                (round(cx + 95 * s), round(cy + 95 * s)),
                (round(cx + 55 * s), round(cy + 112 * s)),
            ],
            dtype=np.int32,
        )
        light = np.zeros((height, width), dtype=np.uint8)
        cv2.fillConvexPoly(light, cone, 255, cv2.LINE_AA)
        light_f = cv2.GaussianBlur(light, (0, 0), 1.5 * s).astype(np.float32) / 255.0
        lit = canvas.astype(np.float32) * (1.0 - light_f[:, :, np.newaxis])
        lit += light_f[:, :, np.newaxis] * np.array([245.0, 248.0, 250.0], dtype=np.float32)
        return np.ascontiguousarray(np.clip(lit, 0, 255).astype(np.uint8))


# The static scenes are the slow part (a few hundred ms at 1280x960): drawn once per process and
# shared, read-only, by every source of the same size.
@functools.lru_cache(maxsize=8)
def _otoscope_scene(size: Size, seed: int) -> Image:
    return _read_only(OtoscopeScene._draw_scene(size, seed))


@functools.lru_cache(maxsize=8)
def _otoscope_lens(size: Size) -> Image:
    return _read_only(OtoscopeScene._draw_lens(size))


def _read_only(image: Image) -> Image:
    image.flags.writeable = False
    return image


class RoomTestCard(SyntheticSource):
    """A test card for the room camera: colour bars, a grey ramp, fine lines and a moving disc."""

    kind = "room"

    def __init__(self, width: int = 640, height: int = 480, seed: int = 0) -> None:
        super().__init__(width, height, seed)
        self._cards: dict[Size, Image] = {}

    @property
    def model(self) -> str:
        return "synthetic room camera"

    def _draw(self, counter: int, size: Size) -> Image:
        if size not in self._cards:
            self._cards[size] = self._draw_card(size)
        image = self._cards[size].copy()
        width, height = size
        s = _scale(size)
        # A disc sweeping left and right across the lower band, and a turning clock hand.
        band_y = round(height * 0.82)
        span = width - round(80 * s)
        phase = (counter % 120) / 60.0
        x = round(40 * s + span * (phase if phase <= 1.0 else 2.0 - phase))
        cv2.circle(image, (x, band_y), round(28 * s), (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(image, (x, band_y), round(28 * s), (0, 0, 0), max(1, round(3 * s)), cv2.LINE_AA)
        centre = (round(width * 0.5), round(height * 0.42))
        angle = 2.0 * math.pi * (counter % 60) / 60.0
        tip = (
            round(centre[0] + 70 * s * math.sin(angle)),
            round(centre[1] - 70 * s * math.cos(angle)),
        )
        cv2.line(image, centre, tip, (0, 0, 0), max(2, round(5 * s)), cv2.LINE_AA)
        return image

    def _draw_card(self, size: Size) -> Image:
        width, height = size
        s = _scale(size)
        card = np.zeros((height, width, 3), dtype=np.uint8)
        bars = [
            (191, 191, 191),
            (0, 191, 191),
            (191, 191, 0),
            (0, 191, 0),
            (191, 0, 191),
            (0, 0, 191),
            (191, 0, 0),
        ]  # BGR: white, yellow, cyan, green, magenta, red, blue at 75 %
        bars_bottom = round(height * 0.62)
        for index, colour in enumerate(bars):
            left = index * width // len(bars)
            right = (index + 1) * width // len(bars)
            card[:bars_bottom, left:right] = colour
        ramp_bottom = round(height * 0.70)
        ramp = np.linspace(0, 255, width, dtype=np.float32).astype(np.uint8)
        card[bars_bottom:ramp_bottom] = ramp[np.newaxis, :, np.newaxis]
        # Fine vertical lines of growing frequency: the sharpness of the optics at a glance.
        fine = card[ramp_bottom:, :]
        fine[:] = 48
        x = 0
        pitch = 8.0
        while x < width:
            cv2.line(fine, (x, 0), (x, fine.shape[0]), (200, 200, 200), 1)
            x += max(2, round(pitch * s))
            pitch = max(2.0, pitch * 0.97)
        centre = (round(width * 0.5), round(height * 0.42))
        cv2.circle(card, centre, round(80 * s), (235, 235, 235), -1, cv2.LINE_AA)
        cv2.circle(card, centre, round(80 * s), (0, 0, 0), max(1, round(2 * s)), cv2.LINE_AA)
        cv2.putText(
            card,
            "ROOM CAMERA",
            (round(20 * s), round(height * 0.58)),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.2 * s,
            (0, 0, 0),
            max(1, round(3 * s)),
            cv2.LINE_AA,
        )
        return card


class BlackSource(SyntheticSource):
    """A camera with its lens covered or its light off: dark noise, nothing else (no stamp)."""

    kind = "black"
    stamped = False

    def __init__(self, width: int = 640, height: int = 480, seed: int = 0) -> None:
        super().__init__(width, height, seed)
        self._noise: dict[Size, list[Image]] = {}

    def _draw(self, counter: int, size: Size) -> Image:
        if size not in self._noise:
            rng = np.random.default_rng(self.seed)
            width, height = size
            self._noise[size] = [
                rng.integers(0, 7, (height, width, 3), dtype=np.uint8) for _ in range(4)
            ]
        frames = self._noise[size]
        return frames[counter % len(frames)].copy()


class FrozenSource(SyntheticSource):
    """A camera whose picture stopped: the same ear-canal image again and again (no stamp)."""

    kind = "frozen"
    stamped = False

    def __init__(self, width: int = 640, height: int = 480, seed: int = 0) -> None:
        super().__init__(width, height, seed)
        self._scene = OtoscopeScene(width, height, seed)
        self._images: dict[Size, Image] = {}

    def _draw(self, counter: int, size: Size) -> Image:
        if size not in self._images:
            self._images[size] = self._scene._draw(1, size)
        return self._images[size].copy()


_SOURCES: dict[str, type[SyntheticSource]] = {
    "otoscope": OtoscopeScene,
    "room": RoomTestCard,
    "black": BlackSource,
    "frozen": FrozenSource,
}


def make_source(kind: str, width: int = 640, height: int = 480, seed: int = 0) -> SyntheticSource:
    """The synthetic source called ``kind``; a ValueError names the valid kinds."""
    try:
        factory = _SOURCES[kind]
    except KeyError:
        raise ValueError(
            f"unknown synthetic camera {kind!r}; valid ones are: "
            + ", ".join(f"synthetic:{name}" for name in KINDS)
        ) from None
    return factory(width, height, seed)
