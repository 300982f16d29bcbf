"""Taps and waits shared by the touchscreen tests."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.clock import SystemClock
from kiosk.flow import State
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository
from tests.support.kiosk_db import connect_kiosk_db, open_kiosk_db
from ui.app import KioskApp

PIN = "2468"
_PIN_HASH = hash_pin(PIN)


def add_assistant(data_dir: Path, name: str = "Claire") -> int:
    opened = open_kiosk_db(data_dir)  # encrypted, as the kiosk will open it
    try:
        return Repository(opened.db, SystemClock()).add_assistant(name, _PIN_HASH)
    finally:
        opened.close()


def tap(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isVisible(), f"{widget.objectName()} is not on screen"
    assert widget.isEnabled(), f"{widget.objectName()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_text(widget: QWidget, text: str) -> None:
    """Type as the on-screen keyboard does: one key click per character, sent by the input
    context (not spontaneous). A physical keyboard's keys are spontaneous, and patient screens
    ignore them (ui/lockdown.py), so ``qtbot.keyClicks`` types nothing there."""
    for char in text:
        # Qt's key codes of Latin-1 characters are their capital's code point (Key_A, Key_Eacute).
        code = ord(char.upper()) if ord(char.upper()) < 0x100 else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, char)
            QApplication.sendEvent(widget, event)


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


# -- walking a session --------------------------------------------------------------------------
def fill_identity(qtbot: QtBot, kiosk: KioskApp, **values: str) -> None:
    screen = kiosk.window.by_state[State.IDENTIFY]
    for name, value in values.items():
        if name == "sex":
            tap(qtbot, screen.sex.buttons[value])
            continue
        edit = screen.fields[name].edit
        edit.clear()
        type_text(edit, value)


VALID = {
    "family_name": "Martin",
    "given_names": "Jeanne Marie",
    "birth_date": "24/06/1942",
    "sex": "female",
    "nir": "2 42 06 75 112 233",
}


def nir_with_key(body: str) -> str:
    return body + f"{97 - int(body) % 97:02d}"


def go_to_consent(qtbot: QtBot, kiosk: KioskApp) -> None:
    sign_in(qtbot, kiosk)
    tap(qtbot, kiosk.window.home.start)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.IDENTIFY])
    values = dict(VALID, nir=nir_with_key("2420675112233"))
    fill_identity(qtbot, kiosk, **values)
    tap(qtbot, button(kiosk.window.by_state[State.IDENTIFY], "next"))
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.CONSENT])


def answer_all_flags(qtbot: QtBot, kiosk: KioskApp, yes: tuple[str, ...] = ()) -> None:
    screen = kiosk.window.by_state[State.TRIAGE]
    for code, flag in screen.flags.items():
        tap(qtbot, flag.choice.buttons["yes" if code in yes else "no"])


def db_rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = connect_kiosk_db(tmp_path / "kiosk.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def go_to_measure(qtbot: QtBot, kiosk: KioskApp, reason: str = "fever") -> None:
    """Sign in, start a session, identify, consent, pass the emergency signs: MEASURE."""
    go_to_consent(qtbot, kiosk)
    tap(qtbot, button(kiosk.window.by_state[State.CONSENT], "consent_yes"))
    triage = kiosk.window.by_state[State.TRIAGE]
    wait_for_screen(qtbot, kiosk, triage)
    answer_all_flags(qtbot, kiosk)
    tap(qtbot, triage.flags_next)
    tap(qtbot, triage.reasons.buttons[reason])
    tap(qtbot, triage.submit)
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.MEASURE])


def clean_the_cabin(qtbot: QtBot, kiosk: KioskApp) -> None:
    """On the cleaning checklist: touch every item, then "Finish"; the home comes back."""
    screen = kiosk.window.by_state[State.HYGIENE]
    wait_for_screen(qtbot, kiosk, screen)
    for item in screen.items.values():
        tap(qtbot, item)
        qtbot.waitUntil(lambda b=item: b.property("done") == "true")
    tap(qtbot, screen.finish)
    wait_for_screen(qtbot, kiosk, kiosk.window.home)
