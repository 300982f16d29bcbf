"""What every screen shares: the bridge, a render of the snapshot, texts set in ``retranslate``."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QWidget

from kiosk.services.session import Snapshot
from ui.bridge import Bridge


class Screen(QWidget):
    patient_facing = True  # shows the language button

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

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            if self.snap is not None:
                self.render(self.snap)
        super().changeEvent(event)
