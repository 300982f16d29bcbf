"""Escape-proofing: no keyboard way out of the kiosk; the on-screen keyboard is the patient's.

- ``enable_virtual_keyboard()`` (before the QApplication exists) makes Qt Virtual Keyboard, from
  pyside6-addons, the input method: a tap on a text field opens its panel, a window of its own above
  ours. Its Latin layouts type by sending key events *from the input context* (not spontaneous);
  the word-predicting input methods send input method events. Both reach the fields. Verified on X
  with no window manager (Xvfb). On Wayland, Qt warns that the panel is not supported client-side,
  and under cage 0.1.4 (headless) the panel's window took the keyboard focus: a key was lost and the
  panel closed. So: an X client (Xorg with no window manager; cage's Xwayland is untested).
- ``VirtualKeyboard`` puts the French layout first, English beside it (the globe key), follows the
  language of the screens, shows what is typed above the keys (the panel hides the lower fields),
  and lets the panel end without crashing the kiosk.
- ``Lockdown``, an application-wide event filter: in kiosk mode it swallows the keys that could
  close, leave or disturb the kiosk; unless ``ui.physical_keyboard`` is set, it swallows every key of
  a physical keyboard (spontaneous key events) on the screens a patient may stand in front of.

What only the system can block (Qt never sees these keys, or sees them too late): switching to a text
console with Ctrl+Alt+F1...F12 (cage refuses it unless started with -s; Xorg needs Option
"DontVTSwitch"), Ctrl+Alt+Delete (systemd's ctrl-alt-del.target; mask it), the power and sleep keys
(logind's HandlePowerKey and friends), SysRq (the kernel.sysrq sysctl), Xorg's Ctrl+Alt+Backspace
(Option "DontZap", on by default) and any binding of a window manager or compositor.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QObject, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QKeyEvent, QShortcutEvent
from PySide6.QtQml import QQmlComponent, QQmlEngine
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from ui.i18n import Translations
    from ui.main_window import MainWindow

logger = logging.getLogger(__name__)

VIRTUAL_KEYBOARD = "qtvirtualkeyboard"
# The layouts this build of Qt Virtual Keyboard has that a cabin needs, French first.
KEYBOARD_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

_KEY_EVENTS = frozenset(
    {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}
)
_ALONE = frozenset(
    {
        Qt.Key.Key_Escape,  # closes dialogs, leaves full screen in many programs
        Qt.Key.Key_Meta,  # the Windows/Super key: the desktop's menus and bindings
        Qt.Key.Key_Super_L,
        Qt.Key.Key_Super_R,
        Qt.Key.Key_Hyper_L,
        Qt.Key.Key_Hyper_R,
        Qt.Key.Key_Menu,
        Qt.Key.Key_Close,  # the "close" key of some keyboards
    }
)
_WITH_ALT = frozenset({Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Space, Qt.Key.Key_Escape})
_WITH_CTRL = frozenset({Qt.Key.Key_Q, Qt.Key.Key_W, Qt.Key.Key_Escape})


def leaves_the_kiosk(key: int, modifiers: Qt.KeyboardModifier) -> bool:
    """True for the keys that close, leave or disturb a kiosk: Alt+F4, Ctrl+Q, Ctrl+W, Escape,
    Alt+Tab, the Meta/Super keys, F11 and every function key, any Ctrl+Alt combination
    (Ctrl+Alt+Backspace, Ctrl+Alt+Delete, Ctrl+Alt+F1...)."""
    if key in _ALONE or Qt.Key.Key_F1 <= key <= Qt.Key.Key_F35:
        return True
    if modifiers & Qt.KeyboardModifier.MetaModifier:
        return True
    alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    return (alt and ctrl) or (alt and key in _WITH_ALT) or (ctrl and key in _WITH_CTRL)


def virtual_keyboard_plugin() -> Path | None:
    """The Qt Virtual Keyboard input context plugin of the installed Qt, or None."""
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforminputcontexts"
    found = sorted(folder.glob(f"*{VIRTUAL_KEYBOARD}plugin*"))
    return found[0] if found else None


def enable_virtual_keyboard() -> bool:
    """Make the on-screen keyboard the input method. Call it before the QApplication exists."""
    plugin = virtual_keyboard_plugin()
    if plugin is None:
        logger.warning(
            "ui: the on-screen keyboard (Qt Virtual Keyboard, from pyside6-addons) is not "
            "installed: text fields cannot be typed into by touch"
        )
        return False
    previous = os.environ.get("QT_IM_MODULE")
    if previous and previous != VIRTUAL_KEYBOARD:
        logger.info("ui: input method %s replaced by the on-screen keyboard", previous)
    os.environ["QT_IM_MODULE"] = VIRTUAL_KEYBOARD
    return True


def virtual_keyboard_enabled() -> bool:
    return os.environ.get("QT_IM_MODULE") == VIRTUAL_KEYBOARD


# The settings of Qt Virtual Keyboard are a QML singleton shared by every QML engine of the
# process (the panel has its own engine): setting them here sets them for the panel.
_SETTINGS_QML = b"""
import QtQml
import QtQuick.VirtualKeyboard.Settings

QtObject {
    property string locale: ""
    property var locales: []
    onLocalesChanged: VirtualKeyboardSettings.activeLocales = locales
    onLocaleChanged: VirtualKeyboardSettings.locale = locale
    // The panel covers the lower half of the screen, and the fields there with it: a copy of the
    // field being typed in shows above the keys.
    Component.onCompleted: VirtualKeyboardSettings.fullScreenMode = true
}
"""


class VirtualKeyboard(QObject):
    """The on-screen keyboard's languages (French layout first, English available, following the
    language of the screens) and its safe end."""

    def __init__(self, app: QCoreApplication, translations: Translations, window: QObject) -> None:
        super().__init__()
        self.app = app
        self.translations = translations
        self.window = window
        self.engine = QQmlEngine(self)
        component = QQmlComponent(self.engine)
        component.setData(_SETTINGS_QML, QUrl("kiosk-keyboard-settings.qml"))
        self.settings = component.create()
        if self.settings is None:
            logger.warning(
                "ui: cannot set the on-screen keyboard's languages: %s",
                "; ".join(error.toString() for error in component.errors()),
            )
        else:
            self.settings.setParent(self)
            self.settings.setProperty("locales", list(KEYBOARD_LOCALES.values()))
            self.follow()
        window.installEventFilter(self)
        # Connected before the panel exists, so before the panel's own aboutToQuit slot, which
        # destroys it: Qt Virtual Keyboard 6.11 then crashes (a dangling window) when a focused
        # field loses its focus later, and aborts (QCursor after QGuiApplication) if the panel is
        # still there when the application is destroyed. Measured under Xvfb.
        app.aboutToQuit.connect(self.release)

    def follow(self) -> None:
        if self.settings is not None:
            locale = KEYBOARD_LOCALES.get(self.translations.language, KEYBOARD_LOCALES["fr"])
            self.settings.setProperty("locale", locale)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LanguageChange:
            self.follow()
        return False

    def release(self) -> None:
        """No field keeps the focus, the panel is hidden: the panel can go."""
        focused = QApplication.focusWidget()
        if focused is not None:
            focused.clearFocus()
        QGuiApplication.inputMethod().hide()

    def close(self) -> None:
        self.window.removeEventFilter(self)
        self.app.aboutToQuit.disconnect(self.release)


class Lockdown(QObject):
    """Application-wide filter of key events (install it after ``ActivityFilter``: filters run
    newest first, so a swallowed key is not activity either)."""

    def __init__(self, window: MainWindow, kiosk: bool, physical_keyboard: bool) -> None:
        super().__init__()
        self.window = window
        self.kiosk = kiosk
        self.physical_keyboard = physical_keyboard

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _KEY_EVENTS:
            assert isinstance(event, QKeyEvent)
            if self.kiosk and leaves_the_kiosk(event.key(), event.modifiers()):
                return self._swallow(event, "a key that could leave the kiosk")
            # A physical keyboard's keys come from the window system (spontaneous); the on-screen
            # keyboard's come from the input context (not spontaneous).
            if (
                event.spontaneous()
                and not self.physical_keyboard
                and not self.window.accepts_physical_keyboard()
            ):
                return self._swallow(event, "a physical keyboard's key on this screen")
        elif kind == QEvent.Type.Shortcut and self.kiosk:
            # A shortcut someone binds one day (a QAction, a QShortcut) must not open a way out.
            assert isinstance(event, QShortcutEvent)
            sequence = event.key()
            if sequence.count() and leaves_the_kiosk(
                sequence[0].key(), sequence[0].keyboardModifiers()
            ):
                return self._swallow(event, "a shortcut that could leave the kiosk")
        return False

    def _swallow(self, event: QEvent, what: str) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # overridden: no shortcut fires either
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.Shortcut):
            logger.debug("ui: %s ignored", what)
        return True


__all__ = [
    "Lockdown",
    "VirtualKeyboard",
    "enable_virtual_keyboard",
    "leaves_the_kiosk",
    "virtual_keyboard_enabled",
]
