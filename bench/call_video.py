"""The call's video, kiosk against browser: latency, frame rate, freezes, first frame, CPU (issue 4).

The same stamped 640x480 30 fps VP8 stream (the sending time in ms modulo 2**32, stamped in the
top row as in devices/camera/synthetic.py) is measured twice in one run, one path after the other
so that they do not share the two cores:

(a) kiosk: the real touchscreen, ui.app.KioskApp on Qt's offscreen platform in this process (its
    event loop in the main thread), with the real CallService (``stamp_time = True``) in its Core
    on its CoreThread (synthetic room camera and otoscope, synthetic microphone, the oximeter
    simulator in a child process), the real portal in a PortalThread, and the real doctor console
    in headless Chromium, driven by selenium from a worker thread: the doctor logs in and takes
    the cabin (tests/e2e/test_doctor_console.py's helpers). The page is only watched, by
    bench/pages/instrument.js installed before its scripts run. Measured twice: first the call
    screen's video (the doctor large, the cabin's self-view), then SpO2 streaming during the call
    (its panel in the video's place). ``--no-ui``: the same without the touchscreen, the core
    alone on a CoreThread, selenium in the main thread.
(b) browser: bench/pages/loopback.html in headless Chromium, a canvas with the same stamp sent by
    one RTCPeerConnection to another in the same page (canvas.captureStream(30), VP8).

Latency is Date.now() in the receiving page's requestVideoFrameCallback minus the stamp (both ends
read the machine's clock). During (a) the oximeter streams (motion scenario: it never settles) and
each SpO2/pulse ``progress`` is timed from the kiosk's live update (the moment its driver decoded
the packet) to the page setting consoleState.progress. The process's CPU is split by thread; with
the touchscreen, "ui" is Qt's main thread (snapshots, painting the pictures).

Run: .venv/bin/python -m bench.call_video --seconds 60  (a quick look: --seconds 10; --no-ui);
better inside a namespace with only lo:
/work/shared/tools/loopback-only .venv/bin/python -m bench.call_video
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before PySide6 is imported

from aiohttp import web
from PySide6.QtCore import QObject, Qt, QTimer, Signal, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk.call.state import CallPhase
from kiosk.clock import SystemClock
from kiosk.config import CallConfig, Config, DevicesConfig, PortalConfig, SessionConfig
from kiosk.core import Core, CoreThread
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.portal.background import PortalThread
from kiosk.portal.store import PortalStore
from kiosk.portal_commands import ensure_demo_accounts
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus
from kiosk.services.measurements import LiveUpdate
from tests.e2e.test_doctor_console import FORM, Stack, log_in_and_take_the_patient, only_loopback
from tests.support import browser
from tests.support.browser import wait_js
from ui.app import KioskApp
from ui.screens.call import CallScreen
from ui.widgets.preview import PreviewView

PAGES = Path(__file__).resolve().parent / "pages"
TWO_32 = 1 << 32
FREEZE_MS = 200.0
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

GOAL_P95_MS = 70.0
GOAL_FPS = 29.5
GOAL_FIRST_FRAME_MS = 1000.0
GOAL_CPU_PERCENT = 60.0
GOAL_VITAL_P95_MS = 100.0
MIN_VITAL_SAMPLES = 30

T = TypeVar("T")


# -- figures ---------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def ms_since(stamp: float, later: float) -> float:
    """``later`` (ms since the epoch) minus a stamp taken modulo 2**32 ms."""
    return float((int(later) % TWO_32 - int(stamp)) % TWO_32)


@dataclass
class VideoFigures:
    frames: int
    stamped: int
    seconds: float
    callback_fps: float  # requestVideoFrameCallback calls (they may skip a presented frame)
    presented_fps: float  # frames handed to the compositor (the callback's presentedFrames)
    latencies: list[float]
    receive_part: list[float]  # stamp -> last packet received (send, encode, network)
    render_part: list[float]  # last packet -> callback (jitter buffer, decode, render)
    freezes: list[float]
    longest_gap: float
    sizes: set[tuple[int, int]] = field(default_factory=set)
    first_frame_ms: float | None = None
    first_frame_from: str = ""
    received_fps: float = 0.0  # framesReceived of the receiver's getStats over the window
    decoded_fps: float = 0.0
    webrtc_freezes: float = 0.0


def video_figures(window: dict[str, Any]) -> VideoFigures:
    start, end = float(window["start"]), float(window["end"])
    frames = window["frames"]
    seconds = (end - start) / 1000.0
    times = [float(f[0]) for f in frames]
    latencies: list[float] = []
    receive_part: list[float] = []
    render_part: list[float] = []
    sizes: set[tuple[int, int]] = set()
    for t, stamp, _presented, received, _processing, width, height in frames:
        sizes.add((int(width), int(height)))
        if stamp is None:
            continue
        latency = ms_since(stamp, t)
        if latency >= 10_000:  # not a time stamp of ours
            continue
        latencies.append(latency)
        if received is not None:
            receive_part.append(ms_since(stamp, received))
            render_part.append(t - received)
    edges = [start, *times, end]  # a stall at either end of the window is a freeze too
    gaps = [b - a for a, b in itertools.pairwise(edges)]
    presented = [f[2] for f in frames if f[2] is not None]
    presented_count = presented[-1] - presented[0] + 1 if presented else 0
    return VideoFigures(
        frames=len(frames),
        stamped=len(latencies),
        seconds=seconds,
        callback_fps=len(frames) / seconds if seconds > 0 else 0.0,
        presented_fps=presented_count / seconds if seconds > 0 else 0.0,
        latencies=latencies,
        receive_part=receive_part,
        render_part=render_part,
        freezes=[g for g in gaps if g > FREEZE_MS],
        longest_gap=max(gaps) if gaps else 0.0,
        sizes=sizes,
    )


def receiver_words(
    video: VideoFigures, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> str:
    """What the receiver's getStats says over the window, in a few words (fills ``video``)."""
    seconds = video.seconds
    if not before or not after or seconds <= 0:
        return "no receiver statistics"

    def delta(key: str) -> float:
        return float(after.get(key, 0) or 0) - float(before.get(key, 0) or 0)

    emitted = delta("jitterBufferEmittedCount")
    decoded = delta("framesDecoded")
    video.received_fps = delta("framesReceived") / seconds
    video.decoded_fps = decoded / seconds
    video.webrtc_freezes = delta("freezeCount")
    parts = [
        f"{after.get('frameWidth', '?')}x{after.get('frameHeight', '?')}",
        f"{delta('bytesReceived') * 8 / seconds / 1000:.0f} kbit/s",
    ]
    if emitted > 0:
        parts.append(f"jitter buffer {1000 * delta('jitterBufferDelay') / emitted:.1f} ms")
    if decoded > 0:
        parts.append(f"decode {1000 * delta('totalDecodeTime') / decoded:.1f} ms")
    parts.append(
        f"{delta('packetsLost'):.0f} packets lost, {delta('nackCount'):.0f} NACK, "
        f"{delta('pliCount'):.0f} PLI, {delta('framesDropped'):.0f} frames dropped, "
        f"{video.webrtc_freezes:.0f} freezes by WebRTC's own count"
    )
    return ", ".join(parts)


def sender_words(
    before: dict[str, Any] | None, after: dict[str, Any] | None, seconds: float
) -> str:
    if not before or not after or seconds <= 0:
        return "no sender statistics"
    encoded = float(after.get("framesEncoded", 0)) - float(before.get("framesEncoded", 0))
    encode_s = float(after.get("totalEncodeTime", 0)) - float(before.get("totalEncodeTime", 0))
    return (
        f"sent {after.get('frameWidth', '?')}x{after.get('frameHeight', '?')}, "
        f"{encoded / seconds:.1f} encoded/s, encode {1000 * encode_s / max(encoded, 1):.1f} ms, "
        f"limited by: {after.get('qualityLimitationReason', '?')}"
    )


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


# -- CPU ---------------------------------------------------------------------------------------
def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def thread_cpu() -> dict[int, float]:
    """CPU seconds of each live thread of this process, by native thread id."""
    out: dict[int, float] = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(task)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds of the live processes under ``root`` (chromedriver: Chromium's processes)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    total = 0.0
    for pid, seconds in cpu.items():
        walk = pid
        while walk in parents and walk != root:
            walk = parents[walk]
        if walk == root:
            total += seconds
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, all cores (/proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICK, sum(values) / CLOCK_TICK


@dataclass
class CpuWindow:
    """CPU over a window: the whole process, some named threads, Chromium's process tree."""

    threads: dict[str, int]  # label -> native thread id
    browser_root: int
    wall: float = 0.0
    process: float = 0.0
    per_thread: dict[str, float] = field(default_factory=dict)
    browser: float = 0.0
    machine_busy: float = 0.0  # CPU seconds used by every process of the machine
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    def __enter__(self) -> CpuWindow:
        self._load = os.getloadavg()[0]
        self._m = machine_cpu()[0]
        self._t = time.monotonic()
        self._p = process_cpu()
        self._threads = thread_cpu()
        self._b = tree_cpu(self.browser_root)
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.monotonic() - self._t
        self.process = process_cpu() - self._p
        after = thread_cpu()
        self.per_thread = {
            label: after.get(tid, 0.0) - self._threads.get(tid, 0.0)
            for label, tid in self.threads.items()
        }
        self.browser = tree_cpu(self.browser_root) - self._b
        self.machine_busy = machine_cpu()[0] - self._m
        self.load = (self._load, os.getloadavg()[0])

    def others(self) -> str:
        """What the rest of the machine did meanwhile (other work skews every figure here)."""
        others = self.machine_busy - self.process - self.browser
        return (
            f"machine: {self.percent(self.machine_busy):.0f} % of one core busy in all, "
            f"{self.percent(max(others, 0.0)):.0f} % by other processes; load average "
            f"{self.load[0]:.1f} -> {self.load[1]:.1f} on {os.cpu_count()} cores"
        )

    def percent(self, seconds: float) -> float:
        return 100.0 * seconds / self.wall if self.wall > 0 else 0.0


# -- the pages ---------------------------------------------------------------------------------
class PageServer:
    """bench/pages/ over http://127.0.0.1 (aiohttp on its own loop in a thread)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="bench-pages")
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_static("/pages", PAGES)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}/pages"

    def __enter__(self) -> PageServer:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def page_stats(driver: Any) -> dict[str, Any]:
    return driver.execute_async_script("window.__bench.stats(arguments[arguments.length - 1])")  # type: ignore[no-any-return]


def measure_window(driver: Any, seconds: float, cpu: CpuWindow) -> tuple[dict[str, Any], ...]:
    stats_before = page_stats(driver)
    with cpu:
        driver.execute_script("window.__bench.start()")
        time.sleep(seconds)
        window = driver.execute_script("return window.__bench.stop()")
    return window, stats_before, page_stats(driver)


def chromium_root(driver: Any) -> int:
    return int(driver.service.process.pid)


# -- (a) the kiosk -----------------------------------------------------------------------------
# The (a) path is measured twice, one window after the other, because the touchscreen does not
# show the same thing in both: while no measurement runs the call screen paints the doctor large
# (each frame received: Chromium's fake camera sends 20 a second) and the cabin's self-view (10 a
# second; it lies over the doctor's picture, so each one is painted again for the other's new
# frames); while the SpO2 measurement streams, its panel (live waveform) takes the video's place
# and the doctor is small in the column (ui/screens/call.py). The vital sign's latency needs the
# second.
PHASES = {  # name: (what runs, what the touchscreen shows meanwhile)
    "video": (
        "the call's video, no measurement running",
        "the call screen with the doctor large and the cabin's self-view in the corner",
    ),
    "spo2": (
        "SpO2 during the call, the oximeter streaming to the doctor",
        "the SpO2 panel in the video's place, the doctor small in the column",
    ),
}
SPO2_STREAMING = "spo2"


@dataclass
class ScreenCounters:
    """What the touchscreen shows, read in the Qt thread (ui/screens/call.py,
    ui/widgets/preview.py): each picture's (frames received, frames painted)."""

    screen: str  # the class of the screen on top
    measuring: bool  # the call screen shows a measurement panel in the video's place
    doctor: tuple[int, int]  # the doctor large (VideoStage)
    self_view: tuple[int, int]  # the cabin's own picture in the stage's corner
    doctor_small: tuple[int, int]  # the doctor small in the column, beside a measurement panel


@dataclass
class ScreenFigures:
    seconds: float
    before: ScreenCounters
    after: ScreenCounters

    def rates(self, name: str) -> tuple[float, float]:
        """(received, painted) frames per second of one picture over the window."""
        (r0, p0), (r1, p1) = getattr(self.before, name), getattr(self.after, name)
        if self.seconds <= 0:
            return 0.0, 0.0
        return (r1 - r0) / self.seconds, (p1 - p0) / self.seconds

    def shown(self, phase: str) -> bool:
        """The call screen stayed on top, in this phase's layout, and painted the doctor."""
        on_top = self.before.screen == self.after.screen == "CallScreen"
        if phase == SPO2_STREAMING:
            return on_top and self.after.measuring and self.rates("doctor_small")[1] > 0
        return (
            on_top
            and not self.before.measuring
            and not self.after.measuring
            and self.rates("doctor")[1] > 0
            and self.rates("self_view")[1] > 0
        )


@dataclass
class KioskPhase:
    name: str  # a key of PHASES
    video: VideoFigures
    cpu: CpuWindow
    receiver: str
    screen: ScreenFigures | None  # None without the touchscreen


@dataclass
class KioskResult:
    phases: list[KioskPhase]
    pair: str | None
    vitals: list[float]
    vitals_unmatched: int
    vitals_seen: int
    vitals_sent: int  # SpO2 updates of the kiosk during the window (sent at most once a second)
    ui_platform: str | None = None  # Qt's platform plugin with the touchscreen, None without
    browser_version: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    def phase(self, name: str) -> KioskPhase:
        return next(p for p in self.phases if p.name == name)


class QtCalls(QObject):
    """Runs functions in the Qt (main) thread for another thread."""

    request = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.request.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def _run(self, job: tuple[Callable[[], Any], Future[Any] | None]) -> None:
        fn, future = job
        if future is None:
            fn()
            return
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn())
        except BaseException as exc:
            future.set_exception(exc)

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """``fn()`` in the Qt thread; waits for its result (never from the Qt thread itself)."""
        future: Future[T] = Future()
        self.request.emit((fn, future))
        return future.result(timeout)

    def post(self, fn: Callable[[], object]) -> None:
        self.request.emit((fn, None))


class Touchscreen:
    """The kiosk's real touchscreen in this process: ui.app.KioskApp on Qt's platform (offscreen
    unless QT_QPA_PLATFORM says otherwise), its event loop in the main thread."""

    def __init__(self) -> None:
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        self.app = app
        self.qt = QtCalls()
        self.kiosk: KioskApp | None = None

    @property
    def platform(self) -> str:
        return QGuiApplication.platformName()

    def open(self, config: Config) -> CoreThread:
        """Build and show the kiosk (it starts its own core thread); that core thread."""
        self.kiosk = KioskApp(config, self.app)
        self.kiosk.show()
        return self.kiosk.core_thread

    def close(self) -> None:
        if self.kiosk is not None:
            self.kiosk.close()
            self.kiosk = None
            QApplication.processEvents()

    def run_beside(self, work: Callable[[], T], limit_s: float) -> T:
        """``work()`` in a worker thread while Qt's loop runs in this thread; its result.

        The worker (selenium, the core's futures) blocks as it likes; the touchscreen goes on
        receiving snapshots and pictures and painting them meanwhile.
        """
        out: dict[str, Any] = {}

        def target() -> None:
            try:
                out["result"] = work()
            except BaseException as exc:
                out["error"] = exc
            finally:
                self.qt.post(lambda: self.app.exit(0))

        never_hang = QTimer()
        never_hang.setSingleShot(True)
        never_hang.timeout.connect(lambda: self.app.exit(1))
        never_hang.start(int(limit_s * 1000))
        worker = threading.Thread(target=target, name="bench-doctor", daemon=True)
        worker.start()
        status = self.app.exec()
        never_hang.stop()
        if status != 0:
            raise RuntimeError(f"the doctor's side did not finish within {limit_s:.0f} s")
        worker.join()
        if "error" in out:
            raise out["error"]
        return out["result"]  # type: ignore[no-any-return]

    def counters(self) -> ScreenCounters:
        """The call screen's picture counters (from the worker: read in the Qt thread)."""
        return self.qt.call(self._counters)

    def _counters(self) -> ScreenCounters:
        assert self.kiosk is not None
        window = self.kiosk.window
        screen = window.by_state[State.IN_CALL]
        assert isinstance(screen, CallScreen)

        def pair(view: PreviewView) -> tuple[int, int]:
            return view.frames_received, view.frames_painted

        return ScreenCounters(
            screen=type(window.stack.currentWidget()).__name__,
            measuring=screen.measuring,
            doctor=pair(screen.stage.doctor),
            self_view=pair(screen.stage.self_view),
            doctor_small=pair(screen.doctor_small),
        )


@contextmanager
def oximeter_simulator() -> Iterator[str]:
    """The oximeter simulator in a child process (real time, never settles): its pty's path."""
    child = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "simulate", "oximeter", "--scenario", "motion"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield str(json.loads(child.stdout.readline())["port"])
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def kiosk_stack(data: Path, oximeter: str, screen: Touchscreen | None) -> Iterator[Stack]:
    """Portal and kiosk as in tests/e2e/test_doctor_console.py, at the MEASURE step: the core
    alone on a CoreThread, or (``screen``) the whole KioskApp, whose core runs the same way."""
    portal_config = Config(data_dir=data / "portal", portal=PortalConfig(port=0))
    portal_config.data_dir.mkdir(parents=True)
    store = PortalStore(portal_config.portal_database_path, SystemClock())
    doctor, password, cabin, secret = ensure_demo_accounts(store)
    portal = PortalThread(portal_config, store)
    portal.start()
    config = Config(
        data_dir=data / "kiosk",
        # No idle warning or parked session in the middle of a long measurement.
        session=SessionConfig(idle_timeout_s=24 * 3600.0),
        devices=DevicesConfig(
            bp="",
            thermometer="",
            oximeter=oximeter,
            otoscope="synthetic:otoscope",
            room_camera="synthetic:room",
        ),
        call=CallConfig(
            portal_url=portal.url,
            cabin=cabin,
            cabin_secret=secret,
            loopback_only=True,
            microphone="synthetic",
        ),
    )
    core_thread: CoreThread | None = None
    try:
        if screen is None:
            core_thread = CoreThread(Core(config))
            core_thread.start()
        else:
            config.data_dir.mkdir(parents=True, exist_ok=True)
            core_thread = screen.open(config)
        core = core_thread.core
        stack = Stack(core, core_thread, portal, (doctor, password))

        def to_measure() -> None:
            assert core.call is not None
            core.call.stamp_time = True
            session = core.session
            assistant = core.repo.add_assistant("Bench", hash_pin("2468"))
            assert session.sign_in(assistant, "2468")
            session.start_session()
            session.submit_identity(FORM)
            session.record_consent(True)
            session.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))

        stack.run(to_measure)
        assert stack.state is State.MEASURE
        yield stack
    finally:
        if screen is not None:
            screen.close()
        elif core_thread is not None:
            core_thread.stop()
        portal.stop()
        store.close()


def keep_oximeter_streaming(stack: Stack) -> None:
    """Start SpO2 again when a run ended (the driver gives up after 90 s without a stable value)."""

    def check() -> None:
        measurements = stack.core.measurements
        assert measurements is not None
        run = measurements.view(stack.core.session.current_session_id).run
        if run is None or run.phase != "running":
            if run is not None and run.phase == "failed":
                measurements.retake()
            else:
                measurements.start("spo2")

    stack.run(check)


def no_measurement_running(stack: Stack) -> bool:
    view = stack.run(lambda: stack.core.session.snapshot().measure)
    return view is None or view.run is None


def match_vitals(
    sent: list[tuple[float, Any, Any]], shown: list[list[Any]]
) -> tuple[list[float], int, int]:
    """Latencies (ms) from each SpO2 update in the kiosk to the page; (latencies, unmatched, n)."""
    latencies: list[float] = []
    unmatched = 0
    seen = 0
    for t_ms, kind, text in shown:
        if kind != "oximetry":
            continue
        seen += 1
        value = json.loads(text)
        earlier = [s for s in sent if s[0] <= t_ms]
        if not earlier:
            unmatched += 1
            continue
        at, spo2, pulse = earlier[-1]  # updates are a second apart: the last one went out
        if value.get("spo2") != spo2 or value.get("pulse") != pulse:
            unmatched += 1
            continue
        latencies.append(t_ms - at)
    return latencies, unmatched, seen


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


def drive_the_call(
    stack: Stack, screen: Touchscreen | None, seconds: float, warmup: float
) -> dict[str, Any]:
    """The doctor's side and the measuring windows: selenium and the core's futures, which block
    (run beside Qt's loop with the touchscreen). What was recorded, as plain data."""
    with browser.chromium() as driver:
        with open(PAGES / "instrument.js") as hooks:
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": hooks.read()}
            )
        log_in_and_take_the_patient(stack, driver)
        first = wait_js(
            driver,
            "window.consoleState.video.decodedAt.length > 0 && "
            "[window.__bench.joinSentAt, window.consoleState.video.decodedAt[0]]",
            15,
            "the first frame in the console",
        )
        driver.execute_script(
            "window.__bench.watch(document.getElementById('video-room'), window.decodeStamp);"
            "window.__bench.watchProgress(window.consoleState);"
        )

        async def oximeter_ready() -> None:
            assert stack.core.devices is not None
            await stack.core.devices.serial["oximeter"].wait_for(DeviceStatus.READY, 10.0)

        stack.run_async(oximeter_ready())
        me = threading.current_thread()
        threads = {t.name: t.native_id for t in threading.enumerate() if t.native_id}
        labels = {
            "core loop": threads["kiosk-core"],
            "portal": threads["kiosk-portal"],
            "selenium": me.native_id or 0,
        }
        if screen is not None:
            labels["ui"] = threading.main_thread().native_id or 0
        phases: list[dict[str, Any]] = []
        for name in PHASES:
            streaming = name == SPO2_STREAMING
            if streaming:
                keep_oximeter_streaming(stack)
                if screen is not None:
                    wait_until(lambda: screen.counters().measuring, 10, "the SpO2 panel")
            else:
                assert no_measurement_running(stack)
                if screen is not None:
                    wait_until(
                        lambda: screen.counters().doctor[1] > 0, 15, "the doctor on the call screen"
                    )
            time.sleep(warmup)
            cpu = CpuWindow(labels, chromium_root(driver))
            stats_before = page_stats(driver)
            screen_before = screen.counters() if screen is not None else None
            with cpu:
                driver.execute_script("window.__bench.start()")
                deadline = time.monotonic() + seconds
                while (left := deadline - time.monotonic()) > 0:
                    time.sleep(min(5.0, left))
                    if streaming and left > 5.0:
                        keep_oximeter_streaming(stack)
                window = driver.execute_script("return window.__bench.stop()")
                screen_after = screen.counters() if screen is not None else None
            stats_after = page_stats(driver)
            phases.append(
                {
                    "name": name,
                    "window": window,
                    "cpu": cpu,
                    "stats": [stats_before, stats_after],
                    "screen": (screen_before, screen_after),
                }
            )
            assert stack.call().phase is CallPhase.IN_CALL, stack.call()
        return {
            "first": first,
            "phases": phases,
            "browser_version": driver.capabilities.get("browserVersion", "?"),
        }


def run_kiosk(seconds: float, warmup: float, screen: Touchscreen | None) -> KioskResult:
    sent: list[tuple[float, Any, Any]] = []

    def on_live(update: LiveUpdate) -> None:
        # On the core loop, right after the driver decoded the packet (CallService's own
        # listener, subscribed first, has only queued the message on the data channel).
        if update.kind == "oximetry":
            # In whole milliseconds, as the page's Date.now().
            sent.append((time.time_ns() // 1_000_000, update.value, update.extra.get("pulse")))

    with (
        tempfile.TemporaryDirectory(prefix="bench-call-") as data,
        oximeter_simulator() as oximeter,
        kiosk_stack(Path(data), oximeter, screen) as stack,
    ):
        stack.run(lambda: stack.core.measurements.subscribe_live(on_live))  # type: ignore[union-attr]
        if screen is None:
            recorded = drive_the_call(stack, None, seconds, warmup)
        else:
            limit = 2 * (seconds + warmup) + 300.0
            recorded = screen.run_beside(
                lambda: drive_the_call(stack, screen, seconds, warmup), limit
            )
    phases: list[KioskPhase] = []
    raw: dict[str, Any] = {"sent": sent, "phases": []}
    vitals: tuple[list[float], int, int] = ([], 0, 0)
    vitals_sent = 0
    for rec in recorded["phases"]:
        window = rec["window"]
        before, after = rec["stats"]
        figures = video_figures(window)
        screen_before, screen_after = rec["screen"]
        phase = KioskPhase(
            name=rec["name"],
            video=figures,
            cpu=rec["cpu"],
            receiver=receiver_words(figures, before.get("inbound"), after.get("inbound")),
            screen=ScreenFigures(rec["cpu"].wall, screen_before, screen_after)
            if screen_before is not None and screen_after is not None
            else None,
        )
        phases.append(phase)
        raw["phases"].append(
            {
                "name": phase.name,
                "window": window,
                "stats": rec["stats"],
                "screen": [
                    vars(c) if c is not None else None for c in (screen_before, screen_after)
                ],
            }
        )
        if phase.name == SPO2_STREAMING:
            shown = [p for p in window["progress"] if window["start"] <= p[0] <= window["end"]]
            vitals = match_vitals(sent, shown)
            vitals_sent = sum(1 for s in sent if window["start"] <= s[0] <= window["end"] - 200)
    join_at, first_at = recorded["first"]
    phases[0].video.first_frame_ms = float(first_at - join_at) if join_at else None
    phases[0].video.first_frame_from = "the console sent call.join"
    last_stats = recorded["phases"][-1]["stats"][1]
    return KioskResult(
        phases=phases,
        pair=last_stats.get("pair"),
        vitals=vitals[0],
        vitals_unmatched=vitals[1],
        vitals_seen=vitals[2],
        vitals_sent=vitals_sent,
        ui_platform=screen.platform if screen is not None else None,
        browser_version=str(recorded["browser_version"]),
        raw=raw,
    )


# -- (b) the browser ---------------------------------------------------------------------------
@dataclass
class BrowserResult:
    video: VideoFigures
    cpu: CpuWindow
    receiver: str
    sender: str
    pair: str | None
    raw: dict[str, Any] = field(default_factory=dict)


def run_browser(seconds: float, warmup: float) -> BrowserResult:
    with PageServer() as pages, browser.chromium() as driver:
        driver.get(pages.url + "/loopback.html")
        wait_js(driver, "window.loopback && window.loopback.state.drawn > 10", 10, "drawing")
        driver.execute_script("window.loopback.start()")
        first = wait_js(
            driver,
            "(window.loopback.state.error && {error: window.loopback.state.error}) || "
            "(window.__bench.firstFrameAt && "
            "[window.loopback.state.startedAt, window.__bench.firstFrameAt])",
            15,
            "the first frame received",
        )
        if isinstance(first, dict):
            raise RuntimeError(f"the loopback page failed: {first['error']}")
        time.sleep(warmup)
        cpu = CpuWindow({"main": threading.main_thread().native_id or 0}, chromium_root(driver))
        window, before, after = measure_window(driver, seconds, cpu)
    figures = video_figures(window)
    figures.first_frame_ms = float(first[1] - first[0])
    figures.first_frame_from = "the page started the connection"
    sent_before = (before.get("outbound") or [None])[0]
    sent_after = (after.get("outbound") or [None])[0]
    return BrowserResult(
        video=figures,
        cpu=cpu,
        receiver=receiver_words(figures, before.get("inbound"), after.get("inbound")),
        sender=sender_words(sent_before, sent_after, figures.seconds),
        pair=after.get("pair"),
        raw={"window": window, "stats": [before, after]},
    )


# -- report ------------------------------------------------------------------------------------
def describe(video: VideoFigures, indent: str = "    ") -> list[str]:
    lines = []
    if video.latencies:
        p50 = statistics.median(video.latencies)
        p95 = percentile(video.latencies, 95)
        lines.append(
            f"{indent}latency stamp -> frame callback: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"max {max(video.latencies):.1f} ms ({video.stamped} stamped frames)"
        )
    else:
        lines.append(f"{indent}latency: no stamp could be read")
    if video.receive_part and video.render_part:
        lines.append(
            f"{indent}  of which stamp -> last packet received p50 "
            f"{statistics.median(video.receive_part):.1f} ms, last packet -> callback p50 "
            f"{statistics.median(video.render_part):.1f} ms"
        )
    sizes = ", ".join(f"{w}x{h}" for w, h in sorted(video.sizes)) or "none"
    lines.append(
        f"{indent}frame rate: received {video.received_fps:.2f} fps, decoded "
        f"{video.decoded_fps:.2f}, presented {video.presented_fps:.2f}, frame callbacks "
        f"{video.callback_fps:.2f} ({video.frames} in {video.seconds:.1f} s); size {sizes}"
    )
    lines.append(
        f"{indent}freezes (gaps > {FREEZE_MS:.0f} ms): {len(video.freezes)}"
        + (f" ({', '.join(f'{g:.0f}' for g in video.freezes[:10])} ms)" if video.freezes else "")
        + f", longest gap {video.longest_gap:.0f} ms"
    )
    if video.first_frame_ms is not None:
        lines.append(
            f"{indent}first frame {video.first_frame_ms:.0f} ms after {video.first_frame_from}"
        )
    return lines


def screen_words(phase: KioskPhase) -> str:
    """What the touchscreen painted over the window, in a few words."""
    screen = phase.screen
    if screen is None:
        return "no touchscreen (--no-ui)"

    def picture(name: str, words: str) -> str:
        received, painted = screen.rates(name)
        return f"{words} {received:.1f} new frames/s, painted {painted:.1f} times/s"

    where = screen.after.screen + (" with a measurement panel" if screen.after.measuring else "")
    if phase.name == SPO2_STREAMING:
        pictures = picture("doctor_small", "the doctor small")
    else:
        pictures = (
            f"{picture('doctor', 'the doctor large')}, {picture('self_view', 'the self-view')}"
        )
    shown = "shown" if screen.shown(phase.name) else "NOT SHOWN AS EXPECTED"
    return f"{where} ({shown}): {pictures}"


def cpu_words(cpu: CpuWindow, ui: bool) -> list[str]:
    process = cpu.percent(cpu.process)
    parts = {label: cpu.percent(seconds) for label, seconds in cpu.per_thread.items()}
    others = process - sum(parts.values())
    holds = (
        "the kiosk's touchscreen (Qt, offscreen), its core (the loop with aiortc, the synthetic "
        "cameras and microphone, the oximeter driver, the encoder and decoder threads), the "
        "portal thread and selenium's client"
        if ui
        else "the kiosk core (the loop with aiortc, the synthetic cameras and microphone, the "
        "oximeter driver, the encoder and decoder threads), the portal thread and selenium's "
        "client; not the kiosk's Qt screens (--no-ui)"
    )
    split = [f"ui (Qt main thread) {parts['ui']:.1f} %"] if "ui" in parts else []
    split += [
        f"kiosk core loop {parts['core loop']:.1f} %",
        f"other threads {others:.1f} %",
        f"portal {parts['portal']:.1f} %",
        f"selenium {parts['selenium']:.1f} %",
    ]
    return [
        f"    CPU of this process {process:.1f} % of one core; it holds {holds}; not the oximeter "
        f"simulator (a child process), not Chromium",
        f"      by thread: {', '.join(split)}; Chromium (doctor page, all its processes) "
        f"{cpu.percent(cpu.browser):.1f} %",
        f"    {cpu.others()}",
    ]


def report(
    kiosk: KioskResult, reference: BrowserResult, seconds: float, warmup: float, isolated: bool
) -> None:
    ui = kiosk.ui_platform is not None
    print(
        f"call video: 640x480 at 30 fps, VP8, sending time stamped in each frame; measured over "
        f"{seconds:.0f} s windows after a {warmup:.0f} s warm-up each, one path after the other "
        f"(the kiosk's twice: with and without SpO2 streaming); {os.cpu_count()} cores; "
        f"network namespace with only lo: {'yes' if isolated else 'no'}; kiosk touchscreen: "
        + (f"yes (KioskApp, Qt {qVersion()} platform {kiosk.ui_platform})" if ui else "no")
        + f"; aiortc {version('aiortc')}, Chromium {kiosk.browser_version} headless"
    )
    print()
    print("(a) kiosk: CallService (aiortc) -> doctor console in headless Chromium, via the portal")
    print(
        "    (the whole call: the room video measured here, the otoscope track, the cabin's tone "
        "microphone, the data channel; back from the doctor's page its fake camera and "
        "microphone" + (", shown on the kiosk's touchscreen" if ui else "") + ")"
    )
    print(f"    ICE pair: {kiosk.pair or 'unknown'}")
    for number, phase in enumerate(kiosk.phases, 1):
        running, shown = PHASES[phase.name]
        print(f"  {number}. {running}" + (f"; the touchscreen shows {shown}" if ui else ""))
        for line in describe(phase.video):
            print(line)
        print(f"    receiver (getStats): {phase.receiver}")
        if phase.screen is not None:
            print(f"    touchscreen: {screen_words(phase)}")
        for line in cpu_words(phase.cpu, ui):
            print(line)
    print()
    print(
        "(b) browser: canvas.captureStream(30) -> RTCPeerConnection -> RTCPeerConnection, one page"
    )
    print("    (video only, bench/pages/loopback.html)")
    for line in describe(reference.video):
        print(line)
    print(f"    receiver (getStats): {reference.receiver}")
    print(f"    sender (getStats): {reference.sender}")
    print(f"    ICE pair: {reference.pair or 'unknown'}")
    print(
        f"    Chromium (sender and receiver, all its processes) "
        f"{reference.cpu.percent(reference.cpu.browser):.1f} % of one core"
    )
    print(f"    {reference.cpu.others()}")
    print()
    print("goals (the kiosk's worst window)")
    bv = reference.video
    b95 = percentile(bv.latencies, 95) if bv.latencies else float("nan")
    k95s = {
        p.name: percentile(p.video.latencies, 95) if p.video.latencies else float("inf")
        for p in kiosk.phases
    }
    k95 = max(k95s.values())
    ratio = k95 / b95 if bv.latencies and b95 > 0 else float("nan")
    print(
        f"  latency p95 kiosk {k95:.1f} ms ("
        + ", ".join(f"{name} {value:.1f}" for name, value in k95s.items())
        + f"), browser {b95:.1f} ms, ratio kiosk/browser {ratio:.2f}: "
        f"goal kiosk <= browser and < {GOAL_P95_MS:.0f} ms: "
        f"{verdict(k95 <= b95 and k95 < GOAL_P95_MS)}"
    )
    first_kiosk = kiosk.phases[0].video.first_frame_ms
    rows = [
        (
            "kiosk",
            min(p.video.received_fps for p in kiosk.phases),
            sum(len(p.video.freezes) for p in kiosk.phases),
            sum(p.video.seconds for p in kiosk.phases),
            first_kiosk,
        ),
        ("browser", bv.received_fps, len(bv.freezes), bv.seconds, bv.first_frame_ms),
    ]
    for name, fps, freezes, over, first_ms in rows:
        first = first_ms if first_ms is not None else float("inf")
        print(
            f"  {name}: received {fps:.2f} fps over {over:.0f} s, {freezes} freezes: goal >= "
            f"{GOAL_FPS} fps, no freeze: {verdict(fps >= GOAL_FPS and not freezes)}; first frame "
            f"{first:.0f} ms: goal < {GOAL_FIRST_FRAME_MS:.0f} ms: "
            f"{verdict(first < GOAL_FIRST_FRAME_MS)}"
        )
    cpus = {p.name: p.cpu.percent(p.cpu.process) for p in kiosk.phases}
    worst = max(cpus.values())
    shown = all(p.screen is not None and p.screen.shown(p.name) for p in kiosk.phases)
    if not ui:
        what, judged = "WITHOUT its touchscreen", "not judged (--no-ui: not the goal's figure)"
    elif not shown:
        what, judged = (
            "with its touchscreen",
            "not judged: the call screen was NOT SHOWN as expected",
        )
    else:
        what, judged = "with its touchscreen", verdict(worst < GOAL_CPU_PERCENT)
    print(
        f"  kiosk process CPU {what} {worst:.1f} % of one core ("
        + ", ".join(f"{name} {value:.1f} %" for name, value in cpus.items())
        + f"): goal < {GOAL_CPU_PERCENT:.0f} %: {judged}"
    )
    vitals = kiosk.vitals
    if vitals:
        v95 = percentile(vitals, 95)
        enough = "" if len(vitals) >= MIN_VITAL_SAMPLES else f" (fewer than {MIN_VITAL_SAMPLES})"
        print(
            f"  vital sign, oximeter packet decoded in the kiosk -> SpO2/pulse progress in the "
            f"page: n={len(vitals)}{enough}, p50 {statistics.median(vitals):.1f} ms, p95 "
            f"{v95:.1f} ms, max {max(vitals):.1f} ms ({kiosk.vitals_seen} received of "
            f"{kiosk.vitals_sent} live updates in the kiosk, {kiosk.vitals_unmatched} not "
            f"matched): goal p95 < {GOAL_VITAL_P95_MS:.0f} ms: "
            f"{verdict(v95 < GOAL_VITAL_P95_MS)}"
        )
    else:
        print(f"  vital sign: no SpO2 progress reached the page ({kiosk.vitals_seen} seen)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="each measured window")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each window")
    parser.add_argument("--dump", type=Path, help="write what was recorded to this JSON file")
    ui = parser.add_mutually_exclusive_group()
    ui.add_argument(
        "--with-ui",
        dest="ui",
        action="store_true",
        default=True,
        help="(a) runs the kiosk's real touchscreen, KioskApp offscreen, in this process "
        "(the default)",
    )
    ui.add_argument("--no-ui", dest="ui", action="store_false", help="(a) runs the kiosk core only")
    args = parser.parse_args()
    if not browser.available():
        sys.exit("needs Debian's chromium and chromium-driver")
    isolated = only_loopback()
    screen = Touchscreen() if args.ui else None
    kiosk = run_kiosk(args.seconds, args.warmup, screen)
    reference = run_browser(args.seconds, args.warmup)
    report(kiosk, reference, args.seconds, args.warmup, isolated)
    if args.dump:
        args.dump.write_text(json.dumps({"kiosk": kiosk.raw, "browser": reference.raw}))


if __name__ == "__main__":
    main()
