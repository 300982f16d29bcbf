"""The on-screen keyboard on a real X server (Xvfb), in kiosk mode: docs/screens/24-virtual-keyboard.png.

Run: xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/keyboard_screenshot.py

It also checks what the picture cannot show: a touch on the identity form's first field opens Qt
Virtual Keyboard's panel in French; touches on its keys type into the field; a physical keyboard's
key does not. Exits 1 if any of these fails. The patient shown is fictional.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from shiboken6 import Shiboken

from kiosk.clock import SystemClock
from kiosk.config import Config, DevicesConfig, SessionConfig, UiConfig
from kiosk.flow import State
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository, open_database
from ui.app import KioskApp
from ui.lockdown import enable_virtual_keyboard

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screens" / "24-virtual-keyboard.png"
PANEL_CLASS = "QtVirtualKeyboard::InputView"


def wait(app: QApplication, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        app.processEvents()
        time.sleep(0.02)
    return True


def panel_window() -> QWindow | None:
    for window in QGuiApplication.topLevelWindows():
        if window.metaObject().className() == PANEL_CLASS and window.isVisible():
            return window
    return None


def items(item: QQuickItem) -> Iterator[QQuickItem]:
    for child in item.childItems():
        yield child
        yield from items(child)


def letter_keys(panel: QWindow) -> dict[str, QQuickItem]:
    """The panel's visible character keys by their text (the QML ``Key`` items)."""
    quick = Shiboken.wrapInstance(Shiboken.getCppPointer(panel)[0], QQuickWindow)
    keys: dict[str, QQuickItem] = {}
    for item in items(quick.contentItem()):
        meta = item.metaObject()
        if meta.indexOfProperty("key") >= 0 and item.isVisible():
            text = item.property("text")
            if isinstance(text, str) and text:
                keys.setdefault(text, item)
    return keys


def touch_key(panel: QWindow, key: QQuickItem) -> None:
    centre = key.mapToScene(QPointF(key.width() / 2, key.height() / 2)).toPoint()
    QTest.mouseClick(panel, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)


def scenario(app: QApplication, kiosk: KioskApp, assistant: int, failures: list[str]) -> int:
    kiosk.bridge.command(lambda s: (s.sign_in(assistant, "1234"), s.start_session()))
    identify = kiosk.window.by_state[State.IDENTIFY]
    wait(app, lambda: kiosk.window.stack.currentWidget() is identify)
    kiosk.window.activateWindow()
    wait(app, kiosk.window.isActiveWindow, 5)
    edit = identify.fields["family_name"].edit
    QTest.mouseClick(edit, Qt.MouseButton.LeftButton)  # the patient touches the field
    shown = wait(app, lambda: panel_window() is not None)
    panel = panel_window()
    french = wait(app, lambda: QGuiApplication.inputMethod().locale().name() == "fr_FR")
    if not shown or panel is None:
        failures.append("the on-screen keyboard did not appear")
    else:
        print(f"panel shown: {QGuiApplication.inputMethod().keyboardRectangle()}")
        if not french:
            failures.append("the keyboard is not in French")
        wait(app, lambda: "m" in letter_keys(panel))
        for char in "martin":
            touch_key(panel, letter_keys(panel)[char])
            wait(app, lambda: False, 0.15)
        print(f"typed on the panel: {edit.text()!r}")
        if edit.text() != "Martin":  # the keyboard capitalises the first letter
            failures.append(f"touching the keys typed {edit.text()!r}, not 'Martin'")
        handle = kiosk.window.windowHandle()
        QTest.keyClick(handle, Qt.Key.Key_X, Qt.KeyboardModifier.NoModifier)  # hardware path
        wait(app, lambda: False, 0.2)
        print(f"after a physical key: {edit.text()!r}")
        if edit.text() != "Martin":
            failures.append(f"a physical key typed into the field: {edit.text()!r}")
    wait(app, lambda: False, 0.5)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    app.primaryScreen().grabWindow(0).save(str(OUT))  # the whole X screen
    print(OUT.relative_to(ROOT))
    return 1 if failures else 0


def main() -> int:
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" or not os.environ.get("DISPLAY"):
        print("run under Xvfb: xvfb-run -a -s '-screen 0 1280x800x24' ...", file=sys.stderr)
        return 2
    if not enable_virtual_keyboard():
        print("Qt Virtual Keyboard is not installed (pyside6-addons)", file=sys.stderr)
        return 2
    app = QApplication(sys.argv[:1])
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as data:
        opened = open_database(Path(data) / "kiosk.db", SystemClock())
        claire = Repository(opened.db, SystemClock()).add_assistant("Claire", hash_pin("1234"))
        opened.close()
        none = DevicesConfig(bp="", thermometer="", oximeter="", otoscope="", room_camera="")
        config = Config(
            data_dir=Path(data),
            ui=UiConfig(fullscreen=True),
            session=SessionConfig(idle_timeout_s=3600),
            devices=none,
        )
        kiosk = KioskApp(config, app)
        kiosk.show()
        # In the event loop, as the kiosk runs: leaving it is the panel's cue to go (aboutToQuit).
        QTimer.singleShot(0, lambda: app.exit(scenario(app, kiosk, claire, failures)))
        app.exec()
        kiosk.close()
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
