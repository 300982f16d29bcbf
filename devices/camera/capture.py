"""Capture from a camera (a UVC device through OpenCV's V4L2 backend, a file or a synthetic source).

One ``Camera`` owns one capture thread that reads as fast as the camera delivers and keeps only
the newest frame, so a slow consumer sees fresh pictures (with gaps in the counter) instead of a
growing delay. A missing camera is not an exception: ``connected`` is False, ``status()`` says why
in plain words, and the thread tries again about once a second, so a scope plugged in late, or
unplugged and plugged back, simply comes back.

``snapshot`` returns the sharpest of the next few frames (variance of the Laplacian) as a
``Still``; a synthetic otoscope renders those frames at its full resolution (1280x960), as a real
scope streaming at its maximum size would give them.

Sources (``Camera(source)``):
- ``synthetic:otoscope``, ``synthetic:room``: drawn scenes with a frame counter stamped in each
  frame (see ``devices.camera.synthetic``); ``synthetic:black`` and ``synthetic:frozen`` are broken
  cameras for self-tests;
- ``/dev/v4l/by-id/...`` (or ``/dev/videoN``, or an index such as ``"0"``): a V4L2 device, opened
  with the settings of ``uvc-camera.md`` (MJPG first, then the size, the rate, a one-frame buffer),
  every value read back;
- any other string: a video file, an image sequence pattern (``frames/%04d.png``) or an image file,
  played in a loop at its own frame rate.

The thread is not a daemon: call ``stop()`` (or use the camera as a context manager).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from devices.base import SelfTestResult
from devices.camera.sharpness import laplacian_variance
from devices.camera.synthetic import Size, SyntheticSource, make_source
from devices.errors import CodecError, DeviceNotConnected, DeviceTimeout
from devices.readings import DeviceIdentity

logger = logging.getLogger(__name__)

# OpenCV's V4L2 backend waits up to 10 s for a frame from a stalled camera, and the capture thread
# cannot stop meanwhile. It reads this setting on its first frame, so setting it here is in time.
os.environ.setdefault("OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT", "2")

Image = npt.NDArray[np.uint8]

ROLES = {"otoscope": "otoscope", "room": "room camera"}
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
RETRY_INTERVAL = 1.0  # seconds between two attempts to open a missing camera
LOST_AFTER_FAILURES = 5  # failed reads in a row before the camera counts as gone
FAILED_READ_PAUSE = 0.05  # between failed reads, so a dead device never spins the thread
JOIN_TIMEOUT = 5.0  # a V4L2 read may block for OPENCV_VIDEOIO_V4L_SELECT_TIMEOUT seconds
BLACK_LEVEL = 8.0  # mean grey below this: the picture is black
FROZEN_SHARE = 0.5  # more identical consecutive frames than this: the picture is frozen
FIRST_FRAME_WAIT = 2.0  # how long the self-test waits for a first frame


@dataclass(frozen=True, eq=False)
class Frame:
    """One live frame. ``image`` is BGR uint8 (H x W x 3) and read-only: it is shared."""

    image: Image
    counter: int  # 1, 2, 3... for this camera; gaps mean the consumer missed frames
    captured_at: float  # time.monotonic()
    wall_time: float  # time.time()


@dataclass(frozen=True, eq=False)
class Still:
    """A captured picture: the sharpest of a few frames, with when and what took it."""

    image: Image
    sharpness: float  # variance of the Laplacian
    captured_at: dt.datetime  # UTC
    device: DeviceIdentity
    counter: int

    @property
    def size(self) -> Size:
        return int(self.image.shape[1]), int(self.image.shape[0])

    def encode_png(self) -> bytes:
        """Lossless PNG bytes."""
        return _encode(".png", self.image, [])

    def encode_jpeg(self, quality: int = 95) -> bytes:
        """JPEG bytes at ``quality`` (1-100)."""
        if not 1 <= quality <= 100:
            raise ValueError(f"JPEG quality must be between 1 and 100, not {quality}")
        return _encode(".jpg", self.image, [cv2.IMWRITE_JPEG_QUALITY, quality])


def _encode(extension: str, image: Image, params: list[int]) -> bytes:
    try:
        ok, buffer = cv2.imencode(extension, image, params)
    except cv2.error as exc:
        raise CodecError(f"OpenCV could not encode a {image.shape} image as {extension}") from exc
    if not ok:
        raise CodecError(f"OpenCV could not encode a {image.shape} image as {extension}")
    return bytes(buffer.tobytes())


def _as_bgr(image: Any) -> Image | None:
    """A frame from OpenCV as a contiguous BGR uint8 array, or None if it is not a picture."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        return None
    if image.ndim == 2:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR), dtype=np.uint8)
    if image.ndim == 3 and image.shape[2] == 3:
        return np.ascontiguousarray(image)
    return None


# --- where frames come from -----------------------------------------------------------------


class _Reader(ABC):
    """One kind of source. Used by one thread at a time (the capture thread once it runs)."""

    paced = False  # True: the capture thread sleeps between frames (files, synthetic sources)

    def __init__(self, fps: float) -> None:
        self.requested_fps = fps
        self.actual_size: Size | None = None
        self.actual_fps: float | None = None
        self.pixel_format: str | None = None

    @property
    def still_size(self) -> Size | None:
        """A larger size the source renders stills at, if any."""
        return None

    @property
    @abstractmethod
    def model(self) -> str: ...

    @abstractmethod
    def open(self) -> str | None:
        """Open the source: None when it works, else why not, in plain words."""

    @abstractmethod
    def read(self, counter: int, want_still: bool) -> tuple[Image, Image | None] | None:
        """The next live frame (and a larger still of it when asked and able), or None."""

    @abstractmethod
    def release(self) -> None: ...


class _SyntheticReader(_Reader):
    paced = True

    def __init__(self, source: SyntheticSource, fps: float) -> None:
        super().__init__(fps)
        self.source = source

    @property
    def model(self) -> str:
        return self.source.model

    @property
    def still_size(self) -> Size | None:
        return self.source.still_size

    def open(self) -> str | None:
        self.source.prepare()
        self.actual_size = self.source.size
        self.actual_fps = self.requested_fps
        self.pixel_format = "BGR3"
        return None

    def read(self, counter: int, want_still: bool) -> tuple[Image, Image | None] | None:
        live = self.source.render(counter)
        still_size = self.source.still_size
        still = self.source.render(counter, still_size) if want_still and still_size else None
        return live, still

    def release(self) -> None:
        pass


def _fourcc_text(value: float) -> str | None:
    code = int(value)
    if code <= 0:
        return None
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() else None


class _DeviceReader(_Reader):
    """A V4L2 camera, opened with the settings of uvc-camera.md."""

    def __init__(self, path: str, index: int | None, size: Size, fps: float) -> None:
        super().__init__(fps)
        self.path = path
        self.index = index
        self.requested_size = size
        self.capture: cv2.VideoCapture | None = None

    @property
    def model(self) -> str:
        return _device_model(self.path)

    def open(self) -> str | None:
        self.release()
        if not os.path.exists(self.path):  # checked first: OpenCV would log a warning per retry
            return f"{self.path} does not exist (unplugged?)"
        target: str | int = self.index if self.index is not None else self.path
        capture = cv2.VideoCapture(target, cv2.CAP_V4L2)
        if not capture.isOpened():
            capture.release()
            return f"{self.path} exists but cannot be opened as a camera (busy, or no permission)"
        # Order matters: the format before the size, and the size is applied once both are set.
        if not capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG")):
            logger.debug("%s: MJPG refused, falling back to YUYV", self.path)
        if _fourcc_text(capture.get(cv2.CAP_PROP_FOURCC)) != "MJPG":
            capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"YUYV"))
        width, height = self.requested_size
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        capture.set(cv2.CAP_PROP_FPS, self.requested_fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        # Cheap scopes clamp silently: believe only what the driver reads back.
        self.actual_size = (
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.actual_fps = float(fps) if fps > 0 else None
        self.pixel_format = _fourcc_text(capture.get(cv2.CAP_PROP_FOURCC))
        self.capture = capture
        return None

    def read(self, counter: int, want_still: bool) -> tuple[Image, Image | None] | None:
        if self.capture is None:
            return None
        ok, image = self.capture.read()
        frame = _as_bgr(image) if ok else None
        return None if frame is None else (frame, None)

    def release(self) -> None:
        capture, self.capture = self.capture, None
        if capture is not None:
            capture.release()


class _VideoFileReader(_Reader):
    """A video file or an image sequence pattern, looped, at the file's own frame rate."""

    paced = True

    def __init__(self, path: str, fps: float) -> None:
        super().__init__(fps)
        self.path = path
        self.capture: cv2.VideoCapture | None = None

    @property
    def model(self) -> str:
        return f"video file {Path(self.path).name}"

    def open(self) -> str | None:
        self.release()
        if "%" not in self.path and not os.path.isfile(self.path):
            return f"the video file {self.path} does not exist"
        capture = cv2.VideoCapture(self.path)
        if not capture.isOpened():
            capture.release()
            return f"{self.path} cannot be read as a video"
        self.actual_size = (
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        self.actual_fps = fps if 1.0 <= fps <= 240.0 else self.requested_fps
        self.pixel_format = _fourcc_text(capture.get(cv2.CAP_PROP_FOURCC))
        self.capture = capture
        return None

    def read(self, counter: int, want_still: bool) -> tuple[Image, Image | None] | None:
        if self.capture is None:
            return None
        ok, image = self.capture.read()
        if not ok:  # the end of the file: play it again
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self.capture.read()
        frame = _as_bgr(image) if ok else None
        if frame is None:
            return None
        self.actual_size = (int(frame.shape[1]), int(frame.shape[0]))
        return frame, None

    def release(self) -> None:
        capture, self.capture = self.capture, None
        if capture is not None:
            capture.release()


class _ImageFileReader(_Reader):
    """One picture shown again and again (a demo; a self-test rightly calls it frozen)."""

    paced = True

    def __init__(self, path: str, fps: float) -> None:
        super().__init__(fps)
        self.path = path
        self.image: Image | None = None

    @property
    def model(self) -> str:
        return f"image file {Path(self.path).name}"

    def open(self) -> str | None:
        if not os.path.isfile(self.path):
            return f"the image file {self.path} does not exist"
        image = _as_bgr(cv2.imread(self.path, cv2.IMREAD_COLOR))
        if image is None:
            return f"{self.path} cannot be read as an image"
        self.image = image
        self.actual_size = (int(image.shape[1]), int(image.shape[0]))
        self.actual_fps = self.requested_fps
        self.pixel_format = None
        return None

    def read(self, counter: int, want_still: bool) -> tuple[Image, Image | None] | None:
        return None if self.image is None else (self.image.copy(), None)

    def release(self) -> None:
        self.image = None


def _device_model(path: str) -> str:
    """The camera's name from sysfs, else from its by-id link, else a generic name."""
    node = Path(os.path.realpath(path)).name
    try:
        name = Path(f"/sys/class/video4linux/{node}/name").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    if name:
        return name
    match = re.fullmatch(r"usb-(.+)-video-index\d+", Path(path).name)
    if match:
        return match.group(1).replace("_", " ")
    return "USB camera"


def _make_reader(source: str, size: Size, fps: float) -> _Reader:
    if not source.strip():
        raise ValueError("a camera source is needed (a device path, synthetic:..., or a file)")
    if source.startswith("synthetic:"):
        return _SyntheticReader(make_source(source.partition(":")[2], *size), fps)
    if source.isdigit():
        return _DeviceReader(f"/dev/video{int(source)}", int(source), size, fps)
    if source.startswith("/dev/"):
        return _DeviceReader(source, None, size, fps)
    if Path(source).suffix.lower() in IMAGE_SUFFIXES and "%" not in source:
        return _ImageFileReader(source, fps)
    return _VideoFileReader(source, fps)


# --- the camera ----------------------------------------------------------------------------


@dataclass(eq=False)
class _FrameWaiter:
    after_counter: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Frame]


@dataclass(eq=False)
class _StillRequest:
    """A snapshot in progress: filled by the capture thread, frame by frame."""

    count: int
    seen: int = 0
    best_score: float = -1.0
    best_image: Image | None = None
    best_frame: Frame | None = None
    error: DeviceNotConnected | None = None
    done: threading.Event = field(default_factory=threading.Event)
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[None] | None = None


def _resolve(future: asyncio.Future[Any], value: object) -> None:
    if not future.done():
        future.set_result(value)


def _notify(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], value: object) -> None:
    try:
        loop.call_soon_threadsafe(_resolve, future, value)
    except RuntimeError:  # that loop is closed: nobody waits any more
        logger.debug("camera: a waiter's event loop is closed")


class Camera:
    """One camera (otoscope or room), read by one thread that keeps only the newest frame."""

    def __init__(
        self,
        source: str,
        *,
        role: str = "otoscope",
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown camera role {role!r}; valid roles are: {', '.join(ROLES)}")
        if width <= 0 or height <= 0 or not fps > 0:
            raise ValueError(f"a camera needs a positive size and rate, not {width}x{height}@{fps}")
        self.source = source
        self.role = role
        self.width = width
        self.height = height
        self.fps = float(fps)
        self._reader = _make_reader(source, (width, height), self.fps)
        if isinstance(self._reader, _DeviceReader) and not source.startswith("/dev/v4l/"):
            logger.info(
                "%s: %s may change with the plug order; a /dev/v4l/by-id/ path is stable",
                self.name,
                self._reader.path,
            )
        self._lock = threading.Lock()
        self._new_frame = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = False
        self._problem: str | None = None
        self._said_missing = False
        self._latest: Frame | None = None
        self._frames_delivered = 0
        self._waiters: list[_FrameWaiter] = []
        self._stills: list[_StillRequest] = []

    # -- state ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """What a person calls it: "otoscope" or "room camera"."""
        return ROLES[self.role]

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def frames_delivered(self) -> int:
        return self._frames_delivered

    @property
    def actual_size(self) -> Size | None:
        """(width, height) as the camera reported it back, None before it was ever opened."""
        return self._reader.actual_size

    @property
    def actual_fps(self) -> float | None:
        """The frame rate the camera reported back (None when it does not say)."""
        return self._reader.actual_fps

    @property
    def pixel_format(self) -> str | None:
        """The pixel format read back ("MJPG", "YUYV"...), when the source has one."""
        return self._reader.pixel_format

    @property
    def still_size(self) -> Size | None:
        """The size ``snapshot`` returns: the source's still size, else the live size."""
        return self._reader.still_size or self._reader.actual_size

    def identity(self) -> DeviceIdentity:
        return DeviceIdentity(family="camera", model=self._reader.model, port=self.source)

    def status(self) -> str:
        """One plain sentence for the technician and the logs."""
        if self._connected:
            size = self.actual_size
            shown = f"{size[0]}x{size[1]}" if size else "unknown size"
            fps = self.actual_fps
            rate = f" at {fps:g} fps" if fps else ""
            return f"{self.name} connected: {shown}{rate} ({self._reader.model}, {self.source})"
        if self._thread is None and self._problem is None:
            return f"{self.name} not started ({self.source})"
        problem = self._problem or "stopped"
        thread = self._thread
        retry = "; trying again every second" if thread is not None and thread.is_alive() else ""
        return f"{self.name} not connected: {problem}{retry}"

    def __repr__(self) -> str:
        return f"Camera({self.source!r}, role={self.role!r})"

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Open the camera and start the capture thread. A missing camera does not raise."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._open_source()
        thread = threading.Thread(target=self._run, name=f"camera-{self.role}", daemon=False)
        self._thread = thread
        thread.start()

    def stop(self) -> None:
        """Stop the thread, release the device; pending snapshots fail. Idempotent."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        thread.join(JOIN_TIMEOUT)
        if thread.is_alive():
            logger.warning(
                "%s: the capture thread did not stop within %g s", self.name, JOIN_TIMEOUT
            )
        self._thread = None
        with self._lock:
            self._connected = False
            self._problem = "stopped"
            self._latest = None
            stills, self._stills = self._stills, []
            for request in stills:
                self._fail_still(request, "the camera was stopped")
            self._new_frame.notify_all()
        logger.info("%s: stopped after %d frames", self.name, self._frames_delivered)

    def __enter__(self) -> Camera:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- frames -----------------------------------------------------------------------------

    def latest(self) -> Frame | None:
        """The newest frame, or None when no picture is coming (not connected, not started)."""
        return self._latest

    def wait_frame_sync(self, after_counter: int, timeout: float) -> Frame | None:
        """Block until a frame newer than ``after_counter`` exists (the newest), or None."""
        with self._new_frame:
            self._new_frame.wait_for(
                lambda: self._latest is not None and self._latest.counter > after_counter,
                timeout,
            )
            latest = self._latest
        return latest if latest is not None and latest.counter > after_counter else None

    async def wait_frame(self, after_counter: int, timeout: float) -> Frame | None:
        """The newest frame once one newer than ``after_counter`` exists; None after ``timeout``.

        Never blocks the event loop: the capture thread wakes the waiting task.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            latest = self._latest
            if latest is not None and latest.counter > after_counter:
                return latest
            waiter = _FrameWaiter(after_counter, loop, loop.create_future())
            self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter.future
        except TimeoutError:
            return None
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    # -- stills -----------------------------------------------------------------------------

    def snapshot(self, count: int = 5, timeout: float = 2.0) -> Still:
        """The sharpest of the next ``count`` frames, as a Still (blocks up to ``timeout``).

        Raises DeviceNotConnected when the camera is not connected (or goes away meanwhile), and
        DeviceTimeout when no frame at all arrived in time; with some frames but fewer than
        ``count``, the sharpest of those is returned.
        """
        request = self._begin_still(count, None)
        request.done.wait(timeout)
        return self._finish_still(request, timeout)

    async def snapshot_async(self, count: int = 5, timeout: float = 2.0) -> Still:
        """``snapshot`` for the event loop: the capture thread wakes the task, no executor."""
        request = self._begin_still(count, asyncio.get_running_loop())
        assert request.future is not None
        try:
            async with asyncio.timeout(timeout):
                await request.future
        except TimeoutError:
            pass
        finally:
            with self._lock:
                if request in self._stills:
                    self._stills.remove(request)
        return self._finish_still(request, timeout)

    def _begin_still(self, count: int, loop: asyncio.AbstractEventLoop | None) -> _StillRequest:
        if count < 1:
            raise ValueError(f"a snapshot needs at least one frame, not {count}")
        request = _StillRequest(count)
        if loop is not None:
            request.loop, request.future = loop, loop.create_future()
        with self._lock:
            if not self._connected or self._thread is None:
                raise self._not_connected()
            self._stills.append(request)
        return request

    def _finish_still(self, request: _StillRequest, timeout: float) -> Still:
        with self._lock:
            if request in self._stills:  # timed out: keep what arrived so far
                self._stills.remove(request)
            error, frame, image = request.error, request.best_frame, request.best_image
            seen, score = request.seen, request.best_score
        if error is not None:
            raise error
        if frame is None or image is None:
            raise DeviceTimeout(
                f"no picture from the {self.name} within {timeout:g} s",
                device="camera",
                step="measure",
                params={"source": self.source, "role": self.role},
            )
        if seen < request.count:
            logger.info(
                "%s: snapshot from %d of %d frames (timeout)", self.name, seen, request.count
            )
        image.flags.writeable = False
        still = Still(
            image=image,
            sharpness=score,
            captured_at=dt.datetime.fromtimestamp(frame.wall_time, dt.UTC),
            device=self.identity(),
            counter=frame.counter,
        )
        logger.info(
            "%s: snapshot %dx%d, frame %d, sharpness %.0f",
            self.name,
            still.size[0],
            still.size[1],
            still.counter,
            still.sharpness,
        )
        return still

    def _not_connected(self) -> DeviceNotConnected:
        problem = self._problem or "not started"
        return DeviceNotConnected(
            f"the {self.name} is not connected ({problem})",
            device="camera",
            step="measure",
            params={"source": self.source, "role": self.role},
        )

    def _complete_still(self, request: _StillRequest) -> None:
        """Called with the lock held."""
        request.done.set()
        if request.loop is not None and request.future is not None:
            _notify(request.loop, request.future, None)

    def _fail_still(self, request: _StillRequest, why: str) -> None:
        """Called with the lock held."""
        request.error = DeviceNotConnected(
            f"the {self.name} went away during the snapshot ({why})",
            device="camera",
            step="measure",
            params={"source": self.source, "role": self.role},
        )
        self._complete_still(request)

    # -- self-test --------------------------------------------------------------------------

    def self_test(self, duration: float = 1.0) -> SelfTestResult:
        """Watch the camera for ``duration`` seconds: size, rate, not black, not frozen.

        Starts and stops the camera itself when it is not running. Blocks.
        """
        started_here = self._thread is None
        if started_here:
            self.start()
        try:
            result = self._self_test(duration)
        finally:
            if started_here:
                self.stop()
        logger.info("%s", result.summary)
        return result

    def _self_test(self, duration: float) -> SelfTestResult:
        details: dict[str, object] = {
            "device": self.identity().to_dict(),
            "requested": f"{self.width}x{self.height} at {self.fps:g} fps",
        }
        if not self._connected:
            verdict = f"not connected: {self._problem}"
            details["checks"] = {"connected": {"ok": False, "verdict": verdict}}
            return SelfTestResult(False, f"{self.name} self-test failed: {verdict}", details)
        latest = self._latest
        first = self.wait_frame_sync(latest.counter if latest else 0, FIRST_FRAME_WAIT)
        if first is None:
            verdict = f"no picture arrived within {FIRST_FRAME_WAIT:g} s"
            details["checks"] = {"frames": {"ok": False, "verdict": verdict}}
            return SelfTestResult(False, f"{self.name} self-test failed: {verdict}", details)

        sizes = {(int(first.image.shape[1]), int(first.image.shape[0]))}
        brightness = [float(np.mean(cv2.mean(first.image)[:3]))]
        pairs = identical = 0
        last = first
        deadline = first.captured_at + duration
        while (remaining := deadline - time.monotonic()) > 0:
            frame = self.wait_frame_sync(last.counter, remaining)
            if frame is None:
                break
            sizes.add((int(frame.image.shape[1]), int(frame.image.shape[0])))
            brightness.append(float(np.mean(cv2.mean(frame.image)[:3])))
            pairs += 1
            identical += bool(np.array_equal(frame.image, last.image))
            last = frame
        elapsed = max(time.monotonic() - first.captured_at, 1e-6)
        rate = (self._frames_delivered - first.counter) / elapsed
        mean_level = sum(brightness) / len(brightness)

        checks: dict[str, dict[str, object]] = {}
        expected = (self.width, self.height)
        shown = ", ".join(f"{w}x{h}" for w, h in sorted(sizes))
        if sizes == {expected}:
            checks["size"] = {"ok": True, "verdict": f"frames are {shown} as expected"}
        else:
            checks["size"] = {
                "ok": False,
                "verdict": f"frames are {shown}, expected {expected[0]}x{expected[1]}",
            }
        minimum = self.fps / 2.0
        checks["rate"] = {
            "ok": rate >= minimum,
            "verdict": (
                f"{rate:.1f} frames per second (expected {self.fps:g})"
                if rate >= minimum
                else f"too slow: {rate:.1f} frames per second, expected at least {minimum:g} "
                f"(half of {self.fps:g})"
            ),
        }
        checks["not_black"] = {
            "ok": mean_level >= BLACK_LEVEL,
            "verdict": (
                f"the picture has light (mean level {mean_level:.0f} of 255)"
                if mean_level >= BLACK_LEVEL
                else f"the picture is black (mean level {mean_level:.1f} of 255): check the "
                "light, the lens cap and that the scope is switched on"
            ),
        }
        if pairs == 0:
            checks["not_frozen"] = {
                "ok": False,
                "verdict": "only one frame arrived: cannot tell whether the picture moves",
            }
        elif identical / pairs > FROZEN_SHARE:
            checks["not_frozen"] = {
                "ok": False,
                "verdict": f"the picture is frozen: {identical} of {pairs} frames were identical "
                "to the one before",
            }
        else:
            checks["not_frozen"] = {
                "ok": True,
                "verdict": "the picture changes from frame to frame",
            }
        details["checks"] = checks
        details["measured"] = {
            "frames": len(brightness),
            "fps": round(rate, 1),
            "size": shown,
            "mean_level": round(mean_level, 1),
            "read_back_size": self.actual_size,
            "read_back_fps": self.actual_fps,
            "pixel_format": self.pixel_format,
        }
        failed = [str(check["verdict"]) for check in checks.values() if not check["ok"]]
        if failed:
            return SelfTestResult(
                False, f"{self.name} self-test failed: " + "; ".join(failed), details
            )
        summary = f"{self.name} self-test passed: {shown} at {rate:.0f} frames per second"
        return SelfTestResult(True, summary, details)

    # -- the capture thread -----------------------------------------------------------------

    def _open_source(self) -> bool:
        try:
            reason = self._reader.open()
        except (cv2.error, OSError) as exc:
            reason = f"OpenCV cannot open {self.source}: {exc}"
        with self._lock:
            self._connected = reason is None
            self._problem = reason
        if reason is None:
            size, fps = self.actual_size, self.actual_fps
            logger.info(
                "%s: opened %s (%s): %s at %s fps, format %s",
                self.name,
                self.source,
                self._reader.model,
                f"{size[0]}x{size[1]}" if size else "unknown size",
                f"{fps:g}" if fps else "unknown",
                self.pixel_format or "n/a",
            )
            self._said_missing = False
        elif not self._said_missing:
            logger.info("%s: not connected: %s; trying again every second", self.name, reason)
            self._said_missing = True
        else:
            logger.debug("%s: still not connected: %s", self.name, reason)
        return reason is None

    def _run(self) -> None:
        try:
            self._capture()
        except Exception:
            logger.exception("%s: the capture thread failed", self.name)
            self._lose("the capture stopped on an internal error")
        finally:
            self._reader.release()

    def _capture(self) -> None:
        reader = self._reader
        next_due = time.monotonic()
        failures = 0
        while not self._stopping.is_set():
            if not self._connected:
                if self._stopping.wait(RETRY_INTERVAL):
                    return
                if not self._open_source():
                    continue
                next_due, failures = time.monotonic(), 0
            if reader.paced:
                period = 1.0 / (reader.actual_fps or self.fps)
                delay = next_due - time.monotonic()
                if delay > 0 and self._stopping.wait(delay):
                    return
                # Late (a busy machine): the next frame is due now; never a burst to catch up.
                next_due = max(next_due + period, time.monotonic())
            with self._lock:
                # Only requests made before this read count it: they may need a larger still.
                stills = list(self._stills)
            try:
                result = reader.read(self._frames_delivered + 1, bool(stills))
            except (cv2.error, OSError) as exc:
                logger.debug("%s: read failed: %s", self.name, exc)
                result = None
            if result is None:
                failures += 1
                if failures >= LOST_AFTER_FAILURES:
                    reader.release()
                    self._lose(f"{self.source} stopped sending pictures")
                elif self._stopping.wait(FAILED_READ_PAUSE):
                    return
                continue
            failures = 0
            self._deliver(*result, stills)

    def _deliver(self, live: Image, still: Image | None, stills: list[_StillRequest]) -> None:
        live.flags.writeable = False
        monotonic, wall = time.monotonic(), time.time()
        with self._lock:
            self._frames_delivered += 1
            frame = Frame(live, self._frames_delivered, monotonic, wall)
            self._latest = frame
            self._new_frame.notify_all()
            ready = [w for w in self._waiters if frame.counter > w.after_counter]
            for waiter in ready:
                self._waiters.remove(waiter)
        for waiter in ready:
            _notify(waiter.loop, waiter.future, frame)
        if not stills:
            return
        candidate = still if still is not None else live
        score = laplacian_variance(candidate)
        with self._lock:
            for request in stills:
                if request not in self._stills:  # withdrawn meanwhile (timeout)
                    continue
                request.seen += 1
                if score > request.best_score:
                    request.best_score = score
                    request.best_image = candidate
                    request.best_frame = frame
                if request.seen >= request.count:
                    self._stills.remove(request)
                    self._complete_still(request)

    def _lose(self, why: str) -> None:
        with self._lock:
            was_connected = self._connected
            self._connected = False
            self._problem = why
            self._latest = None
            stills, self._stills = self._stills, []
            for request in stills:
                self._fail_still(request, why)
        if was_connected:
            logger.warning("%s lost: %s; trying again every second", self.name, why)
            self._said_missing = True
