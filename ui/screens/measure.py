"""MEASURE: where measurements begin. The device tiles come with the device service."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QGridLayout, QVBoxLayout

from kiosk.flow import State
from kiosk.identity import mask_nir
from kiosk.services.session import Snapshot
from ui import messages
from ui.bridge import Bridge
from ui.screens.base import Screen
from ui.widgets.touch import big_button, button_row, label

DEVICES = ("blood_pressure", "temperature", "spo2", "otoscope")


class MeasureScreen(Screen):
    def __init__(self, bridge: Bridge) -> None:
        super().__init__(bridge)
        self.title = label(kind="title")
        self.summary = label(kind="subtitle")
        self.summary.setObjectName("patient_summary")
        self.tiles = {code: big_button(name=f"measure_{code}") for code in DEVICES}
        grid = QGridLayout()
        grid.setSpacing(16)
        for index, tile in enumerate(self.tiles.values()):
            tile.setMinimumHeight(150)
            tile.setEnabled(False)  # no device service yet: shown, not usable
            grid.addWidget(tile, index // 2, index % 2)
        self.devices_note = label()
        self.back = big_button(name="back")
        self.back.clicked.connect(lambda: self.bridge.command(lambda s: s.go_back(State.MEASURE)))
        self.end = big_button(role="danger", name="cancel")
        self.end.clicked.connect(lambda: self.bridge.command(lambda s: s.cancel(State.MEASURE)))
        buttons = button_row(self.back, self.end)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 10, 40, 20)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(grid)
        layout.addWidget(self.devices_note)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Measurements"))
        names = {
            "blood_pressure": self.tr("Blood pressure"),
            "temperature": self.tr("Temperature"),
            "spo2": self.tr("Oxygen (SpO2) and pulse"),
            "otoscope": self.tr("Otoscope"),
        }
        for code, tile in self.tiles.items():
            tile.setText(names[code] + "\n" + self.tr("not connected"))
        self.devices_note.setText(self.tr("No measuring device is connected to this cabin yet."))
        self.back.setText(self.tr("Back"))
        self.end.setText(self.tr("End the session"))

    def render(self, snap: Snapshot) -> None:
        session = snap.session
        if session is None or session.identity is None:
            self.summary.setText("")
            return
        who = session.identity
        today = dt.date.today()
        age = (
            today.year
            - who.birth_date.year
            - ((today.month, today.day) < (who.birth_date.month, who.birth_date.day))
        )
        parts = [
            f"{who.family_name.upper()} {who.given_names}",
            self.tr("{age} years").replace("{age}", str(age)),
        ]
        if who.nir:
            parts.append(self.tr("SSN {nir}").replace("{nir}", mask_nir(who.nir)))
        if session.triage is not None:
            parts.append(messages.reason_label(session.triage.reason))
        self.summary.setText("  ·  ".join(parts))
