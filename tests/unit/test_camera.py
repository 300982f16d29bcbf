"""Pure parts of the cameras: the synthetic scenes, the counter stamp, sharpness, still encoding.

No thread and no device here; the capture class is tested in tests/contract/test_camera.py.
"""

from __future__ import annotations

import datetime as dt
import time

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.camera import Still, decode_counter, laplacian_variance, make_source, stamp_counter
from devices.camera.synthetic import (
    BLOCK,
    KINDS,
    OTOSCOPE_STILL_SIZE,
    STAMP_WIDTH,
    OtoscopeScene,
)
from devices.errors import CodecError
from devices.readings import DeviceIdentity


def jpeg_round_trip(image: np.ndarray, quality: int = 80) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR)
    assert decoded is not None
    return decoded


# --- synthetic sources -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_source_renders_a_bgr_frame_of_the_asked_size(kind: str) -> None:
    source = make_source(kind, 640, 480)
    image = source.render(7)
    assert image.shape == (480, 640, 3)
    assert image.dtype == np.uint8


@pytest.mark.parametrize("kind", ["otoscope", "room"])
def test_rendering_a_live_frame_takes_well_under_10_ms(kind: str) -> None:
    source = make_source(kind, 640, 480)
    source.prepare()  # the static scene is drawn once, before the stream starts
    started = time.perf_counter()
    for counter in range(1, 31):
        source.render(counter)
    per_frame = (time.perf_counter() - started) / 30
    assert per_frame < 0.010, f"{kind}: {per_frame * 1000:.1f} ms per frame"


def test_the_otoscope_renders_stills_at_its_full_resolution() -> None:
    source = make_source("otoscope", 640, 480)
    assert source.still_size == OTOSCOPE_STILL_SIZE
    still = source.render(5, source.still_size)
    assert still.shape == (960, 1280, 3)
    assert still.shape[1] >= 1024 and still.shape[0] >= 768
    assert decode_counter(still) == 5


def test_the_otoscope_shows_a_grey_membrane_in_a_pink_canal_inside_a_dark_rim() -> None:
    image = make_source("otoscope").render(1).astype(np.float32)
    b, g, r = (image[200:280, 290:370, i].mean() for i in range(3))  # the membrane
    assert abs(r - b) < 25 and r > 120  # pearly grey
    b, g, r = (image[400:430, 300:340, i].mean() for i in range(3))  # the canal wall below
    assert r > g + 30 and r > b + 30  # pink-red
    assert image[440:480, 0:60].mean() < 10  # outside the scope's round view


def test_the_otoscope_view_wanders_and_some_frames_are_blurred() -> None:
    source = make_source("otoscope")
    first, second = source.render(1)[BLOCK:], source.render(2)[BLOCK:]
    assert not np.array_equal(first, second)
    levels = [OtoscopeScene.blur_level(c) for c in range(1, 61)]
    assert 0 < levels.count(0) < 60  # mostly sharp, occasionally blurred
    assert all(0 in levels[i : i + 5] for i in range(56))  # every 5 frames hold a sharp one


def test_sharp_otoscope_frames_score_higher_than_blurred_ones() -> None:
    source = make_source("otoscope")
    for size in (source.size, OTOSCOPE_STILL_SIZE):
        scores = {c: laplacian_variance(source.render(c, size)) for c in range(1, 13)}
        sharp = [s for c, s in scores.items() if OtoscopeScene.blur_level(c) == 0]
        blurred = [s for c, s in scores.items() if OtoscopeScene.blur_level(c) > 0]
        assert min(sharp) > 2 * max(blurred), scores


def test_the_room_card_moves() -> None:
    source = make_source("room")
    assert not np.array_equal(source.render(1)[BLOCK:], source.render(10)[BLOCK:])
    image = source.render(1)
    assert image[100:200, 10:80].mean() > 150  # the first colour bar is light grey


def test_black_is_dark_but_not_frozen_and_frozen_is_lit_but_still() -> None:
    black = make_source("black")
    assert black.render(1).mean() < 8
    assert not np.array_equal(black.render(1), black.render(2))
    frozen = make_source("frozen")
    assert frozen.render(1).mean() > 30
    assert np.array_equal(frozen.render(1), frozen.render(2))
    assert decode_counter(frozen.render(3)) is None  # a broken camera stamps nothing


def test_an_unknown_synthetic_source_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"synthetic:otoscope.*synthetic:room"):
        make_source("ear")


def test_a_synthetic_source_too_small_for_the_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="stamp"):
        make_source("otoscope", 320, 240)


# --- the counter stamp -------------------------------------------------------------------------

counters = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=200, deadline=None)
@given(counter=counters)
def test_a_stamped_counter_decodes_back_exactly(counter: int) -> None:
    image = np.full((48, STAMP_WIDTH + 20, 3), 127, dtype=np.uint8)
    stamp_counter(image, counter)
    assert decode_counter(image) == counter
    assert decode_counter(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)) == counter


@settings(max_examples=60, deadline=None)
@given(
    counter=counters,
    kind=st.sampled_from(["otoscope", "room"]),
    quality=st.sampled_from([50, 80, 95]),
)
def test_the_counter_survives_jpeg(counter: int, kind: str, quality: int) -> None:
    image = make_source(kind).render(counter)
    assert decode_counter(image) == counter
    assert decode_counter(jpeg_round_trip(image, quality)) == counter


@pytest.mark.parametrize("counter", [1, 2, 3, 100, 65535, 2**31 + 5])
def test_the_counter_survives_jpeg_q80_on_blurred_and_still_frames(counter: int) -> None:
    source = make_source("otoscope")
    for size in (source.size, OTOSCOPE_STILL_SIZE):
        assert decode_counter(jpeg_round_trip(source.render(counter, size))) == counter


def test_counters_wrap_at_32_bits() -> None:
    image = make_source("room").render(2**32 + 9)
    assert decode_counter(image) == 9


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((480, 640, 3), np.uint8),
        np.full((480, 640, 3), 255, np.uint8),
        np.zeros((10, 640, 3), np.uint8),  # shorter than a block
        np.zeros((480, 500, 3), np.uint8),  # narrower than the stamp
    ],
    ids=["black", "white", "too_short", "too_narrow"],
)
def test_no_stamp_decodes_to_none(image: np.ndarray) -> None:
    assert decode_counter(image) is None


def test_a_broken_guard_is_not_trusted() -> None:
    image = make_source("room").render(1234)
    image[:BLOCK, :BLOCK] = 0  # the head guard's white block
    assert decode_counter(image) is None
    image = make_source("room").render(1234)
    image[:BLOCK, STAMP_WIDTH - BLOCK : STAMP_WIDTH] = 0  # the tail guard's white block
    assert decode_counter(image) is None


def test_stamping_an_image_too_small_says_so() -> None:
    with pytest.raises(ValueError, match="too small"):
        stamp_counter(np.zeros((8, 640, 3), np.uint8), 1)


# --- sharpness and stills ----------------------------------------------------------------------


def test_laplacian_variance_ranks_blur() -> None:
    rng = np.random.default_rng(1)
    sharp = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    slightly = cv2.GaussianBlur(sharp, (3, 3), 0.8)
    badly = cv2.GaussianBlur(sharp, (15, 15), 4)
    scores = [laplacian_variance(image) for image in (sharp, slightly, badly)]
    assert scores[0] > scores[1] > scores[2] >= 0
    assert laplacian_variance(cv2.cvtColor(sharp, cv2.COLOR_BGR2GRAY)) > scores[1]
    assert laplacian_variance(np.full((50, 50, 3), 90, np.uint8)) == 0


def make_still() -> Still:
    image = make_source("otoscope").render(4, OTOSCOPE_STILL_SIZE)
    return Still(
        image=image,
        sharpness=laplacian_variance(image),
        captured_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        device=DeviceIdentity(
            family="camera", model="synthetic otoscope", port="synthetic:otoscope"
        ),
        counter=4,
    )


def test_a_still_encodes_to_lossless_png() -> None:
    still = make_still()
    data = still.encode_png()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(decoded, still.image)
    assert still.size == (1280, 960)


def test_a_still_encodes_to_jpeg_at_the_asked_quality() -> None:
    still = make_still()
    best, small = still.encode_jpeg(), still.encode_jpeg(quality=30)
    assert best.startswith(b"\xff\xd8") and small.startswith(b"\xff\xd8")
    assert len(small) < len(best)
    decoded = cv2.imdecode(np.frombuffer(best, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == still.image.shape
    assert decode_counter(decoded) == 4
    with pytest.raises(ValueError, match="quality"):
        still.encode_jpeg(quality=0)


def test_an_image_opencv_cannot_encode_is_a_codec_error() -> None:
    still = Still(
        image=np.zeros((0, 0, 3), np.uint8),
        sharpness=0.0,
        captured_at=dt.datetime.now(dt.UTC),
        device=DeviceIdentity(family="camera", model="x"),
        counter=1,
    )
    with pytest.raises(CodecError):
        still.encode_png()
