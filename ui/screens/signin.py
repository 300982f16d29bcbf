"""IDLE, nobody signed in: choose your name, type your PIN."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from kiosk.services.session import Snapshot
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.pin_sign_in import PinSignIn
from ui.widgets.touch import ChoiceGroup, big_button, button_row, label


class SignInScreen(Screen):
    patient_facing = False

    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.waiting = label(kind="subtitle")
        self.waiting.setObjectName("unfinished_sessions")
        self.waiting.hide()
        self.technician = big_button(name="technician")
        self.technician.clicked.connect(lambda: self.bridge.technician(lambda t: t.open_sign_in()))
        self.panel = PinSignIn(
            "assistant",
            "no_assistant",
            "notice",
            lambda assistant_id, pin: self.bridge.command(lambda s: s.sign_in(assistant_id, pin)),
            below=(self.waiting, button_row(self.technician, None)),
        )
        self.title, self.hint, self.none_yet = (
            self.panel.title,
            self.panel.hint,
            self.panel.none_yet,
        )
        self.pad, self.message = self.panel.pad, self.panel.message
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.retranslate()

    @property
    def names(self) -> ChoiceGroup | None:
        return self.panel.names

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
        self.panel.show_people(
            tuple((a.id, a.name) for a in snap.assistants),
            snap.locked_for_s,
            snap.notice,
            snap.attempts_left,
        )
        self.waiting.setText(
            self.tr("Interrupted sessions waiting: {n}. Sign in to resume them.").replace(
                "{n}", str(snap.unfinished)
            )
        )
        self.waiting.setVisible(snap.unfinished > 0)


__all__ = ["SignInScreen"]
