"""Kiosk mode: no window decorations, no keyboard way out, and on patient screens only the
on-screen keyboard types (ui/lockdown.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCloseEvent, QInputMethodEvent, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from kiosk.config import Config, DevicesConfig, UiConfig
from kiosk.flow import State
from tests.gui.helpers import add_assistant, sign_in, tap, type_text, wait_for_screen
from tests.gui.test_run_command import ROOT
from ui import lockdown
from ui.app import KioskApp
from ui.lockdown import leaves_the_kiosk
from ui.screens.base import Screen

Alt = Qt.KeyboardModifier.AltModifier
Ctrl = Qt.KeyboardModifier.ControlModifier
Meta = Qt.KeyboardModifier.MetaModifier
NoMod = Qt.KeyboardModifier.NoModifier

# What someone might try on a cabin's hidden or plugged-in keyboard.
WAYS_OUT = {
    "Alt+F4": (Qt.Key.Key_F4, Alt),
    "Ctrl+Q": (Qt.Key.Key_Q, Ctrl),
    "Ctrl+W": (Qt.Key.Key_W, Ctrl),
    "Escape": (Qt.Key.Key_Escape, NoMod),
    "Alt+Tab": (Qt.Key.Key_Tab, Alt),
    "Meta": (Qt.Key.Key_Meta, Meta),
    "Meta+D": (Qt.Key.Key_D, Meta),
    "F11": (Qt.Key.Key_F11, NoMod),
    "Ctrl+Alt+Backspace": (Qt.Key.Key_Backspace, Ctrl | Alt),
    "Ctrl+Alt+F2": (Qt.Key.Key_F2, Ctrl | Alt),
}

MakeCabin = Callable[..., KioskApp]


@pytest.fixture
def make_cabin(qapp: QApplication, tmp_path: Path) -> Iterator[MakeCabin]:
    """A KioskApp shown as ``kiosk run`` shows it (``KioskApp.show``), kiosk mode by default."""
    apps: list[KioskApp] = []

    def make(fullscreen: bool = True, physical_keyboard: bool = False) -> KioskApp:
        none = DevicesConfig(bp="", thermometer="", oximeter="", otoscope="", room_camera="")
        config = Config(
            data_dir=tmp_path,
            ui=UiConfig(fullscreen=fullscreen, physical_keyboard=physical_keyboard),
            devices=none,
        )
        kiosk = KioskApp(config, qapp)
        kiosk.show()
        apps.append(kiosk)
        return kiosk

    yield make
    for kiosk in apps:
        kiosk.close()
    QApplication.processEvents()


MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_AltGr})


class KeySpy(QObject):
    """Records the key presses that reach the object it watches (but a modifier's own, which
    QTest sends before the key)."""

    def __init__(self, watched: QObject) -> None:
        super().__init__()
        self.presses: list[int] = []
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key not in MODIFIER_KEYS:
                self.presses.append(key)
        return False


def open_identity(qtbot: QtBot, kiosk: KioskApp) -> QLineEdit:
    """Sign in, start a session; the identity form's first field has the focus."""
    sign_in(qtbot, kiosk)
    tap(qtbot, kiosk.window.home.start)
    screen = kiosk.window.by_state[State.IDENTIFY]
    wait_for_screen(qtbot, kiosk, screen)
    edit = screen.fields["family_name"].edit
    kiosk.window.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
    return edit


def window_state(kiosk: KioskApp) -> tuple[object, ...]:
    window = kiosk.window
    return (window.isVisible(), window.windowState(), window.geometry(), window.isActiveWindow())


def press_like_hardware(kiosk: KioskApp, key: int, modifiers: Qt.KeyboardModifier) -> None:
    """Through the window, as the window system delivers a key (spontaneous, shortcuts tried)."""
    QTest.keyClick(kiosk.window.windowHandle(), Qt.Key(key), modifiers)


# -- the window ---------------------------------------------------------------------------------
def test_kiosk_window_is_frameless_full_screen_and_on_top(make_cabin: MakeCabin) -> None:
    kiosk = make_cabin()
    flags = kiosk.window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert kiosk.window.isFullScreen()


def test_closing_the_kiosk_window_is_refused_while_it_runs(make_cabin: MakeCabin) -> None:
    kiosk = make_cabin()
    assert not kiosk.window.close()  # close() from outside
    close = QCloseEvent()  # what the compositor's close request becomes
    QApplication.sendEvent(kiosk.window, close)
    assert not close.isAccepted()
    assert not kiosk.window.windowHandle().close()
    QApplication.processEvents()
    assert kiosk.window.isVisible() and kiosk.window.isFullScreen()
    kiosk.window.allow_close()  # what KioskApp.close() does when the application ends
    assert kiosk.window.close()


def test_a_development_window_closes(make_cabin: MakeCabin) -> None:
    kiosk = make_cabin(fullscreen=False)
    assert not kiosk.window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert kiosk.window.close()


# -- keys that could leave the kiosk ------------------------------------------------------------
@pytest.mark.parametrize("name", list(WAYS_OUT))
def test_keys_that_could_leave_the_kiosk_do_nothing(
    qtbot: QtBot, make_cabin: MakeCabin, tmp_path: Path, name: str
) -> None:
    add_assistant(tmp_path)
    # A plugged-in keyboard allowed, so that only the kiosk rule stands between the key and us.
    kiosk = make_cabin(physical_keyboard=True)
    edit = open_identity(qtbot, kiosk)
    type_text(edit, "Martin")
    key, modifiers = WAYS_OUT[name]
    # Qt binds none of these itself; a shortcut bound one day (a QAction) must not fire either.
    fired: list[str] = []
    shortcut = QShortcut(QKeySequence(key | modifiers), kiosk.window)
    shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
    shortcut.activated.connect(lambda: fired.append(name))
    shortcut.activated.connect(kiosk.window.close)
    spy = KeySpy(edit)
    before = window_state(kiosk)
    press_like_hardware(kiosk, key, modifiers)
    QTest.keyClick(edit, Qt.Key(key), modifiers)  # and straight at the focused field
    QApplication.processEvents()
    assert fired == []
    assert spy.presses == []
    assert window_state(kiosk) == before
    assert kiosk.window.stack.currentWidget() is kiosk.window.by_state[State.IDENTIFY]
    assert edit.text() == "Martin"
    # The same path does deliver an ordinary key: the spy would have seen the others.
    press_like_hardware(kiosk, Qt.Key.Key_S, NoMod)
    assert edit.text() == "Martins"
    assert spy.presses == [Qt.Key.Key_S]


def test_without_kiosk_mode_the_same_shortcut_would_fire(
    qtbot: QtBot, make_cabin: MakeCabin, tmp_path: Path
) -> None:
    """The control for the test above: the shortcut and the key path work."""
    add_assistant(tmp_path)
    kiosk = make_cabin(fullscreen=False, physical_keyboard=True)
    open_identity(qtbot, kiosk)
    fired: list[bool] = []
    shortcut = QShortcut(QKeySequence("Ctrl+Q"), kiosk.window)
    shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
    shortcut.activated.connect(lambda: fired.append(True))
    press_like_hardware(kiosk, Qt.Key.Key_Q, Ctrl)
    assert fired == [True]


def test_which_keys_leave_the_kiosk() -> None:
    for key, modifiers in WAYS_OUT.values():
        assert leaves_the_kiosk(key, modifiers)
    assert leaves_the_kiosk(Qt.Key.Key_Delete, Ctrl | Alt)
    assert leaves_the_kiosk(Qt.Key.Key_F1, NoMod)
    for key, modifiers in [
        (Qt.Key.Key_A, NoMod),
        (Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier),
        (Qt.Key.Key_Backspace, NoMod),
        (Qt.Key.Key_Return, NoMod),
        (Qt.Key.Key_Tab, NoMod),
        (Qt.Key.Key_C, Ctrl),  # copy and paste stay
        (Qt.Key.Key_Eacute, NoMod),
    ]:
        assert not leaves_the_kiosk(key, modifiers)


# -- the physical keyboard ----------------------------------------------------------------------
def test_a_physical_keyboard_does_not_type_on_the_identity_form(
    qtbot: QtBot, make_cabin: MakeCabin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_assistant(tmp_path)
    kiosk = make_cabin()
    edit = open_identity(qtbot, kiosk)
    touches: list[bool] = []
    monkeypatch.setattr(kiosk.bridge, "touch", lambda: touches.append(True))
    qtbot.keyClicks(edit, "abc")  # straight at the field
    press_like_hardware(kiosk, Qt.Key.Key_D, NoMod)  # through the window
    press_like_hardware(kiosk, Qt.Key.Key_Return, NoMod)
    QApplication.processEvents()
    assert edit.text() == ""
    assert touches == [], "a hidden keyboard does not keep a session alive either"
    assert kiosk.window.stack.currentWidget() is kiosk.window.by_state[State.IDENTIFY]


def test_the_on_screen_keyboard_types_on_the_identity_form(
    qtbot: QtBot, make_cabin: MakeCabin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_assistant(tmp_path)
    kiosk = make_cabin()
    edit = open_identity(qtbot, kiosk)
    touches: list[bool] = []
    monkeypatch.setattr(kiosk.bridge, "touch", lambda: touches.append(True))
    # Word-predicting input methods commit text with input method events...
    commit = QInputMethodEvent("", [])
    commit.setCommitString("Martin")
    QApplication.sendEvent(edit, commit)
    assert edit.text() == "Martin"
    # ...and the Latin layouts send key clicks from the input context, not spontaneous (seen
    # under Xvfb with the real panel: scripts/keyboard_screenshot.py).
    type_text(edit, "-Lefèvre")
    assert edit.text() == "Martin-Lefèvre"
    assert touches, "typing on the on-screen keyboard is activity"


def test_the_physical_keyboard_setting_lets_a_keyboard_type(
    qtbot: QtBot, make_cabin: MakeCabin, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_cabin(fullscreen=False, physical_keyboard=True)
    edit = open_identity(qtbot, kiosk)
    qtbot.keyClicks(edit, "Martin")
    press_like_hardware(kiosk, Qt.Key.Key_S, NoMod)
    assert edit.text() == "Martins"


def test_only_the_technician_panel_takes_a_physical_keyboard(make_cabin: MakeCabin) -> None:
    kiosk = make_cabin()
    window = kiosk.window
    screens = [window.stack.widget(i) for i in range(window.stack.count())]
    assert all(isinstance(screen, Screen) for screen in screens)
    assert [s for s in screens if s.physical_keyboard] == [window.technician]  # type: ignore[attr-defined]
    spy = KeySpy(window.windowHandle())
    press_like_hardware(kiosk, Qt.Key.Key_A, NoMod)
    assert spy.presses == []  # the assistant's sign-in screen
    window.stack.setCurrentWidget(window.technician)
    assert window.accepts_physical_keyboard()
    press_like_hardware(kiosk, Qt.Key.Key_A, NoMod)
    assert spy.presses == [Qt.Key.Key_A]
    press_like_hardware(kiosk, Qt.Key.Key_F4, Alt)  # kiosk mode still holds there
    assert spy.presses == [Qt.Key.Key_A]


# -- the on-screen keyboard itself --------------------------------------------------------------
@pytest.mark.allow_log_warnings
def test_without_the_plugin_the_kiosk_says_so_once_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("QT_IM_MODULE", raising=False)
    monkeypatch.setattr(lockdown, "virtual_keyboard_plugin", lambda: None)
    assert not lockdown.enable_virtual_keyboard()
    assert "QT_IM_MODULE" not in os.environ
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "on-screen keyboard" in warnings[0].getMessage()


def test_the_plugin_is_found_in_the_installed_qt() -> None:
    plugin = lockdown.virtual_keyboard_plugin()
    if plugin is None:
        pytest.skip("pyside6-addons (Qt Virtual Keyboard) is not installed")
    assert plugin.parent.name == "platforminputcontexts"


PROBE = """
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("QT_IM_MODULE", None)
from ui.lockdown import VirtualKeyboard, enable_virtual_keyboard, virtual_keyboard_plugin
plugin = virtual_keyboard_plugin()
if plugin is None or not enable_virtual_keyboard():
    print(json.dumps({"plugin": None}))
    sys.exit(0)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit

class Screens:
    language = "fr"

app = QApplication([])
edit = QLineEdit()
screens = Screens()
keyboard = VirtualKeyboard(app, screens, edit)
edit.show()
edit.activateWindow()
edit.setFocus()
method = QGuiApplication.inputMethod()

def wait(condition):
    end = time.monotonic() + 15
    while not condition() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)

def panel():
    names = [w.metaObject().className() for w in QGuiApplication.topLevelWindows()]
    return "QtVirtualKeyboard::InputView" in names

height = []

def shown():
    method.show()  # what a touch on the field asks for (once the panel has loaded)
    height.append(method.keyboardRectangle().height() if method.isVisible() else 0)
    return height[-1] > 0

wait(panel)  # created by the input context when a text field has the focus
# (Offscreen, the panel's window then takes the focus, which hides it again: not so under X.)
wait(shown)
wait(lambda: method.locale().name() == "fr_FR")
seen = {
    "plugin": str(plugin),
    "im_module": os.environ.get("QT_IM_MODULE"),
    "windows": [w.metaObject().className() for w in QGuiApplication.topLevelWindows()],
    "keyboard_height": max(height),
    "locale": method.locale().name(),
}
screens.language = "en"
keyboard.follow()
wait(lambda: method.locale().name() == "en_GB")
seen["locale_en"] = method.locale().name()
print(json.dumps(seen), flush=True)
app.exit(0)
app.aboutToQuit.emit()  # as when the kiosk's event loop ends: the panel goes first
"""


def test_the_virtual_keyboard_is_the_input_method(tmp_path: Path) -> None:
    """In a process of its own: Qt reads QT_IM_MODULE once, when the application starts."""
    env = {k: v for k, v in os.environ.items() if k != "QT_IM_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines or json.loads(lines[-1]).get("plugin") is None:
        pytest.skip(f"Qt Virtual Keyboard does not load here: {done.stderr[-500:]}")
    seen = json.loads(lines[-1])
    if "QtVirtualKeyboard::InputView" not in seen["windows"]:
        pytest.skip(f"the plugin loads but shows no panel offscreen: {done.stderr[-500:]}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert seen["im_module"] == "qtvirtualkeyboard"
    assert seen["keyboard_height"] > 0
    assert seen["locale"] == "fr_FR"  # French first
    assert seen["locale_en"] == "en_GB"  # and English when the screens are in English
