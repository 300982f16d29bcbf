"""Run the real kiosk window and push 50,000+ calls of Python overrides through the Qt loop.

PySide6 6.12.0 dropped a reference to None at each such call and died after a few thousand
(../shared/traps.md): run as a separate process, so a crash is a dead child, not a dead test run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimerEvent
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from kiosk.config import Config
from ui.app import KioskApp

TARGET = 50_000


class Counter(QObject):
    def __init__(self, app: QApplication, kiosk: KioskApp) -> None:
        super().__init__()
        self.app = app
        self.kiosk = kiosk
        self.timer_events = 0
        self.startTimer(0)

    def timerEvent(self, event: QTimerEvent) -> None:
        self.timer_events += 1
        # A synthetic press goes through the kiosk's own event filter (another Python override).
        if self.timer_events % 10 == 0:
            press = QMouseEvent(
                QEvent.Type.MouseButtonPress,
                QPointF(5, 5),
                QPointF(5, 5),
                Qt.MouseButton.LeftButton,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            )
            QApplication.sendEvent(self.kiosk.window.status, press)
        if self.timer_events >= TARGET:
            self.app.quit()


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as data:
        kiosk = KioskApp(Config(data_dir=Path(data)), app)
        kiosk.window.show()
        counter = Counter(app, kiosk)
        app.exec()
        kiosk.close()
        print(f"timer_events={counter.timer_events}", flush=True)
    return 0 if counter.timer_events >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
