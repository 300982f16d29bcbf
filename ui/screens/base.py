"""What every screen shares: the bridge, a render of the snapshot, texts set in ``retranslate``."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from kiosk.services.session import Snapshot
from ui.bridge import Bridge


def blank_texts(widget: QWidget) -> None:
    """Empty every label, field and text box inside ``widget`` (a screen then sets its fixed
    texts again with ``retranslate``)."""
    for text in widget.findChildren(QLabel):
        text.clear()
    for edit in widget.findChildren(QLineEdit):
        edit.clear()
    for box in widget.findChildren(QTextEdit):
        box.clear()
    for plain in widget.findChildren(QPlainTextEdit):
        plain.clear()


class Screen(QWidget):
    patient_facing = True  # shows the language button
    # Whether a plugged-in keyboard's keys are taken (unless ui.physical_keyboard says so for all):
    # only behind the technician's PIN. A patient may be alone in front of any other screen, and
    # none of them needs one (the on-screen keyboard types, PINs are typed on touch pads).
    physical_keyboard = False

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self.bridge = bridge
        self.snap: Snapshot | None = None

    def show_snapshot(self, snap: Snapshot) -> None:
        self.snap = snap
        self.render(snap)

    def enter(self, snap: Snapshot) -> None:
        """The screen becomes visible for a session step: reset or prefill what it shows."""

    def render(self, snap: Snapshot) -> None:
        """Show what ``snap`` says. Screens keep what the assistant is typing."""

    def retranslate(self) -> None:
        """Set every text; called at start and on each language change."""

    def forget(self) -> None:
        """The patient has left (the session ended, was parked, or the assistant signed out):
        clear every field, text and picture that showed them. A screen kept hidden in the stack
        still holds its texts, and those must not outlive the patient.

        Screens showing patient data extend this; the snapshot goes in every case, so that a
        language change does not render the old one again.
        """
        self.snap = None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.snap is not None:
                self.render(self.snap)
        super().changeEvent(event)
