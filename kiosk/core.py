"""The core: storage + services on one asyncio loop, with no screen.

``Core`` is what the UI, the command line and the tests drive. ``CoreThread`` runs it on its own
loop in a dedicated thread, so the screen and the core never stall each other (design.md section 3).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kiosk import errors
from kiosk.call.service import CallService
from kiosk.clock import Clock, SystemClock
from kiosk.config import Config
from kiosk.records.outbox import Outbox, OutboxView
from kiosk.records.printing import ReportPrinting
from kiosk.services.devices import Devices
from kiosk.services.measurements import MeasurementService
from kiosk.services.session import Notice, SessionService
from kiosk.services.technician import TechnicianService
from kiosk.storage import OpenedDatabase, Repository, open_database
from kiosk.storage.database import load_key

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Core:
    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self._opened: OpenedDatabase | None = None
        self._session: SessionService | None = None
        self.devices: Devices | None = None
        self.measurements: MeasurementService | None = None
        self.technician: TechnicianService | None = None
        self.call: CallService | None = None
        self.outbox: Outbox | None = None

    @property
    def session(self) -> SessionService:
        if self._session is None:
            raise RuntimeError("the core is not started")
        return self._session

    @property
    def repo(self) -> Repository:
        return self.session.repo

    async def start(self) -> None:
        # The database is encrypted: its key from the systemd credential, the key file, or the
        # data folder (storage.data_dir_key); a key that does not open it stops the start here.
        key = load_key(self.config)
        self._opened = open_database(self.config.database_path, self.clock, key=key)
        notice = None
        if self._opened.set_aside is not None:
            notice = Notice(errors.DATABASE_RECOVERED, {"path": str(self._opened.set_aside)})
        repo = Repository(self._opened.db, self.clock)
        repo.audit("system", "kiosk_started")
        self._session = SessionService(repo, self.config, self.clock)
        self.devices = Devices(self.config.devices, self.config.microphone)
        self.measurements = MeasurementService(self.devices, self._session)
        self._session.measurements = self.measurements
        self.technician = TechnicianService(
            repo, self.config, self.clock, self.devices, self._session
        )
        self.devices.subscribe_events(self.technician.device_event)
        self.devices.subscribe(self.technician.device_changed)
        await self.technician.start()  # out-of-service marks before the first screen
        await self.devices.start()
        self.call = CallService(
            self.config, self._session, self.measurements, self.devices, self.clock
        )
        self._session.call_view = self.call.view
        self.outbox = Outbox(repo, self.config, self.clock)
        self._session.outbox_view = self.outbox.view
        self._session.printing = ReportPrinting(self._session, self.config)
        self.technician.outbox_view = self.outbox.view
        self._session.subscribe(self.outbox.session_changed)
        self.outbox.subscribe(self._outbox_changed)
        await self.outbox.start()  # records of sessions that ended before a crash go out too
        await self._session.start(notice)
        await self.call.start()  # after the session: a call that was running resumes

    def _outbox_changed(self, view: OutboxView) -> None:
        if self._session is not None:
            self._session.publish()
        if self.technician is not None and self.technician.active:
            self.technician.publish()

    async def stop(self) -> None:
        if self.outbox is not None:
            await self.outbox.stop()
            self.outbox = None
        if self.call is not None:
            await self.call.stop()
            self.call = None
        if self.technician is not None:
            await self.technician.stop()
            self.technician = None
        if self.measurements is not None:
            await self.measurements.shutdown()
        if self.devices is not None:
            await self.devices.stop()
            self.devices = None
        if self._session is not None:
            await self._session.stop()
            self._session.measurements = None  # already stopped: parking must not start anything
            self._session.park_open_session("kiosk stopped")
            self._session.repo.audit("system", "kiosk_stopped")
            self._session = None
        if self._opened is not None:
            self._opened.close()
            self._opened = None


class CoreThread:
    """Runs a Core on its own asyncio loop in a daemon-free thread; joined by ``stop``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kiosk-core")
        self._ready = threading.Event()
        self._start_error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.core.start())
        except BaseException as exc:  # reported to the starting thread
            self._start_error = exc
            self._ready.set()
            self.loop.close()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.core.stop())
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the core did not start in time")
        if self._start_error is not None:
            self._thread.join()
            raise self._start_error

    def call(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run a plain function on the core loop; returns a future with its result."""

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    def submit(self, coro: Awaitable[T]) -> concurrent.futures.Future[T]:
        async def run() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
