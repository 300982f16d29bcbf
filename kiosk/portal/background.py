"""The portal on its own asyncio loop in a thread: for ``kiosk run --demo`` (a local portal beside
the touchscreen) and for tests that drive a browser from plain synchronous code."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from kiosk.config import Config


class PortalThread:
    def __init__(self, config: Config, store: Any = None) -> None:
        self._config = config
        self._store = store
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kiosk-portal")
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._handle: Any = None

    @property
    def url(self) -> str:
        assert self._handle is not None, "the portal is not started"
        return str(self._handle.url)

    def _run(self) -> None:
        from kiosk.portal.server import start_portal

        asyncio.set_event_loop(self.loop)
        try:
            self._handle = self.loop.run_until_complete(
                start_portal(self._config, store=self._store)
            )
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            self.loop.close()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._handle.close())
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the portal did not start in time")
        if self._error is not None:
            self._thread.join()
            raise self._error

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
