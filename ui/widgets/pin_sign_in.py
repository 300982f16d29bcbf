"""Sign in by touching a name and typing a PIN: the assistants' and the technicians' screens.

The widget shows the people, the PIN pad and the message (wrong PIN with the tries left, the
lockout countdown, any other notice); the screen gives it the texts and what to do with a PIN.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLayout, QVBoxLayout, QWidget

from kiosk import errors
from kiosk.services.session import Notice
from ui import messages
from ui.widgets.touch import ChoiceGroup, PinPad, label


class PinSignIn(QWidget):
    def __init__(
        self,
        choice_name: str,
        none_yet_name: str,
        message_name: str,
        on_pin: Callable[[int, str], None],
        below: tuple[QWidget | QLayout, ...] = (),
    ) -> None:
        super().__init__()
        self._choice_name = choice_name
        self._on_pin = on_pin
        self.title = label(kind="title")
        self.hint = label(kind="subtitle")
        self.none_yet = label()
        self.none_yet.setObjectName(none_yet_name)
        self.names_box = QWidget()
        self.names_layout = QGridLayout(self.names_box)
        self.names: ChoiceGroup | None = None
        self._names_key: tuple[tuple[int, str], ...] = ()
        self.pad = PinPad()
        self.pad.submitted.connect(self._submit)
        self.message = label(kind="notice")
        self.message.setObjectName(message_name)
        self.message.hide()
        self._locked_until = 0.0
        self._notice: Notice | None = None
        self._attempts_left = 0
        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self._refresh_lock)
        left = QVBoxLayout()
        left.addWidget(self.title)
        left.addWidget(self.hint)
        left.addWidget(self.none_yet)
        left.addWidget(self.names_box)
        left.addStretch(1)
        for item in below[:-1]:
            _add(left, item)
        left.addWidget(self.message)
        if below:
            _add(left, below[-1])
        right = QVBoxLayout()
        right.addStretch(1)
        right.addWidget(self.pad)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.setSpacing(40)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

    def show_people(
        self,
        people: tuple[tuple[int, str], ...],
        locked_for_s: float,
        notice: Notice | None,
        attempts_left: int,
    ) -> None:
        if people != self._names_key:
            self._names_key = people
            if self.names is not None:
                self.names.setParent(None)
                self.names.deleteLater()
            self.names = ChoiceGroup(self._choice_name, [str(i) for i, _ in people], columns=2)
            for person_id, name in people:
                self.names.buttons[str(person_id)].setText(name)
            self.names_layout.addWidget(self.names, 0, 0)
            if len(people) == 1:
                self.names.set_value(str(people[0][0]))
        self.none_yet.setVisible(not people)
        self._notice = notice
        self._attempts_left = attempts_left
        self._locked_until = time.monotonic() + locked_for_s if locked_for_s > 0 else 0.0
        self._refresh_lock()

    def _refresh_lock(self) -> None:
        left = self._locked_until - time.monotonic()
        locked = left > 0
        self.pad.setEnabled(not locked and bool(self._names_key))
        text = ""
        if locked:
            self._tick.start()
            text = messages.notice(errors.SCREEN_LOCKED, {"seconds": int(left + 0.999)})
        else:
            self._tick.stop()
            notice = self._notice
            if notice is not None and notice.code == errors.WRONG_PIN:
                text = (
                    messages.notice(errors.WRONG_PIN, {})
                    + " "
                    + self.tr("{n} tries left before the screen locks.").replace(
                        "{n}", str(self._attempts_left)
                    )
                )
            elif notice is not None and notice.code != errors.SCREEN_LOCKED:  # a lock is over
                text = messages.notice(notice.code, notice.params)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _submit(self, pin: str) -> None:
        chosen = self.names.value() if self.names is not None else ""
        if not chosen:
            self.message.setText(self.tr("First touch your name."))
            self.message.show()
            return
        self._on_pin(int(chosen), pin)


def _add(layout: QVBoxLayout, item: QWidget | QLayout) -> None:
    if isinstance(item, QLayout):
        layout.addLayout(item)
    else:
        layout.addWidget(item)


__all__ = ["PinSignIn"]
