"""IDLE, nobody signed in: choose your name, type your PIN."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk import errors
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.touch import ChoiceGroup, PinPad, big_button, button_row, label


class SignInScreen(Screen):
    patient_facing = False

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.hint = label(kind="subtitle")
        self.none_yet = label()
        self.none_yet.setObjectName("no_assistant")
        self.names_box = QWidget()
        self.names_layout = QGridLayout(self.names_box)
        self.names: ChoiceGroup | None = None
        self._names_key: tuple[tuple[int, str], ...] = ()
        self.pad = PinPad()
        self.pad.submitted.connect(self._submit)
        self.waiting = label(kind="subtitle")
        self.waiting.setObjectName("unfinished_sessions")
        self.message = label(kind="notice")
        self.message.setObjectName("notice")
        self.waiting.hide()
        self.message.hide()
        self.technician = big_button(name="technician")
        self.technician.clicked.connect(lambda: self.bridge.technician(lambda t: t.open_sign_in()))
        self._locked_until = 0.0
        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self._refresh_lock)

        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.hint)
        left.addWidget(self.none_yet)
        left.addWidget(self.names_box)
        left.addStretch(1)
        left.addWidget(self.waiting)
        left.addWidget(self.message)
        left.addLayout(button_row(self.technician, None))
        right = QVBoxLayout()
        right.addStretch(1)
        right.addWidget(self.pad)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.setSpacing(40)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Assistant sign-in"))
        self.technician.setText(self.tr("Technician"))
        self.hint.setText(self.tr("Touch your name, then type your PIN."))
        self.none_yet.setText(
            self.tr(
                "No assistant is registered yet. A technician adds one with the command: "
                "kiosk assistant add NAME"
            )
        )

    def render(self, snap: Snapshot) -> None:
        key = tuple((a.id, a.name) for a in snap.assistants)
        if key != self._names_key:
            self._names_key = key
            if self.names is not None:
                self.names.setParent(None)
                self.names.deleteLater()
            self.names = ChoiceGroup("assistant", [str(i) for i, _ in key], columns=2)
            for assistant_id, name in key:
                self.names.buttons[str(assistant_id)].setText(name)
            self.names_layout.addWidget(self.names, 0, 0)
            if len(key) == 1:
                self.names.set_value(str(key[0][0]))
        self.none_yet.setVisible(not key)
        self.waiting.setText(
            self.tr("Interrupted sessions waiting: {n}. Sign in to resume them.").replace(
                "{n}", str(snap.unfinished)
            )
        )
        self.waiting.setVisible(snap.unfinished > 0)
        self._locked_until = time.monotonic() + snap.locked_for_s if snap.locked_for_s > 0 else 0.0
        self._refresh_lock()

    def _refresh_lock(self) -> None:
        snap = self.snap
        left = self._locked_until - time.monotonic()
        locked = left > 0
        self.pad.setEnabled(not locked and bool(self._names_key))
        if locked:
            self._tick.start()
            text = messages.notice(errors.SCREEN_LOCKED, {"seconds": int(left + 0.999)})
        else:
            self._tick.stop()
            text = ""
            if snap is not None and snap.notice is not None:
                if snap.notice.code == errors.SCREEN_LOCKED:
                    text = ""  # the lock is over
                elif snap.notice.code == errors.WRONG_PIN:
                    text = (
                        messages.notice(errors.WRONG_PIN, {})
                        + " "
                        + self.tr("{n} tries left before the screen locks.").replace(
                            "{n}", str(snap.attempts_left)
                        )
                    )
                else:
                    text = messages.notice(snap.notice.code, snap.notice.params)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _submit(self, pin: str) -> None:
        chosen = self.names.value() if self.names is not None else ""
        if not chosen:
            self.message.setText(self.tr("First touch your name."))
            self.message.show()
            return
        assistant_id = int(chosen)
        self.bridge.command(lambda s: s.sign_in(assistant_id, pin))


__all__ = ["SignInScreen"]
