"""Composition root of the touchscreen: QApplication, translators, the core thread, SIGTERM, and
kiosk mode (ui/lockdown.py)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
from types import FrameType

from PySide6.QtCore import QSocketNotifier, Qt, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.config import Config
from kiosk.core import Core, CoreThread
from ui.bridge import Bridge
from ui.i18n import Translations
from ui.lockdown import Lockdown, VirtualKeyboard, enable_virtual_keyboard, virtual_keyboard_enabled
from ui.main_window import ActivityFilter, MainWindow
from ui.style import STYLESHEET

logger = logging.getLogger(__name__)


class KioskApp:
    """The running touchscreen: build it, show it, ``close()`` it (tests use it directly)."""

    def __init__(self, config: Config, app: QApplication) -> None:
        self.config = config
        self.app = app
        app.setStyleSheet(STYLESHEET)
        self.translations = Translations(app, config.data_dir / "cache", config.ui.language)
        self.core_thread = CoreThread(Core(config))
        self.core_thread.start()  # raises StorageError in plain words if the data cannot be opened
        self.bridge = Bridge(self.core_thread)
        self.window = MainWindow(self.bridge, self.translations, config)
        self.activity = ActivityFilter(self.bridge)
        app.installEventFilter(self.activity)
        # After the activity filter, so that it runs first: a swallowed key is no activity.
        self.lockdown = Lockdown(self.window, config.ui.fullscreen, config.ui.physical_keyboard)
        app.installEventFilter(self.lockdown)
        self.keyboard = (
            VirtualKeyboard(app, self.translations, self.window)
            if virtual_keyboard_enabled()
            else None
        )
        self.bridge.attach()

    def show(self) -> None:
        if self.config.ui.fullscreen:
            self.window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            self.window.showFullScreen()
        else:
            self.window.show()

    def close(self) -> None:
        self.bridge.snapshot.disconnect(self.window.show_snapshot)
        self.app.removeEventFilter(self.lockdown)
        self.app.removeEventFilter(self.activity)
        if self.keyboard is not None:
            self.keyboard.close()
        self.bridge.wait_idle()
        self.window.allow_close()
        self.window.close()
        self.core_thread.stop()  # parks an open session: the next start offers to resume it
        self.translations.close()
        self.window.deleteLater()


class _SignalWakeup:
    """SIGTERM/SIGINT through a wakeup fd watched by the Qt loop (Python handlers alone would wait
    for the next Python bytecode, which may never come while Qt sleeps)."""

    def __init__(self, app: QApplication) -> None:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        signal.set_wakeup_fd(self._write.fileno())
        self.notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self.notifier.activated.connect(self._drain)
        self.app = app
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        logger.info("app: signal %d received, stopping", signum)
        # Queued, so that a signal received before the loop runs still ends it once it does.
        # exit(), not quit(): since Qt 6, quit() first asks every window to close, and the kiosk
        # window refuses; KioskApp.close() closes it after the loop.
        QTimer.singleShot(0, lambda: self.app.exit(0))

    def _drain(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self._read.recv(64)

    def close(self) -> None:
        signal.set_wakeup_fd(-1)
        self.notifier.setEnabled(False)
        self._read.close()
        self._write.close()


def _choose_platform() -> None:
    """Without a screen Qt aborts; say so plainly and run offscreen instead."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        print(
            "kiosk: no screen found (DISPLAY is not set): running without a window",
            file=sys.stderr,
        )
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def run(config: Config) -> int:
    """Entry point of ``kiosk run`` (found through the ``kiosk.frontends`` entry point)."""
    _choose_platform()
    if QApplication.instance() is None:
        enable_virtual_keyboard()  # read by Qt when the application starts
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("kiosk")
    wakeup = _SignalWakeup(app)  # before the core starts: a SIGTERM during start-up is clean too
    try:
        kiosk = KioskApp(config, app)
        kiosk.show()
        try:
            status = app.exec()
        finally:
            kiosk.close()
    finally:
        wakeup.close()
    return int(status)
