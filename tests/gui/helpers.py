"""Taps and waits shared by the touchscreen tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.clock import SystemClock
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository, open_database
from ui.app import KioskApp

PIN = "2468"
_PIN_HASH = hash_pin(PIN)


def add_assistant(data_dir: Path, name: str = "Claire") -> int:
    opened = open_database(data_dir / "kiosk.db", SystemClock())
    try:
        return Repository(opened.db, SystemClock()).add_assistant(name, _PIN_HASH)
    finally:
        opened.close()


def tap(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible(), f"{widget.objectName()} is not on screen"
    assert widget.isEnabled(), f"{widget.objectName()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def button(parent: QWidget, name: str) -> QPushButton:
    found = parent.findChild(QPushButton, name)
    assert found is not None, f"no button {name}"
    return found


def wait_for_screen(qtbot: QtBot, kiosk: KioskApp, screen: QWidget, timeout: int = 5000) -> None:
    qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is screen, timeout=timeout)


def type_pin(qtbot: QtBot, kiosk: KioskApp, pin: str) -> None:
    pad = kiosk.window.signin.pad
    for digit in pin:
        tap(qtbot, pad.keys[digit])
    tap(qtbot, pad.ok)


def sign_in(qtbot: QtBot, kiosk: KioskApp, pin: str = PIN) -> None:
    wait_for_screen(qtbot, kiosk, kiosk.window.signin)
    qtbot.waitUntil(
        lambda: kiosk.window.signin.names is not None and bool(kiosk.window.signin.names.value())
    )
    type_pin(qtbot, kiosk, pin)
    wait_for_screen(qtbot, kiosk, kiosk.window.home)


def assert_touch_targets(kiosk: KioskApp, minimum: int = 90) -> None:
    """Every visible button and text field is at least ``minimum`` px (about 15 mm) both ways."""
    from PySide6.QtWidgets import QLineEdit

    small = [
        f"{w.objectName() or w.text()} {w.width()}x{w.height()}"
        for w in kiosk.window.findChildren(QPushButton)
        if w.isVisible() and (w.width() < minimum or w.height() < minimum)
    ]
    small += [
        f"{w.objectName()} h={w.height()}"
        for w in kiosk.window.findChildren(QLineEdit)
        if w.isVisible() and w.height() < minimum
    ]
    assert not small, f"touch targets smaller than {minimum} px: {small}"


def assert_language_button(kiosk: KioskApp) -> None:
    assert kiosk.window.language.isVisible(), "patient-facing screens offer the other language"
