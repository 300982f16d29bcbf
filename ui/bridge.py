"""The one crossing between the Qt thread and the core thread.

Commands go into the core loop with ``run_coroutine_threadsafe`` (through ``CoreThread``); each
snapshot the core publishes comes out as a queued Qt signal, delivered on the Qt thread.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.call.service import CallService
from kiosk.core import CoreThread
from kiosk.services.measurements import LiveUpdate, MeasurementService
from kiosk.services.session import SessionService, Snapshot
from kiosk.services.technician import TechnicianService, TechnicianSnapshot

logger = logging.getLogger(__name__)

# Touches are forwarded at most this often: the idle timeout counts in seconds.
TOUCH_INTERVAL_S = 0.5


class Bridge(QObject):
    snapshot = Signal(object)  # Snapshot, on the Qt thread
    live = Signal(object)  # LiveUpdate: cuff pressure, probe temperature, pleth, preview frames
    technician_snapshot = Signal(object)  # TechnicianSnapshot, on the Qt thread
    video = Signal(str, object)  # ("doctor" | "self", BGR image) during a call, coalesced

    def __init__(self, core_thread: CoreThread) -> None:
        super().__init__()
        self._core = core_thread
        self._last_touch = 0.0
        self.last: Snapshot | None = None
        self.last_technician: TechnicianSnapshot | None = None
        self.snapshot.connect(self._remember)
        self.technician_snapshot.connect(self._remember_technician)
        self.live.connect(self._delivered)
        self._preview_in_flight = False  # a preview frame queued and not yet shown
        self._video_in_flight: set[str] = set()  # call pictures queued and not yet shown
        self.video.connect(self._video_delivered)
        self._pending: set[concurrent.futures.Future[Any]] = set()

    def attach(self) -> None:
        """Subscribe to the core's snapshots; call once the core runs."""

        def subscribe(session: SessionService) -> None:
            session.subscribe(self.snapshot.emit)  # emitted on the core thread, queued to Qt
            if session.measurements is not None:
                session.measurements.subscribe_live(self._live)
            session.publish()

        self.command(subscribe)
        self.technician(self._subscribe_technician)
        self.call(lambda service: service.subscribe_video(self._video))

    def _subscribe_technician(self, service: TechnicianService) -> None:
        service.subscribe(self.technician_snapshot.emit)  # queued to Qt, like snapshots
        service.publish()

    def _remember(self, snap: Snapshot) -> None:
        self.last = snap

    def _remember_technician(self, snap: TechnicianSnapshot) -> None:
        self.last_technician = snap

    def _live(self, update: LiveUpdate) -> None:
        if update.kind == "preview":
            # Frames are only worth showing when fresh: while one waits for the Qt thread, newer
            # ones are dropped instead of piling up behind a busy screen.
            if self._preview_in_flight:
                return
            self._preview_in_flight = True
        self.live.emit(update)

    def _delivered(self, update: LiveUpdate) -> None:
        if update.kind == "preview":
            self._preview_in_flight = False

    def _video(self, who: str, image: object) -> None:
        # Like the otoscope preview: a picture waiting for the screen makes newer ones be dropped.
        if who in self._video_in_flight:
            return
        self._video_in_flight.add(who)
        self.video.emit(who, image)

    def _video_delivered(self, who: str, image: object) -> None:
        self._video_in_flight.discard(who)

    def command(self, action: Callable[[SessionService], object]) -> None:
        """Run ``action(session_service)`` on the core loop. Failures are logged, never raised here."""
        session = self._core.core.session

        async def run() -> None:
            result = action(session)
            if inspect.isawaitable(result):
                await result

        future = self._core.submit(run())
        self._pending.add(future)
        future.add_done_callback(self._done)

    def measure(self, action: Callable[[MeasurementService], object]) -> None:
        """Run ``action(measurement_service)`` on the core loop (it may be a coroutine)."""

        def on_service(session: SessionService) -> object:
            if session.measurements is None:
                return None
            return action(session.measurements)

        self.command(on_service)

    def technician(self, action: Callable[[TechnicianService], object]) -> None:
        """Run ``action(technician_service)`` on the core loop (it may be a coroutine)."""
        core = self._core.core

        def on_service(session: SessionService) -> object:
            if core.technician is None:
                return None
            return action(core.technician)

        self.command(on_service)

    def call(self, action: Callable[[CallService], object]) -> None:
        """Run ``action(call_service)`` on the core loop (it may be a coroutine)."""
        core = self._core.core

        def on_service(session: SessionService) -> object:
            if core.call is None:
                return None
            return action(core.call)

        self.command(on_service)

    def retry_record(self, record_id: str) -> None:
        """The technician's "Retry" on a record of the outbox (the core checks who asks)."""
        core = self._core.core

        def on_service(session: SessionService) -> object:
            if core.technician is None or core.outbox is None:
                return None
            return core.technician.retry_record(core.outbox, record_id)

        self.command(on_service)

    def _done(self, future: concurrent.futures.Future[Any]) -> None:
        self._pending.discard(future)
        if future.cancelled():
            return
        exc = future.exception()
        if exc is not None:
            logger.error("bridge: a command failed in the core", exc_info=exc)

    def touch(self) -> None:
        now = time.monotonic()
        if now - self._last_touch >= TOUCH_INTERVAL_S:
            self._last_touch = now
            self.command(lambda s: s.touch())
            self.technician(lambda t: t.touch())

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until every command sent has run (tests, shutdown)."""
        concurrent.futures.wait(list(self._pending), timeout=timeout)
