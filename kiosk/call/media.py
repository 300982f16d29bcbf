"""Media tracks of the call: cameras and microphone out, the doctor's picture and voice in.

Frames go from the camera's capture thread straight to the encoder: BGR is turned into I420 with
OpenCV, which skips aiortc's own (slower) conversion (../shared/traps.md).
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import math
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.codecs import vpx
from aiortc.mediastreams import MediaStreamError

from devices.camera import Camera
from devices.camera.synthetic import stamp_counter

logger = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
AUDIO_RATE = 48_000
AUDIO_SAMPLES = 960  # 20 ms
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)

CameraSource = Callable[[], Camera | None]
MIN_GAP_OF_INTERVAL = 0.8


def _placeholder(width: int, height: int) -> np.ndarray[Any, Any]:
    """A dark grey picture, sent while a camera gives nothing (cheap to encode)."""
    return np.full((height, width, 3), 40, dtype=np.uint8)


def bgr_to_frame(image: np.ndarray[Any, Any], pts: int) -> av.VideoFrame:
    height, width = image.shape[:2]
    if width % 2 or height % 2:
        image = image[: height - height % 2, : width - width % 2]
    yuv = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), dtype=np.uint8)
    frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
    frame.pts = pts
    frame.time_base = VIDEO_TIME_BASE
    return frame


class CameraTrack(MediaStreamTrack):
    """A camera as a video track: each new frame of the capture thread, at most ``fps`` a second.

    ``source`` is asked for the camera at every frame, so the otoscope's track follows the camera
    as the measurement screen opens and closes it; with no camera a still placeholder goes out
    once a second (keeps the track alive at almost no cost).
    ``stamp_time`` (benchmarks) stamps the sending time in milliseconds into the frame's top row,
    in the counter stamp's format, so the far side can measure latency.
    """

    kind = "video"

    def __init__(
        self,
        source: CameraSource,
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
        stamp_time: bool = False,
    ) -> None:
        super().__init__()
        self._source = source
        self._size = (width, height)
        self._interval = 1.0 / fps
        self._stamp_time = stamp_time
        self._start: float | None = None
        self._last_sent = 0.0
        self._last_counter = 0
        self._placeholder = _placeholder(width, height)
        self.frames_sent = 0
        self.live = False  # the last frame sent came from a camera

    def _pts(self, now: float) -> int:
        if self._start is None:
            self._start = now
        return int((now - self._start) * VIDEO_CLOCK)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        # The camera sets the pace. This only stops a camera faster than ``fps`` from flooding
        # the encoder: a wait of a whole interval from the last send would overshoot by a
        # sleep's lateness each time and skip a frame now and then (29.2 fps measured).
        wait = self._last_sent + self._interval * MIN_GAP_OF_INTERVAL - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        camera = self._source()
        image = None
        if camera is not None and camera.connected:
            frame = await camera.wait_frame(self._last_counter, timeout=0.5)
            if frame is not None:
                self._last_counter = frame.counter
                image = frame.image
        self.live = image is not None
        if image is None:
            # Nothing to show: a placeholder once a second is enough.
            await asyncio.sleep(max(0.0, self._last_sent + 1.0 - time.monotonic()))
            image = self._placeholder
        if self._stamp_time:
            image = image.copy()
            stamp_counter(image, int(time.time() * 1000) % (1 << 32))
        now = time.monotonic()
        self._last_sent = now
        self.frames_sent += 1
        return bgr_to_frame(image, self._pts(now))


class ToneMicrophone(MediaStreamTrack):
    """A stand-in microphone for demonstrations and tests: a soft 440 Hz tone, 0.5 s in every 1 s.

    A real cabin uses its microphone through aiortc's MediaPlayer (``call.microphone``).
    """

    kind = "audio"

    def __init__(self, frequency: float = 440.0, level: float = 0.2) -> None:
        super().__init__()
        self._samples = 0
        self._start: float | None = None
        t = np.arange(AUDIO_RATE) / AUDIO_RATE
        tone = level * np.sin(2 * math.pi * frequency * t)
        tone[AUDIO_RATE // 2 :] = 0.0
        self._second = (tone * 32767).astype(np.int16)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._samples / AUDIO_RATE
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        offset = self._samples % AUDIO_RATE
        chunk = np.take(self._second, range(offset, offset + AUDIO_SAMPLES), mode="wrap")
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._samples
        frame.time_base = AUDIO_TIME_BASE
        self._samples += AUDIO_SAMPLES
        return frame


SYSTEM_ALSA_DIR = Path("/usr/share/alsa")


def use_system_alsa_config() -> None:
    """Point the ALSA library bundled in PyAV's wheel at the system's ALSA configuration.

    That library looks for its configuration where it was built (``/tmp/vendor/share/alsa``), finds
    nothing, and then knows no device at all, not even ``default``: every microphone and speaker
    would fail to open on a real cabin (found by the microphone self-test). ``ALSA_CONFIG_DIR``
    moves it to Debian's (package libasound2-data). Must run before the first ALSA device opens.
    """
    if "ALSA_CONFIG_DIR" not in os.environ and (SYSTEM_ALSA_DIR / "alsa.conf").is_file():
        os.environ["ALSA_CONFIG_DIR"] = str(SYSTEM_ALSA_DIR)


def open_microphone(setting: str) -> tuple[MediaStreamTrack, Any]:
    """The microphone track for ``call.microphone``, and what must be closed after (or None)."""
    if setting in ("", "synthetic"):
        return ToneMicrophone(), None
    kind, _, device = setting.partition(":")
    if kind not in ("alsa", "pulse"):
        raise ValueError(
            f"call.microphone: expected synthetic, alsa:DEVICE or pulse:DEVICE, got {setting!r}"
        )
    from aiortc.contrib.media import MediaPlayer

    use_system_alsa_config()

    player = MediaPlayer(device or "default", format=kind)
    if player.audio is None:
        raise ValueError(f"call.microphone: no audio on {setting}")
    return player.audio, player


class HighDetailVp8Encoder(vpx.Vp8Encoder):
    """VP8 for the otoscope: starts at ``bitrate`` and lets congestion control move it between
    ``floor`` and ``ceiling`` (aiortc's own encoder starts at 500 kbit/s and stops at 1.5 Mbit/s,
    too little for the fine detail of an eardrum)."""

    def __init__(self, bitrate: int, floor: int, ceiling: int) -> None:
        self._floor = floor
        self._ceiling = ceiling
        super().__init__()
        self._bitrate = 0
        self.target_bitrate = bitrate

    @property
    def target_bitrate(self) -> int:
        return self._bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._bitrate = max(self._floor, min(bitrate, self._ceiling))
        # The base class sizes its rate-control buffer from its own private copy.
        self._Vp8Encoder__target_bitrate = self._bitrate


def use_high_detail(sender: Any, bitrate: int) -> None:
    """Give ``sender`` (an RTCRtpSender not yet started) the otoscope's encoder.

    aiortc creates its encoder on the first frame when it has none; it has no public setting for
    a per-track bitrate, so the encoder is put in its place beforehand (checked by a test).
    """
    attribute = "_RTCRtpSender__encoder"
    if not hasattr(sender, attribute):
        logger.warning("call: this aiortc has no encoder slot; the otoscope keeps the default rate")
        return
    setattr(
        sender, attribute, HighDetailVp8Encoder(bitrate, floor=bitrate // 2, ceiling=bitrate * 2)
    )


class RemoteVideo:
    """Reads the doctor's video track and hands each frame (BGR) to ``on_frame``."""

    def __init__(self, track: MediaStreamTrack, on_frame: Callable[[np.ndarray[Any, Any]], None]):
        self._track = track
        self._on_frame = on_frame
        self.frames = 0
        self.task = asyncio.create_task(self._run(), name="call-doctor-video")

    async def _run(self) -> None:
        while True:
            try:
                frame = await self._track.recv()
            except MediaStreamError:
                return
            self.frames += 1
            if isinstance(frame, av.VideoFrame):
                self._on_frame(frame.to_ndarray(format="bgr24"))


class RemoteAudio:
    """Plays the doctor's voice (``speaker``: alsa:DEVICE / pulse:DEVICE) or, with no speaker set,
    only measures its level (demonstrations and tests)."""

    def __init__(self, track: MediaStreamTrack, speaker: str = "") -> None:
        self._track = track
        self.level = 0.0  # RMS of the last frame, 0..1
        self.frames = 0
        self._recorder: Any = None
        if speaker:
            kind, _, device = speaker.partition(":")
            from aiortc.contrib.media import MediaRecorder

            use_system_alsa_config()

            try:
                self._recorder = MediaRecorder(device or "default", format=kind)
                self._recorder.addTrack(track)
            except (OSError, ValueError) as exc:
                # No sound card: the call goes on; the assistant hears nothing, and the log says why.
                logger.error("call: the speaker %s cannot be opened: %s", speaker, exc)
                self._recorder = None
        if self._recorder is not None:
            self.task: asyncio.Task[None] = asyncio.create_task(
                self._recorder.start(), name="call-doctor-audio"
            )
        else:
            self.task = asyncio.create_task(self._run(), name="call-doctor-audio")

    async def _run(self) -> None:
        while True:
            try:
                frame = await self._track.recv()
            except MediaStreamError:
                return
            self.frames += 1
            if isinstance(frame, av.AudioFrame):
                samples = frame.to_ndarray().astype(np.float32) / 32768.0
                self.level = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0

    async def close(self) -> None:
        if self._recorder is not None:
            await self._recorder.stop()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


def keep_media_on_loopback() -> None:
    """Make ICE offer only 127.0.0.1 (aioice leaves the loopback interface out on purpose).

    For a demonstration where the portal and the doctor's browser run on the cabin's own machine,
    and for tests: nothing then leaves the machine (../shared/traps.md).
    """
    import aioice.ice

    def loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    aioice.ice.get_host_addresses = loopback


def own_stream(sender: Any) -> None:
    """Put ``sender``'s track in a media stream of its own.

    aiortc puts every track of a connection in one stream, so the browser holds the video back to
    keep it in step with the audio: measured here, +30 ms at p95 and a jitter buffer growing from
    7 to 33 ms (bench/call_video.py). Live video matters more to the doctor than lip sync (the
    audio's own buffer is a few milliseconds). aiortc has no public setting for it: the private
    stream id is replaced before the offer is written (checked by a test).
    """
    if not hasattr(sender, "_stream_id"):
        logger.warning("call: this aiortc has no stream id; audio and video stay in one stream")
        return
    sender._stream_id = str(uuid.uuid4())
