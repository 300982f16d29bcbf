"""The Camera class against every kind of source: synthetic, a video file, a real camera.

The contract class runs against the synthetic otoscope, a video file written with
cv2.VideoWriter, and a real UVC camera when one is given on the command line:
``pytest tests/contract/test_camera.py --device-url camera=/dev/v4l/by-id/usb-...-video-index0``.
The other tests pin behaviour that needs a source we control (missing, black, frozen, known
sharpest frame, unplugged and plugged back).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera import Camera, Frame, decode_counter, laplacian_variance
from devices.camera.synthetic import OTOSCOPE_STILL_SIZE, OtoscopeScene, make_source, stamp_counter
from devices.errors import DeviceNotConnected, DeviceTimeout
from tests.contract.conftest import device_url

SOURCES = ("synthetic", "video_file", "device")


def write_video(
    path: Path,
    frames: list[np.ndarray],
    fps: float = 30.0,
) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def otoscope_clip(path: Path, count: int = 45) -> Path:
    scene = make_source("otoscope")
    return write_video(path, [scene.render(n) for n in range(1, count + 1)])


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def camera_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("camera-")]


def collect(camera: Camera, count: int, timeout: float = 3.0) -> list[Frame]:
    frames: list[Frame] = []
    latest = camera.latest()
    after = latest.counter if latest else 0
    deadline = time.monotonic() + timeout
    while len(frames) < count and time.monotonic() < deadline:
        frame = camera.wait_frame_sync(after, deadline - time.monotonic())
        if frame is None:
            break
        frames.append(frame)
        after = frame.counter
    return frames


@pytest.fixture
def started() -> Iterator[Callable[[Camera], Camera]]:
    """Start cameras and always stop them, so no capture thread outlives a test."""
    cameras: list[Camera] = []

    def start(camera: Camera) -> Camera:
        cameras.append(camera)
        camera.start()
        return camera

    yield start
    for camera in cameras:
        camera.stop()


class TestCameraContract:
    """What any source must do through the Camera class."""

    @pytest.fixture(params=SOURCES)
    def source(self, request: pytest.FixtureRequest, tmp_path: Path) -> str:
        if request.param == "synthetic":
            return "synthetic:otoscope"
        if request.param == "video_file":
            return str(otoscope_clip(tmp_path / "ear.avi"))
        url = device_url(request.config, "camera")
        if url is None:
            pytest.skip("no real camera given (--device-url camera=/dev/v4l/by-id/...)")
        return url

    @pytest.fixture
    def camera(self, source: str, started: Callable[[Camera], Camera]) -> Camera:
        camera = started(Camera(source, role="otoscope"))
        assert camera.connected, camera.status()
        return camera

    def test_identity_names_the_camera_and_its_source(self, camera: Camera, source: str) -> None:
        identity = camera.identity()
        assert identity.family == "camera"
        assert identity.port == source
        assert identity.model
        assert "connected" in camera.status() and "not connected" not in camera.status()

    def test_frames_arrive_at_the_frame_rate_with_increasing_counters(self, camera: Camera) -> None:
        frames = collect(camera, 15)
        assert len(frames) == 15
        counters = [f.counter for f in frames]
        assert counters == sorted(set(counters))
        assert all(b.captured_at >= a.captured_at for a, b in itertools.pairwise(frames))
        assert camera.actual_size is not None
        width, height = camera.actual_size
        assert all(
            f.image.shape == (height, width, 3) and f.image.dtype == np.uint8 for f in frames
        )
        span = frames[-1].captured_at - frames[0].captured_at
        rate = (frames[-1].counter - frames[0].counter) / span
        expected = camera.actual_fps or camera.fps
        assert 0.6 * expected <= rate <= 1.4 * expected, rate
        assert camera.frames_delivered >= frames[-1].counter
        assert abs(frames[-1].wall_time - time.time()) < 2.0

    def test_latest_is_the_newest_frame_when_the_consumer_is_slow(self, camera: Camera) -> None:
        assert camera.wait_frame_sync(0, 2.0) is not None
        seen = []
        for _ in range(3):
            time.sleep(0.25)  # a consumer much slower than the camera
            frame = camera.latest()
            assert frame is not None
            assert frame.counter >= camera.frames_delivered - 1  # nothing older is queued
            seen.append(frame.counter)
        assert all(b - a >= 3 for a, b in itertools.pairwise(seen)), seen
        assert not frame.image.flags.writeable  # shared: nobody may draw on it

    def test_snapshot_is_the_sharpest_of_the_next_frames(self, camera: Camera) -> None:
        before = camera.frames_delivered
        still = camera.snapshot(count=5, timeout=2.0)
        assert still.counter > before
        assert still.device == camera.identity()
        assert still.captured_at.tzinfo is not None
        assert still.sharpness == pytest.approx(laplacian_variance(still.image))
        assert camera.still_size == still.size
        width, height = still.size
        assert width * height >= 640 * 480
        png = cv2.imdecode(np.frombuffer(still.encode_png(), np.uint8), cv2.IMREAD_COLOR)
        assert np.array_equal(png, still.image)

    def test_self_test_passes(self, camera: Camera) -> None:
        result = camera.self_test(duration=0.6)
        assert result.ok, result.summary
        checks = result.details["checks"]
        assert isinstance(checks, dict)
        assert set(checks) == {"size", "rate", "not_black", "not_frozen"}
        assert all(check["ok"] for check in checks.values())
        assert "passed" in result.summary

    def test_stop_joins_the_thread_and_is_idempotent(self, camera: Camera) -> None:
        assert camera_threads() == ["camera-otoscope"]
        camera.stop()
        camera.stop()
        assert camera_threads() == []
        assert not camera.connected
        assert camera.latest() is None
        assert "not connected" in camera.status()
        with pytest.raises(DeviceNotConnected):
            camera.snapshot()


# --- synthetic sources -------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["synthetic:otoscope", "synthetic:room"])
def test_synthetic_counters_decode_back_exactly_also_after_jpeg(
    source: str, started: Callable[[Camera], Camera]
) -> None:
    camera = started(Camera(source, role="room" if "room" in source else "otoscope"))
    frames = collect(camera, 20)
    assert len(frames) == 20
    for frame in frames:
        assert decode_counter(frame.image) == frame.counter
        ok, data = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        assert decode_counter(cv2.imdecode(data, cv2.IMREAD_COLOR)) == frame.counter


def test_synthetic_otoscope_delivers_about_fps_frames(
    started: Callable[[Camera], Camera],
) -> None:
    camera = started(Camera("synthetic:otoscope", fps=30.0))
    assert camera.wait_frame_sync(0, 2.0) is not None
    start_count, start = camera.frames_delivered, time.monotonic()
    time.sleep(1.0)
    rate = (camera.frames_delivered - start_count) / (time.monotonic() - start)
    assert 21 <= rate <= 33, rate


def test_synthetic_otoscope_snapshot_is_a_sharp_full_resolution_frame(
    started: Callable[[Camera], Camera],
) -> None:
    camera = started(Camera("synthetic:otoscope"))
    assert camera.still_size == OTOSCOPE_STILL_SIZE
    for _ in range(3):
        still = camera.snapshot(count=5)
        assert still.size[0] >= 1024 and still.size[1] >= 768
        assert decode_counter(still.image) == still.counter
        assert OtoscopeScene.blur_level(still.counter) == 0, still.counter
        blurred = make_source("otoscope").render(6, OTOSCOPE_STILL_SIZE)  # a badly blurred one
        assert still.sharpness > 2 * laplacian_variance(blurred)
    live = camera.latest()
    assert live is not None and live.image.shape == (480, 640, 3)  # the live view stayed small


def test_snapshot_picks_the_sharpest_frame_of_a_known_clip(
    tmp_path: Path, started: Callable[[Camera], Camera]
) -> None:
    # Six frames, looped: only the one marked 103 is sharp, so any six in a row hold it once.
    rng = np.random.default_rng(3)
    texture = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    frames = []
    for index in range(6):
        frame = texture.copy() if index == 3 else cv2.GaussianBlur(texture, (0, 0), 1.0 + index)
        stamp_counter(frame, 100 + index)
        frames.append(frame)
    clip = write_video(tmp_path / "focus.avi", frames)
    camera = started(Camera(str(clip), fps=30.0))
    for _ in range(2):
        still = camera.snapshot(count=6, timeout=2.0)
        assert decode_counter(still.image) == 103


def test_a_snapshot_with_too_few_frames_keeps_the_best_so_far(
    started: Callable[[Camera], Camera],
) -> None:
    camera = started(Camera("synthetic:otoscope", fps=10.0))
    begun = time.monotonic()
    still = camera.snapshot(count=50, timeout=0.5)  # 50 frames at 10 fps cannot come in 0.5 s
    assert time.monotonic() - begun < 1.5
    assert decode_counter(still.image) == still.counter


def test_a_snapshot_count_below_one_is_refused(started: Callable[[Camera], Camera]) -> None:
    camera = started(Camera("synthetic:room", role="room"))
    with pytest.raises(ValueError, match="at least one frame"):
        camera.snapshot(count=0)


# --- self-test verdicts ------------------------------------------------------------------------


def test_self_test_on_a_black_picture_says_it_is_black() -> None:
    camera = Camera("synthetic:black")
    result = camera.self_test(duration=0.5)  # starts and stops the camera itself
    assert not result.ok
    checks = result.details["checks"]
    assert isinstance(checks, dict)
    assert not checks["not_black"]["ok"]
    assert "black" in checks["not_black"]["verdict"]
    assert checks["size"]["ok"] and checks["rate"]["ok"] and checks["not_frozen"]["ok"]
    assert "black" in result.summary and "failed" in result.summary
    assert not camera.running and camera_threads() == []


def test_self_test_on_a_frozen_picture_says_it_is_frozen() -> None:
    result = Camera("synthetic:frozen").self_test(duration=0.5)
    assert not result.ok
    checks = result.details["checks"]
    assert isinstance(checks, dict)
    assert not checks["not_frozen"]["ok"]
    assert "frozen" in checks["not_frozen"]["verdict"]
    assert checks["not_black"]["ok"] and checks["rate"]["ok"]
    assert "frozen" in result.summary


def test_self_test_notices_a_wrong_size_and_a_slow_rate(
    tmp_path: Path, started: Callable[[Camera], Camera]
) -> None:
    scene = make_source("room", 800, 600)
    clip = write_video(tmp_path / "slow.avi", [scene.render(n) for n in range(1, 11)], fps=5.0)
    camera = started(Camera(str(clip), role="room", fps=30.0))
    result = camera.self_test(duration=0.8)
    checks = result.details["checks"]
    assert isinstance(checks, dict)
    assert not checks["size"]["ok"] and "800x600, expected 640x480" in checks["size"]["verdict"]
    assert not checks["rate"]["ok"] and "too slow" in checks["rate"]["verdict"]
    assert camera.running  # it was running before the self-test: still running after


def test_self_test_of_a_missing_camera_says_not_connected() -> None:
    result = Camera("/dev/v4l/by-id/usb-Nobody_Scope-video-index0").self_test()
    assert not result.ok
    assert "not connected" in result.summary
    assert camera_threads() == []


# --- missing, lost and found -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ("/dev/v4l/by-id/usb-Nobody_Scope-video-index0", "does not exist"),
        ("/dev/null", "cannot be opened as a camera"),
        ("/nowhere/ear.avi", "does not exist"),
    ],
)
def test_a_missing_camera_is_reported_not_raised(
    source: str, why: str, started: Callable[[Camera], Camera]
) -> None:
    camera = started(Camera(source))
    assert not camera.connected
    status = camera.status()
    assert status.startswith("otoscope not connected") and why in status
    assert camera.latest() is None
    with pytest.raises(DeviceNotConnected) as info:
        camera.snapshot()
    assert info.value.device == "camera" and info.value.step == "measure"
    assert "otoscope is not connected" in str(info.value)
    assert camera_threads() == ["camera-otoscope"]  # still trying every second
    camera.stop()
    assert camera_threads() == []


def test_a_missing_index_camera_is_not_connected(started: Callable[[Camera], Camera]) -> None:
    if Path("/dev/video9").exists():
        pytest.skip("this machine has a /dev/video9")
    camera = started(Camera("9", role="room"))
    assert not camera.connected
    assert "room camera not connected" in camera.status()
    assert camera.identity().port == "9"


def test_a_camera_plugged_in_late_comes_up_by_itself(
    tmp_path: Path, started: Callable[[Camera], Camera]
) -> None:
    path = tmp_path / "late.avi"
    camera = started(Camera(str(path)))
    assert not camera.connected
    otoscope_clip(tmp_path / "writing.avi", 10).rename(path)  # appears at once, complete
    assert wait_until(lambda: camera.connected, 2.5), camera.status()
    assert camera.wait_frame_sync(0, 1.0) is not None


@pytest.mark.allow_log_warnings
def test_a_camera_lost_mid_stream_reports_it_and_comes_back(
    tmp_path: Path, started: Callable[[Camera], Camera], caplog: pytest.LogCaptureFixture
) -> None:
    # An image sequence is read file by file: deleting the files is pulling the cable.
    folder = tmp_path / "frames"
    folder.mkdir()
    scene = make_source("otoscope")

    def plug() -> None:
        for n in range(1, 6):
            cv2.imwrite(str(folder / f"f{n:03d}.png"), scene.render(n))

    plug()
    camera = started(Camera(str(folder / "f%03d.png"), fps=30.0))
    assert camera.connected and camera.wait_frame_sync(0, 1.0) is not None
    for file in folder.iterdir():
        file.unlink()
    assert wait_until(lambda: not camera.connected, 2.0), camera.status()
    assert "not connected" in camera.status() and "stopped sending pictures" in camera.status()
    assert camera.latest() is None
    lost = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert lost and "otoscope lost" in lost[0].getMessage()
    with pytest.raises(DeviceNotConnected):
        camera.snapshot()
    delivered = camera.frames_delivered
    plug()
    assert wait_until(lambda: camera.connected, 2.5), camera.status()
    frame = camera.wait_frame_sync(delivered, 1.0)
    assert frame is not None and frame.counter > delivered  # counters go on across the gap


@pytest.mark.allow_log_warnings
def test_a_snapshot_running_when_the_camera_goes_away_fails_cleanly(
    tmp_path: Path, started: Callable[[Camera], Camera]
) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    scene = make_source("otoscope")
    for n in range(1, 4):
        cv2.imwrite(str(folder / f"f{n:03d}.png"), scene.render(n))
    camera = started(Camera(str(folder / "f%03d.png"), fps=10.0))
    timer = threading.Timer(0.1, lambda: [f.unlink() for f in folder.iterdir()])
    timer.start()
    try:
        with pytest.raises((DeviceNotConnected, DeviceTimeout)) as info:
            camera.snapshot(count=1000, timeout=3.0)
    finally:
        timer.join()
    assert isinstance(info.value, DeviceNotConnected)
    assert "went away" in str(info.value)


# --- the V4L2 path, on a scripted device --------------------------------------------------------


class ScriptedScope:
    """Stands in for ``cv2.VideoCapture`` on a V4L2 node, as a cheap scope behaves.

    It records every call, applies the size only once both width and height are set, clamps
    silently to 720x480 at 25 fps, and may lack MJPG. ``plugged`` (class-wide) pulls the cable.
    """

    plugged = True
    has_mjpg = True
    opened: list[ScriptedScope] = []  # noqa: RUF012 - one list per test, reset by the fixture

    def __init__(self, target: object, api: int) -> None:
        self.calls: list[tuple[object, ...]] = [("open", target, api)]
        self.values: dict[int, float] = {}
        self.pending: dict[int, float] = {}
        ScriptedScope.opened.append(self)

    def isOpened(self) -> bool:
        return ScriptedScope.plugged

    def set(self, prop: int, value: float) -> bool:
        self.calls.append(("set", prop, value))
        if prop == cv2.CAP_PROP_FOURCC:
            if value == cv2.VideoWriter.fourcc(*"MJPG") and not ScriptedScope.has_mjpg:
                return False
            self.values[prop] = value
        elif prop in (cv2.CAP_PROP_FRAME_WIDTH, cv2.CAP_PROP_FRAME_HEIGHT):
            self.pending[prop] = value
            if len(self.pending) == 2:  # the size is applied once both are set
                self.values[cv2.CAP_PROP_FRAME_WIDTH] = 720
                self.values[cv2.CAP_PROP_FRAME_HEIGHT] = 480
        elif prop == cv2.CAP_PROP_FPS:
            self.values[prop] = min(value, 25.0)
        elif prop == cv2.CAP_PROP_BUFFERSIZE:
            self.values[prop] = value
        else:
            return False
        return True

    def get(self, prop: int) -> float:
        return self.values.get(prop, 0.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        if not ScriptedScope.plugged:
            return False, None
        time.sleep(1 / 25)  # a real read blocks until the next frame
        width = int(self.values.get(cv2.CAP_PROP_FRAME_WIDTH, 640))
        height = int(self.values.get(cv2.CAP_PROP_FRAME_HEIGHT, 480))
        return True, np.full((height, width, 3), 90, np.uint8)

    def release(self) -> None:
        self.calls.append(("release",))


@pytest.fixture
def scripted_scope(monkeypatch: pytest.MonkeyPatch) -> type[ScriptedScope]:
    monkeypatch.setattr(ScriptedScope, "plugged", True)
    monkeypatch.setattr(ScriptedScope, "has_mjpg", True)
    monkeypatch.setattr(ScriptedScope, "opened", [])
    monkeypatch.setattr(cv2, "VideoCapture", ScriptedScope)
    return ScriptedScope


def fourcc(text: str) -> int:
    return int(cv2.VideoWriter.fourcc(*text))


def test_a_v4l2_camera_is_set_up_as_the_protocol_file_says(
    scripted_scope: type[ScriptedScope], started: Callable[[Camera], Camera]
) -> None:
    camera = started(Camera("/dev/null", width=640, height=480, fps=30.0))  # a node that exists
    assert camera.connected, camera.status()
    scope = scripted_scope.opened[0]
    assert scope.calls[0] == ("open", "/dev/null", cv2.CAP_V4L2)
    sets = [call[1:] for call in scope.calls if call[0] == "set"]
    assert sets == [
        (cv2.CAP_PROP_FOURCC, fourcc("MJPG")),  # the format before the size
        (cv2.CAP_PROP_FRAME_WIDTH, 640),
        (cv2.CAP_PROP_FRAME_HEIGHT, 480),
        (cv2.CAP_PROP_FPS, 30.0),
        (cv2.CAP_PROP_BUFFERSIZE, 1),
    ]
    # What the scope really gives, read back, not what was asked.
    assert camera.actual_size == (720, 480)
    assert camera.actual_fps == 25.0
    assert camera.pixel_format == "MJPG"
    assert "720x480 at 25 fps" in camera.status()
    frame = camera.wait_frame_sync(0, 1.0)
    assert frame is not None and frame.image.shape == (480, 720, 3)
    assert camera.snapshot(count=2).size == (720, 480)  # a real scope's still is its stream


def test_a_v4l2_camera_without_mjpg_falls_back_to_yuyv(
    scripted_scope: type[ScriptedScope], started: Callable[[Camera], Camera]
) -> None:
    scripted_scope.has_mjpg = False
    camera = started(Camera("/dev/null"))
    scope = scripted_scope.opened[0]
    formats = [
        call[2] for call in scope.calls if call[0] == "set" and call[1] == cv2.CAP_PROP_FOURCC
    ]
    assert formats == [fourcc("MJPG"), fourcc("YUYV")]
    assert camera.pixel_format == "YUYV"
    assert camera.connected


@pytest.mark.allow_log_warnings
def test_a_v4l2_camera_unplugged_is_released_and_reopened_when_back(
    scripted_scope: type[ScriptedScope],
    started: Callable[[Camera], Camera],
    caplog: pytest.LogCaptureFixture,
) -> None:
    camera = started(Camera("/dev/null"))
    assert camera.wait_frame_sync(0, 1.0) is not None
    scripted_scope.plugged = False  # read() now fails at once, again and again
    assert wait_until(lambda: not camera.connected, 1.0), camera.status()
    assert ("release",) in scripted_scope.opened[0].calls
    assert "not connected" in camera.status()
    assert any("otoscope lost" in r.getMessage() for r in caplog.records)
    time.sleep(1.2)  # retries about once a second, and no faster
    assert 1 <= len(scripted_scope.opened) - 1 <= 3
    scripted_scope.plugged = True
    assert wait_until(lambda: camera.connected, 2.0), camera.status()
    latest = scripted_scope.opened[-1]
    assert next(c[1] for c in latest.calls if c[0] == "set") == cv2.CAP_PROP_FOURCC
    assert camera.wait_frame_sync(camera.frames_delivered, 1.0) is not None


# --- other file sources ------------------------------------------------------------------------


def test_an_image_file_plays_as_a_frozen_camera(
    tmp_path: Path, started: Callable[[Camera], Camera]
) -> None:
    path = tmp_path / "ear.png"
    cv2.imwrite(str(path), make_source("otoscope").render(42))
    camera = started(Camera(str(path)))
    assert camera.connected and camera.actual_size == (640, 480)
    frames = collect(camera, 3)
    assert [decode_counter(f.image) for f in frames] == [42, 42, 42]
    assert camera.identity().model == "image file ear.png"


def test_a_video_file_loops_at_its_own_rate(
    tmp_path: Path, started: Callable[[Camera], Camera]
) -> None:
    clip = otoscope_clip(tmp_path / "short.avi", 4)
    camera = started(Camera(str(clip)))
    assert camera.actual_fps == pytest.approx(30.0)
    stamped = [decode_counter(f.image) for f in collect(camera, 10)]
    assert stamped[:8] == [stamped[0], *[(stamped[0] + i - 1) % 4 + 1 for i in range(1, 8)]]
    assert camera.identity().model == "video file short.avi"


# --- asyncio helpers ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_wait_frame_and_snapshot_async_never_block_the_loop(
    started: Callable[[Camera], Camera],
) -> None:
    camera = started(Camera("synthetic:otoscope"))
    first = await camera.wait_frame(0, timeout=2.0)
    assert first is not None
    second = await camera.wait_frame(first.counter, timeout=2.0)
    assert second is not None and second.counter > first.counter
    still = await camera.snapshot_async(count=3)
    assert still.counter > second.counter and decode_counter(still.image) == still.counter
    camera.stop()
    assert await camera.wait_frame(camera.frames_delivered, timeout=0.2) is None
    with pytest.raises(DeviceNotConnected):
        await camera.snapshot_async()


# --- configuration errors ----------------------------------------------------------------------


def test_bad_configuration_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="synthetic:otoscope"):
        Camera("synthetic:ear")
    with pytest.raises(ValueError, match="otoscope, room"):
        Camera("synthetic:room", role="doorbell")
    with pytest.raises(ValueError, match="positive"):
        Camera("synthetic:room", fps=0)
    with pytest.raises(ValueError, match="source"):
        Camera("  ")
